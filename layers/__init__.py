"""Folium layer builders and the map composition (docs/architecture.md).

Layers only build layers: each builder takes the date window and the URLs of
its sources (made by the router with ``url_for``) and returns a
:class:`~layers.remote.RemoteLayer`, a ``folium.FeatureGroup`` whose features
the browser fetches as GeoJSON for the current view (bbox, ``limit``) when
the layer is switched on, and draws on canvas. No SQL, no routes here: the
figures come from ``geo`` through the API.
"""

from layers.compose import DEFAULT_LAYERS, LAYER_BUILDERS, ROUTE_NAMES, build_map
from layers.spec import DateWindow, LayerSpec

__all__ = ["DEFAULT_LAYERS", "LAYER_BUILDERS", "ROUTE_NAMES", "DateWindow", "LayerSpec", "build_map"]
