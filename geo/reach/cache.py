"""Never-stale caches of friction and travel surfaces (docs/reach.md#cache),
under the rule of the engagement-gap cache (docs/analysis.md#cache): a cached
surface is what a fresh computation on the committed data would give now.

A surface depends on the roads, waterways, crossings and rasters (watched
through the ``analysis_changes`` log their triggers fill, migration 0005;
population estimates watch the rasters and the communities)
and on its key: the grid (which follows the extent of the communities and
sites), the season, the speeds and the start sites with their positions —
all read fresh on every request. Each request reads the log for writes to
the watched tables that the entry's snapshot does not see; any such write
recomputes the surface. The snapshot is taken before the surface's inputs
are read, so a write committed in between is seen (and recomputed) next
time. A session with uncommitted writes of its own bypasses the cache.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from geo.changes import committed_changes, current_snapshot, has_own_writes

WATCHED = frozenset({"roads", "waterways", "crossings", "rasters"})
STATS: Counter = Counter()  # "hit" / "computed" per cache name (for tests and the benchmark)


@dataclass
class _Entry:
    lock: threading.Lock = field(default_factory=threading.Lock)
    snapshot: str | None = None
    value: Any = None


class SnapshotCache:
    """A small LRU of values computed from the watched tables, checked against the change log on every read."""

    def __init__(self, name: str, size: int = 8, watched: frozenset[str] = WATCHED):
        self.name, self.size, self.watched = name, size, watched
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def _entry(self, key: tuple) -> _Entry:
        with self._lock:
            entry = self._entries.pop(key, None) or _Entry()
            self._entries[key] = entry
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
            return entry

    def get(self, session: Session, key: tuple, compute: Callable[[Session], Any]) -> Any:
        """The value for ``key``, computed by ``compute(session)`` when absent or when a watched table changed.

        Parameters
        ----------
        session : sqlalchemy.orm.Session
        key : tuple
            Everything the value depends on besides the watched tables (hashable).
        compute : callable
            Reads what it needs through ``session``.

        Returns
        -------
        The value.
        """
        if has_own_writes(session):
            STATS[self.name + ":computed"] += 1
            return compute(session)
        url = session.get_bind().engine.url.render_as_string(hide_password=True)
        entry = self._entry((url, *key))
        with entry.lock:
            snapshot = current_snapshot(session)
            stale = entry.value is None or any(
                change[0] in self.watched for change in committed_changes(session, entry.snapshot or snapshot)
            )
            if stale:
                STATS[self.name + ":computed"] += 1
                entry.value, entry.snapshot = None, None
                entry.value = compute(session)
            else:
                STATS[self.name + ":hit"] += 1
            entry.snapshot = snapshot
            return entry.value


FRICTION = SnapshotCache("friction")
TRAVEL = SnapshotCache("travel")
POPULATION = SnapshotCache("population", watched=frozenset({"rasters", "communities"}))
