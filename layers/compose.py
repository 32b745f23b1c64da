"""``build_map``: every layer on one Leaflet map, with the legend, a scale bar,
the date window, and ``LayerControl`` added last."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import folium

from geo.errors import InvalidInput
from layers import assets
from layers.admin_areas import admin_areas_layer
from layers.agreements import agreements_layer
from layers.communities import communities_layer
from layers.controls import FitView, Legend, WindowControl
from layers.coverage import coverage_gaps_layer
from layers.engagements import engagements_layer
from layers.incidents import incident_heat_layer, incidents_layer
from layers.patrols import patrols_layer
from layers.qips import qips_layer
from layers.sites import sites_layer
from layers.spec import DateWindow

# Drawing order, bottom to top.
LAYER_BUILDERS: dict[str, Callable[..., folium.FeatureGroup]] = {
    "admin-areas": admin_areas_layer,
    "coverage-gaps": coverage_gaps_layer,
    "agreements": agreements_layer,
    "patrols": patrols_layer,
    "incident-heat": incident_heat_layer,
    "incidents": incidents_layer,
    "engagements": engagements_layer,
    "communities": communities_layer,
    "qips": qips_layer,
    "sites": sites_layer,
}
DEFAULT_LAYERS = ("admin-areas", "agreements", "incidents", "communities", "qips", "sites")
Bounds = tuple[float, float, float, float]  # minx, miny, maxx, maxy


def parse_layers(value: str | None) -> tuple[str, ...]:
    """``"incidents,qips"`` → the known keys, in order; unknown names are an error."""
    if value is None:
        return DEFAULT_LAYERS
    keys = tuple(k.strip() for k in value.split(",") if k.strip())
    unknown = [k for k in keys if k not in LAYER_BUILDERS]
    if unknown:
        raise InvalidInput(f"unknown layer(s) {', '.join(unknown)}; known: {', '.join(LAYER_BUILDERS)}",
                           field="layers")
    return keys


def base_map() -> folium.Map:
    """An empty canvas-rendered map with a scale bar, loading Leaflet from ``/static``."""
    m = folium.Map(location=(0, 0), zoom_start=3, tiles=None, prefer_canvas=True, control_scale=True,
                   minZoom=2, maxZoom=18)
    m.default_js = list(assets.LEAFLET_JS)
    m.default_css = list(assets.LEAFLET_CSS)
    return m


def build_map(
    window: DateWindow,
    *,
    bounds: Bounds | None = None,
    layers: Iterable[str] = DEFAULT_LAYERS,
    admin_choropleth_url: str | None = None,
    boundary_area: int | None = None,
    tiles: str | None = None,
    tiles_attribution: str | None = None,
) -> folium.Map:
    """The planners' map. Every layer is in the layer control; ``layers`` are on.

    No tile layer by default (field offices are often offline): admin areas
    give orientation on a plain background. ``tiles`` adds one, off by default.
    ``boundary_area`` (an admin area id) bounds the coverage-gap layer.
    """
    on = set(layers)
    m = base_map()
    if bounds is not None:
        FitView(*bounds).add_to(m)
    if tiles:
        folium.TileLayer(tiles, attr=tiles_attribution or tiles, name="Background tiles", overlay=False,
                         show=False).add_to(m)
    specs = []
    for key, builder in LAYER_BUILDERS.items():
        extra = {"admin-areas": {"choropleth_url": admin_choropleth_url},
                 "coverage-gaps": {"admin_area": boundary_area}}.get(key, {})
        group = builder(window, show=key in on, **extra)
        group.add_to(m)
        specs.append(group.spec)
    Legend(specs).add_to(m)
    WindowControl(window).add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    return m


def render_map(m: folium.Map, title: str = "peacemap") -> str:
    """The full HTML page of a map."""
    m.get_root().title = title
    return m.get_root().render()
