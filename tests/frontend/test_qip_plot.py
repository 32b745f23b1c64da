"""The field-office QIP plotter: place, check surroundings, save, see on /map;
server-side validation errors appear next to their field; keys in the browser."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.browser


def existing_qip(live_app) -> dict:
    fc = httpx.get(f"{live_app.url}/api/v1/qips", params={"limit": 1}).json()
    return fc["features"][0]


def fill_form(pg, title: str, budget: str, key: str) -> None:
    pg.fill("input[name=title]", title)
    pg.select_option("select[name=sector]", "water")
    pg.fill("input[name=budget_usd]", budget)
    pg.fill("input[name=start_on]", "2024-07-01")
    pg.fill("input[name=end_on]", "2024-11-30")
    pg.fill("input[name=implementing_partner]", "Women's cooperative")
    pg.select_option("select[name=funded_by]", "civilian")
    pg.fill("input[name=key]", key)


def qip_titles(live_app) -> list[str]:
    """The title of every stored QIP (one page holds them all: the count says so)."""
    fc = httpx.get(f"{live_app.url}/api/v1/qips", params={"limit": 10000}).json()
    assert fc["numberReturned"] == fc["numberMatched"]
    return [f["properties"]["title"] for f in fc["features"]]


def test_plot_save_and_see_on_map(live_app, page, editor_key, artifacts, wait_ready, place):
    title = "Borehole at the browser-test market"
    stored = qip_titles(live_app)
    assert title not in stored
    other = existing_qip(live_app)
    lon, lat = other["geometry"]["coordinates"]
    page.goto(f"{live_app.url}/qips/plot")
    assert page.external_requests == []
    place(page, lon + 0.01, lat)  # ~1 km from an existing QIP

    warning = page.locator("#pm-qip-warning")
    assert warning.is_visible()
    assert other["properties"]["title"] in warning.inner_text()
    assert page.locator("#pm-nearby-counts li[data-nearby=incidents]").inner_text().split()[0].isdigit()
    page.locator("#pm-nearby-communities li").first.wait_for()

    fill_form(page, title, "60000", editor_key)
    page.click("#pm-qip-form button[type=submit]")
    budget_error = page.locator('[data-error="budget_usd"]')
    budget_error.wait_for(state="visible")
    assert "50" in budget_error.inner_text()
    assert page.locator('.pm-field[data-field="budget_usd"]').get_attribute("class").count("pm-invalid") == 1
    assert page.locator('[data-error="title"]').inner_text() == ""
    page.screenshot(path=str(artifacts / "qip_budget_422.png"))
    assert qip_titles(live_app) == stored  # the refused form stored nothing

    page.fill("input[name=budget_usd]", "28000")
    page.click("#pm-qip-form button[type=submit]")
    saved = page.locator("#pm-saved")
    saved.wait_for(state="visible")
    assert "Saved QIP #" in saved.inner_text()
    assert budget_error.inner_text() == ""
    assert sorted(qip_titles(live_app)) == sorted([*stored, title])  # saved once, nothing else changed
    page.screenshot(path=str(artifacts / "qip_saved.png"))

    saved.locator("a").click()
    page.wait_for_url("**/map?**")
    wait_ready(page)
    marker = page.locator(f'.pm-glyph[title="{title}"]')
    assert marker.count() == 1
    marker.dispatch_event("click")
    popup = page.locator(".leaflet-popup-content .pm-popup")
    popup.wait_for()
    page.wait_for_timeout(300)  # let the popup fade in before the screenshot
    assert "28,000" in popup.inner_text()
    page.screenshot(path=str(artifacts / "qip_on_map.png"))


def test_save_needs_an_editor_key(live_app, page, place):
    page.goto(f"{live_app.url}/qips/plot")
    place(page, 20.0, 6.0)
    fill_form(page, "No key project", "1000", "pm_not_a_key")
    page.click("#pm-qip-form button[type=submit]")
    key_error = page.locator('[data-error="key"]')
    key_error.wait_for(state="visible")
    assert "key" in key_error.inner_text().lower()


def test_private_server_asks_for_key_once(live_app, page, viewer_key, demo_end, wait_ready, place):
    live_app.app.state.settings.public_read = False
    try:
        page.goto(f"{live_app.url}/map?end={demo_end.isoformat()}")
        box = page.locator("#pm-keybox")
        box.wait_for()
        box.locator("input[name=key]").fill(viewer_key)
        box.locator("button").click()
        wait_ready(page)
        assert page.evaluate("peacemap.layers.incidents.returned") > 0
        assert page.evaluate("sessionStorage.getItem('peacemap.apiKey')") == viewer_key
        page.goto(f"{live_app.url}/qips/plot")
        place(page, 20.0, 6.0)
        assert page.locator("#pm-keybox").count() == 0
    finally:
        live_app.app.state.settings.public_read = True


def test_a_layer_refused_after_the_key_was_typed_is_sent_again_with_it(live_app, page, viewer_key, demo_end):
    """The map's layers ask at once and the slower ones' 401 comes back after the user has
    typed the key (CI saw it on a busy machine: a second key box, a layer never drawn).
    Here the sites layer's request (not tied to the view, so never superseded) is held at
    the browser until the key is in, so its 401 is certain to come late: it must be sent
    again with the key, not ask a second time."""
    held = []
    page.route("**/api/v1/sites?**", lambda route: held.append(route) if not held else route.continue_())
    live_app.app.state.settings.public_read = False
    try:
        page.goto(f"{live_app.url}/map?end={demo_end.isoformat()}&layers=incidents,sites")
        box = page.locator("#pm-keybox")
        box.wait_for()
        while not held:
            page.wait_for_timeout(50)
        assert "Authorization" not in held[0].request.headers  # sent before there was a key
        box.locator("input[name=key]").fill(viewer_key)
        box.locator("button").click()
        box.wait_for(state="detached")
        held[0].continue_()  # now it reaches the server, without a key: 401
        page.wait_for_function(
            "() => document.getElementById('pm-keybox') || (pmProbe.last.sites && pmProbe.ready)", timeout=20_000
        )
        assert page.locator("#pm-keybox").count() == 0
        assert page.evaluate("peacemap.layers.sites.returned") > 0
    finally:
        live_app.app.state.settings.public_read = True


def test_suggest_sites_and_choose_one_to_fill_the_form(live_app, page, demo_end, artifacts):
    page.goto(f"{live_app.url}/qips/plot")
    offices = page.locator("#pm-suggest-form select[name=site] option")
    offices.first.wait_for(state="attached")
    page.wait_for_function("() => document.querySelector('#pm-suggest-form select[name=site]').value !== ''")
    office = page.locator("#pm-suggest-form select[name=site]").input_value()
    page.fill("#pm-suggest-form input[name=max_hours]", "12")
    page.select_option("select[name=sector]", "health")
    page.fill("input[name=budget_usd]", "15000")
    page.click("#pm-suggest-form button[type=submit]")
    first = page.locator("#pm-suggestions li button").first
    first.wait_for()
    # The page shows what the API says, in order, with its reasons.
    api = httpx.get(
        f"{live_app.url}/api/v1/analysis/qip-suggestions",
        params={
            "site": office,
            "max_hours": 12,
            "n": 5,
            "as_of": demo_end.isoformat(),
            "sector": "health",
            "budget_usd": 15000,
        },
    ).json()
    assert api["features"], api["considered"]
    items = page.locator("#pm-suggestions li")
    assert items.count() == len(api["features"])
    best = api["features"][0]
    assert best["properties"]["name"] in items.first.inner_text()
    assert "gap score" in items.first.inner_text() and "active QIP" in items.first.inner_text()
    assert page.locator(".pm-suggestion").count() == len(api["features"])
    page.screenshot(path=str(artifacts / "qip_suggestions.png"))
    first.click()
    lon, lat = best["geometry"]["coordinates"]
    assert float(page.input_value("#pm-place input[name=lat]")) == pytest.approx(lat, abs=1e-5)
    assert float(page.input_value("#pm-place input[name=lon]")) == pytest.approx(lon, abs=1e-5)
    assert page.input_value("input[name=title]") == f"QIP at {best['properties']['name']}"
    assert page.input_value("select[name=sector]") == "health"
    assert page.input_value("input[name=budget_usd]") == "15000"
    page.locator("#pm-nearby-counts li[data-nearby=qips]").wait_for()  # the nearby search ran for the chosen site
    near = [f["properties"]["nearest_active_qip_m"] for f in api["features"]]
    assert all(d is None or d > 5000 for d in near)  # no active QIP within 5 km of a suggestion
