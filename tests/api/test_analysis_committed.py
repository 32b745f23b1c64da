"""The engagement-gap analysis over committed data, as users reach it: each
test module fixture is its own database, written and committed for real, so
the API answers from the router's cache (``cached_gaps``; the other API tests
run inside an uncommitted transaction, which bypasses it) and ``peacemap gaps``
(a separate process) sees the same rows.

- One scoring rule for subsets (docs/analysis.md#area-subsets): a community
  has the same ``gap_score``, ``pressure_norm`` and ``rank`` in the API (with
  and without ``bbox`` / ``admin_area``), the OGC collection, the GeoPackage
  export and the command line.
- The cache through the API (docs/analysis.md#cache): a hit, the incremental
  path after a POST, the full path after a PATCH and after a DELETE — each
  answer equal to a fresh ``gaps_from_db``.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta

import pyogrio
import pytest
import shapely
from fastapi.testclient import TestClient
from geoalchemy2.shape import from_shape
from sqlalchemy.orm import Session

from api.app import create_app
from api.settings import ApiSettings
from geo.analysis import GapParams, cache, gaps_from_db
from geo.analysis.export import features
from geo.db import make_engine, migrate
from geo.keys import create_key
from geo.models import AdminArea

SCORES = ("gap_score", "pressure_norm", "rank")
WEST = (17.0, 5.0)  # the area: two communities; the mission's most pressed community lies outside it
BBOX = (16.8, 4.8, 17.5, 5.5)


def _today() -> date:
    return datetime.now(UTC).date()


@contextmanager
def _database(cluster, name: str):
    """A fresh, migrated database of its own (dropped afterwards); its URL and engine."""
    url = cluster.create_database(name)
    migrate(url)
    engine = make_engine(url)
    try:
        yield url, engine
    finally:
        engine.dispose()
        cache.clear()
        cluster.drop_database(name)


def _client(url: str) -> TestClient:
    """The real app over ``url``; no background warm-up, so each request meets the cache itself."""
    return TestClient(create_app(ApiSettings(public_read=True, warm_analysis=False), db_url=url))


# ---------------------------------------------------------------- one scoring rule for subsets


@pytest.fixture(scope="module")
def mission(cluster, scenario):
    """Communities in the area and beyond it, dated relative to today (the
    OGC collection and the GeoPackage use the default as_of, today); the
    community ids by name and the area's id."""
    today = _today()
    s = scenario()
    s.community(WEST, population=1000, name="west-1")
    s.community(s.at(WEST, 90, 20_000), population=20, name="west-2")
    east = (18.5, 5.0)
    s.community(east, population=5000, name="east-1")
    s.community(s.at(east, 0, 30_000), name="east-2")
    s.incident(s.at(WEST, 0, 2000), today - timedelta(days=5), fatalities=2)
    s.incident(s.at(s.at(WEST, 90, 20_000), 0, 3000), today - timedelta(days=40), fatalities=0)
    s.incident(s.at(east, 0, 1000), today - timedelta(days=1), fatalities=12)
    s.site(s.at(WEST, 180, 25_000))
    s.patrol([s.at(east, 90, 1000), s.at(east, 90, 6000)], s.ts(today - timedelta(days=70)))
    with _database(cluster, "peacemap_test_area_rule") as (url, engine):
        with Session(engine) as w:
            ids = s.store(w)
            area = AdminArea(name="west", level=2, geom=from_shape(shapely.MultiPolygon([shapely.box(*BBOX)]), 4326))
            w.add(area)
            w.flush()
            area_id = area.id
            w.commit()
        cache.clear()
        names = {row["id"]: row["name"] for row in s.rows["communities"]}
        yield url, {names[sid]: db_id for sid, db_id in ids["communities"].items()}, area_id


def _scores(feature_list) -> dict[int, tuple]:
    return {f["id"]: tuple(f["properties"][k] for k in SCORES) for f in feature_list}


def test_a_community_has_one_score_in_the_api_ogc_geopackage_and_cli(mission, tmp_path, run_peacemap):
    url, ids, area_id = mission
    inside = {ids["west-1"], ids["west-2"]}
    box = ",".join(map(str, BBOX))
    with _client(url) as client:
        everything = client.get("/api/v1/analysis/engagement-gaps", params={"limit": 1000}).json()
        by_bbox = client.get("/api/v1/analysis/engagement-gaps", params={"bbox": box}).json()
        by_area = client.get("/api/v1/analysis/engagement-gaps", params={"admin_area": area_id}).json()
        ogc = client.get("/ogc/collections/engagement-gaps/items", params={"bbox": box}).json()
        gpkg = client.get("/api/v1/export.gpkg", params={"bbox": box})
        assert gpkg.status_code == 200, gpkg.text
    mission_wide = _scores(everything["features"])
    assert set(mission_wide) == set(ids.values())
    # The design of the data: the area holds neither the most pressed community nor rank 1,
    # so a re-normalisation within it would change pressure_norm and rank.
    assert max(mission_wide[c][1] for c in inside) < 1 and min(mission_wide[c][2] for c in inside) > 1
    want = {c: mission_wide[c] for c in inside}

    assert _scores(by_bbox["features"]) == want
    assert _scores(by_area["features"]) == want
    assert [f["id"] for f in by_bbox["features"]] == sorted(inside, key=lambda c: mission_wide[c][2])
    assert _scores(ogc["features"]) == want

    path = tmp_path / "export.gpkg"
    path.write_bytes(gpkg.content)
    layer = pyogrio.read_dataframe(path, layer="engagement_gaps")
    assert {int(r.community_id): (r.gap_score, r.pressure_norm, int(r.rank)) for r in layer.itertuples()} == want

    for option in (["--bbox", box], ["--admin-area", str(area_id)]):
        run = run_peacemap(url, "gaps", *option, "--format", "geojson")
        assert run.returncode == 0, run.stderr
        assert _scores(json.loads(run.stdout)["features"]) == want, option


# ---------------------------------------------------------------- the cache, through the API


@pytest.fixture(scope="module")
def cached(cluster, scenario):
    """Two communities, a site, an incident and a patrol; an editor key; the app."""
    s = scenario()
    s.community(s.OCEAN, population=300, name="home")
    s.community(s.at(s.OCEAN, 0, 40_000), name="north")
    s.site(s.at(s.OCEAN, 180, 30_000))
    s.incident(s.at(s.OCEAN, 0, 39_000), s.AS_OF - timedelta(days=2), fatalities=3)
    s.patrol([s.at(s.OCEAN, 90, 2000), s.at(s.OCEAN, 90, 9000)], s.ts(s.AS_OF - timedelta(days=80)))
    with _database(cluster, "peacemap_test_cache_api") as (url, engine):
        with Session(engine) as w:
            ids = s.store(w)
            editor = {"Authorization": f"Bearer {create_key(w, 'editor', 'editor')}"}
            w.commit()
        cache.clear()
        with _client(url) as client:
            yield client, engine, editor, ids


def _same_as_a_fresh_run(client, engine, scenario, path: str) -> dict[int, dict]:
    """The API's answer (taking ``path`` in the cache) equals a fresh
    ``gaps_from_db`` of the committed data, feature by feature."""
    before = cache.STATS[path]
    got = client.get("/api/v1/analysis/engagement-gaps", params={"as_of": scenario.AS_OF.isoformat(), "limit": 1000})
    assert got.status_code == 200, got.text
    assert cache.STATS[path] == before + 1, dict(cache.STATS)
    with Session(engine) as s:
        fresh = gaps_from_db(s, GapParams(as_of=scenario.AS_OF), computed_at=scenario.COMPUTED_AT)
        want = features(fresh, fresh.table)
    got_features = got.json()["features"]
    assert [f["id"] for f in got_features] == [f["id"] for f in want]
    for g, w in zip(got_features, want, strict=True):
        assert g["geometry"] == w["geometry"]
        for key, value in w["properties"].items():
            expected = pytest.approx(value, rel=1e-12, abs=1e-12) if isinstance(value, float) else value
            assert g["properties"][key] == expected, (g["id"], key)
    return {f["id"]: f["properties"] for f in got_features}


def _patrol_feature(scenario, ended: date) -> dict:
    at = datetime.combine(ended, time(12), tzinfo=UTC)
    return {
        "type": "Feature",
        "geometry": {
            "type": "MultiLineString",
            "coordinates": [[scenario.at(scenario.OCEAN, 0, 38_000), scenario.at(scenario.OCEAN, 0, 41_000)]],
        },
        "properties": {
            "started_at": (at - timedelta(hours=3)).isoformat(),
            "ended_at": at.isoformat(),
            "patrol_type": "foot",
            "component": "military",
        },
    }


def test_the_api_answers_from_the_cache_and_equals_a_fresh_run(cached, scenario):
    client, engine, editor, ids = cached
    home, north = ids["communities"][1], ids["communities"][2]
    t = _same_as_a_fresh_run(client, engine, scenario, "full")
    assert t[home]["days_since_engagement"] == 80 and t[north]["days_since_engagement"] is None
    _same_as_a_fresh_run(client, engine, scenario, "hit")

    posted = client.post(
        "/api/v1/patrols", json=_patrol_feature(scenario, scenario.AS_OF - timedelta(days=3)), headers=editor
    )
    assert posted.status_code == 201, posted.text
    patrol = posted.json()["id"]
    t = _same_as_a_fresh_run(client, engine, scenario, "incremental")
    assert (t[north]["last_engagement_kind"], t[north]["last_engagement_id"], t[north]["days_since_engagement"]) == (
        "patrol",
        patrol,
        3,
    )

    earlier = _patrol_feature(scenario, scenario.AS_OF - timedelta(days=9))["properties"]
    moved = {"properties": {k: earlier[k] for k in ("started_at", "ended_at")}}
    patched = client.patch(f"/api/v1/patrols/{patrol}", json=moved, headers=editor)
    assert patched.status_code == 200, patched.text
    t = _same_as_a_fresh_run(client, engine, scenario, "incremental")  # an update: only the changed row is read
    assert t[north]["days_since_engagement"] == 9

    assert client.delete(f"/api/v1/patrols/{patrol}", headers=editor).status_code == 204
    t = _same_as_a_fresh_run(client, engine, scenario, "incremental")
    assert t[north]["days_since_engagement"] is None
    _same_as_a_fresh_run(client, engine, scenario, "hit")
