"""The area brief (/areas/{id}, /api/v1/areas/{id}/brief, peacemap brief)
on the browser tests' demo database: its figures against the API's own
endpoints and an independent count of the rows, its charts, and its PDF."""

from __future__ import annotations

import io
import time
from collections import Counter

import geopandas as gpd
import httpx
import pytest
import shapely
from pypdf import PdfReader
from sqlalchemy import create_engine

from geo import vocab

pytestmark = pytest.mark.browser

A4_PT = (595.28, 841.89)


@pytest.fixture(scope="module")
def area(live_app, demo_end) -> dict:
    """The admin area with the most under-engaged communities in the demo's default window."""
    for _ in range(120):  # the analysis warms up after the start: 503 + Retry-After until it is ready
        r = httpx.get(f"{live_app.url}/api/v1/analysis/engagement-gaps", params=_window(demo_end), timeout=120)
        if r.status_code != 503:
            break
        time.sleep(float(r.headers["Retry-After"]))
    assert r.status_code == 200, r.text
    fc = httpx.get(f"{live_app.url}/map/admin-areas", params={"end": demo_end.isoformat()}, timeout=60).json()
    best = max(fc["features"], key=lambda f: (f["properties"]["under_engaged"] or 0, -f["id"]))
    assert best["properties"]["under_engaged"] > 0
    return best


def _window(demo_end) -> dict:
    return {"as_of": demo_end.isoformat(), "window_days": 90}


def test_brief_json_agrees_with_the_api(live_app, area, demo_end):
    url = live_app.url
    brief = httpx.get(f"{url}/api/v1/areas/{area['id']}/brief", params=_window(demo_end), timeout=60).json()
    assert brief["area"]["id"] == area["id"] and brief["area"]["name"] == area["properties"]["name"]
    # The figures are the choropleth's for the same window.
    for key in ("incidents", "pressure", "pressure_share", "communities", "under_engaged"):
        assert brief["figures"][key] == area["properties"][key], key
    # The top ten are the area's under-engaged communities as the analysis ranks them.
    gaps = httpx.get(
        f"{url}/api/v1/analysis/engagement-gaps",
        params={**_window(demo_end), "admin_area": area["id"], "under_engaged_only": "true", "limit": 10},
        timeout=60,
    ).json()
    want = [(f["id"], f["properties"]["rank"], f["properties"]["gap_score"]) for f in gaps["features"]]
    got = [(r["community_id"], r["rank"], r["gap_score"]) for r in brief["under_engaged"]["top"]]
    assert got == want and len(got) == min(10, area["properties"]["under_engaged"])
    assert brief["under_engaged"]["count"] == gaps["numberMatched"] == area["properties"]["under_engaged"]
    assert [r["reasons"] for r in brief["under_engaged"]["top"]] == [
        f["properties"]["reasons"] for f in gaps["features"]
    ]
    assert brief["parameters"] == gaps["parameters"]
    # The politics sections are the politics analyses' own answers for this area.
    at = {"as_of": demo_end.isoformat(), "limit": 10000}
    level = brief["area"]["level"]
    heard = httpx.get(f"{url}/api/v1/analysis/constituencies", params={**at, "level": level}, timeout=60).json()
    props = next(f["properties"] for f in heard["features"] if f["id"] == area["id"])
    assert {k: v for k, v in brief["hearing"].items() if k not in ("window_days", "concentration_top")} == {
        k: v for k, v in props.items() if k not in ("name", "level")
    }
    assert brief["hearing"]["window_days"] == heard["params"]["window_days"]
    strain = httpx.get(f"{url}/api/v1/analysis/agreements", params=at, timeout=60).json()["agreements"]
    mine = {a["id"]: a for a in brief["agreements"]}
    assert [a["id"] for a in strain if a["id"] in mine] == [a["id"] for a in brief["agreements"]]
    for a in strain:
        if a["id"] in mine:
            assert mine[a["id"]] == {k: v for k, v in a.items() if k not in ("violations", "months")}
    surveyed = []
    for indicator in vocab.PERCEPTION_INDICATORS:
        fc = httpx.get(
            f"{url}/api/v1/analysis/perceptions", params={**at, "indicator": indicator, "level": level}, timeout=60
        ).json()
        p = next(f["properties"] for f in fc["features"] if f["id"] == area["id"])
        if p["waves"]:
            surveyed.append({k: p[k] for k in ("indicator", "waves", "change", "flags", "reasons", "explanation")})
    assert brief["perceptions"] == surveyed and surveyed  # the demo surveys every area
    assert len(brief["series"]["months"]) == 24 and brief["series"]["months"][-1] == demo_end.strftime("%Y-%m")


def test_monthly_series_match_an_independent_count(live_app, browser_db_url, demo_end):
    """Every admin area's series against rows counted in Python (shapely
    intersects, months from the stored dates in UTC)."""
    cut = f"'{demo_end.isoformat()}'"
    queries = {
        "incidents": (f"(SELECT * FROM incidents WHERE occurred_on <= {cut}) i", "occurred_on", "1"),
        "fatalities": (f"(SELECT * FROM incidents WHERE occurred_on <= {cut}) i", "occurred_on", "fatalities"),
        "patrols": (
            f"(SELECT * FROM patrols WHERE (ended_at AT TIME ZONE 'UTC')::date <= {cut}) p",
            "ended_at AT TIME ZONE 'UTC'",
            "1",
        ),
        "engagements": (
            f"(SELECT * FROM engagements WHERE (occurred_at AT TIME ZONE 'UTC')::date <= {cut}) e",
            "occurred_at AT TIME ZONE 'UTC'",
            "1",
        ),
        "qips": (f"(SELECT * FROM qips WHERE start_on <= {cut}) q", "start_on", "1"),
    }
    engine = create_engine(browser_db_url)
    try:
        areas = gpd.read_postgis("SELECT id, geom FROM admin_areas ORDER BY id", engine, geom_col="geom")
        rows = {
            name: gpd.read_postgis(
                f"SELECT geom, to_char({when}, 'YYYY-MM') AS m, {w} AS w FROM {table}", engine, geom_col="geom"
            )
            for name, (table, when, w) in queries.items()
        }
    finally:
        engine.dispose()
    totals: Counter = Counter()
    for area_id, shape in zip(areas["id"], areas.geometry, strict=True):
        brief = httpx.get(f"{live_app.url}/api/v1/areas/{area_id}/brief", params=_window(demo_end), timeout=60).json()
        months = brief["series"]["months"]
        for name, frame in rows.items():
            inside = frame[
                shapely.intersects(shape, frame.geometry.to_numpy()) & frame["m"].between(months[0], months[-1])
            ]
            ref = Counter(dict(inside.groupby("m")["w"].sum()))
            assert brief["series"][name] == [int(ref.get(m, 0)) for m in months], (area_id, name)
            totals[name] += sum(brief["series"][name])
    assert all(totals[name] > 0 for name in queries), totals  # not vacuous


def test_brief_page_has_its_charts_and_prints_to_two_a4_pages(live_app, page, area, demo_end, artifacts):
    page.goto(f"{live_app.url}/areas/{area['id']}?as_of={demo_end.isoformat()}&window_days=90", timeout=120_000)
    assert page.locator("h1").inner_text() == area["properties"]["name"]
    assert page.locator("svg.chart:not(.interval)").count() == 5
    assert page.locator("svg.inset path.area").count() == 1
    assert page.locator("svg.inset path.ctx-country, svg.inset path.ctx-river, svg.inset path.ctx-admin").count() > 0
    bars = page.locator("svg.chart:not(.interval)").first.locator("rect.bar")
    assert bars.count() == 24
    # Perception trends with their intervals, who was heard, the agreements' strain.
    brief = httpx.get(f"{live_app.url}/api/v1/areas/{area['id']}/brief", params=_window(demo_end), timeout=60).json()
    intervals = page.locator("svg.chart.interval")
    assert intervals.count() == len(brief["perceptions"]) > 0
    assert intervals.first.locator("g.wave").count() == len(brief["perceptions"][0]["waves"])
    assert page.locator("[data-section=hearing]").count() == 1
    assert page.locator("[data-section=constituencies]").count() == 1
    assert page.locator("[data-section=strain] tbody tr[data-agreement]").count() == min(6, len(brief["agreements"]))
    rows = page.locator("[data-section=under-engaged] tbody tr")
    assert rows.count() == min(10, area["properties"]["under_engaged"])
    assert rows.first.locator("li[data-code]").count() == 3
    assert page.external_requests == []
    page.screenshot(path=str(artifacts / "area_brief.png"), full_page=True)
    pdf = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True)))
    assert 1 <= len(pdf.pages) <= 2
    box = pdf.pages[0].mediabox
    assert abs(float(box.width) - A4_PT[0]) < 2 and abs(float(box.height) - A4_PT[1]) < 2


def test_the_brief_opens_from_the_choropleth(live_app, page, area, demo_end, wait_ready):
    """The area's popup on /map links to its brief for the map's window."""
    page.goto(f"{live_app.url}/map?end={demo_end.isoformat()}")
    wait_ready(page)
    opened = page.evaluate(
        """(id) => { let found = null;
        peacemap.layers["admin-areas"].group.eachLayer(g => g.eachLayer(l => {
            if (l.feature && l.feature.id === id) found = l; }));
        if (found) found.fire("click", {latlng: found.getBounds().getCenter()});
        return !!found; }""",
        area["id"],
    )
    assert opened
    link = page.locator(".leaflet-popup-content a.pm-popup-link", has_text="Area brief")
    link.wait_for()
    with page.expect_navigation():
        link.click()
    assert page.url.startswith(f"{live_app.url}/areas/{area['id']}?")
    assert page.locator("h1").inner_text() == area["properties"]["name"]
    assert page.locator('[data-figure="incidents"]').inner_text() == f"{area['properties']['incidents']:,}"
    assert page.locator("svg.chart:not(.interval)").count() == 5


def test_viewers_never_see_an_interlocutors_name(live_app, page, area, demo_end, browser_db_url):
    """The brief (page and JSON) and the worklist (JSON and CSV) name roles
    and counts, never a person: no interlocutor's name or pseudonym appears."""
    engine = create_engine(browser_db_url)
    try:
        with engine.connect() as conn:
            people = conn.exec_driver_sql("SELECT name, pseudonym FROM interlocutors").all()
    finally:
        engine.dispose()
    words = {w for row in people for w in row if w}
    assert len(people) > 10 and words
    page.goto(f"{live_app.url}/areas/{area['id']}?as_of={demo_end.isoformat()}&window_days=90", timeout=120_000)
    texts = [page.content()]
    texts.append(
        httpx.get(f"{live_app.url}/api/v1/areas/{area['id']}/brief", params=_window(demo_end), timeout=60).text
    )
    for f in ("json", "csv"):
        texts.append(
            httpx.get(
                f"{live_app.url}/api/v1/analysis/worklist",
                params={**_window(demo_end), "f": f, "limit": 10000, "remoteness": "travel_time"},
                timeout=120,
            ).text
        )
    for text in texts:
        assert not [w for w in words if w in text]


def test_peacemap_brief_writes_the_pdf(browser_db_url, area, demo_end, tmp_path, run_peacemap):
    out = tmp_path / "brief.pdf"
    run = run_peacemap(
        browser_db_url, "brief", str(area["id"]), "--pdf", str(out), "--as-of", demo_end.isoformat(), LC_ALL="C.UTF-8"
    )
    assert run.returncode == 0, run.stderr
    reader = PdfReader(out)
    assert 1 <= len(reader.pages) <= 2
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - A4_PT[0]) < 2 and abs(float(box.height) - A4_PT[1]) < 2
    text = reader.pages[0].extract_text()
    assert area["properties"]["name"] in text and "Incidents per month" in text


def test_peacemap_brief_in_the_shells_language(browser_db_url, area, demo_end, tmp_path, run_peacemap):
    """A French shell (LANG=fr_FR.UTF-8) gets the French brief; --lang overrides it."""
    out = tmp_path / "brief-fr.pdf"
    args = ("brief", str(area["id"]), "--as-of", demo_end.isoformat())
    run = run_peacemap(browser_db_url, *args, "--pdf", str(out), LC_ALL="", LC_MESSAGES="", LANG="fr_FR.UTF-8")
    assert run.returncode == 0, run.stderr
    text = PdfReader(out).pages[0].extract_text()
    assert "Incidents par mois" in text and "Incidents per month" not in text
    run = run_peacemap(browser_db_url, *args, "--pdf", str(out), "--lang", "en", LANG="fr_FR.UTF-8", LC_ALL="")
    assert run.returncode == 0, run.stderr
    assert "Incidents per month" in PdfReader(out).pages[0].extract_text()
