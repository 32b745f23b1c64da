"""The demo scenario: deterministic, scalable, valid, and loadable (once) into
the real PostGIS the suite starts."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from sqlalchemy import func, select

from geo import vocab
from geo.db import make_engine, migrate
from geo.demo import DEMO_SCALE, REFERENCE_COUNTS, counts_for, generate, load, load_demo
from geo.demo.patrols import STRAY_DEG
from geo.demo.scenario import MODELS, REFERENCES
from geo.demo.towns import MISSION_AREA, SYNTHETIC_SOURCE, TOWN_SOURCE
from geo.errors import InvalidInput

END = date(2026, 11, 28)
GEOM_TYPES = {
    "admin_areas": {"MultiPolygon"},
    "communities": {"Point"},
    "sites": {"Point"},
    "incidents": {"Point"},
    "agreements": {"MultiPolygon", "Point"},
    "patrols": {"MultiLineString"},
    "engagements": {"Point"},
    "qips": {"Point"},
    "perceptions": {"Point"},
    "roads": {"MultiLineString"},
    "crossings": {"Point"},
}
PEACEMAP = str(Path(sys.executable).parent / "peacemap")


@pytest.fixture(scope="module")
def demo():
    return generate(seed=7, end=END)


def test_same_seed_gives_identical_frames_and_another_seed_does_not(demo):
    again = generate(seed=7, end=END)
    for name, frame in demo.frames().items():
        if isinstance(frame, gpd.GeoDataFrame):
            assert_geodataframe_equal(frame, again.frames()[name], check_less_precise=False)
        else:  # a resource without geometry
            pd.testing.assert_frame_equal(frame, again.frames()[name])
    pd.testing.assert_frame_equal(demo.engagement_interlocutors, again.engagement_interlocutors)
    other = generate(seed=8, end=END)
    assert not demo.incidents.geometry.geom_equals(other.incidents.geometry).all()
    assert not demo.patrols["started_at"].equals(other.patrols["started_at"])
    assert not demo.communities.geometry.geom_equals(other.communities.geometry).all()


def test_counts_are_the_reference_at_scale_one_and_linear_above_the_minimums():
    assert counts_for(1) == REFERENCE_COUNTS
    small, double = counts_for(0.3), counts_for(0.6)
    assert all(double[t] == 2 * small[t] for t in REFERENCE_COUNTS)
    demo = counts_for(DEMO_SCALE)
    assert demo["incidents"] == 4_000 and demo["communities"] == 2_000 and 10 <= demo["sites"] <= 14
    scenario = generate(scale=0.06, seed=3, end=END)
    got = scenario.counts()
    assert {t: got[t] for t in REFERENCE_COUNTS} == counts_for(0.06)
    assert got["incidents"] == 60_000 and got["communities"] == 3_000 and got["patrols"] == 12_000
    assert 3 <= got["agreements"] <= 5 and got["admin_areas"] > 10


@pytest.mark.parametrize("scale", [0, -1, 100, "many"])
def test_a_bad_scale_is_refused_naming_the_field(scale):
    with pytest.raises(InvalidInput) as err:
        generate(scale=scale, end=END)
    assert err.value.field == "scale"


def test_every_geometry_is_valid_in_range_and_of_its_tables_type(demo):
    for name, frame in demo.frames().items():
        if name not in GEOM_TYPES:  # a resource without geometry (interlocutors)
            continue
        assert frame.crs.to_epsg() == 4326, name
        geoms = frame.geometry.values
        assert shapely.is_valid(geoms).all() and not shapely.is_empty(geoms).any(), name
        assert set(frame.geom_type) <= GEOM_TYPES[name], name
        assert frame.within(MISSION_AREA.buffer(STRAY_DEG)).all(), name  # border patrols may stray a little
    assert demo.communities.within(MISSION_AREA).all()
    areas = demo.admin_areas
    level1 = areas[areas["level"] == 1]
    assert (level1["parent_pcode"] == areas.loc[areas["level"] == 0, "pcode"].item()).all()
    assert level1.union_all().symmetric_difference(MISSION_AREA).area < 1e-9  # the cells tile the area
    vertices = shapely.get_num_coordinates(demo.patrols.geometry.values)
    assert vertices.min() >= 5 and vertices.max() <= 30
    assert (demo.agreements.geom_type == "MultiPolygon").sum() >= 3


def test_rows_carry_their_provenance_and_unique_source_ids(demo):
    for name, frame in demo.frames().items():
        assert frame["source_id"].is_unique, name
        assert set(frame["source"]) <= {SYNTHETIC_SOURCE, TOWN_SOURCE}, name
        if name != "communities":
            assert set(frame["source"]) == {SYNTHETIC_SOURCE}, name
    real = demo.communities[demo.communities["source"] == TOWN_SOURCE]
    assert (real["kind"] == "town").all() and len(real) >= 30


def test_real_towns_are_present_with_their_geonames_coordinates(demo):
    towns = demo.communities.set_index("name")
    bangui = towns.loc["Bangui"]
    assert bangui["source"] == TOWN_SOURCE and bangui["source_id"] == "2389853"
    assert (bangui.geom.x, bangui.geom.y) == pytest.approx((18.55496, 4.36122))
    assert bangui["population"] == 812_407
    assert towns.loc["Bambari"].geom.coords[0] == pytest.approx((20.67565, 5.76795))
    hq = demo.sites[demo.sites["kind"] == "hq"]
    assert list(hq["name"]) == ["Mission HQ Bangui"]
    assert hq.geometry.iloc[0].equals(bangui.geom)
    assert {"Field office Bria", "Field office Bambari", "Field office Kaga-Bandoro"} <= set(demo.sites["name"])
    assert set(demo.sites["kind"]) == set(vocab.SITE_KINDS)


def test_incidents_cluster_in_time_and_space_with_a_heavy_tail(demo):
    inc = demo.incidents
    days = (pd.Timestamp(END) - inc["occurred_on"]).dt.days
    assert days.min() >= 0 and days.max() < 730
    assert set(inc["event_type"]) <= set(vocab.EVENT_TYPES) and inc["event_type"].nunique() >= 8
    deaths = inc["fatalities"]
    assert (deaths == 0).mean() > 0.4 and deaths.max() >= 20 * deaths[deaths > 0].median()
    share3 = (inc["geo_precision"] == 3).mean()
    assert 0.05 < share3 < 0.15
    # Hot spots: the busiest 1 % of 10 km cells hold far more than 1 % of events.
    cells = pd.Series(list(zip((inc.geometry.x / 0.1).astype(int), (inc.geometry.y / 0.1).astype(int), strict=True)))
    per_cell = cells.value_counts()
    assert per_cell.head(max(1, len(per_cell) // 100)).sum() > 0.05 * len(inc)
    assert inc["civilian_targeting"].any() and inc["targets_mission"].any()


def test_patrols_engagements_and_qips_are_consistent(demo):
    p = demo.patrols
    assert (p["ended_at"] > p["started_at"]).all()
    assert p["ended_at"].max() <= pd.Timestamp(END, tz="UTC") + timedelta(days=1)
    assert p["started_at"].min() >= pd.Timestamp(END - timedelta(days=366), tz="UTC") - timedelta(days=3)
    assert 0 < p["coverage_m"].notna().mean() < 1
    assert set(p["patrol_type"]) == set(vocab.PATROL_TYPES) and set(p["component"]) == set(vocab.COMPONENTS)
    assert set(p["site_source_id"]) <= set(demo.sites["source_id"])

    e = demo.engagements
    assert all(c and set(c) <= set(vocab.CONSTITUENCIES) for c in e["constituencies"])
    assert set(e["kind"]) <= set(vocab.ENGAGEMENT_KINDS)
    assert (e["participants_women"] + e["participants_men"] == e["participants_total"]).all()
    assert set(e["community_source_id"]) <= set(demo.communities["source_id"])

    q = demo.qips
    assert set(q["status"]) == set(vocab.QIP_STATUSES) and set(q["sector"]) == set(vocab.QIP_SECTORS)
    assert len(q.groupby(["status", "sector"])) == len(vocab.QIP_STATUSES) * len(vocab.QIP_SECTORS)
    assert q["budget_usd"].between(0, vocab.QIP_MAX_BUDGET_USD).all()
    dated = q.dropna(subset=["start_on", "end_on"])
    assert (dated["end_on"] >= dated["start_on"]).all()
    done = q[q["status"] == "completed"]
    assert (done["end_on"] <= pd.Timestamp(END)).all()
    running = q[q["status"] == "in_progress"]
    assert (running["start_on"] <= pd.Timestamp(END)).all() and (running["end_on"] > pd.Timestamp(END)).all()
    assert q.loc[q["status"] == "proposed", "start_on"].isna().all()


def _count(conn, model, frame) -> int:
    return conn.scalar(select(func.count()).select_from(model).where(model.source_id.in_(frame["source_id"].tolist())))


def test_load_is_accepted_by_the_database_resolves_links_and_does_not_duplicate(session, demo):
    conn = session.connection()
    first = load(conn, demo)
    assert first == demo.counts()
    for name, frame in demo.frames().items():
        assert _count(conn, MODELS[name], frame) == len(frame), name
    for name, (_, _, fk) in REFERENCES.items():
        model = MODELS[name]
        linked = select(func.count(getattr(model, fk))).where(
            model.source_id.in_(demo.frames()[name]["source_id"].tolist())
        )
        assert conn.scalar(linked) == len(demo.frames()[name]), f"{name}.{fk} not resolved"
    again = load(conn, demo)
    assert again == first
    for name, frame in demo.frames().items():
        assert _count(conn, MODELS[name], frame) == len(frame), name
    qip = MODELS["qips"]
    statuses = conn.scalars(select(qip.status).distinct()).all()
    assert set(statuses) == set(vocab.QIP_STATUSES)


@pytest.fixture(scope="module")
def empty_db(cluster):
    """A database of its own: ``load_demo`` commits."""
    url = cluster.create_database("peacemap_test_demo")
    migrate(url)
    eng = make_engine(url)
    yield url, eng
    eng.dispose()


def test_load_demo_and_the_command_load_only_into_an_empty_database(empty_db):
    url, eng = empty_db
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEACEMAP_")}
    env["PEACEMAP_DATABASE_URL"] = url
    cmd = [PEACEMAP, "demo", "load", "--end", END.isoformat()]
    first = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert first.returncode == 0, first.stderr
    assert "incidents" in first.stdout and "4000" in first.stdout
    second = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert second.returncode == 0 and "database is not empty: nothing loaded" in second.stdout

    assert load_demo(eng, end=END) is None
    bad = subprocess.run(
        [PEACEMAP, "demo", "load", "--scale", "0"], capture_output=True, text=True, env=env, timeout=300
    )
    assert bad.returncode == 2 and "scale must be > 0" in bad.stderr and "Traceback" not in bad.stderr
    community = MODELS["communities"]
    with eng.connect() as conn:
        before = conn.scalar(select(func.count()).select_from(community))
    forced = load_demo(eng, end=END, force=True)
    assert forced is not None and forced["communities"] == before == 2_000
    with eng.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(community)) == before
        incidents = MODELS["incidents"]
        assert conn.scalar(select(func.count()).select_from(incidents)) == 4_000
        assert conn.scalar(select(func.max(incidents.occurred_on))) <= END
        assert np.isclose(conn.scalar(select(func.ST_X(community.geom)).where(community.name == "Bangui")), 18.55496)
