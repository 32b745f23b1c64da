"""The ``analysis_changes`` log (filled by the triggers of migrations 0002,
0005, 0007 and 0008) as the caches read it: which committed writes a snapshot does not see,
the session's own snapshot, and whether the session has written itself.
Shared by the engagement-gap cache (:mod:`geo.analysis.cache`) and the
reach caches (:mod:`geo.reach.cache`)."""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

_CHANGES = text(
    "SELECT table_name, op, row_ids FROM analysis_changes"
    " WHERE txid >= pg_snapshot_xmin(CAST(:snap AS pg_snapshot))::text::bigint"
    " AND NOT pg_visible_in_snapshot(txid::text::xid8, CAST(:snap AS pg_snapshot))"
)


def committed_changes(session: Session, snapshot: str) -> list:
    """The logged writes (``table_name``, ``op``, ``row_ids``) committed but
    not visible in ``snapshot`` (a ``pg_current_snapshot()`` text): what a
    cache made in that snapshot has not seen.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    snapshot : str

    Returns
    -------
    list of Row
    """
    return list(session.execute(_CHANGES, {"snap": snapshot}).all())


_SNAPSHOT_AND_CHANGES = text(
    "SELECT now.snap, c.table_name, c.op, c.row_ids FROM (SELECT pg_current_snapshot()::text AS snap) now"
    " LEFT JOIN analysis_changes c ON CAST(:snap AS pg_snapshot) IS NOT NULL"
    " AND c.txid >= pg_snapshot_xmin(CAST(:snap AS pg_snapshot))::text::bigint"
    " AND NOT pg_visible_in_snapshot(c.txid::text::xid8, CAST(:snap AS pg_snapshot))"
)


def snapshot_and_changes(session: Session, since: str | None) -> tuple[str, list]:
    """:func:`current_snapshot` and :func:`committed_changes` since ``since``
    in one statement (one round trip: a refresh after a write pays each).

    Parameters
    ----------
    session : sqlalchemy.orm.Session
        In REPEATABLE READ, before any other statement of its transaction.
    since : str, optional
        A ``pg_current_snapshot()`` text; None: no changes asked for.

    Returns
    -------
    tuple of (str, list of (table_name, op, row_ids))
    """
    rows = session.execute(_SNAPSHOT_AND_CHANGES, {"snap": since}).all()
    return str(rows[0].snap), [(r.table_name, r.op, r.row_ids) for r in rows if r.table_name is not None]


def current_snapshot(session: Session) -> str:
    """The session's snapshot as text (in REPEATABLE READ, the transaction's).

    Parameters
    ----------
    session : sqlalchemy.orm.Session

    Returns
    -------
    str
    """
    return str(session.scalar(text("SELECT pg_current_snapshot()::text")))


def has_own_writes(session: Session) -> bool:
    """Whether the session's transaction wrote anything (then caches are bypassed).

    Parameters
    ----------
    session : sqlalchemy.orm.Session

    Returns
    -------
    bool
    """
    return session.scalar(select(func.pg_current_xact_id_if_assigned())) is not None
