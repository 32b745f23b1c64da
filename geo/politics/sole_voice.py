"""The engagement-gap reason "only one interlocutor heard since …"
(docs/politics.md#sole-voice): a community whose last engagements that
recorded interlocutors all heard the same single person. Reported with the
ranking's reasons, not scored.

Kept beside the gap analysis rather than inside it: the reason reads the
engagements' interlocutors, which the gap computation does not, and is
added to a result after it is computed or taken from the cache
(:func:`with_sole_voice`)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo import vocab
from geo.models import Engagement, EngagementInterlocutor, Interlocutor
from geo.politics.params import ConstituencyParams

_memo: OrderedDict[tuple, dict[int, str]] = OrderedDict()
_lock = threading.Lock()
MEMO_ENTRIES = 8


def sole_voices(session: Session, as_of: date, run: int) -> dict[int, str]:
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
    dict of int to str
        Community id → "only one interlocutor, a traditional leader, heard
        in the last 4 engagements, since 2026-03-04".
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
    out: dict[int, str] = {}
    rows = pd.DataFrame(session.execute(heard).all(), columns=["community", "at", "id", "people", "role"])
    for community, g in rows.groupby("community", sort=False):
        first = g["people"].iloc[0]
        if len(set(first)) != 1:
            continue
        n = 0
        for people in g["people"]:
            if set(people) != set(first):
                break
            n += 1
        if n >= run:
            since = pd.Timestamp(g["at"].iloc[n - 1]).tz_convert("UTC").date().isoformat()
            role = vocab.ROLE_LABELS.get(g["role"].iloc[0], g["role"].iloc[0].replace("_", " "))
            out[int(community)] = (
                f"only one interlocutor, a {role}, heard in the last {n} engagements with interlocutors, since {since}"
            )
    return out


def with_sole_voice(session: Session, table: pd.DataFrame, as_of: date, key: tuple | None = None) -> pd.DataFrame:
    """``table`` (engagement-gap rows) with the sole-voice reason appended to
    the reasons of the communities it concerns (a new ``reasons`` column:
    the table's own lists are not changed).

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    table : pandas.DataFrame
        Rows with ``community_id`` and ``reasons``.
    as_of : datetime.date
    key : tuple, optional
        What fixes the data read (a database and snapshot): the reasons are
        remembered under it, so a cached ranking costs no query.

    Returns
    -------
    pandas.DataFrame
    """
    run = ConstituencyParams.__dataclass_fields__["sole_voice_engagements"].default
    memo_key = None if key is None else (*key, as_of, run)
    with _lock:
        found = _memo.get(memo_key) if memo_key else None
    if found is None:
        found = sole_voices(session, as_of, run)
        if memo_key:
            with _lock:
                _memo[memo_key] = found
                while len(_memo) > MEMO_ENTRIES:
                    _memo.popitem(last=False)
    if not found or table.empty:
        return table
    extra = table["community_id"].map(found)
    reasons = [list(r) + ([e] if isinstance(e, str) else []) for r, e in zip(table["reasons"], extra)]
    return table.assign(reasons=reasons)
