"""The planners' map in headless Chromium on the demo data."""

from __future__ import annotations

import math
from datetime import date

import pytest
from sqlalchemy import text

from geo.db import make_engine
from geo.serving.tiles import BUFFER, EXTENT
from layers.compose import LAYER_BUILDERS

pytestmark = pytest.mark.browser


def layer_state(pg, key: str) -> dict:
    return pg.evaluate(
        f"(() => {{ const s = peacemap.layers[{key!r}]; "
        "return {loads: s.loads, returned: s.returned, matched: s.matched, error: s.error}; })()"
    )


def test_map_loads_default_layers_without_cdn(live_app, page, artifacts, demo_end, wait_ready):
    page.goto(f"{live_app.url}/map?end={demo_end.isoformat()}")
    wait_ready(page)
    page.screenshot(path=str(artifacts / "map_default.png"))

    assert page.external_requests == []
    for key in ("admin-areas", "incidents", "qips", "sites", "agreements"):
        state = layer_state(page, key)
        assert state["error"] is None, (key, state)
        assert state["loads"] >= 1 and state["returned"] > 0, (key, state)
    travel = layer_state(page, "travel-time")
    assert travel["error"] is None and travel["loads"] >= 1
    overlay = page.locator("img.pm-image-travel-time")
    assert overlay.count() == 1 and overlay.get_attribute("src").startswith("data:image/png;base64,")
    assert page.locator(".pm-legend").get_by_text("more than 16 h").is_visible()
    # Layers that are off were never fetched.
    assert layer_state(page, "patrols")["loads"] == 0
    assert page.locator(".leaflet-control-layers-overlays label").count() == len(LAYER_BUILDERS)
    legend = page.locator(".pm-legend")
    assert legend.get_by_text("25+ deaths").is_visible()
    assert legend.get_by_text("Local agreements").is_visible()
    assert page.locator(".leaflet-control-scale").count() == 1
    assert page.locator("form.pm-window input[name=end]").input_value() == demo_end.isoformat()


def test_toggle_layer_and_open_popup(live_app, page, artifacts, demo_end, wait_ready):
    page.goto(f"{live_app.url}/map?end={demo_end.isoformat()}")
    wait_ready(page)
    patrols = page.locator(".leaflet-control-layers-overlays label", has_text="Patrol coverage")
    patrols.locator("input").check()
    page.wait_for_function("() => peacemap.layers['patrols'].loads >= 1")
    wait_ready(page)
    assert layer_state(page, "patrols")["returned"] > 0
    assert page.locator('.pm-legend [data-layer="patrols"]').is_visible()

    sites = page.locator(".leaflet-control-layers-overlays label", has_text="Mission sites")
    sites.locator("input").uncheck()
    assert page.locator('.pm-legend [data-layer="sites"]').is_hidden()
    sites.locator("input").check()

    page.locator(".pm-glyph").first.dispatch_event("click")  # glyphs may overlap at this zoom
    popup = page.locator(".leaflet-popup-content .pm-popup")
    popup.wait_for()
    page.wait_for_timeout(300)  # let the popup fade in before the screenshot
    assert popup.locator("th").count() >= 4
    page.screenshot(path=str(artifacts / "map_popup.png"))


def test_community_popup_explains_the_gap(live_app, page, artifacts, demo_end, wait_ready):
    page.goto(f"{live_app.url}/map?end={demo_end.isoformat()}&layers=communities")
    wait_ready(page)
    state = layer_state(page, "communities")
    assert state["error"] is None and state["returned"] > 0
    # Communities are drawn on canvas: click where the best-ranked ones are drawn.
    targets = page.evaluate("""() => {
        const group = peacemap.layers.communities.group, map = group._map, out = [];
        group.eachLayer(g => g.eachLayer(l => {
            const p = map.latLngToContainerPoint(l.getLatLng());
            if (l.feature.properties.reasons.length && p.x > 100 && p.x < 1000 && p.y > 150 && p.y < 850)
                out.push([p.x, p.y, l.feature.properties.rank, l.feature.properties.name]);
        }));
        return out.sort((a, b) => a[2] - b[2]).slice(0, 10);
    }""")
    assert targets
    popup = page.locator(".leaflet-popup-content .pm-popup")
    for x, y, _, name in targets:
        page.mouse.click(x, y)
        if popup.count() and name in popup.locator("h3").inner_text():
            break
    assert popup.count() == 1
    why = popup.locator('tr[data-field="reasons"] li')
    assert why.count() >= 1 and "km" in popup.inner_text()
    assert popup.locator('tr[data-field="gap_score"] td').inner_text() != "—"
    # Hours to the nearest site (remoteness as travel time), or the reason there are none.
    hours = popup.locator('tr[data-field="travel_hours"] td').inner_text()
    third = why.all_inner_texts()[2]
    if hours == "—":
        assert "no mission site can be reached" in third
    else:
        assert float(hours.replace(",", "")) >= 0 and "from the nearest mission site in the " in third
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "map_community_popup.png"))


def _tile_bounds(key: str, grow: float = 0.0) -> tuple[float, float, float, float]:
    """A VectorGrid tile key ``x:y:z``, grown by ``grow`` tile widths, as lon/lat
    bounds (the Web Mercator tile formulas)."""
    x, y, z = (int(v) for v in key.split(":"))
    n = 2**z

    def lat(row: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return (x - grow) / n * 360 - 180, lat(y + 1 + grow), (x + 1 + grow) / n * 360 - 180, lat(y - grow)


def _ids_in(db_url: str, bounds, window: dict) -> set[int]:
    """Incidents of the window inside lon/lat ``bounds``, straight from SQL."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT id FROM incidents WHERE occurred_on BETWEEN :start AND :end"
                    " AND ST_X(geom) BETWEEN :w AND :e AND ST_Y(geom) BETWEEN :s AND :n"
                ),
                {
                    "start": date.fromisoformat(window["start"]),
                    "end": date.fromisoformat(window["end"]),
                    "w": bounds[0],
                    "s": bounds[1],
                    "e": bounds[2],
                    "n": bounds[3],
                },
            )
            return set(rows.scalars())
    finally:
        engine.dispose()


def test_wide_views_draw_every_incident_from_vector_tiles(
    live_app, browser_db_url, page, artifacts, demo_end, wait_ready
):
    """A view holding more incidents than the layer's limit draws them all from
    /tiles (the grid's counts per cell are only the heat map's weights now):
    each loaded tile draws exactly the incidents SQL finds in it (with its
    buffer), and the features drawn inside the view are exactly SQL's count
    of the view."""
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{live_app.url}/map?end={demo_end.isoformat()}&layers=incidents")
    wait_ready(page)
    shown = layer_state(page, "incidents")
    assert shown["returned"] == shown["matched"] > 20
    # The same code path a reference-scale view takes, with the limit below the demo's count.
    page.evaluate("peacemap.layers.incidents.spec.limit = 20; peacemap.layers.incidents.reload()")
    page.wait_for_function("() => pmProbe.last.incidents && pmProbe.last.incidents.tiles === true")
    wait_ready(page)
    tiled = layer_state(page, "incidents")
    assert tiled["matched"] == shown["matched"] and tiled["error"] is None
    drawn = page.evaluate("""() => {
        const t = peacemap.layers.incidents.tiles, out = {};
        for (const key in t._tiles) out[key] = Object.keys(t._vectorTiles[key]._features).map(Number);
        return out;
    }""")
    window = page.evaluate("() => peacemap.layers.incidents.spec.params")
    assert drawn and all(f"start={window['start']}" in u for u in requests if "/tiles/incidents/" in u)
    for key, ids in drawn.items():
        assert len(ids) == len(set(ids))
        assert set(ids) == _ids_in(browser_db_url, _tile_bounds(key, grow=BUFFER / EXTENT), window), key
    view = page.evaluate("() => peacemap.layers.incidents.group._map.getBounds().toBBoxString().split(',').map(Number)")
    in_view = _ids_in(browser_db_url, view, window)
    every = set().union(*map(set, drawn.values()))
    assert len(in_view) >= 20 and len(every & in_view) == len(in_view)  # each incident of the view is drawn
    assert not any("/map/incident-grid" in u for u in requests)
    assert "every one drawn" in page.locator('[data-count="incidents"]').inner_text()
    page.screenshot(path=str(artifacts / "map_incident_tiles.png"))
    # Wide-zoom tiles carry what the symbols are drawn with; a click reads the incident's other fields by id.
    some = next(iter(in_view))
    page.evaluate(
        """(id) => { const t = peacemap.layers.incidents.tiles;
        for (const key in t._tiles) { const f = t._vectorTiles[key]._features[id];
          if (f) { const ll = t._map.getCenter();
            t.fire("click", {latlng: ll, layer: f.feature}); return; } } }""",
        some,
    )
    page.wait_for_function(
        """() => { const td = document.querySelector('.leaflet-popup tr[data-field="event_type"] td');
        return td !== null && td.textContent !== "—"; }"""
    )


def test_date_window_form_reloads_with_the_view_and_layers(live_app, page, demo_end, wait_ready):
    page.goto(f"{live_app.url}/map?end={demo_end.isoformat()}&layers=incidents,sites")
    wait_ready(page)
    before = layer_state(page, "incidents")["matched"]
    form = page.locator("form.pm-window")
    form.locator("input[name=start]").fill("2023-07-01")
    form.locator("button").click()
    page.wait_for_url("**start=2023-07-01**")
    wait_ready(page)
    assert "layers=incidents%2Csites" in page.url and "bbox=" in page.url
    assert layer_state(page, "incidents")["matched"] > before  # a year holds more than 90 days
    assert layer_state(page, "qips")["loads"] == 0


def test_heat_map_counts_every_incident_in_view(live_app, page, artifacts, demo_end, wait_ready):
    page.goto(f"{live_app.url}/map?end={demo_end.isoformat()}&layers=incidents")
    wait_ready(page)
    points = layer_state(page, "incidents")["matched"]
    page.locator(".leaflet-control-layers-overlays label", has_text="Incident heat map").locator("input").check()
    page.wait_for_function("() => peacemap.layers['incident-heat'].loads >= 1")
    heat = layer_state(page, "incident-heat")
    assert heat["error"] is None and heat["matched"] == points
    assert page.locator("canvas.leaflet-heatmap-layer").count() == 1
    page.screenshot(path=str(artifacts / "map_heat.png"))
