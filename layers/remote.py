"""The folium side of a layer whose features the browser fetches itself.

Why on demand rather than inline GeoJSON: at reference scale (50 000
communities, 100 000 incidents in a 90-day window) inline data would make an
HTML page of hundreds of MB. Instead the page carries only layer specs; when
a layer is on, ``peacemap.js`` requests the JSON API for the current view
(``bbox`` of the map, ``limit``, the date window), draws points on one shared
canvas (``prefer_canvas``), clusters incidents with markercluster, and says
"n of N shown" in the legend when the limit cut the view. A view holding more
incidents than the limit gets per-cell counts from ``/map/incident-grid``
instead (``layers.aggregate``), so every incident counts at mission zoom.
Moving the map reloads what is visible. The admin-area choropleth comes simplified from
``/map/admin-areas``; a spec may also carry small data inline.
"""

from __future__ import annotations

import json

import folium
from branca.element import MacroElement
from folium.utilities import get_obj_in_upper_tree
from jinja2 import Template

from layers import assets
from layers.spec import LayerSpec


class RemoteLayer(MacroElement):
    """Binds a ``LayerSpec`` to the ``FeatureGroup`` it is added to."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        peacemap.remoteLayer({{ this.map_name() }}, {{ this._parent.get_name() }}, {{ this.options_json() }});
        {% endmacro %}"""
    )

    def __init__(self, spec: LayerSpec):
        super().__init__()
        self._name = "RemoteLayer"
        self.spec = spec

    def map_name(self) -> str:
        return get_obj_in_upper_tree(self, folium.Map).get_name()

    def options_json(self) -> str:
        # "</" must not close the surrounding <script> when data is inlined.
        return json.dumps(self.spec.options(), separators=(",", ":")).replace("</", "<\\/")

    def render(self, **kwargs):
        figure = self.get_root()
        for name, url in assets.PEACEMAP_JS + (assets.CLUSTER_JS if self.spec.cluster else []) + (
            assets.HEAT_JS if self.spec.heat else []
        ):
            figure.header.add_child(folium.JavascriptLink(url), name=name)
        for name, url in assets.PEACEMAP_CSS + (assets.CLUSTER_CSS if self.spec.cluster else []):
            figure.header.add_child(folium.CssLink(url), name=name)
        super().render(**kwargs)


def feature_group(spec: LayerSpec) -> folium.FeatureGroup:
    """A named, toggleable group that fills itself from ``spec`` when shown."""
    group = folium.FeatureGroup(name=spec.name, show=spec.show, overlay=True, control=True)
    group.add_child(RemoteLayer(spec))
    group.spec = spec
    return group
