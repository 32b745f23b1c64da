"""The pages in the real browser under their Content-Security-Policy: they
work and report no violation; script that is not ours does not run; HTML
typed into a record shows as text in popups and pages."""

from __future__ import annotations

import re

import httpx
import pytest

pytestmark = pytest.mark.browser

WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
    e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || e.sample || '')));
"""
PAYLOAD = '<img src=x onerror="window.pmXss = (window.pmXss || 0) + 1">'
SPOT = (16.2, 3.9)  # away from the demo's places, so only our records are in view
VIEW = "16.15,3.85,16.25,3.95"


def watched(page) -> list[str]:
    """Collect CSP violations (events) and console errors/warnings of ``page``."""
    console: list[str] = []
    page.add_init_script(WATCH)
    page.on("console", lambda m: console.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: console.append(str(e)))
    return console


def no_violations(page, console: list[str]) -> None:
    assert page.evaluate("window.__csp") == []
    assert [m for m in console if "Content Security Policy" in m or "Refused" in m] == []


def script_src(headers: dict) -> str:
    csp = headers["content-security-policy"]
    return next(d for d in csp.split(";") if d.strip().startswith("script-src")).strip()


def test_pages_carry_a_csp_with_a_fresh_nonce_and_the_security_headers(live_app):
    first, second = (httpx.get(f"{live_app.url}/map") for _ in range(2))
    nonces = [re.search(r"'nonce-([^']+)'", script_src(r.headers))[1] for r in (first, second)]
    assert nonces[0] != nonces[1] and len(nonces[0]) >= 16
    assert "unsafe-inline" not in script_src(first.headers) and "unsafe-eval" not in script_src(first.headers)
    inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", first.text)
    assert inline and all(f'nonce="{nonces[0]}"' in tag for tag in inline)
    for path in ("/map", "/qips/plot", "/api/v1/incidents", "/static/js/peacemap.js"):
        r = httpx.get(f"{live_app.url}{path}")
        assert r.status_code == 200, path
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "same-origin" and r.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"], path


def test_map_works_under_its_csp_without_violations(live_app, page, demo_end, wait_ready):
    console = watched(page)
    response = page.goto(f"{live_app.url}/map?end={demo_end.isoformat()}&layers=incidents,communities,qips,sites")
    assert "'nonce-" in script_src(response.headers)
    wait_ready(page)
    for key in ("incidents", "communities", "qips", "sites"):
        state = page.evaluate(f"peacemap.layers[{key!r}].error")
        assert state is None, (key, state)
    page.locator(".pm-glyph").first.dispatch_event("click")  # a popup: HTML built in the browser
    page.locator(".leaflet-popup-content .pm-popup").wait_for()
    no_violations(page, console)


def test_qip_page_works_under_its_csp_without_violations(live_app, page, place):
    console = watched(page)
    response = page.goto(f"{live_app.url}/qips/plot")
    assert "'nonce-" in script_src(response.headers)
    assert page.evaluate("typeof window.PEACEMAP_QIP") == "object"  # the nonced inline config ran
    place(page, 20.67, 5.76)
    page.locator("#pm-nearby-communities li").first.wait_for()
    no_violations(page, console)


def test_script_that_is_not_ours_is_refused_and_reported(live_app, page, demo_end, wait_ready):
    """The watcher above can see a violation: a script injected without the nonce."""
    console = watched(page)
    page.goto(f"{live_app.url}/map?end={demo_end.isoformat()}")
    wait_ready(page)
    page.evaluate("""() => { const s = document.createElement('script');
        s.textContent = 'window.__ran = 1'; document.body.appendChild(s); }""")
    page.wait_for_function("() => window.__csp.length > 0")
    assert page.evaluate("window.__ran") is None
    assert page.evaluate("window.__csp")[0].startswith("script-src")
    assert any("Content Security Policy" in m for m in console)


def _create(live_app, key: str, resource: str, properties: dict) -> int:
    r = httpx.post(
        f"{live_app.url}/api/v1/{resource}",
        headers={"Authorization": f"Bearer {key}"},
        json={"type": "Feature", "geometry": {"type": "Point", "coordinates": list(SPOT)}, "properties": properties},
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _open_popup(page, key: str):
    """Open the popup of the layer's marker at SPOT (clustered markers carry no feature, so find it by place)."""
    found = page.evaluate(
        """([key, lon, lat]) => {
        let found = null;
        const walk = g => g.eachLayer(l => {
            if (found) return;
            const at = l.getLatLng && l.getLatLng();
            if (at && Math.abs(at.lng - lon) < 1e-9 && Math.abs(at.lat - lat) < 1e-9) found = l;
            else if (l.eachLayer) walk(l);
        });
        walk(peacemap.layers[key].group);
        if (found) found.openPopup();
        return !!found;
    }""",
        [key, *SPOT],
    )
    assert found, key
    return _popup(page)


def _popup(page):
    popup = page.locator(".leaflet-popup-content .pm-popup")
    popup.wait_for()
    return popup


@pytest.fixture
def hostile_records(live_app, editor_key, demo_end):
    day = demo_end.isoformat()
    ids = {
        "incidents": _create(
            live_app,
            editor_key,
            "incidents",
            {
                "occurred_on": day,
                "event_type": "battle",
                "actor1": PAYLOAD,
                "actor2": PAYLOAD,
                "location_name": PAYLOAD,
                "notes": PAYLOAD,
                "sub_event_type": PAYLOAD[:100],
            },
        ),
        "communities": _create(live_app, editor_key, "communities", {"name": PAYLOAD, "kind": "village"}),
    }
    yield ids
    for resource, fid in ids.items():
        httpx.delete(f"{live_app.url}/api/v1/{resource}/{fid}", headers={"Authorization": f"Bearer {editor_key}"})


def test_html_typed_into_records_shows_as_text(live_app, page, hostile_records, demo_end, wait_ready, place):
    console = watched(page)
    page.goto(f"{live_app.url}/map?end={demo_end.isoformat()}&bbox={VIEW}&layers=incidents,communities")
    wait_ready(page)
    for key in hostile_records:
        popup = _open_popup(page, key)
        assert PAYLOAD in popup.locator("h3").inner_text()  # the title: location_name / name
        if key == "incidents":
            assert popup.locator('tr[data-field="actor1"] td').inner_text() == PAYLOAD
        assert popup.locator("img").count() == 0
        page.locator(".leaflet-popup-close-button").click()
        popup.wait_for(state="detached")
    page.goto(f"{live_app.url}/qips/plot?bbox={VIEW}")
    place(page, *SPOT)
    nearby = page.locator("#pm-nearby-communities li", has_text="onerror")
    nearby.wait_for()
    assert PAYLOAD in nearby.inner_text() and page.locator("#pm-nearby-communities img").count() == 0
    page.wait_for_timeout(300)  # an onerror handler would have run by now
    assert page.evaluate("window.pmXss") is None
    no_violations(page, console)
