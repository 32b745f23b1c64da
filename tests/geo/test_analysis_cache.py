"""The cached analysis equals a fresh full recompute after every kind of
committed write, takes the local path for inserts, updates and deletes of
events (the resident inputs re-read only the changed rows) and the full path
for communities, sites and truncates, and sees transactions that commit out
of id order.

Writes here are committed (the cache only holds committed data), each from
its own session; the rows are deleted again at the end."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pandas as pd
import pytest
import shapely
from geoalchemy2.shape import from_shape
from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from geo.analysis import cache, gaps_from_db
from geo.analysis.cache import cached_gaps
from geo.i18n import translator
from geo.models import Community, Engagement, Incident, Patrol, Qip, Site

SPOT = (-40.0, -30.0)  # South Atlantic: no other test's data
BOX = (-41.5, -31.5, -38.5, -28.5)
MODELS = {
    "communities": Community,
    "sites": Site,
    "incidents": Incident,
    "patrols": Patrol,
    "engagements": Engagement,
    "qips": Qip,
}


def _point(p):
    return from_shape(shapely.Point(p), srid=4326)


@pytest.fixture
def world(engine, scenario):
    s = scenario()
    s.community(SPOT, population=800, name="A")
    s.community(s.at(SPOT, 0, 40_000), population=50, name="B")
    s.community(s.at(SPOT, 90, 150_000), name="Far")
    s.site(s.at(SPOT, 180, 30_000))
    s.incident(s.at(SPOT, 10, 3000), s.AS_OF - timedelta(days=3), fatalities=4)
    s.incident(s.at(s.at(SPOT, 0, 40_000), 200, 8000), s.AS_OF - timedelta(days=40), fatalities=1)
    s.patrol([s.at(SPOT, 90, 3000), s.at(SPOT, 90, 20_000)], s.ts(s.AS_OF - timedelta(days=70)))
    s.qip(s.at(SPOT, 0, 41_000), "proposed", s.AS_OF - timedelta(days=20), s.AS_OF - timedelta(days=5))
    made: dict[str, list[int]] = {k: [] for k in MODELS}
    with Session(engine) as w:
        ids = s.store(w)
        w.commit()
    for k, v in ids.items():
        made[k] += v.values()
    cache.clear()
    yield {k: list(v.values()) for k, v in ids.items()}, made
    with Session(engine) as w:
        for name in ("engagements", "qips", "patrols", "incidents", "sites", "communities"):
            w.execute(delete(MODELS[name]).where(MODELS[name].id.in_(made[name])))
        w.commit()
    cache.clear()


def _patrol(scenario, ended, track, coverage_m=None) -> Patrol:
    """A foot patrol along ``track`` (lon/lat points) that ended at ``ended``, two hours long."""
    return Patrol(
        started_at=ended - timedelta(hours=2),
        ended_at=ended,
        patrol_type="foot",
        component="military",
        coverage_m=coverage_m,
        geom=from_shape(shapely.MultiLineString([track]), srid=4326),
    )


def _write(engine, made, obj):
    with Session(engine) as w:
        w.add(obj)
        w.commit()
        made[obj.__tablename__].append(obj.id)
        return obj.id


@pytest.fixture
def check(engine, scenario):
    """``check(path, **area)``: the cached result (taking ``path``) equals a
    fresh full recompute; returns it indexed by community id."""

    def _check(path: str, **area) -> pd.DataFrame:
        before = cache.STATS[path]
        with Session(engine) as s:
            got = cached_gaps(s, scenario.PARAMS, **area)
        with Session(engine) as s:
            want = gaps_from_db(s, scenario.PARAMS, computed_at=scenario.COMPUTED_AT, **area)
        assert cache.STATS[path] == before + 1
        got_rows, want_rows = got.with_reasons(), want.with_reasons()  # the reasons of every row, built when read
        pd.testing.assert_frame_equal(got_rows, want_rows, check_exact=False, rtol=1e-12)
        if not area:
            assert got.considered == want.considered
        return got_rows.set_index("community_id")

    return _check


def test_every_write_is_reflected_and_equals_a_full_run(engine, world, scenario, check):
    ids, made = world
    a, b, far = ids["communities"]
    check("full")
    t = check("hit")
    assert t.loc[a, "days_since_engagement"] == 70

    pid = _write(
        engine,
        made,
        Patrol(
            started_at=scenario.ts(scenario.AS_OF - timedelta(days=2)),
            ended_at=scenario.ts(scenario.AS_OF - timedelta(days=1)),
            patrol_type="foot",
            component="military",
            geom=from_shape(
                shapely.MultiLineString([[scenario.at(SPOT, 270, 4000), scenario.at(SPOT, 270, 9000)]]), srid=4326
            ),
        ),
    )
    t = check("incremental")
    assert (t.loc[a, "last_engagement_kind"], t.loc[a, "last_engagement_id"], t.loc[a, "days_since_engagement"]) == (
        "patrol",
        pid,
        1,
    )

    _write(
        engine,
        made,
        Incident(
            occurred_on=scenario.AS_OF, event_type="battle", fatalities=7, geom=_point(scenario.at(SPOT, 0, 38_000))
        ),
    )
    t = check("incremental")
    assert t.loc[b, "incidents_window"] == 2 and t.loc[b, "fatalities_window"] == 8

    eid = _write(
        engine,
        made,
        Engagement(
            occurred_at=scenario.ts(scenario.AS_OF - timedelta(days=2)),
            kind="townhall",
            community_id=far,
            geom=_point(scenario.at(SPOT, 180, 500_000)),
        ),
    )
    t = check("incremental")
    assert (t.loc[far, "last_engagement_kind"], t.loc[far, "last_engagement_id"]) == ("engagement", eid)

    with Session(engine) as w:  # QIP proposed → completed: an update
        w.execute(update(Qip).where(Qip.id == ids["qips"][0]).values(status="completed"))
        w.commit()
    t = check("incremental")
    assert t.loc[b, "last_engagement_kind"] == "qip"

    with Session(engine) as w:
        w.execute(delete(Patrol).where(Patrol.id == pid))
        w.commit()
    t = check("incremental")
    assert t.loc[a, "days_since_engagement"] == 70

    sid = _write(engine, made, Site(name="new", kind="team_site", geom=_point(scenario.at(SPOT, 90, 151_000))))
    t = check("full")
    assert t.loc[far, "nearest_site_id"] == sid
    check("hit", bbox=BOX)


def test_out_of_order_commits_and_own_uncommitted_writes(engine, world, scenario, check):
    ids, made = world
    a, _, _ = ids["communities"]
    check("full")
    slow = Session(engine)  # takes its transaction id first, commits last
    patrol = Patrol(
        started_at=scenario.ts(scenario.AS_OF - timedelta(days=1)),
        ended_at=scenario.ts(scenario.AS_OF),
        patrol_type="foot",
        component="military",
        geom=from_shape(shapely.MultiLineString([[scenario.at(SPOT, 0, 1000), scenario.at(SPOT, 0, 2000)]]), srid=4326),
    )
    slow.add(patrol)
    slow.flush()
    _write(
        engine,
        made,
        Incident(occurred_on=scenario.AS_OF, event_type="battle", geom=_point(scenario.at(SPOT, 0, 39_000))),
    )
    check("incremental")  # sees the incident, not the uncommitted patrol
    t = cached_gaps(slow, scenario.PARAMS).table.set_index("community_id")  # its own write, not cached
    assert t.loc[a, "days_since_engagement"] == 0
    t = check("hit")
    assert t.loc[a, "days_since_engagement"] == 70
    slow.commit()
    made["patrols"].append(patrol.id)
    slow.close()
    t = check("incremental")
    assert t.loc[a, "days_since_engagement"] == 0


def test_tied_inserts_give_the_full_runs_table_ids_included(engine, world, scenario, check):
    """Rows tied with cached ones (a patrol ending at the same instant as the
    one that covers A, an engagement at that instant too, a QIP dated the same
    day as another) take the incremental path, and its table equals a full
    run's in every column, ``last_engagement_id`` included: the larger id wins
    each tie (docs/analysis.md#ties), patrol before engagement before QIP."""
    ids, made = world
    a, b, _ = ids["communities"]
    when = scenario.ts(scenario.AS_OF - timedelta(days=70))  # the world's patrol near A ended then
    track = [scenario.at(SPOT, 90, 3000), scenario.at(SPOT, 90, 20_000)]
    check("full")

    with Session(engine) as w:  # a tied engagement first, then two tied patrols, in one transaction
        rows = [
            Engagement(occurred_at=when, kind="townhall", geom=_point(scenario.at(SPOT, 0, 500))),
            _patrol(scenario, when, track),
            _patrol(scenario, when, track),
            Qip(
                title="tied",
                sector="water",
                status="completed",
                start_on=scenario.AS_OF - timedelta(days=30),
                end_on=scenario.AS_OF - timedelta(days=20),
                geom=_point(scenario.at(SPOT, 0, 41_500)),
            ),
            Qip(
                title="tied too",
                sector="water",
                status="in_progress",
                start_on=scenario.AS_OF - timedelta(days=20),
                geom=_point(scenario.at(SPOT, 0, 41_200)),
            ),
        ]
        w.add_all(rows)
        w.commit()
        for r in rows:
            made[r.__tablename__].append(r.id)
    t = check("incremental")
    newest_patrol = max(r.id for r in rows if isinstance(r, Patrol))
    assert (t.loc[a, "last_engagement_kind"], t.loc[a, "last_engagement_id"]) == ("patrol", newest_patrol)
    newest_qip = max(r.id for r in rows if isinstance(r, Qip))
    assert (t.loc[b, "last_engagement_kind"], t.loc[b, "last_engagement_id"]) == ("qip", newest_qip)
    t = check("hit")
    assert t.loc[a, "last_engagement_id"] == newest_patrol


def test_a_new_patrol_radius_is_quoted_everywhere_as_a_full_run_does(engine, world, scenario, check):
    """A patrol with its own coverage_m, far from every community, changes no
    engagement but the radius the reasons quote for never-engaged communities
    (docs/analysis.md#reasons): the incremental table still equals a full run."""
    ids, made = world
    _, b, far = ids["communities"]
    t = check("full")
    assert t.loc[b, "reasons"][0].startswith("no patrol within 5 km,")
    far_away = [scenario.at(SPOT, 180, 400_000), scenario.at(SPOT, 180, 410_000)]
    _write(engine, made, _patrol(scenario, scenario.ts(scenario.AS_OF - timedelta(days=2)), far_away, coverage_m=8000))
    t = check("incremental")
    for community in (b, far):
        assert t.loc[community, "reasons"][0].startswith("no patrol within its coverage radius (5 km to 8 km),")


def _last_is(t: pd.DataFrame, community: int, row_id: int) -> bool:
    last = t.loc[community, "last_engagement_id"]
    return not pd.isna(last) and last == row_id


def test_moved_and_deleted_rows_leave_where_they_were_as_a_full_run_does(engine, world, scenario, check):
    """An update that moves an incident, a patrol or an engagement changes the
    communities near the old place and near the new one; a delete those near
    the old. The local path recomputes both (the old versions' places come
    from the resident copy) and still equals a full run."""
    ids, made = world
    a, b, far = ids["communities"]
    check("full")
    inc = ids["incidents"][0]  # 3 km from A
    with Session(engine) as w:
        w.execute(update(Incident).where(Incident.id == inc).values(geom=_point(scenario.at(SPOT, 90, 149_000))))
        w.commit()
    t = check("incremental")
    assert t.loc[a, "incidents_window"] == 0 and t.loc[far, "incidents_window"] == 1
    patrol = ids["patrols"][0]  # covers A 70 days before as_of
    with Session(engine) as w:
        w.execute(
            update(Patrol)
            .where(Patrol.id == patrol)
            .values(
                geom=from_shape(
                    shapely.MultiLineString([[scenario.at(SPOT, 90, 148_000), scenario.at(SPOT, 90, 152_000)]]),
                    srid=4326,
                )
            )
        )
        w.commit()
    t = check("incremental")
    assert pd.isna(t.loc[a, "last_engagement_kind"]) and t.loc[far, "last_engagement_id"] == patrol
    eid = _write(
        engine,
        made,
        Engagement(
            occurred_at=scenario.ts(scenario.AS_OF - timedelta(days=3)),
            kind="townhall",
            community_id=b,
            geom=_point(scenario.at(SPOT, 180, 600_000)),
        ),
    )
    t = check("incremental")
    assert t.loc[b, "last_engagement_id"] == eid
    with Session(engine) as w:  # relinked: B loses it, A gains it
        w.execute(update(Engagement).where(Engagement.id == eid).values(community_id=a))
        w.commit()
    t = check("incremental")
    assert t.loc[a, "last_engagement_id"] == eid and not _last_is(t, b, eid)
    with Session(engine) as w:
        w.execute(delete(Incident).where(Incident.id == inc))
        w.execute(delete(Engagement).where(Engagement.id == eid))
        w.commit()
    t = check("incremental")
    assert t.loc[far, "incidents_window"] == 0 and not _last_is(t, a, eid)
    t = check("hit")


def test_an_entry_behind_several_refreshes_takes_every_write_as_a_full_run_does(engine, world, scenario, check):
    """Another parameter set's requests bring the resident inputs forward
    write by write; an entry left behind then applies all those changes at
    once (the ids written in each refresh, a patrol written and then deleted
    among them) and still equals a full run."""
    ids, made = world
    a, b, _ = ids["communities"]
    other = replace(scenario.PARAMS, window_days=30)
    check("full")

    def other_reads() -> None:
        with Session(engine) as s:
            cached_gaps(s, other)

    other_reads()
    track = [scenario.at(SPOT, 270, 1000), scenario.at(SPOT, 270, 6000)]
    gone = _write(engine, made, _patrol(scenario, scenario.ts(scenario.AS_OF), track))
    other_reads()
    kept = _write(engine, made, _patrol(scenario, scenario.ts(scenario.AS_OF - timedelta(days=3)), track))
    other_reads()
    _write(
        engine,
        made,
        Incident(
            occurred_on=scenario.AS_OF, event_type="battle", fatalities=2, geom=_point(scenario.at(SPOT, 0, 39_000))
        ),
    )
    other_reads()
    with Session(engine) as w:
        w.execute(delete(Patrol).where(Patrol.id == gone))
        w.commit()
    other_reads()
    t = check("incremental")
    assert (t.loc[a, "last_engagement_id"], t.loc[a, "days_since_engagement"]) == (kept, 3)
    assert t.loc[b, "incidents_window"] == 2


def test_reasons_read_page_by_page_equal_a_fresh_full_build_before_and_after_writes(engine, world, scenario):
    """The reasons are built for the rows a caller reads and kept with the
    cached entry (docs/analysis.md#reasons): pages read in English and French,
    twice, before and after an incident near A (the incremental path replaces
    A's row only) and a patrol radius that every never-engaged row quotes,
    equal a fresh ``gaps_from_db``'s reasons of every row; rows the write did
    not replace are not built again; a result handed out before a write keeps
    the reasons of its own table."""
    ids, made = world
    a, b, far = ids["communities"]

    def current(path: str):
        before = cache.STATS[path]
        with Session(engine) as s:
            got = cached_gaps(s, scenario.PARAMS)
        with Session(engine) as s:
            fresh = gaps_from_db(s, scenario.PARAMS, computed_at=scenario.COMPUTED_AT)
        assert cache.STATS[path] == before + 1
        t = got.table
        page = t[t["community_id"].isin([a, b, far]) | (t["rank"] <= 3)]
        for lang in ("en", "fr"):
            built = fresh.explained(tr=translator(lang))  # every row at once
            want = dict(zip(fresh.table["community_id"].tolist(), zip(*built, strict=True), strict=True))
            for _ in range(2):  # built, then kept
                codes, sentences = got.explained(page, translator(lang))
                assert list(zip(codes, sentences, strict=True)) == [want[c] for c in page["community_id"].tolist()]
        codes, sentences = got.explained(page)
        return got, page, dict(zip(page["community_id"].tolist(), codes, strict=True)), sentences

    first, page, old, old_sentences = current("full")
    _write(
        engine,
        made,
        Incident(
            occurred_on=scenario.AS_OF, event_type="battle", fatalities=5, geom=_point(scenario.at(SPOT, 180, 2000))
        ),
    )
    _, _, new, _ = current("incremental")
    assert new[a] != old[a] and new[a][1]["params"]["incidents"] == 2
    assert new[b] is old[b] and new[far] is old[far]  # kept: the write did not replace their rows
    assert first.explained(page)[1] == old_sentences  # a result of before the write: its own table's reasons
    far_away = [scenario.at(SPOT, 180, 400_000), scenario.at(SPOT, 180, 410_000)]
    _write(engine, made, _patrol(scenario, scenario.ts(scenario.AS_OF - timedelta(days=2)), far_away, coverage_m=8000))
    _, _, newest, _ = current("incremental")
    assert newest[b] is not new[b] and newest[b][0]["code"] == "never_engaged_radii"
