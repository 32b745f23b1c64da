"""The worklist beside the map, in headless Chromium on the demo data:
what it lists is the API's, filters, sorting, click → zoom → popup, the CSV
download, and the keyboard."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

pytestmark = pytest.mark.browser


def _open(page, live_app, demo_end, wait_ready):
    page.goto(f"{live_app.url}/map?end={demo_end.isoformat()}")
    wait_ready(page)
    page.wait_for_function("() => window.peacemap.worklistState && peacemap.worklistState.loads >= 1", timeout=120_000)


def _reloaded(page, action):
    before = page.evaluate("() => peacemap.worklistState.loads")
    action()
    page.wait_for_function(f"() => peacemap.worklistState.loads > {before}", timeout=60_000)


def _rows(page) -> list[dict]:
    return page.evaluate("() => peacemap.worklistState.rows")


def _api(live_app, page, **extra) -> dict:
    """The worklist API for the page's own current query."""
    url = page.evaluate("() => peacemap.worklistState.csvUrl()").replace("f=csv", "f=json")
    params = dict(httpx.URL(url).params)
    params.update({k: str(v) for k, v in extra.items()})
    return httpx.get(live_app.url + httpx.URL(url).path, params=params, timeout=60).json()


def test_lists_the_under_engaged_communities_in_view(live_app, page, demo_end, wait_ready, artifacts):
    _open(page, live_app, demo_end, wait_ready)
    rows = _rows(page)
    assert rows and all(r["under_engaged"] for r in rows)
    bounds = page.evaluate(
        "() => { const b = peacemap.layers.communities.group._map.getBounds(); "
        "return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }"
    )
    assert all(bounds[0] <= r["lon"] <= bounds[2] and bounds[1] <= r["lat"] <= bounds[3] for r in rows)
    # Exactly the analysis' under-engaged communities of that view, in rank order.
    gaps = httpx.get(
        f"{live_app.url}/api/v1/analysis/engagement-gaps",
        params={
            "as_of": demo_end.isoformat(),
            "window_days": 90,
            "remoteness": "travel_time",  # as the map's communities layer ranks them
            "under_engaged_only": "true",
            "limit": 10000,
            "bbox": ",".join(f"{v:.5f}" for v in bounds),
        },
        timeout=60,
    ).json()
    inside = [f["id"] for f in gaps["features"]]
    assert [r["community_id"] for r in rows] == inside[: len(rows)]
    assert page.locator("#pm-worklist tbody tr[data-community]").count() == len(rows)
    # Travel hours where known: the column, and each row's hours as the analysis gives them.
    hours = {f["id"]: f["properties"]["travel_hours"] for f in gaps["features"]}
    assert [r["travel_hours"] for r in rows] == [hours[r["community_id"]] for r in rows]
    assert any(h is not None for h in hours.values())
    assert page.locator('#pm-worklist th[data-col="travel_hours"]').count() == 1
    page.screenshot(path=str(artifacts / "map_worklist.png"))


def test_filters_and_sort(live_app, page, demo_end, wait_ready):
    _open(page, live_app, demo_end, wait_ready)
    everything = _rows(page)
    _reloaded(
        page,
        lambda: (
            page.fill("#pm-worklist input[name=min_pressure_norm]", "0.3")
            or page.dispatch_event("#pm-worklist input[name=min_pressure_norm]", "change")
        ),
    )
    strong = _rows(page)
    assert strong and all(r["pressure_norm"] >= 0.3 for r in strong)
    assert {r["community_id"] for r in strong} == {r["community_id"] for r in everything if r["pressure_norm"] >= 0.3}
    _reloaded(page, lambda: page.check("#pm-worklist input[name=never_engaged]"))
    never = _rows(page)
    assert all(r["days_since_engagement"] is None for r in never)
    assert {r["community_id"] for r in never} == {
        r["community_id"] for r in strong if r["days_since_engagement"] is None
    }
    _reloaded(page, lambda: page.uncheck("#pm-worklist input[name=never_engaged]"))
    # Admin area: the rows inside that area (and the view), per the API's admin_area filter.
    area = page.locator("#pm-worklist select[name=admin_area] option").nth(1).get_attribute("value")
    _reloaded(page, lambda: page.select_option("#pm-worklist select[name=admin_area]", area))
    in_area = _rows(page)
    want = _api(live_app, page)["rows"]
    assert [r["community_id"] for r in in_area] == [r["community_id"] for r in want]
    assert page.locator("#pm-worklist a.pm-wl-brief").is_visible()
    _reloaded(page, lambda: page.select_option("#pm-worklist select[name=admin_area]", ""))
    _reloaded(
        page,
        lambda: (
            page.fill("#pm-worklist input[name=min_pressure_norm]", "0")
            or page.dispatch_event("#pm-worklist input[name=min_pressure_norm]", "change")
        ),
    )
    assert len(_rows(page)) == len(everything)
    # Sort by name, then descending by days (never engaged counts as the longest).
    _reloaded(page, lambda: page.click('#pm-worklist th[data-col="name"] button'))
    names = [r["name"] for r in _rows(page)]
    assert names == sorted(names, key=str.casefold)
    assert page.locator('#pm-worklist th[data-col="name"]').get_attribute("aria-sort") == "ascending"
    _reloaded(page, lambda: page.click('#pm-worklist th[data-col="days_since_engagement"] button'))
    _reloaded(page, lambda: page.click('#pm-worklist th[data-col="days_since_engagement"] button'))
    days = [float("inf") if r["days_since_engagement"] is None else r["days_since_engagement"] for r in _rows(page)]
    assert days == sorted(days, reverse=True) and len(days) > 1
    assert page.locator('#pm-worklist th[data-col="days_since_engagement"]').get_attribute("aria-sort") == "descending"


def test_click_zooms_and_opens_the_popup(live_app, page, demo_end, wait_ready, artifacts):
    _open(page, live_app, demo_end, wait_ready)
    row = _rows(page)[2]
    page.click(f'#pm-worklist tr[data-community="{row["community_id"]}"] button.pm-wl-name')
    popup = page.locator(".leaflet-popup-content .pm-popup")
    popup.wait_for()
    assert row["name"] in popup.locator("h3").inner_text()
    assert popup.locator('tr[data-field="reasons"] li').count() == 3
    zoom, inside, at = page.evaluate(
        f"() => {{ const m = peacemap.layers.communities.group._map, ll = L.latLng({row['lat']}, {row['lon']}); "
        "const p = m._popup.getLatLng(); return [m.getZoom(), m.getBounds().contains(ll), [p.lng, p.lat]]; }"
    )
    # Zoomed in on the community (the popup may pan the map a little to fit), the popup at it.
    assert zoom >= 11 and inside and at == [row["lon"], row["lat"]]
    page.screenshot(path=str(artifacts / "map_worklist_popup.png"))


def test_keyboard_opens_the_reasons_and_sorts(live_app, page, demo_end, wait_ready):
    _open(page, live_app, demo_end, wait_ready)
    more = page.locator("#pm-worklist button.pm-wl-more").first
    more.focus()
    page.keyboard.press("Enter")
    assert more.get_attribute("aria-expanded") == "true"
    detail = page.locator("#" + more.get_attribute("aria-controls"))
    assert detail.is_visible() and detail.locator("li").count() == 3
    page.keyboard.press("Space")
    assert more.get_attribute("aria-expanded") == "false" and detail.is_hidden()
    sort = page.locator('#pm-worklist th[data-col="gap_score"] button')
    sort.focus()
    _reloaded(page, lambda: page.keyboard.press("Enter"))
    scores = [r["gap_score"] for r in _rows(page)]
    assert scores == sorted(scores)


def test_csv_download_is_the_api_rows(live_app, page, demo_end, wait_ready):
    _open(page, live_app, demo_end, wait_ready)
    with page.expect_download() as info:
        page.click("#pm-worklist button.pm-wl-csv")
    text = info.value.path().read_text(encoding="utf-8")
    got = list(csv.DictReader(io.StringIO(text)))
    api = _api(live_app, page, limit=10000)
    assert [int(r["community_id"]) for r in got] == [r["community_id"] for r in api["rows"]]
    assert [r["reasons"] for r in got] == ["; ".join(r["reasons"]) for r in api["rows"]]
    assert [float(r["gap_score"]) for r in got] == [r["gap_score"] for r in api["rows"]]
    assert len(got) == api["numberMatched"] >= len(_rows(page))


def test_constituencies_not_heard_column_and_filter(live_app, page, demo_end, wait_ready):
    """Each row's constituencies not heard are the constituency analysis' own
    (``/api/v1/analysis/constituencies?by=community``: its ``not_reached``; a
    community it does not list had no engagement in its window and heard
    none); the filter keeps the rows where the chosen one was not heard."""
    _open(page, live_app, demo_end, wait_ready)
    rows = _rows(page)
    heard = httpx.get(
        f"{live_app.url}/api/v1/analysis/constituencies",
        params={"by": "community", "as_of": demo_end.isoformat(), "limit": 10000},
        timeout=60,
    ).json()
    not_reached = {f["id"]: f["properties"]["not_reached"] for f in heard["features"]}
    options = page.locator("#pm-worklist select[name=constituency] option")
    everyone = [v for v in (options.nth(i).get_attribute("value") for i in range(options.count())) if v]
    assert len(everyone) == 8
    assert [r["constituencies_not_heard"] for r in rows] == [not_reached.get(r["community_id"], everyone) for r in rows]
    assert any(r["community_id"] in not_reached for r in rows)  # not vacuous: some were engaged
    assert page.locator('#pm-worklist th[data-col="constituencies_not_heard"]').count() == 1
    # A community that heard none says so in three words; the others list what was not heard.
    cells = page.locator('#pm-worklist tr[data-community] td[data-col="constituencies_not_heard"]')
    texts = cells.evaluate_all("tds => tds.map(td => td.textContent)")
    assert len(texts) == len(rows)
    for r, text in zip(rows, texts, strict=True):
        if len(r["constituencies_not_heard"]) == len(everyone):
            assert text == "No constituency heard"
        else:
            assert text.count(", ") == len(r["constituencies_not_heard"]) - 1 and "No constituency" not in text
    assert "No constituency heard" in texts and any(t != "No constituency heard" for t in texts)  # both kinds shown
    every_row = _api(live_app, page, limit=10000)["rows"]
    _reloaded(page, lambda: page.select_option("#pm-worklist select[name=constituency]", "women"))
    women = [r["community_id"] for r in _rows(page)]
    want = [r["community_id"] for r in every_row if "women" in r["constituencies_not_heard"]]
    assert women and women == want[: len(women)] and len(want) < len(every_row)
    # Sorted by how many were not heard.
    _reloaded(page, lambda: page.click('#pm-worklist th[data-col="constituencies_not_heard"] button'))
    counts = [len(r["constituencies_not_heard"]) for r in _rows(page)]
    assert counts == sorted(counts)
