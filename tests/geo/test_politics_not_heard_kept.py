"""Who was heard, kept between requests (``constituencies.NOT_HEARD``, a
``geo.reach.cache.SnapshotCache``): the answer the worklist reads is made again after every
committed write to engagements, interlocutors or the links between them —
insert, update, delete, truncate — and equals a fresh computation from the
tables each time; a repeat read and a write to another table are served the
kept answer; a session's own uncommitted writes are never kept."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import shapely
from geoalchemy2.shape import from_shape
from sqlalchemy import delete, insert, text, update
from sqlalchemy.orm import Session

from geo.db import make_engine, migrate
from geo.models import Community, Engagement, EngagementInterlocutor, Incident, Interlocutor
from geo.politics.constituencies import hearing_table, load_hearings, not_heard
from geo.politics.params import ConstituencyParams
from geo.reach.cache import STATS

SPOT = (-33.0, -47.0)  # Southern Ocean: no other test's data
PARAMS = ConstituencyParams(as_of=date(2026, 6, 30))
LINKS = EngagementInterlocutor.__table__


def _point():
    return from_shape(shapely.Point(*SPOT), srid=4326)


def _fresh(engine) -> dict[int, list[str]]:
    """From the tables, without the kept answers."""
    with Session(engine) as s:
        table = hearing_table(load_hearings(s, PARAMS, "community", None), PARAMS)
    return {int(u): list(m) for u, m in zip(table["unit"], table["not_reached"], strict=True)}


@pytest.fixture
def village(engine):
    with Session(engine) as w:
        v = Community(name="kept voices", geom=_point())
        w.add(v)
        w.flush()
        e = Engagement(
            occurred_at=datetime(2026, 6, 1, 10, tzinfo=UTC), kind="cla_visit", community_id=v.id, geom=_point()
        )
        women = Interlocutor(pseudonym="KEPT-1", role="womens_association")
        w.add_all([e, women])
        w.flush()
        w.add(EngagementInterlocutor(engagement_id=e.id, interlocutor_id=women.id))
        w.commit()
        ids = (v.id, e.id, women.id)
    yield ids
    with Session(engine) as w:
        w.execute(delete(Engagement).where(Engagement.community_id == ids[0]))
        w.execute(delete(Interlocutor).where(Interlocutor.pseudonym.like("KEPT-%")))
        w.execute(delete(Incident).where(Incident.location_name == "kept voices"))
        w.execute(delete(Community).where(Community.id == ids[0]))
        w.commit()


def read(engine, made: int) -> dict[int, list[str]]:
    """The answer, which equals a fresh one; ``made``: whether it had to be made (1) or was kept (0)."""
    before = STATS["not_heard:computed"]
    with Session(engine) as s:
        got = not_heard(s, PARAMS)
    assert STATS["not_heard:computed"] == before + made
    assert got == _fresh(engine)
    return got


def write(engine, *statements) -> None:
    with Session(engine) as w:
        for stmt in statements:
            w.execute(stmt)
        w.commit()


def test_every_write_it_reads_makes_it_again_and_nothing_else_does(engine, village):
    vid, eid, women = village
    with Session(engine) as s:
        not_heard(s, PARAMS)  # made or kept, after the fixture's writes
    assert "women" not in read(engine, made=0)[vid]  # kept: nothing changed
    write(
        engine,
        insert(Incident).values(
            occurred_on=PARAMS.as_of, event_type="battle", location_name="kept voices", geom=_point()
        ),
    )
    assert "women" not in read(engine, made=0)[vid]  # another table: still kept
    # interlocutors: an insert, an update (the role); links: an insert, an update, a delete
    write(engine, insert(Interlocutor).values(pseudonym="KEPT-2", role="youth_group"))
    read(engine, made=1)
    write(engine, update(Interlocutor).where(Interlocutor.id == women).values(role="traditional_leader"))
    assert "women" in read(engine, made=1)[vid]
    with Session(engine) as s:
        youth = s.scalar(text("SELECT id FROM interlocutors WHERE pseudonym = 'KEPT-2'"))
    write(engine, insert(LINKS).values(engagement_id=eid, interlocutor_id=youth))
    assert "youth" not in read(engine, made=1)[vid]
    write(engine, insert(Interlocutor).values(pseudonym="KEPT-3", role="religious_leader"))
    with Session(engine) as s:
        priest = s.scalar(text("SELECT id FROM interlocutors WHERE pseudonym = 'KEPT-3'"))
    read(engine, made=1)
    write(engine, update(LINKS).where(LINKS.c.interlocutor_id == youth).values(interlocutor_id=priest))
    missing = read(engine, made=1)[vid]
    assert "youth" in missing and "religious_leaders" not in missing and "traditional_leaders" not in missing
    write(engine, delete(LINKS).where(LINKS.c.engagement_id == eid))
    assert {"traditional_leaders", "religious_leaders"} <= set(read(engine, made=1)[vid])
    # engagements: an update (its community) and back; an interlocutor deleted (its links go with it)
    write(engine, update(Engagement).where(Engagement.id == eid).values(community_id=None))
    assert vid not in read(engine, made=1)
    write(engine, update(Engagement).where(Engagement.id == eid).values(community_id=vid))
    write(engine, insert(LINKS).values(engagement_id=eid, interlocutor_id=youth))
    assert "youth" not in read(engine, made=1)[vid]
    write(engine, delete(Interlocutor).where(Interlocutor.id == youth))
    assert "youth" in read(engine, made=1)[vid]


def test_uncommitted_writes_are_not_kept(engine, village):
    vid, eid, _ = village
    with Session(engine) as s:
        not_heard(s, PARAMS)
    with Session(engine) as w:
        w.execute(delete(LINKS).where(LINKS.c.engagement_id == eid))
        before = STATS["not_heard:computed"]
        assert "women" in not_heard(w, PARAMS)[vid]  # its own write seen, made for it alone …
        assert STATS["not_heard:computed"] == before + 1
        w.rollback()
    assert "women" not in read(engine, made=0)[vid]  # … and not kept for others


def test_a_truncate_makes_it_again(cluster):
    """TRUNCATE (in a database of its own: it empties the whole table)."""
    url = cluster.create_database("peacemap_not_heard_truncate")
    engine = make_engine(url)
    try:
        migrate(url)
        for table in ("engagement_interlocutors", "interlocutors CASCADE", "engagements CASCADE"):
            with Session(engine) as w:
                v = Community(name="kept voices", geom=_point())
                women = Interlocutor(pseudonym="KEPT-1", role="womens_association")
                w.add_all([v, women])
                w.flush()
                e = Engagement(
                    occurred_at=datetime(2026, 6, 1, 10, tzinfo=UTC), kind="cla_visit", community_id=v.id, geom=_point()
                )
                w.add(e)
                w.flush()
                w.add(EngagementInterlocutor(engagement_id=e.id, interlocutor_id=women.id))
                w.commit()
                vid = v.id
            assert "women" not in read(engine, made=1)[vid]
            with engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {table}"))
            assert "women" in read(engine, made=1).get(vid, ["women"])  # heard by none, or no longer engaged
            with engine.begin() as conn:
                conn.execute(text("TRUNCATE engagements, interlocutors, communities CASCADE"))
            read(engine, made=1)
    finally:
        engine.dispose()
        cluster.drop_database("peacemap_not_heard_truncate")
