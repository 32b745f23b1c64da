"""The analysis' inputs kept in memory and current from the change log.

Why: a full run that reads PostGIS spends about as long reading as
computing, and every planner who changes a parameter pays a full run. Here
every input table (:data:`~geo.analysis.tables.INPUT_TABLES`) is read once,
whole, into columns (:mod:`geo.analysis.read`), and then kept current the
way the result cache is kept never stale: the ``analysis_changes`` log
(migrations 0002, 0007 and 0008: every insert, update and delete with the
ids it touched, every truncate) says which rows changed since the snapshot the
store reflects; only those rows are read again (by id), the slots holding
their old versions die, the new versions are appended. A table truncated,
or with more than ``MAX_CHANGED_ROWS`` changed at once, is read again whole.

Each refresh is copy-on-write: it builds a new :class:`~geo.analysis.tables.Tables`
(unchanged tables shared), so a computation running on the previous version
is never disturbed, and it records a :class:`Delta`: where the changed rows
were and are, which is all the result cache needs to recompute only the
communities they can reach (:meth:`Delta.affected`).

Memory is bounded by ``budget_bytes`` (``PEACEMAP_ANALYSIS_MEMORY_MB``,
default 1 024): the store is checked after each table it reads, and when
the inputs would exceed it the store refuses (:attr:`Resident.refused` says
why, in the log too) and the cache reads what each run needs from PostGIS
instead, as before. Each server process holds its own copy (measured in
bench/README.md; a shared copy would need shared memory for the tracks).
"""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from dataclasses import dataclass, field

import numpy as np
import psycopg
from sqlalchemy.orm import Session

from geo.analysis import heap
from geo.analysis.grid import in_frame, mission_frame
from geo.analysis.last_engagement import keep_recency
from geo.analysis.metric import EPS_M, TOL_M
from geo.analysis.near import SLOT_INDEX, Places, SlotIndex, near_any
from geo.analysis.params import GapParams
from geo.analysis.read import read_rows, read_rows_by_id
from geo.analysis.tables import INPUT_TABLES, Rows, Tables
from geo.changes import committed_changes
from geo.db import driver_connection, long_statements
from geo.politics.sole_voice import READS as VOICE_READS

log = logging.getLogger("peacemap.analysis")

MAX_CHANGED_ROWS = 50_000  # more changed rows in one table: reading it whole is cheaper
MAX_DELTAS = 256  # refreshes remembered; a cache entry older than that recomputes in full
COMPACT_SHARE = 0.25  # dead slots beyond this share of a table: it is compacted
DEFAULT_BUDGET_MB = 1024
INDEXED = ("incidents",)  # point tables a local update searches through a SlotIndex (the largest)
POINT_RADIUS = {"incidents": "incident_radius_m", "engagements": "engagement_radius_m", "qips": "qip_radius_m"}

# Logged tables that reach no per-community column, only the sole-voice
# reason the cache adds to a table (it reads them again itself).
UNSCORED_TABLES = VOICE_READS - INPUT_TABLES.keys()

# Tables outside INPUT_TABLES whose changes reach the analysis through Extras
# (population estimates, travel surface; docs/reach.md), and for which
# parameters: rasters always, the travel network only for travel time.
EXTRA_TABLES = {"rasters": None, "roads": "travel_time", "waterways": "travel_time", "crossings": "travel_time"}


class ResidentRefused(Exception):
    """The inputs do not fit the memory budget (the cache reads per run instead)."""


def budget_bytes() -> int:
    """The memory budget of the resident inputs (``PEACEMAP_ANALYSIS_MEMORY_MB``).

    Returns
    -------
    int
    """
    return int(float(os.environ.get("PEACEMAP_ANALYSIS_MEMORY_MB", DEFAULT_BUDGET_MB)) * 2**20)


@dataclass(frozen=True)
class Delta:
    """Where the rows one refresh changed were and are, in the mission frame.

    ``everything``: communities, sites or a whole table changed (every
    community may change). ``others``: tables outside ``INPUT_TABLES`` that
    changed (``EXTRA_TABLES`` says which parameters they reach;
    ``UNSCORED_TABLES`` reach none). ``points``: per point table, the frame
    coordinates of the old and new versions of its changed rows.
    ``linked``: the communities old and new engagements name.
    ``patrols``: per old or new track, its (u, v) box, largest sag and
    ``coverage_m`` (NaN: the parameters' radius). ``ids``: per input table
    changed row by row, the ids written (the rows a local update searches)."""

    everything: bool = False
    others: frozenset[str] = frozenset()
    tables: frozenset[str] = frozenset()  # the input tables that changed
    points: dict[str, np.ndarray] = field(default_factory=dict)
    linked: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    patrols: np.ndarray = field(default_factory=lambda: np.zeros((0, 6)))
    ids: dict[str, np.ndarray] = field(default_factory=dict)

    def affected(self, places: Places, params: GapParams) -> np.ndarray | None:
        """Which communities this change can affect under ``params`` (a superset).

        A community is affected when a changed row, old or new, lies within
        the radius that applies (plus ``TOL_M``; for a track, plus its sag),
        tested on the chord, which is never longer than the geodesic, and on
        a track's (u, v) box, which holds every chord of it.

        Parameters
        ----------
        places : Places
            Every community (frame coordinates of the store's frame).
        params : GapParams

        Returns
        -------
        numpy.ndarray of bool, or None
            None: every community.
        """
        if self.everything:
            return None
        for name in self.others - UNSCORED_TABLES:
            if name not in EXTRA_TABLES or EXTRA_TABLES[name] in (None, params.remoteness):
                return None  # an extra input of these parameters (or a table unknown here) changed
        hit = np.zeros(len(places), bool)
        for name, xyz in self.points.items():
            hit |= near_any(places, xyz, getattr(params, POINT_RADIUS[name]))
        hit |= np.isin(places.ids, self.linked)
        u, v = places.xyz[:, 0], places.xyz[:, 1]
        for u0, u1, v0, v1, sag, coverage in self.patrols.tolist():
            reach = (params.patrol_radius_m if np.isnan(coverage) else coverage) + TOL_M + sag + EPS_M
            hit |= (u >= u0 - reach) & (u <= u1 + reach) & (v >= v0 - reach) & (v <= v1 + reach)
        return hit


def _footprint(name: str, rows: Rows, slots: np.ndarray) -> dict:
    """What :class:`Delta` records of some rows of table ``name``."""
    if name == "patrols" and rows.tracks is not None:
        t = rows.tracks
        return {
            "patrols": np.column_stack([t.box[slots], t.patrol_sag[slots], rows["coverage_m"][slots]]).reshape(-1, 6)
        }
    out: dict = {}
    if name in POINT_RADIUS and rows.xyz is not None:
        out["points"] = rows.xyz[slots]
    if name == "engagements":
        linked = rows["community_id"][slots]
        out["linked"] = linked[~np.isnan(linked)].astype(np.int64)
    return out


@dataclass
class Resident:
    """One database's resident inputs (see the module docstring)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    snapshot: str | None = None
    tables: Tables | None = None
    version: int = 0
    deltas: deque = field(default_factory=lambda: deque(maxlen=MAX_DELTAS))
    refused: str | None = None

    def since(self, version: int) -> list[Delta] | None:
        """The deltas from ``version`` to the current one (None: no longer remembered).

        Parameters
        ----------
        version : int

        Returns
        -------
        list of Delta, or None
        """
        behind = self.version - version
        if behind < 0 or behind > len(self.deltas):
            return None
        return list(self.deltas)[len(self.deltas) - behind :]

    def refresh(self, s: Session, snapshot: str, changes: list | None = None) -> None:
        """Bring the store to ``snapshot``, the snapshot of ``s``'s transaction
        (REPEATABLE READ, its first statement having read ``snapshot``).

        Parameters
        ----------
        s : sqlalchemy.orm.Session
        snapshot : str
        changes : list, optional
            The logged changes since :attr:`snapshot`, when the caller read
            them with the snapshot (:func:`geo.changes.snapshot_and_changes`);
            None: read here.

        Returns
        -------
        None

        Raises
        ------
        ResidentRefused
            The inputs exceed the memory budget (nothing is kept).
        """
        conn = driver_connection(s.connection())
        if self.tables is None or self.snapshot is None:
            long_statements(s.connection())
            self.tables = load_tables(conn, budget_bytes())
            heap.settle()  # kept for the life of the process: out of the collector's sight
            self.deltas.clear()
            self.deltas.append(Delta(everything=True))
        else:
            if changes is None:
                changes = committed_changes(s, self.snapshot)
            if not changes:
                self.snapshot = snapshot
                return
            if any(ids is None or len(ids) > MAX_CHANGED_ROWS for _, _, ids in changes):
                long_statements(s.connection())  # a table is read whole
            self.tables, delta = apply_changes(conn, self.tables, changes)
            self.deltas.append(delta)
        self.version += 1
        self.snapshot = snapshot

    def forget(self) -> None:
        """Drop the inputs (after a failure: the next refresh reads them whole).

        Returns
        -------
        None
        """
        self.tables = self.snapshot = None
        self.deltas.clear()


def load_tables(conn: psycopg.Connection, budget: int) -> Tables:
    """Every input table, whole, in the mission frame of the communities
    (and each table's by-id statement compiled and run once).

    Parameters
    ----------
    conn : psycopg.Connection
        In the transaction (snapshot) to read.
    budget : int
        Bytes the tables may hold.

    Returns
    -------
    Tables

    Raises
    ------
    ResidentRefused
    """
    ecef_rows = read_rows(conn, INPUT_TABLES["communities"], np.eye(3))
    frame = mission_frame(ecef_rows.xyz if ecef_rows.xyz is not None else np.zeros((0, 3)))
    ecef_rows.xyz = in_frame(ecef_rows.xyz if ecef_rows.xyz is not None else np.zeros((0, 3)), frame)
    rows = {"communities": ecef_rows}
    for name, table in INPUT_TABLES.items():
        if name != "communities":
            rows[name] = read_rows(conn, table, frame)
        rows[name] = rows[name].with_room()
        held = sum(r.nbytes() for r in rows.values())
        if held > budget:
            raise ResidentRefused(
                f"the analysis inputs need more than {held / 2**20:.0f} MB (read up to {name}), "
                f"over the budget of {budget / 2**20:.0f} MB (PEACEMAP_ANALYSIS_MEMORY_MB)"
            )
    for table in INPUT_TABLES.values():  # compiled once here, not by the first write after a start (~20 ms each)
        read_rows_by_id(conn, table, frame, np.zeros(0, np.int64))
    for name in INDEXED:
        index(rows[name])
    return Tables(frame, rows)


def index(rows: Rows) -> None:
    """Give a point table its :class:`~geo.analysis.near.SlotIndex` (every
    live slot), kept in its memo and by every later version of it.

    Parameters
    ----------
    rows : Rows

    Returns
    -------
    None
    """
    if rows.xyz is not None:
        rows.memo[SLOT_INDEX] = SlotIndex.of(rows.xyz, np.flatnonzero(rows.live()), len(rows))


def apply_changes(conn: psycopg.Connection, tables: Tables, changes) -> tuple[Tables, Delta]:
    """``tables`` with the logged changes applied (a new Tables; see the module docstring).

    Parameters
    ----------
    conn : psycopg.Connection
        In the transaction (snapshot) the changes lead to.
    tables : Tables
    changes : iterable of (table_name, op, row_ids)
        Rows of ``analysis_changes``; ``row_ids`` None: the whole table.

    Returns
    -------
    tuple of (Tables, Delta)
    """
    changed: dict[str, set[int] | None] = {}
    others = set()
    for name, _op, row_ids in changes:
        if name not in INPUT_TABLES:
            others.add(name)  # not resident: Delta.affected decides what it reaches
            continue
        if row_ids is None or changed.get(name, set()) is None:
            changed[name] = None
        else:
            ids = changed.setdefault(name, set())
            if ids is not None:
                ids.update(row_ids)
                if len(ids) > MAX_CHANGED_ROWS:
                    changed[name] = None
    rows = dict(tables.rows)
    everything = False
    parts: dict[str, list] = {"points": [], "linked": [], "patrols": []}
    point_parts: dict[str, list[np.ndarray]] = {}
    for name, ids in changed.items():
        table = INPUT_TABLES[name]
        if ids is None or name in ("communities", "sites"):
            everything = True
        if ids is None:
            rows[name] = read_rows(conn, table, tables.frame)
            if name in INDEXED:
                index(rows[name])
            continue
        wanted = np.fromiter(ids, np.int64, len(ids))
        fresh = read_rows_by_id(conn, table, tables.frame, wanted)
        old = rows[name]
        new, gone = old.replace(wanted, fresh)
        for before, slots in ((old, gone), (fresh, np.arange(len(fresh)))):
            for key, value in _footprint(name, before, slots).items():
                (point_parts.setdefault(name, []) if key == "points" else parts[key]).append(value)
        if new.dead() > COMPACT_SHARE * len(new):
            new = new.take(np.flatnonzero(new.live())).with_room()
            if name in INDEXED:
                index(new)
        elif name == "patrols":
            keep_recency(old, new, gone, len(old))
        elif SLOT_INDEX in old.memo:  # its slots are still theirs; the appended rows it adds itself
            new.memo[SLOT_INDEX] = old.memo[SLOT_INDEX]
        rows[name] = new
    delta = Delta(
        everything,
        frozenset(others),
        frozenset(changed),
        {k: np.concatenate(v) for k, v in point_parts.items()},
        np.concatenate([np.zeros(0, np.int64), *parts["linked"]]),
        np.concatenate([np.zeros((0, 6)), *parts["patrols"]]),
        {name: np.fromiter(ids, np.int64, len(ids)) for name, ids in changed.items() if ids is not None},
    )
    return Tables(tables.frame, rows), delta
