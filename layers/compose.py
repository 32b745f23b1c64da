"""``build_map``: every layer on one Leaflet map, with the legend, a scale bar,
the date window, and ``LayerControl`` added last."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import folium
from branca.element import Figure

from geo.errors import InvalidInput
from geo.i18n import ENGLISH, N_, Translator
from layers import (
    admin_areas,
    agreements,
    assets,
    communities,
    coverage,
    crossings,
    engagements,
    geography,
    hearing,
    incidents,
    patrols,
    perceptions,
    qips,
    roads,
    sites,
    travel_time,
    waterways,
    worklist,
)
from layers.controls import FitView, I18n, LanguageControl, Legend, WindowControl
from layers.remote import RemoteLayer
from layers.spec import DateWindow, Urls

BACKGROUND_TILES = N_("Background tiles")  # the optional online tile layer (settings)
MAP_PAGE = "map-page"  # the route of the map page itself (the window form reloads it)

# Drawing order, bottom to top.
LAYER_BUILDERS: dict[str, Callable[..., RemoteLayer]] = {
    "geography": geography.geography_layer,
    "admin-areas": admin_areas.admin_areas_layer,
    "perceptions": perceptions.perceptions_layer,
    "hearing": hearing.hearing_layer,
    "travel-time": travel_time.travel_time_layer,
    "coverage-gaps": coverage.coverage_gaps_layer,
    "waterways": waterways.waterways_layer,
    "roads": roads.roads_layer,
    "agreements": agreements.agreements_layer,
    "patrols": patrols.patrols_layer,
    "incident-heat": incidents.incident_heat_layer,
    "incidents": incidents.incidents_layer,
    "engagements": engagements.engagements_layer,
    "communities": communities.communities_layer,
    "qips": qips.qips_layer,
    "sites": sites.sites_layer,
    "crossings": crossings.crossings_layer,
}
DEFAULT_LAYERS = ("geography", "admin-areas", "travel-time", "agreements", "incidents", "communities", "qips", "sites")
# Every route whose URL the map needs, by name: the router passes ``{name: url}``.
ROUTE_NAMES = tuple(
    dict.fromkeys(
        (
            MAP_PAGE,
            *geography.ROUTES,
            *admin_areas.ROUTES,
            *perceptions.ROUTES,
            *hearing.ROUTES,
            *travel_time.ROUTES,
            *coverage.ROUTES,
            *agreements.ROUTES,
            *patrols.ROUTES,
            *incidents.ROUTES,
            *engagements.ROUTES,
            *communities.ROUTES,
            *qips.ROUTES,
            *sites.ROUTES,
            *waterways.ROUTES,
            *roads.ROUTES,
            *crossings.ROUTES,
            *worklist.ROUTES,
        )
    )
)
Bounds = tuple[float, float, float, float]  # minx, miny, maxx, maxy


def parse_layers(value: str | None) -> tuple[str, ...]:
    """``"incidents,qips"`` → the known keys, in order; unknown names are an error."""
    if value is None:
        return DEFAULT_LAYERS
    keys = tuple(k.strip() for k in value.split(",") if k.strip())
    unknown = [k for k in keys if k not in LAYER_BUILDERS]
    if unknown:
        raise InvalidInput(f"unknown layer(s) {', '.join(unknown)}; known: {', '.join(LAYER_BUILDERS)}", field="layers")
    return keys


class OfflineMap(folium.Map):
    """A ``folium.Map`` that loads Leaflet from ``/static`` instead of a CDN."""

    default_js = assets.LEAFLET_JS
    default_css = assets.LEAFLET_CSS


def base_map() -> folium.Map:
    """An empty canvas-rendered map with a scale bar."""
    return OfflineMap(
        location=(0, 0), zoom_start=3, tiles=None, prefer_canvas=True, control_scale=True, minZoom=2, maxZoom=18
    )


def build_map(
    window: DateWindow,
    urls: Urls,
    *,
    bounds: Bounds | None = None,
    layers: Iterable[str] = DEFAULT_LAYERS,
    admin_level: int | None = None,
    boundary_area: int | None = None,
    tiles: str | None = None,
    tiles_attribution: str | None = None,
    tr: Translator = ENGLISH,
    brief_url: str | None = None,
) -> folium.Map:
    """The planners' map. Every layer is in the layer control; ``layers`` are on.

    ``urls`` maps each of ``ROUTE_NAMES`` to its URL. No tile layer by
    default (field offices are often offline): the geography layer
    (:mod:`layers.geography`) draws borders, rivers and place names from
    files on the server. ``tiles`` adds an online tile layer, off by
    default. ``boundary_area`` (an admin area id) bounds the coverage-gap
    layer. Every text is in ``tr``'s language. ``brief_url`` (``…/areas/{id}``)
    links the choropleth's popups and the worklist to the area briefs.
    """
    on = set(layers)
    m = base_map()
    I18n(tr).add_to(m)
    if bounds is not None:
        FitView(*bounds).add_to(m)
    if tiles:
        folium.TileLayer(
            tiles, attr=tiles_attribution or tiles, name=tr.gettext(BACKGROUND_TILES), overlay=False, show=False
        ).add_to(m)
    extra: dict[str, dict[str, Any]] = {
        "admin-areas": {"choropleth": True, "level": admin_level, "brief_url": brief_url},
        "coverage-gaps": {"admin_area": boundary_area},
    }
    groups = [
        builder(window, urls, show=key in on, **extra.get(key, {})).translate(tr)
        for key, builder in LAYER_BUILDERS.items()
    ]
    for group in groups:
        group.add_to(m)
    Legend([g.spec for g in groups], tr).add_to(m)
    WindowControl(window, urls[MAP_PAGE]).add_to(m)
    LanguageControl(tr).add_to(m)
    worklist.Worklist(worklist.worklist_options(window, urls, brief_url, tr)).add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    return m


def render_map(m: folium.Map, title: str = "peacemap", tr: Translator = ENGLISH) -> str:
    """The full HTML page of a map, marked with its language and writing direction."""
    page = m.get_root()
    if not isinstance(page, Figure):  # folium.Map places itself in a Figure when it is made
        raise TypeError(f"a map's root is a Figure, not {type(page).__name__}")
    page.title = title
    return page.render().replace("<html>", f'<html lang="{tr.lang}" dir="{tr.dir}">', 1)
