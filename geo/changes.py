"""The ``analysis_changes`` log (filled by the triggers of migrations 0002,
0005, 0007 and 0008) as the caches read it: which committed writes a snapshot does not see,
the session's own snapshot, and whether the session has written itself.
Shared by the engagement-gap cache (:mod:`geo.analysis.cache`), the
reach caches (:mod:`geo.reach.cache`) and values kept until their tables
change (:class:`Kept`)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

_CHANGES = text(
    "SELECT table_name, op, row_ids FROM analysis_changes"
    " WHERE txid >= pg_snapshot_xmin(CAST(:snap AS pg_snapshot))::text::bigint"
    " AND NOT pg_visible_in_snapshot(txid::text::xid8, CAST(:snap AS pg_snapshot))"
)


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


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


class Kept(Generic[K, V]):
    """Values computed from some logged tables, kept per key until one of
    those tables changes (a write committed that the value's snapshot did
    not see): for a figure every request reads and few writes change, such
    as who was heard per community (the worklist's column).

    A value is made in the caller's session after the snapshot statement, so
    it saw at least that snapshot and is given up at the first change the
    snapshot did not see. A session that wrote itself is not served (its
    value would hold uncommitted rows). Keys are kept per database (a
    process may serve several). At most ``size`` keys are kept, the least
    recently used given up first. Values are shared: read them, never
    change them in place.
    """

    def __init__(self, tables: frozenset[str], size: int = 8) -> None:
        self.tables = tables
        self.size = size
        self.made = 0  # values made, not served from the kept ones (tests)
        self._kept: OrderedDict[tuple[str, K], tuple[str, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session: Session, key: K, make: Callable[[], V]) -> V:
        """The value for ``key``: the kept one when none of ``tables`` changed
        since it was made, else ``make()`` (kept for next time).

        Parameters
        ----------
        session : sqlalchemy.orm.Session
        key : hashable
        make : callable
            Reads through ``session``; called at most once.

        Returns
        -------
        object
        """
        if has_own_writes(session):
            self.made += 1
            return make()
        where = (session.get_bind().engine.url.render_as_string(hide_password=True), key)
        with self._lock:
            kept = self._kept.get(where)
        snapshot, changes = snapshot_and_changes(session, kept[0] if kept else None)
        if kept is not None and not any(table in self.tables for table, _, _ in changes):
            with self._lock:
                if where in self._kept:
                    self._kept.move_to_end(where)
            return kept[1]
        value = make()
        self.made += 1
        with self._lock:
            self._kept[where] = (snapshot, value)
            self._kept.move_to_end(where)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return value
