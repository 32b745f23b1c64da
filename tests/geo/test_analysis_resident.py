"""The resident inputs, kept current from the change log, equal a fresh read
of the tables after any sequence of committed inserts, updates, deletes
(enough of them to compact a table) and a truncate-free reload; the
patrols' recency order carried over by binary search equals a fresh sort,
ties by id included. Rows are compared by id, value by value."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import shapely
from geoalchemy2.shape import from_shape
from sqlalchemy import delete, text, update
from sqlalchemy.orm import Session

from geo.analysis import last_engagement, resident
from geo.analysis.gaps import community_places
from geo.analysis.growing import appended
from geo.analysis.metric import TOL_M
from geo.analysis.near import SLOT_INDEX, Places
from geo.analysis.params import GapParams
from geo.analysis.tables import Rows
from geo.analysis.tracks import newest_first
from geo.db import driver_connection
from geo.models import Community, Incident, Patrol

SPOT = (-20.0, -60.0)  # Southern Ocean: no other test's data
RNG = np.random.default_rng(13)
BASE = datetime(2026, 3, 1, tzinfo=UTC)


def _refresh(engine, store: resident.Resident) -> None:
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        s = Session(bind=conn)
        store.refresh(s, s.scalar(text("SELECT pg_current_snapshot()::text")))
        s.close()
        conn.rollback()


def _fresh(engine):
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        return resident.load_tables(driver_connection(conn), 2**40)


def _by_id(rows: Rows) -> dict:
    live = np.flatnonzero(rows.live())
    order = live[np.argsort(rows.ids[live])]
    out = {"ids": rows.ids[order], **{k: v[order] for k, v in rows.values.items()}}
    if rows.lonlat is not None:
        out["lonlat"] = rows.lonlat[order]
    if rows.tracks is not None:
        t = rows.tracks
        out["vertices"] = [t.lonlat[t.seg_a[t.segments[p] : t.segments[p + 1]]] for p in order.tolist()]
    return out


def _same(a: Rows, b: Rows) -> None:
    x, y = _by_id(a), _by_id(b)
    assert x.keys() == y.keys()
    for k in x:
        if k == "vertices":
            assert len(x[k]) == len(y[k]) and all(np.array_equal(p, q) for p, q in zip(x[k], y[k], strict=True))
        else:
            np.testing.assert_array_equal(x[k], y[k], err_msg=k)


def _patrol(scenario, ended: datetime) -> Patrol:
    start = (SPOT[0] + RNG.uniform(-0.5, 0.5), SPOT[1] + RNG.uniform(-0.5, 0.5))
    track = [start, scenario.at(start, RNG.uniform(0, 360), RNG.uniform(500, 40_000))]
    return Patrol(
        started_at=ended - timedelta(hours=2),
        ended_at=ended,
        patrol_type="foot",
        component="military",
        coverage_m=None if RNG.random() < 0.5 else float(RNG.uniform(1000, 9000)),
        geom=from_shape(shapely.MultiLineString([track]), srid=4326),
    )


def _incident(day_offset: int) -> Incident:
    return Incident(
        occurred_on=(BASE - timedelta(days=day_offset)).date(),
        event_type="battle",
        fatalities=int(RNG.integers(0, 5)),
        geom=from_shape(shapely.Point(SPOT[0] + RNG.uniform(-1, 1), SPOT[1] + RNG.uniform(-1, 1)), srid=4326),
    )


@pytest.fixture
def made(engine):
    ids: dict[str, list[int]] = {"patrols": [], "incidents": []}
    yield ids
    with Session(engine) as w:
        w.execute(delete(Patrol).where(Patrol.id.in_(ids["patrols"])))
        w.execute(delete(Incident).where(Incident.id.in_(ids["incidents"])))
        w.commit()


def test_the_resident_copy_equals_a_fresh_read_after_every_kind_of_write(engine, scenario, made):
    store = resident.Resident()
    _refresh(engine, store)
    assert store.tables is not None
    last_engagement.by_recency(store.tables.patrols)  # the order is carried over from here on
    ends = [BASE - timedelta(hours=int(h)) for h in RNG.integers(0, 6, 8)]  # few distinct: many ties
    for step in range(12):
        with Session(engine) as w:
            patrols = [_patrol(scenario, ends[int(RNG.integers(len(ends)))]) for _ in range(int(RNG.integers(1, 6)))]
            incidents = [_incident(int(RNG.integers(0, 100))) for _ in range(int(RNG.integers(0, 40)))]
            w.add_all(patrols + incidents)
            w.flush()
            made["patrols"] += [p.id for p in patrols]
            made["incidents"] += [i.id for i in incidents]
            if step % 3 == 2 and len(made["patrols"]) > 4:
                moved = [int(i) for i in RNG.choice(made["patrols"], 2, replace=False)]
                w.execute(
                    update(Patrol)
                    .where(Patrol.id.in_(moved))
                    .values(started_at=ends[0] - timedelta(hours=2), ended_at=ends[0])
                )
                w.execute(update(Incident).where(Incident.id.in_(made["incidents"][:5])).values(fatalities=9))
            if step % 4 == 3:
                w.execute(delete(Incident).where(Incident.id.in_(made["incidents"][: len(made["incidents"]) // 2])))
                w.execute(delete(Patrol).where(Patrol.id == made["patrols"][0]))
            w.commit()
        version = store.version
        _refresh(engine, store)
        assert store.version == version + 1 and not store.deltas[-1].everything
        fresh = _fresh(engine)
        for name, rows in store.tables.rows.items():
            _same(rows, fresh[name])
        patrols_now = store.tables.patrols
        live = np.flatnonzero(patrols_now.live())
        want = live[newest_first(patrols_now["ended"][live], patrols_now.ids[live])]
        np.testing.assert_array_equal(patrols_now.ids[last_engagement.by_recency(patrols_now)], patrols_now.ids[want])
        _index_finds_every_incident_near(store.tables.incidents)
    for rows in store.tables.rows.values():  # compacted whenever too many slots died
        assert rows.dead() <= resident.COMPACT_SHARE * len(rows)


def _index_finds_every_incident_near(incidents: Rows) -> None:
    """The incidents' slot index, kept across versions (and rebuilt after a
    compaction), finds every live incident within a radius of some places (a
    superset), the rows written since it was built included: checked against
    every pair's chord."""
    index = incidents.memo[SLOT_INDEX]
    live = np.flatnonzero(incidents.live())
    assert incidents.lonlat is not None and incidents.xyz is not None
    pick = RNG.choice(live, min(12, len(live)), replace=False)
    places = Places(incidents.ids[pick], incidents.lonlat[pick], incidents.xyz[pick])
    for radius in (300.0, 3000.0):
        got = index.near(places, radius, len(incidents))
        chord = np.linalg.norm(incidents.xyz[live][None, :, :] - places.xyz[:, None, :], axis=2)
        assert np.isin(live[(chord <= radius + TOL_M).any(axis=0)], got).all()


def test_a_delta_names_every_community_near_an_old_or_new_version(engine, scenario, made):
    """The communities a moved incident can reach are found at both ends (a superset)."""
    with Session(engine) as w:
        c_old = Community(name="old", geom=from_shape(shapely.Point(scenario.at(SPOT, 0, 3000)), srid=4326))
        c_new = Community(name="new", geom=from_shape(shapely.Point(scenario.at(SPOT, 90, 80_000)), srid=4326))
        far = Community(name="far", geom=from_shape(shapely.Point(scenario.at(SPOT, 180, 300_000)), srid=4326))
        inc = Incident(occurred_on=BASE.date(), event_type="battle", geom=from_shape(shapely.Point(SPOT), srid=4326))
        w.add_all([c_old, c_new, far, inc])
        w.commit()
        cids = [c_old.id, c_new.id, far.id]
        made["incidents"].append(inc.id)
    try:
        store = resident.Resident()
        _refresh(engine, store)
        with Session(engine) as w:
            w.execute(
                update(Incident)
                .where(Incident.id == inc.id)
                .values(geom=from_shape(shapely.Point(scenario.at(SPOT, 90, 78_000)), srid=4326))
            )
            w.commit()
        _refresh(engine, store)
        places, _ = community_places(store.tables.communities)
        hit = store.deltas[-1].affected(places, GapParams(as_of=BASE.date()))
        assert hit is not None
        named = set(places.ids[hit].tolist())
        assert {c_old.id, c_new.id} <= named and far.id not in named
    finally:
        with Session(engine) as w:
            w.execute(delete(Community).where(Community.id.in_(cids)))
            w.commit()


def test_appending_never_changes_what_an_older_version_holds():
    """Each version's arrays keep their rows while newer versions grow in place (copy-on-write for readers)."""
    a = np.arange(10.0)
    versions = [a]
    for k in range(1, 200):
        versions.append(appended(versions[-1], np.full(k % 7, float(k))))
    want = [np.arange(10.0)]
    for k in range(1, 200):
        want.append(np.r_[want[-1], np.full(k % 7, float(k))])
    for got, expected in zip(versions, want, strict=True):
        np.testing.assert_array_equal(got, expected)
    assert np.shares_memory(versions[-1], versions[-2])  # grown in place, not copied each time
