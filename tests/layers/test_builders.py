"""Each layer builder: the rendered page carries the layer (name, the source URL
it was given, window), its legend entries and its popup fields, and loads
nothing from a CDN."""

from __future__ import annotations

import json
import re
from datetime import date
from html import unescape

import folium
import pytest

from geo.errors import InvalidInput
from layers.admin_areas import admin_areas_layer
from layers.agreements import agreements_layer
from layers.communities import communities_layer
from layers.compose import DEFAULT_LAYERS, LAYER_BUILDERS, ROUTE_NAMES, base_map, build_map, parse_layers, render_map
from layers.controls import legend_html
from layers.coverage import coverage_gaps_layer
from layers.crossings import crossings_layer
from layers.engagements import engagements_layer
from layers.incidents import incident_heat_layer, incidents_layer
from layers.patrols import patrols_layer
from layers.qips import qips_layer
from layers.remote import RemoteLayer
from layers.roads import roads_layer
from layers.sites import sites_layer
from layers.spec import DateWindow, Field, Fixed, Graduated, LayerSpec
from layers.travel_time import travel_time_layer
from layers.waterways import waterways_layer

WINDOW = DateWindow(date(2024, 4, 1), date(2024, 6, 30))
# What the router passes: route name → URL (the app's real names; tests/frontend checks they exist).
URLS = {
    "map-page": "/map",
    "map-context": "/map/context",
    "worklist": "/api/v1/analysis/worklist",
    "map-admin-areas": "/map/admin-areas",
    "map-incident-grid": "/map/incident-grid",
    "engagement-gaps": "/api/v1/analysis/engagement-gaps",
    "coverage-gaps": "/api/v1/analysis/coverage-gaps",
    "incidents-tilejson": "/tiles/incidents.json",
    "agreement-strain": "/api/v1/analysis/agreements",
    "constituencies": "/api/v1/analysis/constituencies",
    "perception-trends": "/api/v1/analysis/perceptions",
    "map-travel-time": "/map/travel-time.png",
    **{
        f"{r}-list": f"/api/v1/{r}"
        for r in (
            "incidents",
            "agreements",
            "patrols",
            "engagements",
            "qips",
            "sites",
            "admin-areas",
            "roads",
            "waterways",
            "crossings",
        )
    },
}


def rendered(group: folium.FeatureGroup) -> tuple[str, dict]:
    m = base_map()
    group.add_to(m)
    html = m.get_root().render()
    call = re.search(r"peacemap\.remoteLayer\((\w+), (\w+), (\{.*\})\);", html)
    assert call, "the layer is not wired to peacemap.remoteLayer"
    assert call.group(1) == m.get_name() and call.group(2) == group.get_name()
    return html, json.loads(call.group(3))


@pytest.mark.parametrize(
    ("builder", "name", "url", "legend", "popup"),
    [
        (incidents_layer, "Incidents", "/api/v1/incidents", "25+ deaths", "Fatalities"),
        (agreements_layer, "Local agreements", "/api/v1/agreements", "in force", "Parties"),
        (patrols_layer, "Patrol coverage", "/api/v1/patrols", "military", "Coverage radius (m)"),
        (engagements_layer, "Engagements", "/api/v1/engagements", "joint protection team", "Constituencies"),
        (qips_layer, "QIPs", "/api/v1/qips", "in progress", "Budget (USD)"),
        (sites_layer, "Mission sites", "/api/v1/sites", "mission site", "Mission"),
        (admin_areas_layer, "Admin areas", "/api/v1/admin-areas", "admin area", "P-code"),
        (
            communities_layer,
            "Communities by engagement gap",
            "/api/v1/analysis/engagement-gaps",
            "gap score > 1",
            "Why",
        ),
        (coverage_gaps_layer, "Coverage gaps (30 days)", "/api/v1/analysis/coverage-gaps", "no patrol coverage", None),
        (incident_heat_layer, "Incident heat map", "/api/v1/incidents", "density", None),
        (travel_time_layer, "Travel time to a mission site", "/map/travel-time.png", "4–8 h", None),
        (roads_layer, "Roads", "/api/v1/roads", "earth", "Surface"),
        (waterways_layer, "Rivers and water bodies", "/api/v1/waterways", "seasonal (a barrier", "Kind"),
        (crossings_layer, "River crossings", "/api/v1/crossings", "ferry", "Closed in the rainy season"),
    ],
)
def test_builder_renders_layer_legend_and_popup(builder, name, url, legend, popup):
    group = builder(WINDOW, URLS)
    assert isinstance(group, RemoteLayer) and isinstance(group, folium.FeatureGroup)
    html, options = rendered(group)
    assert group.layer_name == name and options["name"] == name
    assert options["url"] == url
    legend_text = unescape(legend_html([group.spec]))
    assert name in legend_text and legend in legend_text
    if popup:
        assert popup in [label for _, label, _ in options["popup"]]
    assert not re.search(r"(src|href)=\"https?://", html), "a CDN link slipped in"


def test_time_bound_layers_carry_the_window():
    for builder in (incidents_layer, patrols_layer, engagements_layer):
        _, options = rendered(builder(WINDOW, URLS))
        assert options["params"] == {"start": "2024-04-01", "end": "2024-06-30"}
    _, gaps = rendered(communities_layer(WINDOW, URLS))
    assert gaps["params"]["as_of"] == "2024-06-30"
    # The analysis window is the map's: both ends counted, 91 days from 1 April to 30 June.
    assert gaps["params"]["window_days"] == 91 == WINDOW.days


def test_incidents_are_clustered_and_sized_by_fatalities():
    html, options = rendered(incidents_layer(WINDOW, URLS, limit=1234))
    assert options["cluster"] is True and options["limit"] == 1234 and options["viewport"] is True
    assert options["radius"]["prop"] == "fatalities"
    assert options["colour"]["breaks"][0] == [0, "#fdae61"]
    assert "/static/vendor/markercluster/leaflet.markercluster.js" in html
    # A wide view draws every incident from vector tiles, read with VectorGrid.
    assert options["tilejson"] == "/tiles/incidents.json" and options["gridUrl"] is None
    assert "/static/vendor/vectorgrid/Leaflet.VectorGrid.bundled.min.js" in html


def test_heat_layer_loads_the_heat_plugin_locally():
    html, options = rendered(incident_heat_layer(WINDOW, URLS))
    assert options["heat"] is True and options["gridUrl"] == "/map/incident-grid" and options["params"]["cells"] == 150
    assert '<script src="/static/vendor/heat/leaflet-heat.js"></script>' in html


def test_patrols_draw_coverage_buffers_faded_by_age():
    _, options = rendered(patrols_layer(WINDOW, URLS))
    assert options["kind"] == "line"
    assert (options["bufferProp"], options["bufferDefault"]) == ("coverage_m", 5000.0)
    assert (options["fadeProp"], options["fadeDays"], options["fadeEnd"]) == ("ended_at", 90, "2024-06-30")


def test_qips_and_sites_use_glyph_icons():
    _, qips = rendered(qips_layer(WINDOW, URLS))
    assert qips["glyph"][0] == "sector" and qips["glyph"][1]["water"] == "W"
    assert qips["colour"]["prop"] == "status"
    _, sites = rendered(sites_layer(WINDOW, URLS))
    assert sites["glyph"][1]["hq"] == "HQ" and sites["viewport"] is False


def test_admin_choropleth_from_url_or_inline_data():
    _, from_url = rendered(admin_areas_layer(WINDOW, URLS, choropleth=True, level=2))
    assert from_url["url"] == "/map/admin-areas" and from_url["colour"]["prop"] == "pressure_share"
    assert from_url["params"] == {"start": "2024-04-01", "end": "2024-06-30", "level": 2}
    data = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [1, 2]},
                "properties": {"name": "</script><b>x", "pressure_share": 0.5},
            }
        ],
    }
    html, inline = rendered(admin_areas_layer(WINDOW, URLS, data=data))
    assert inline["data"] == data and inline["url"] is None
    assert "</script><b>" not in html  # inlined data cannot close the script element


def test_travel_time_is_an_image_of_the_window_end_with_the_hour_classes_in_the_legend():
    _, options = rendered(travel_time_layer(WINDOW, URLS))
    assert options["kind"] == "image" and options["viewport"] is False
    assert options["params"] == {"as_of": "2024-06-30", "season": "auto"}
    legend = unescape(legend_html([travel_time_layer(WINDOW, URLS).spec]))
    for label in ("under 1 h", "more than 16 h", "no mission site reachable"):
        assert label in legend
    _, gaps = rendered(communities_layer(WINDOW, URLS))
    assert gaps["params"]["remoteness"] == "travel_time"
    assert ["travel_hours", "Hours to nearest mission site", "number"] in gaps["popup"]


def test_communities_popup_shows_reasons_as_a_list():
    _, options = rendered(communities_layer(WINDOW, URLS))
    assert ["reasons", "Why", "list"] in options["popup"]
    assert ["days_since_engagement", "Days since engagement", "number"] in options["popup"]
    assert options["colour"]["prop"] == "gap_score" and options["topFirst"] is True


def test_build_map_composes_every_layer_with_controls_last():
    html = render_map(build_map(WINDOW, URLS, bounds=(14.0, 2.0, 27.0, 11.0), layers=("incidents", "sites")))
    assert html.count("peacemap.remoteLayer(") == len(LAYER_BUILDERS)
    last_layer = html.rindex("peacemap.remoteLayer(")
    assert html.index("L.control.layers(") > last_layer
    assert html.index("peacemap.legend(") > last_layer
    assert "L.control.scale()" in html
    assert "peacemap.windowControl(" in html and '"start": "2024-04-01"' in html
    assert "fitBounds([[2.0, 14.0], [11.0, 27.0]], {animate: false})" in html
    assert not re.findall(r"https?://(?!www\.w3\.org)", html)
    # No base-map tile layer by default; the incidents' own vector tiles (their TileJSON URL) are data, not a base map.
    without_tilejson = re.sub(r'"tilejson":\s*(null|"/tiles/incidents\.json")', "", html)
    assert "tile" not in without_tilejson.lower().replace("title", "")
    # Only the chosen layers start on the map.
    shown = re.findall(r"(feature_group_\w+)\.addTo\(map_\w+\)", html)
    assert len(shown) == 2


def test_build_map_can_offer_a_tile_layer_off_by_default():
    html = render_map(build_map(WINDOW, URLS, tiles="/tiles/{z}/{x}/{y}.png", tiles_attribution="local tiles"))
    assert "/tiles/{z}/{x}/{y}.png" in html


def test_parse_layers():
    assert parse_layers(None) == DEFAULT_LAYERS
    assert parse_layers("qips, incidents") == ("qips", "incidents")
    with pytest.raises(InvalidInput) as err:
        parse_layers("incidents,unicorns")
    assert err.value.field == "layers" and "unicorns" in err.value.message


def test_specs_validate_their_inputs():
    with pytest.raises(InvalidInput) as err:
        DateWindow(date(2024, 2, 1), date(2024, 1, 1))
    assert err.value.field == "end"
    with pytest.raises(InvalidInput):
        LayerSpec(key="x", name="X", colour=Fixed("#000", "x"), popup=[], url="/a", data={"type": "FeatureCollection"})
    with pytest.raises(InvalidInput):
        LayerSpec(key="x", name="X", colour=Fixed("#000", "x"), popup=[], data={"type": "Feature"})
    with pytest.raises(InvalidInput):
        Graduated("v", ((5, "#000", "a"), (1, "#111", "b")))
    assert Field("a", "A").fmt == "text"


def test_every_url_comes_from_the_router():
    urls = {name: f"/routed/{name}" for name in ROUTE_NAMES}
    html = render_map(build_map(WINDOW, urls, layers=()))
    assert "/api/v1" not in html and "/map/" not in html
    specs = [json.loads(m) for m in re.findall(r"peacemap\.remoteLayer\(\w+, \w+, (\{.*\})\);", html)]
    assert len(specs) == len(LAYER_BUILDERS)
    for options in specs:
        assert options["url"].startswith("/routed/"), options["key"]
        assert options["gridUrl"] is None or options["gridUrl"].startswith("/routed/"), options["key"]
        assert options["tilejson"] is None or options["tilejson"].startswith("/routed/"), options["key"]
    assert '"page": "/routed/map-page"' in html
