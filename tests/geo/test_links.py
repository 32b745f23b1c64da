"""Links replaced by the rows' ``(source, source_id)`` keys (``geo.links``,
used by the importers and the demo) for more rows than PostgreSQL's
protocol takes parameters in one statement (65 535): the demo at scale 1
links 81 000 engagements, which an expanded ``IN`` could not send."""

from __future__ import annotations

from sqlalchemy import select

from geo.links import missing_targets, replace_by_key
from geo.models import Engagement, EngagementInterlocutor, Interlocutor
from geo.resources import REGISTRY

MANY = 70_000  # more than the protocol's 65 535 parameters


def test_links_by_key_past_the_protocols_parameter_limit(session, insert_samples):
    insert_samples(session, n=3, source="links-test")
    spec = REGISTRY["engagements"]
    (link,) = spec.links
    conn = session.connection()
    engagement = session.scalars(select(Engagement).where(Engagement.source == "links-test")).first()
    assert engagement is not None
    people = session.scalars(select(Interlocutor.id).order_by(Interlocutor.id)).all()[:2]
    absent = [10**15 + i for i in range(MANY)]  # ids no interlocutor has
    assert missing_targets(conn, link, [absent, people]) == set(absent)
    # One real key among 70 000 that name no row of this source: only its link changes.
    keyed = [("links-test", f"none-{i}", [people[0]]) for i in range(MANY)]
    keyed.append(("links-test", engagement.source_id, people))
    replace_by_key(conn, spec, link, keyed)
    held = select(EngagementInterlocutor.interlocutor_id).where(EngagementInterlocutor.engagement_id == engagement.id)
    assert sorted(conn.execute(held).scalars()) == sorted(people)
