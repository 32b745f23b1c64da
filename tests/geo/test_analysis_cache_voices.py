"""The cached analysis stays never stale for who was heard: every insert,
update, delete and truncate of ``interlocutors`` and ``engagement_interlocutors``
(logged since migration 0008) changes the next cached result exactly as a
fresh full recompute does — the reason "only one interlocutor heard"
(docs/politics.md#sole-voice) included — without recomputing any community
(the ``hit`` path), and the reason is read again only after a table it reads
changed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import pytest
import shapely
from geoalchemy2.shape import from_shape
from sqlalchemy import delete, text, update
from sqlalchemy.orm import Session

from geo.analysis import GapParams, cache, gaps_from_db
from geo.analysis.cache import cached_gaps
from geo.db import make_engine, migrate
from geo.models import Community, Engagement, EngagementInterlocutor, Interlocutor, Patrol

SPOT = (-35.0, -45.0)  # Southern Ocean: no other test's data
AS_OF = date(2026, 6, 30)
PARAMS = GapParams(as_of=AS_OF)
SOLE = "only one interlocutor"


def _point(lon, lat):
    return from_shape(shapely.Point(lon, lat), srid=4326)


def _heard(engine, village: int, people: list[list[int]]) -> list[int]:
    """Engagements in ``village`` on 1, 4, 7, … March, the k-th hearing ``people[k]``."""
    with Session(engine) as w:
        rows = [
            Engagement(
                occurred_at=datetime(2026, 3, 1 + 3 * k, 10, tzinfo=UTC),
                kind="cla_visit",
                community_id=village,
                geom=_point(*SPOT),
            )
            for k in range(len(people))
        ]
        w.add_all(rows)
        w.flush()
        w.add_all(
            EngagementInterlocutor(engagement_id=e.id, interlocutor_id=p)
            for e, who in zip(rows, people, strict=True)
            for p in who
        )
        w.commit()
        return [e.id for e in rows]


def _people(engine, *roles: str) -> list[int]:
    with Session(engine) as w:
        rows = [Interlocutor(pseudonym=f"VOICE-{k}", role=role) for k, role in enumerate(roles)]
        w.add_all(rows)
        w.commit()
        return [r.id for r in rows]


def _same_as_full_run(engine, village: int) -> list[str]:
    """The cached table equals a fresh full recompute; the village's reasons."""
    with Session(engine) as s:
        got = cached_gaps(s, PARAMS)
    with Session(engine) as s:
        want = gaps_from_db(s, PARAMS, computed_at=datetime(2026, 7, 1, tzinfo=UTC))
    got_rows, want_rows = got.with_reasons(), want.with_reasons()  # the reasons of every row, built when read
    pd.testing.assert_frame_equal(got_rows, want_rows, check_exact=False, rtol=1e-12)
    return list(got_rows.set_index("community_id").loc[village, "reasons"])


def _sole(reasons: list[str]) -> str | None:
    return next((r for r in reasons if r.startswith(SOLE)), None)


def _village(engine) -> int:
    """A community at ``SPOT``, the cache emptied after it."""
    with Session(engine) as w:
        v = Community(name="voices", geom=_point(*SPOT))
        w.add(v)
        w.commit()
        vid = v.id
    cache.clear()
    return vid


@pytest.fixture
def village(engine):
    vid = _village(engine)
    yield vid
    with Session(engine) as w:
        w.execute(delete(Engagement).where(Engagement.community_id == vid))
        w.execute(delete(Interlocutor).where(Interlocutor.pseudonym.like("VOICE-%")))
        w.execute(delete(Patrol).where(Patrol.unit == "voices test"))
        w.execute(delete(Community).where(Community.id == vid))
        w.commit()
    cache.clear()


def test_every_write_to_who_was_heard_is_reflected_as_a_full_run_does(engine, village):
    other, chief = _people(engine, "womens_association", "traditional_leader")
    e = _heard(engine, village, [[other], [chief], [chief], [chief], [chief]])
    before = dict(cache.STATS)
    assert _sole(_same_as_full_run(engine, village)) == (
        "only one interlocutor, a traditional leader, heard in the last 4 engagements with interlocutors, "
        "since 2026-03-04"
    )

    def write_then(*statements) -> str | None:
        paths = dict(cache.STATS)
        with Session(engine) as w:
            for stmt in statements:
                w.execute(stmt)
            w.commit()
        reason = _sole(_same_as_full_run(engine, village))
        assert cache.STATS["hit"] == paths.get("hit", 0) + 1  # no community recomputed
        assert cache.STATS["sole_voices"] == paths.get("sole_voices", 0) + 1  # the reason read again
        return reason

    # interlocutors: an update (the role the reason quotes)
    assert "a religious leader, heard in the last 4" in write_then(
        update(Interlocutor).where(Interlocutor.id == chief).values(role="religious_leader")
    )
    # engagement_interlocutors: an insert (someone else heard too), a delete, an update
    link = EngagementInterlocutor.__table__
    assert write_then(link.insert().values(engagement_id=e[4], interlocutor_id=other)) is None
    assert "in the last 4" in write_then(
        delete(link).where(link.c.engagement_id == e[4], link.c.interlocutor_id == other)
    )
    assert (
        write_then(
            update(link)
            .where(link.c.engagement_id == e[4], link.c.interlocutor_id == chief)
            .values(interlocutor_id=other)
        )
        is None
    )
    # interlocutors: a delete (its links go with it: the chief was heard last again, three times)
    assert "in the last 3 engagements with interlocutors, since 2026-03-04" in write_then(
        delete(Interlocutor).where(Interlocutor.id == other)
    )
    assert cache.STATS["full"] == before.get("full", 0) + 1


def test_the_reason_is_read_again_only_after_a_table_it_reads_changed(engine, village):
    (chief,) = _people(engine, "traditional_leader")
    _heard(engine, village, [[chief], [chief], [chief]])
    _same_as_full_run(engine, village)
    read = cache.STATS["sole_voices"]
    with Session(engine) as w:  # a patrol far from the village: not read by the reason
        w.add(
            Patrol(
                started_at=datetime(2026, 6, 1, 8, tzinfo=UTC),
                ended_at=datetime(2026, 6, 1, 10, tzinfo=UTC),
                patrol_type="foot",
                component="military",
                unit="voices test",
                geom=from_shape(shapely.MultiLineString([[(SPOT[0] + 5, SPOT[1]), (SPOT[0] + 5.1, SPOT[1])]]), 4326),
            )
        )
        w.commit()
    assert _sole(_same_as_full_run(engine, village)) is not None
    assert cache.STATS["sole_voices"] == read
    _heard(engine, village, [[]])  # an engagement (no one recorded): a table the reason reads
    assert _sole(_same_as_full_run(engine, village)) is not None
    assert cache.STATS["sole_voices"] == read + 1


def test_truncating_who_was_heard_is_reflected_as_a_full_run_does(cluster):
    """TRUNCATE (in a database of its own: it empties the whole table)."""
    url = cluster.create_database("peacemap_voices_truncate")
    engine = make_engine(url)
    try:
        migrate(url)
        vid = _village(engine)
        for truncate in ("TRUNCATE engagement_interlocutors", "TRUNCATE interlocutors CASCADE"):
            (chief,) = _people(engine, "traditional_leader")
            _heard(engine, vid, [[chief], [chief], [chief]])
            assert _sole(_same_as_full_run(engine, vid)) is not None
            with engine.begin() as conn:
                conn.execute(text(truncate))
            assert _sole(_same_as_full_run(engine, vid)) is None
            with engine.begin() as conn:
                conn.execute(text("TRUNCATE interlocutors CASCADE"))
    finally:
        engine.dispose()
        cache.clear()
        cluster.drop_database("peacemap_voices_truncate")
