"""The pages with the network cut off (every request to another host
aborted): the geography beneath the data is drawn; and the pages in French
(a French browser's Accept-Language, or the remembered switch)."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.browser


def _offline(page, live_app) -> list[str]:
    """Abort every request to a host other than the server; the aborted URLs."""
    blocked: list[str] = []

    def route(r):
        if r.request.url.startswith(live_app.url):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.context.route("**/*", route)
    return blocked


def _context_kinds(page) -> dict:
    return page.evaluate("""() => {
        const out = {}, s = peacemap.layers.geography;
        s.group.eachLayer(g => g.eachLayer(l => { const k = l.feature.properties.layer; out[k] = (out[k] || 0) + 1; }));
        return out; }""")


def test_map_draws_its_geography_offline(live_app, page, demo_end, wait_ready, artifacts):
    blocked = _offline(page, live_app)
    page.goto(f"{live_app.url}/map?end={demo_end.isoformat()}")
    wait_ready(page)
    state = page.evaluate("() => ({loads: peacemap.layers.geography.loads, error: peacemap.layers.geography.error})")
    assert state == {"loads": state["loads"], "error": None} and state["loads"] >= 1
    kinds = _context_kinds(page)
    for kind in ("country", "river", "admin", "town", "road"):  # roads: the mission's own (the demo's)
        assert kinds.get(kind, 0) > 0, kinds
    assert page.locator(".pm-label-town").count() == kinds["town"]
    assert "Bangui" in page.locator(".pm-label-town").all_inner_texts()
    assert blocked == [] and page.external_requests == []
    # Closer in, village names appear.
    page.evaluate("() => { peacemap.layers.geography.group._map.setZoom(11, {animate: false}); }")
    page.wait_for_function("() => document.querySelectorAll('.pm-label-village').length > 0")
    page.screenshot(path=str(artifacts / "map_offline.png"))


def test_qip_plot_draws_its_geography_offline(live_app, page):
    blocked = _offline(page, live_app)
    page.goto(f"{live_app.url}/qips/plot")
    page.wait_for_function("() => peacemap.layers.geography && peacemap.layers.geography.loads >= 1")
    kinds = _context_kinds(page)
    assert kinds.get("country", 0) > 0 and kinds.get("town", 0) > 0, kinds
    assert blocked == [] and page.external_requests == []


@pytest.fixture
def french_page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="fr-FR")
    pg = context.new_page()
    yield pg
    context.close()


def test_a_french_browser_reads_french(live_app, french_page, demo_end, wait_ready, artifacts):
    pg = french_page
    pg.goto(f"{live_app.url}/map?end={demo_end.isoformat()}")
    pg.wait_for_function(
        "() => window.peacemap && peacemap.worklistState && peacemap.worklistState.loads >= 1", timeout=120_000
    )
    assert pg.locator("html").get_attribute("lang") == "fr"
    assert pg.locator(".pm-legend-title").inner_text() == "Légende"
    assert pg.locator(".leaflet-control-layers-overlays").get_by_text("Sites de la mission").count() == 1
    assert pg.locator("#pm-worklist h2").inner_text() == "Communautés sous-engagées dans la vue"
    assert pg.locator('#pm-worklist th[data-col="rank"]').inner_text().startswith("Rang")
    reasons = pg.evaluate("() => peacemap.worklistState.rows[0].reasons")
    assert any("depuis le dernier engagement" in r or "aucune patrouille" in r for r in reasons), reasons
    assert any("du site de la mission le plus proche" in r or "aucun site actif" in r for r in reasons), reasons
    # Travel time (the map ranks by it): the sentence, its hours and its season in French.
    travel = pg.evaluate(
        "() => peacemap.worklistState.rows.flatMap(r => r.explanation).filter(e => e.code === 'travel_time')"
    )
    assert travel and all(" en saison " in e["text"] and e["text"].startswith("environ ") for e in travel), travel
    pg.click("#pm-worklist button.pm-wl-name >> nth=0")
    popup = pg.locator(".leaflet-popup-content .pm-popup")
    popup.wait_for()
    assert "Score de déficit" in popup.inner_text() and "Pourquoi" in popup.inner_text()
    pg.screenshot(path=str(artifacts / "map_french.png"))
    # The brief, in French, from the same browser.
    area = httpx.get(f"{live_app.url}/map/admin-areas", params={"end": demo_end.isoformat()}, timeout=60).json()[
        "features"
    ][0]
    pg.goto(f"{live_app.url}/areas/{area['id']}?as_of={demo_end.isoformat()}&window_days=90")
    assert pg.locator("html").get_attribute("lang") == "fr"
    text = pg.locator("body").inner_text()
    assert "Incidents par mois" in text and "Les 24 derniers mois" in text and "Données et paramètres" in text


def test_the_language_switch_is_remembered(live_app, page, demo_end, wait_ready):
    page.goto(f"{live_app.url}/map?end={demo_end.isoformat()}&layers=sites")
    wait_ready(page)
    assert page.locator("html").get_attribute("lang") == "en"
    with page.expect_navigation():
        page.select_option(".pm-language select", "fr")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.goto(f"{live_app.url}/qips/plot")
    assert page.locator("html").get_attribute("lang") == "fr"


def test_the_qip_plotter_in_french(live_app, french_page, place):
    """The plotter's template and its script's texts follow the language:
    labels, vocabulary options, the counts around a placed site, the map's
    overlay names and the language menu."""
    pg = french_page
    pg.goto(f"{live_app.url}/qips/plot")
    assert pg.locator("html").get_attribute("lang") == "fr"
    assert pg.locator("h1").inner_text() == "Placer un projet à impact rapide"
    assert pg.locator("#pm-qip-form button[type=submit]").inner_text() == "Enregistrer le PIR"
    assert pg.locator("select[name=sector] option[value=social_cohesion]").inner_text() == "cohésion sociale"
    assert "50 000" in pg.locator('.pm-field[data-field="budget_usd"] label').inner_text().replace("\u202f", " ")
    assert pg.locator(".pm-language select").input_value() == "fr"
    qip = httpx.get(f"{live_app.url}/api/v1/qips", params={"limit": 1}).json()["features"][0]
    lon, lat = qip["geometry"]["coordinates"]
    place(pg, lon + 0.01, lat)
    assert pg.locator("#pm-qip-warning").inner_text().startswith("Attention : ")
    agreements = pg.locator("#pm-nearby-counts li[data-nearby=agreements]").inner_text()
    assert agreements.split()[0].isdigit() and "accords locaux" in agreements
    assert pg.locator(".leaflet-control-layers-overlays").get_by_text("À moins de 10 km").count() == 1
