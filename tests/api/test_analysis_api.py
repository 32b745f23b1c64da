"""GET /api/v1/analysis/engagement-gaps: ranked FeatureCollection with the
parameters echoed, auth, filters, paging and 422s naming the parameter."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

BOX = "-26.5,-16.5,-23.5,-13.5"
URL = "/api/v1/analysis/engagement-gaps"


@pytest.fixture
def data(session, scenario):
    s = scenario()
    for k in range(5):
        s.community(s.at(s.OCEAN, 0, 30_000 * k), population=10**k, name=f"c{k}")
        s.incident(s.at(s.OCEAN, 0, 30_000 * k), s.AS_OF - timedelta(days=k), fatalities=k)
    s.site(s.at(s.OCEAN, 180, 25_000))
    s.patrol([s.at(s.OCEAN, 90, 1000), s.at(s.OCEAN, 90, 9000)], s.ts(s.AS_OF - timedelta(days=100)))
    ids = s.store(session)
    session.commit()
    return ids


def test_ranked_feature_collection_with_parameters_and_provenance(client, viewer, data, scenario):
    r = client.get(URL, params={"bbox": BOX, "as_of": scenario.AS_OF.isoformat()}, headers=viewer)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["type"] == "FeatureCollection" and body["numberMatched"] == 5 and body["numberReturned"] == 5
    ranks = [f["properties"]["rank"] for f in body["features"]]
    assert ranks == [1, 2, 3, 4, 5]
    scores = [f["properties"]["gap_score"] for f in body["features"]]
    assert scores == sorted(scores, reverse=True)
    top = body["features"][0]
    assert top["geometry"]["type"] == "Point"
    assert top["properties"]["name"] == "c4" and top["properties"]["under_engaged"] is True
    assert top["properties"]["reasons"][1] == "1 incident, 4 deaths within 10 km in 90 days"
    first = next(f for f in body["features"] if f["properties"]["name"] == "c0")["properties"]
    assert (first["last_engagement_kind"], first["days_since_engagement"]) == ("patrol", 100)
    assert body["parameters"]["as_of"] == scenario.AS_OF.isoformat() and body["parameters"]["patrol_radius_m"] == 5000
    assert body["computed_at"] and body["data"]["communities"] >= 5


def test_parameters_change_the_answer_and_paging(client, viewer, data, scenario):
    q = {
        "bbox": BOX,
        "as_of": scenario.AS_OF.isoformat(),
        "patrol_radius_m": 500,
        "under_engaged_only": "true",
        "limit": 2,
        "offset": 1,
    }
    body = client.get(URL, params=q, headers=viewer).json()
    assert body["numberMatched"] == 5 and body["numberReturned"] == 2
    assert [f["properties"]["rank"] for f in body["features"]] == [2, 3]
    assert body["parameters"]["patrol_radius_m"] == 500
    assert any(link["rel"] == "next" for link in body["links"])
    names = {
        f["properties"]["name"]: f["properties"]
        for f in client.get(URL, params={**q, "limit": 10, "offset": 0}, headers=viewer).json()["features"]
    }
    assert names["c0"]["days_since_engagement"] is None


def test_a_new_patrol_posted_through_the_api_is_reflected_at_once(client, viewer, editor, data, scenario):
    q = {"bbox": BOX, "as_of": scenario.AS_OF.isoformat()}
    before = {
        f["properties"]["name"]: f["properties"] for f in client.get(URL, params=q, headers=viewer).json()["features"]
    }
    assert before["c2"]["days_since_engagement"] is None
    ended = scenario.ts(scenario.AS_OF - timedelta(days=2))
    patrol = {
        "type": "Feature",
        "geometry": {
            "type": "MultiLineString",
            "coordinates": [[scenario.at(scenario.OCEAN, 0, 59_000), scenario.at(scenario.OCEAN, 0, 61_000)]],
        },
        "properties": {
            "started_at": (ended - timedelta(hours=3)).isoformat(),
            "ended_at": ended.isoformat(),
            "patrol_type": "vehicle",
            "component": "military",
        },
    }
    assert client.post("/api/v1/patrols", json=patrol, headers=editor).status_code == 201
    after = {
        f["properties"]["name"]: f["properties"] for f in client.get(URL, params=q, headers=viewer).json()["features"]
    }
    assert after["c2"]["days_since_engagement"] == 2 and after["c2"]["last_engagement_kind"] == "patrol"


def test_a_community_and_an_incident_at_the_pole_are_ranked_like_any_other(client, viewer, editor, data, scenario):
    """Issue 9: a community at [18, 90] (accepted) made every engagement-gap
    request fail, as did an incident at the pole."""
    point = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [18, 90]}, "properties": {"name": "pole"}}
    assert client.post("/api/v1/communities", json=point, headers=editor).status_code == 201
    incident = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [-150, 89.99]},  # 1.1 km away
        "properties": {"occurred_on": scenario.AS_OF.isoformat(), "event_type": "battle", "fatalities": 2},
    }
    assert client.post("/api/v1/incidents", json=incident, headers=editor).status_code == 201
    for q in ({"as_of": scenario.AS_OF.isoformat()}, {"as_of": scenario.AS_OF.isoformat(), "bbox": "-180,89,180,90"}):
        r = client.get(URL, params={**q, "limit": 10000}, headers=viewer)
        assert r.status_code == 200, r.text
        pole = next(f["properties"] for f in r.json()["features"] if f["properties"]["name"] == "pole")
        assert (pole["incidents_window"], pole["fatalities_window"]) == (1, 2)


def test_needs_a_viewer_key(client, data):
    assert client.get(URL, params={"bbox": BOX}).status_code == 401


@pytest.mark.parametrize(
    "name,value",
    [
        ("patrol_radius_m", "0"),
        ("incident_radius_m", "1e9"),
        ("window_days", "0"),
        ("as_of", "yesterday"),
        ("limit", "0"),
        ("offset", "-1"),
        ("bbox", "1,2,3"),
        ("bbox", "10,0,5,1"),
        ("half_life_days", "nan"),
    ],
)
def test_bad_parameters_are_422_naming_the_parameter(client, viewer, name, value):
    r = client.get(URL, params={name: value}, headers=viewer)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == name


def test_unknown_admin_area_is_404(client, viewer):
    r = client.get(URL, params={"admin_area": 10**12}, headers=viewer)
    assert r.status_code == 404 and r.json()["field"] == "admin_area"


@pytest.fixture(scope="module")
def cli_db(cluster, scenario):
    """A database of its own: the command line reads only committed data."""
    from sqlalchemy.orm import Session

    from geo.db import make_engine, migrate

    url = cluster.create_database("peacemap_gaps_cli")
    migrate(url)
    engine = make_engine(url)
    s = scenario()
    s.community(s.OCEAN, population=1000, name="Alpha")
    s.community(s.at(s.OCEAN, 0, 50_000), name="Bravo")
    s.incident(s.at(s.OCEAN, 0, 2000), s.AS_OF - timedelta(days=1), fatalities=3)
    s.engagement(s.at(s.OCEAN, 0, 50_000), s.ts(s.AS_OF - timedelta(days=4)), community_id=2)
    s.site(s.at(s.OCEAN, 90, 12_000))
    with Session(engine) as session:
        s.store(session)
        session.commit()
    engine.dispose()
    yield url
    cluster.drop_database("peacemap_gaps_cli")


@pytest.fixture
def gaps_cli(monkeypatch, cli_db, scenario):
    """``gaps_cli(*args)``: ``peacemap gaps --as-of AS_OF *args`` over ``cli_db``."""
    from click.testing import CliRunner

    from api.cli import main
    from geo.config import get_database_settings

    def run(*args):
        monkeypatch.setenv("PEACEMAP_DATABASE_URL", cli_db)
        get_database_settings.cache_clear()
        try:
            return CliRunner().invoke(main, ["gaps", "--as-of", scenario.AS_OF.isoformat(), *args])
        finally:
            monkeypatch.delenv("PEACEMAP_DATABASE_URL")
            get_database_settings.cache_clear()

    return run


def test_cli_prints_a_readable_ranked_table(gaps_cli, scenario):
    r = gaps_cli()
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0] == f"Engagement gaps as of {scenario.AS_OF.isoformat()} (window 90 days)"
    first = next(line for line in lines if line.strip().startswith("1 "))
    assert "Alpha" in first and "never" in first and "yes" in first
    assert "1 incident, 3 deaths within 10 km in 90 days" in r.output
    assert "12 km from the nearest mission site" in r.output


def test_cli_geojson_and_csv(gaps_cli):
    import csv
    import io
    import json

    body = json.loads(gaps_cli("--format", "geojson", "--limit", "1").output)
    assert body["numberMatched"] == 2 and body["numberReturned"] == 1
    assert body["features"][0]["properties"]["name"] == "Alpha"
    rows = list(csv.DictReader(io.StringIO(gaps_cli("--format", "csv", "--under-engaged-only").output)))
    assert [r["name"] for r in rows] == ["Alpha"] and rows[0]["rank"] == "1"
    r = gaps_cli("--window-days", "0")
    assert r.exit_code == 2 and "window_days" in r.output


COVERAGE = "/api/v1/analysis/coverage-gaps"


def test_coverage_gaps_as_polygons(client, viewer, data, scenario):
    q = {"bbox": BOX, "as_of": scenario.AS_OF.isoformat(), "days": 30}
    r = client.get(COVERAGE, params=q, headers=viewer)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    body = r.json()
    props = body["features"][0]["properties"]
    assert props["patrols_considered"] == 0 and props["uncovered_share"] == pytest.approx(1.0)
    assert body["parameters"] == {"as_of": scenario.AS_OF.isoformat(), "days": 30, "patrol_radius_m": 5000.0}
    wide = client.get(COVERAGE, params={**q, "days": 101}, headers=viewer).json()["features"][0]
    assert wide["properties"]["patrols_considered"] == 1
    assert wide["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert 0.99 < wide["properties"]["uncovered_share"] < 1.0


def test_coverage_gaps_as_geotiff(client, viewer, data, scenario):
    from rasterio.io import MemoryFile

    q = {"bbox": BOX, "as_of": scenario.AS_OF.isoformat(), "days": 101, "format": "geotiff", "cell_size_m": 2000}
    r = client.get(COVERAGE, params=q, headers=viewer)
    assert r.status_code == 200 and r.headers["content-type"] == "image/tiff"
    with MemoryFile(r.content) as mem, mem.open() as ds:
        band = ds.read(1)
        assert ds.count == 1 and ds.nodata == -1
        assert {100, 101} <= set(np.unique(band).tolist()) <= {-1, 100, 101}  # -1: cells past the bbox edge


@pytest.mark.parametrize(
    "params,field",
    [
        ({}, "bbox"),
        ({"bbox": BOX, "format": "png"}, "format"),
        ({"bbox": BOX, "days": 0}, "days"),
        ({"bbox": BOX, "format": "geotiff", "cell_size_m": 10}, "cell_size_m"),
        ({"bbox": "a,b,c,d"}, "bbox"),
        ({"bbox": "0,80,10,85"}, "bbox"),  # beyond World Mercator's area of use
    ],
)
def test_coverage_gaps_bad_parameters(client, viewer, params, field):
    r = client.get(COVERAGE, params=params, headers=viewer)
    assert r.status_code == 422 and r.json()["field"] == field


def test_coverage_gaps_needs_a_key(client):
    assert client.get(COVERAGE, params={"bbox": BOX}).status_code == 401
