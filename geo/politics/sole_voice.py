"""The engagement-gap reason "only one interlocutor heard since …"
(docs/politics.md#sole-voice): a community whose last engagements that
recorded interlocutors all heard the same single person. Reported with the
ranking's reasons, not scored.

Kept beside the gap analysis rather than inside it: the reason reads the
engagements' interlocutors, which the gap computation does not, and is
given to a result after it is computed, or taken from the cache, which reads
it in the snapshot of its refresh; the result adds it to the reasons of the
rows a caller reads (``GapResult.sole_voices``, :meth:`GapResult.explained`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import groupby

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.analysis.params import default
from geo.models import Engagement, EngagementInterlocutor, Interlocutor
from geo.politics import params as politics_params  # the module: its import reaches back here through geo.analysis
from geo.reasons import Reason

# The tables :func:`sole_voices` reads (all in the ``analysis_changes`` log,
# migrations 0002 and 0008): the result cache reads the reason again only
# after one of them changed.
READS = frozenset({"engagements", "engagement_interlocutors", "interlocutors"})


def sole_voices(session: Session, as_of: date, run: int) -> dict[int, Reason]:
    """Per community: the reason, where its last ``run`` or more engagements
    (up to the end of ``as_of``) that recorded interlocutors all heard the
    same single person.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    as_of : datetime.date
    run : int
        How many engagements in a row it takes.

    Returns
    -------
    dict of int to dict
        Community id → the reason ``sole_voice`` (``role``, ``engagements``,
        ``since``; :data:`geo.reasons.REASONS`): "only one
        interlocutor, a traditional leader, heard in the last 4 engagements
        with interlocutors, since 2026-03-04".
    """
    cutoff = datetime.combine(as_of + timedelta(days=1), time.min, tzinfo=UTC)
    heard = (
        select(
            Engagement.community_id,
            Engagement.occurred_at,
            Engagement.id,
            func.array_agg(EngagementInterlocutor.interlocutor_id).label("people"),
            func.min(Interlocutor.role).label("role"),
        )
        .join(EngagementInterlocutor, EngagementInterlocutor.engagement_id == Engagement.id)
        .join(Interlocutor, Interlocutor.id == EngagementInterlocutor.interlocutor_id)
        .where(Engagement.community_id.is_not(None), Engagement.occurred_at < cutoff)
        .group_by(Engagement.community_id, Engagement.occurred_at, Engagement.id)
        .order_by(Engagement.community_id, Engagement.occurred_at.desc(), Engagement.id.desc())
    )
    out: dict[int, Reason] = {}
    for community, newest_first in groupby(session.execute(heard).all(), key=lambda r: r.community_id):
        rows = list(newest_first)
        first = set(rows[0].people)
        if len(first) != 1:
            continue
        n = 0
        for row in rows:
            if set(row.people) != first:
                break
            n += 1
        if n >= run:
            since = rows[n - 1].occurred_at.astimezone(UTC).date().isoformat()
            out[int(community)] = {
                "code": "sole_voice",
                "params": {"role": rows[0].role, "engagements": n, "since": since},
            }
    return out


def sole_voice_run() -> int:
    """How many engagements in a row with the same single person make the
    reason: the declared default of ``sole_voice_engagements``
    (docs/politics.md#parameters).

    Returns
    -------
    int
    """
    return default("sole_voice_engagements", politics_params.ConstituencyParams)
