"""Folium layer builders and the map composition (DESIGN §3).

Each builder returns a configured ``folium.FeatureGroup`` whose features are
fetched as GeoJSON from the JSON API for the current view (bbox, ``limit``)
when the layer is switched on, and drawn on canvas; see ``layers.remote``.
"""

from layers.compose import DEFAULT_LAYERS, LAYER_BUILDERS, build_map
from layers.spec import DateWindow, LayerSpec

__all__ = ["DEFAULT_LAYERS", "LAYER_BUILDERS", "DateWindow", "LayerSpec", "build_map"]
