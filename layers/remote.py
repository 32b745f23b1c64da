"""The folium side of a layer whose features the browser fetches itself.

Why on demand rather than inline GeoJSON: at reference scale (50 000
communities, 100 000 incidents in a 90-day window) inline data would make an
HTML page of hundreds of MB. Instead the page carries only layer specs; when
a layer is on, ``peacemap.js`` requests the JSON API for the current view
(``bbox`` of the map, ``limit``, the date window), draws points on one shared
canvas (``prefer_canvas``), clusters incidents with markercluster, and says
"n of N shown" in the legend when the limit cut the view. A view holding more
incidents than the limit is drawn from vector tiles (``/tiles/…``, read
with Leaflet.VectorGrid), so every incident is drawn at mission zoom; the
heat map weighs the grid's per-cell counts (``geo.incident_grid``). Moving the
map reloads what is visible. The admin-area choropleth comes simplified from
its own route (``geo.analysis.areas``); a spec may also carry small data inline.

Extension by subclassing, as folium's own layers do: :class:`RemoteLayer` is
a ``FeatureGroup`` (a toggleable overlay in the layer control) that carries
its :class:`LayerSpec` and declares the scripts it needs through
``JSCSSMixin.default_js`` / ``default_css``.
"""

from __future__ import annotations

import json

import folium
from folium.elements import JSCSSMixin
from folium.template import Template
from folium.utilities import get_obj_in_upper_tree

from geo.i18n import ENGLISH, Translator
from layers import assets
from layers.spec import LayerSpec


class RemoteLayer(JSCSSMixin, folium.FeatureGroup):
    """A named, toggleable group that fills itself from ``spec`` when shown."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.featureGroup({{ this.options|tojavascript }});
        peacemap.remoteLayer({{ this.map_name() }}, {{ this.get_name() }}, {{ this.spec_json() }});
        {% endmacro %}"""
    )

    def __init__(self, spec: LayerSpec, tr: Translator = ENGLISH):
        super().__init__(name=spec.text(spec.name, tr), show=spec.show, overlay=True, control=True)
        self.spec = spec
        self.tr = tr
        self.default_js = (
            assets.PEACEMAP_JS
            + (assets.CLUSTER_JS if spec.cluster else [])
            + (assets.HEAT_JS if spec.heat else [])
            + (assets.VECTORGRID_JS if spec.tilejson else [])
        )
        self.default_css = assets.PEACEMAP_CSS + (assets.CLUSTER_CSS if spec.cluster else [])

    def translate(self, tr: Translator) -> RemoteLayer:
        """Render this layer's texts (control name, legend, popup) in ``tr``'s language."""
        self.tr = tr
        self.layer_name = self.spec.text(self.spec.name, tr)
        return self

    def map_name(self) -> str:
        return get_obj_in_upper_tree(self, folium.Map).get_name()

    def spec_json(self) -> str:
        # "</" must not close the surrounding <script> when data is inlined.
        return json.dumps(self.spec.options(self.tr), separators=(",", ":")).replace("</", "<\\/")
