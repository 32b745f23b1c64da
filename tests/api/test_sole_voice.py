"""The engagement-gap reason "only one interlocutor heard …"
(docs/politics.md#sole-voice): reported after three engagements in a row
with the same single person, gone when someone else is heard, the same from
the cache (the API) and from a fresh computation."""

from __future__ import annotations

from datetime import UTC, datetime

from geoalchemy2.shape import from_shape
from shapely.geometry import Point

from geo import models
from geo.analysis import GapParams, gaps_from_db

AS_OF = "2026-06-30"


def _reasons(client, viewer, community_id: int) -> list[str]:
    body = client.get(
        "/api/v1/analysis/engagement-gaps", params={"as_of": AS_OF, "limit": 10000}, headers=viewer
    ).json()
    return next(f["properties"]["reasons"] for f in body["features"] if f["id"] == community_id)


def test_only_one_interlocutor_heard(client, viewer, session):
    where = from_shape(Point(-25.0, -15.0), srid=4326)
    village = models.Community(name="sole-voice village", geom=where)
    chief = models.Interlocutor(pseudonym="SV-TL-1", name="Sole Voice Chief", role="traditional_leader")
    other = models.Interlocutor(pseudonym="SV-WA-1", role="womens_association", gender="female")
    session.add_all([village, chief, other])
    session.flush()

    def engage(day: int, person) -> None:
        e = models.Engagement(
            occurred_at=datetime(2026, 3, day, 10, tzinfo=UTC),
            kind="cla_visit",
            community_id=village.id,
            geom=where,
        )
        session.add(e)
        session.flush()
        session.add(models.EngagementInterlocutor(engagement_id=e.id, interlocutor_id=person.id))
        session.flush()

    engage(1, other)
    for day in (4, 11, 18):
        engage(day, chief)
    session.commit()
    reason = (
        "only one interlocutor, a traditional leader, heard in the last 3 engagements with interlocutors, "
        "since 2026-03-04"
    )
    assert reason in _reasons(client, viewer, village.id)
    fresh = gaps_from_db(session, GapParams(as_of=datetime(2026, 6, 30).date()), computed_at=datetime.now(UTC))
    row = fresh.with_reasons(fresh.table[fresh.table["community_id"] == village.id]).iloc[0]
    assert reason in row["reasons"] and "Sole Voice" not in " ".join(row["reasons"])
    engage(25, other)  # someone else heard last: the reason goes
    session.commit()
    assert not any(r.startswith("only one interlocutor") for r in _reasons(client, viewer, village.id))
