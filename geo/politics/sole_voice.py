"""The engagement-gap reason "only one interlocutor heard since …"
(docs/politics.md#sole-voice): a community whose last engagements that
recorded interlocutors all heard the same single person. Reported with the
ranking's reasons, not scored.

Kept beside the gap analysis rather than inside it: the reason reads the
engagements' interlocutors, which the gap computation does not, and is
added to a result after it is computed, or taken from the cache, which reads
it in the snapshot of its refresh (:func:`with_sole_voice`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import groupby

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.analysis.params import default
from geo.analysis.reasons import Reason, text
from geo.models import Engagement, EngagementInterlocutor, Interlocutor
from geo.politics.params import ConstituencyParams

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
        ``since``; :data:`geo.analysis.reasons.REASONS`): "only one
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
    return default("sole_voice_engagements", ConstituencyParams)


def with_sole_voice(table: pd.DataFrame, found: dict[int, Reason]) -> pd.DataFrame:
    """``table`` (engagement-gap rows) with the sole-voice reasons ``found``
    (:func:`sole_voices`) appended to the ``explanation`` (codes) and the
    ``reasons`` (English) of the communities they concern (new columns: the
    table's own lists are not changed, so a cached table never gains them twice).

    Parameters
    ----------
    table : pandas.DataFrame
        Rows with ``community_id``, ``explanation`` and ``reasons``.
    found : dict of int to dict
        Community id → reason.

    Returns
    -------
    pandas.DataFrame
        ``table`` itself when none of its communities has the reason.
    """
    if not found or table.empty:
        return table
    ids = table["community_id"].to_numpy(np.int64)
    rows = np.flatnonzero(np.isin(ids, np.fromiter(found, np.int64, len(found))))
    if len(rows) == 0:
        return table
    # Only the rows with a reason get new lists (a request on 50 000 rows must not build 100 000 of them).
    explanation = table["explanation"].to_numpy(dtype=object, copy=True)
    reasons = table["reasons"].to_numpy(dtype=object, copy=True)
    for i in rows.tolist():
        x = found[int(ids[i])]
        explanation[i] = [*explanation[i], x]
        reasons[i] = [*reasons[i], text(x)]
    return table.assign(
        explanation=pd.Series(explanation, index=table.index, dtype=object),
        reasons=pd.Series(reasons, index=table.index, dtype=object),
    )
