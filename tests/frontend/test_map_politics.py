"""The map's local-politics views in headless Chromium on the demo data: the
agreement popup's before/after figures and monthly chart, and the layers of
who was heard and what people think."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def open_strained_pact(page):
    """Open the strained pact's popup (its area is drawn on canvas: from the page's own
    layer) and return its agreement-strain detail once it is in."""
    opened = page.evaluate("""() => {
        let done = false;
        peacemap.layers.agreements.group.eachLayer(g => g.eachLayer(l => {
            if (!done && l.feature.properties.name.startsWith("Bambari")) { l.openPopup(); done = true; }
        }));
        return done;
    }""")
    assert opened
    detail = page.locator(".leaflet-popup-content .pm-detail[data-detail=agreement-strain]")
    detail.wait_for()
    return detail


def test_agreement_popup_shows_before_and_after_with_a_monthly_chart(live_app, page, artifacts, demo_end, wait_ready):
    page.goto(f"{live_app.url}/map?end={demo_end.isoformat()}&layers=agreements")
    wait_ready(page)
    detail = open_strained_pact(page)
    text = detail.inner_text()
    assert "before →" in text and "Rate ratio (95 %)" in text and "rose from" in text
    bars = detail.locator("svg.pm-chart rect.pm-after")
    assert bars.count() >= 12 and detail.locator("svg.pm-chart rect.pm-before").count() == bars.count()
    heights = [
        float(h)
        for h in detail.locator("svg.pm-chart rect.pm-after").evaluate_all("r => r.map(x => x.getAttribute('height'))")
    ]
    assert max(heights) > 0
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "map_agreement_popup.png"))


def test_who_was_heard_and_perception_layers_load(live_app, page, artifacts, demo_end, wait_ready):
    page.goto(f"{live_app.url}/map?end={demo_end.isoformat()}&layers=hearing,perceptions")
    wait_ready(page)
    for key in ("hearing", "perceptions"):
        state = page.evaluate(f"() => {{ const s = peacemap.layers[{key!r}]; return [s.error, s.returned]; }}")
        assert state[0] is None and state[1] > 0, (key, state)
    page.screenshot(path=str(artifacts / "map_politics_layers.png"))


def test_a_french_browser_reads_the_agreement_reasons_in_french(live_app, browser, demo_end, artifacts):
    """The popup shows what the API answers, in the browser's language: the
    strained pact's reasons in French (docs/politics.md#reasons)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="fr-FR")
    try:
        pg = context.new_page()
        pg.goto(f"{live_app.url}/map?end={demo_end.isoformat()}&layers=agreements")
        pg.wait_for_function(
            "() => window.peacemap && peacemap.layers.agreements && peacemap.layers.agreements.returned > 0",
            timeout=120_000,
        )
        assert pg.locator("html").get_attribute("lang") == "fr"
        detail = open_strained_pact(pg)
        reasons = detail.locator("li").all_inner_texts()
        assert any(r.startswith("les incidents dans la zone sont passés de ") for r in reasons), reasons
        assert any("postérieurs à la signature ont impliqué une partie" in r for r in reasons), reasons
        assert not any("after signing" in r for r in reasons), reasons
        pg.screenshot(path=str(artifacts / "map_agreement_popup_fr.png"))
    finally:
        context.close()
