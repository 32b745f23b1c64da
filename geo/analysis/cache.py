"""In-process cache of the engagement-gap analysis, never stale.

One entry per database and :class:`GapParams` (``as_of`` included) holds
the per-community columns of the whole mission (a
:class:`~geo.analysis.gaps.GapState`), its ranked table, and the version of
the resident inputs (:mod:`geo.analysis.resident`) it reflects. Each request
first brings the resident inputs to the current snapshot (the
``analysis_changes`` log by transaction id, so transactions that commit out
of order are still seen, whichever process made them; only the changed rows
are read), then:

- the entry already reflects that version → the cached table (``hit``);
- rows of incidents, patrols, engagements or QIPs changed (inserted,
  updated, deleted) → only the columns those tables feed, of only the
  communities their old and new versions can reach, are recomputed from the
  resident inputs (:mod:`geo.analysis.local`), and the whole table is
  re-ranked (``incremental``);
- communities or sites changed, a table was truncated or read again whole,
  or the entry is too far behind → a full run on the resident inputs
  (``full``): nothing is read from PostGIS but the changed rows.

The snapshot is read and the changed rows fetched in one REPEATABLE READ
transaction, which ends — and its connection goes back to the pool — before
the computation starts; the caller's own (read-only) transaction is ended
before waiting for a refresh by another request, so CPU never holds a
connection other requests need. A session with its own uncommitted writes
bypasses the cache. An area filter (bbox / admin area) is a filter on the
cached table: the rows of the communities inside, with their mission-wide
scores and ranks (docs/analysis.md#area-subsets). ``considered`` counts
rows of the whole database, not of the area. The reason "only one
interlocutor heard" (docs/politics.md#sole-voice) is read in the refresh's
snapshot too, when one of the tables it reads (``sole_voice.READS``, all
logged since migration 0008) changed since the entry last read it, and
given to the result, which adds it to the reasons of the rows a caller
reads (reported, not scored). The reasons are built only for those rows,
and kept with the entry's explainer (``GapState.explainer``) until a write
changes their columns.

When the inputs do not fit the memory budget (the resident store refuses),
the cache works as before it existed: any logged change means a full run
read from PostGIS.

:func:`warm` fills an entry in the background (the service does it at
start for the map's default parameters); until it is done, a request for
those parameters is answered :class:`~geo.errors.TryLater` at once instead
of starting a second full run.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from geo.analysis.gaps import Extras, GapResult, GapState, compute_gaps, gap_state, within
from geo.analysis.load import area_filter, communities_inside, gaps_from_db, load_inputs, site_origins
from geo.analysis.local import local_update
from geo.analysis.params import GapParams
from geo.analysis.reasons import Explainer
from geo.analysis.resident import Delta, Resident, ResidentRefused
from geo.analysis.tables import Tables
from geo.changes import committed_changes, has_own_writes, snapshot_and_changes
from geo.db import long_statements, release
from geo.errors import TryLater
from geo.politics.sole_voice import READS as VOICE_READS
from geo.politics.sole_voice import sole_voice_run, sole_voices
from geo.reach.load import travel_to_sites
from geo.reach.population import community_estimates

log = logging.getLogger("peacemap.analysis")

MAX_ENTRIES = 8  # parameter sets kept (LRU)


@dataclass
class _Entry:
    lock: threading.Lock = field(default_factory=threading.Lock)
    state: GapState | None = None
    version: int = -1  # of the resident inputs the state reflects
    snapshot: str | None = None  # when the inputs are not resident: the snapshot the table reflects
    table: pd.DataFrame | None = None
    explainer: Explainer | None = None  # the reasons of ``table``'s rows, built as they are read
    considered: dict = field(default_factory=dict)
    warming: bool = False  # :func:`warm` is filling it
    patrol_radii: tuple[float, float] | None = None  # of the patrols counted: quoted by the reasons
    extras: Extras | None = None  # population estimates and travel surface of the last full run
    voices_snapshot: str | None = None  # the snapshot ``sole_voices`` were read in
    voices_version: int = -1  # the resident inputs' version then (-1: not resident)
    sole_voices: dict[int, dict] = field(default_factory=dict)  # docs/politics.md#sole-voice

    def current(self) -> pd.DataFrame:
        """The cached table (after a refresh, which always leaves one)."""
        if self.table is None:
            raise RuntimeError("the cache entry has not been computed")
        return self.table


@dataclass
class _Read:
    """What one refresh read in its snapshot, to compute from after the
    connection has been released."""

    tables: Tables | None = None
    version: int = -1
    deltas: list[Delta] | None = None
    result: GapResult | None = None  # inputs not resident: the full run read from PostGIS
    path: str = "hit"
    only: np.ndarray | None = None  # the incremental path's communities
    written: dict[str, np.ndarray] = field(default_factory=dict)  # and the ids written per table
    extras: Extras | None = None  # read for a full run
    area_ids: list[int] | None = None
    snapshot: str | None = None
    sole_voices: dict[int, dict] | None = None  # read again unless the snapshot is the entry's


_entries: OrderedDict[tuple, _Entry] = OrderedDict()
_residents: dict[str, Resident] = {}
STATS: Counter = Counter()  # refreshes by path ("hit", "incremental", "full") and "sole_voices" reads (tests, bench)
_entries_lock = threading.Lock()
WARMING_RETRY_S = 2


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _entry(engine: Engine, params: GapParams) -> _Entry:
    key = (_url(engine), params)
    with _entries_lock:
        e = _entries.pop(key, None) or _Entry()
        _entries[key] = e
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
        return e


def resident(engine: Engine) -> Resident:
    """The resident inputs of ``engine``'s database (one per process and database).

    Parameters
    ----------
    engine : sqlalchemy.Engine

    Returns
    -------
    Resident
    """
    with _entries_lock:
        return _residents.setdefault(_url(engine), Resident())


def clear() -> None:
    """Forget every cached result and the resident inputs (the next call reads and recomputes).

    Returns
    -------
    None
    """
    with _entries_lock:
        _entries.clear()
        _residents.clear()


def cached_gaps(
    session: Session, params: GapParams | None = None, *, bbox=None, admin_area: int | None = None
) -> GapResult:
    """Same result as :func:`gaps_from_db` (the committed data now), from the
    cache when nothing relevant changed, updated locally after writes.

    The cache is the analysis' edge towards the API and the exports: it reads
    the clock once per call for ``computed_at`` and passes it down.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
        The caller's session. Unless it has uncommitted writes of its own
        (then the result is computed in it, bypassing the cache), its
        transaction — reads only — is ended (:func:`geo.db.release`) before
        this waits for or computes a refresh.
    params : GapParams, optional
        Default: every default, ``as_of`` today.
    bbox : tuple of 4 float, optional
        Rank only the communities inside (lon/lat).
    admin_area : int, optional
        Rank only the communities inside this admin area (not with ``bbox``).

    Returns
    -------
    GapResult
        The ranked table (a copy the caller may change).

    Raises
    ------
    TryLater
        :func:`warm` is computing this parameter set for the first time.
    """
    params = params or GapParams()
    now = datetime.now(UTC)
    area = area_filter(session, bbox=bbox, admin_area=admin_area)  # validates first
    if has_own_writes(session):
        return gaps_from_db(session, params, computed_at=now, bbox=bbox, admin_area=admin_area)
    engine = session.get_bind().engine
    entry = _entry(engine, params)
    if entry.warming and entry.table is None:
        raise TryLater(
            f"the engagement-gap analysis is warming up after a start; retry in {WARMING_RETRY_S} s",
            retry_after_s=WARMING_RETRY_S,
            code="warming_up",
        )
    release(session)
    with entry.lock:
        area_ids = _refresh(engine, params, entry, area, now)
        table = entry.current().copy(deep=False)  # copy-on-write: a caller's edits never reach the cache
        considered, radii, voices = dict(entry.considered), entry.patrol_radii, entry.sole_voices
        explainer = entry.explainer
    if area_ids is not None:
        table = within(table, area_ids)
    return GapResult(table, params, now, considered, radii, explainer, voices)


def warm(engine: Engine, params: GapParams) -> None:
    """Fill the entry of ``params`` (a full run unless it is already fresh).
    Call :func:`mark_warming` first, where requests should be told to come
    back rather than wait (the service does, before it accepts any)."""
    entry = _entry(engine, params)
    try:
        with entry.lock:
            _refresh(engine, params, entry, None, datetime.now(UTC))
    finally:
        entry.warming = False


def mark_warming(engine: Engine, params: GapParams) -> None:
    """Until :func:`warm` of ``params`` ends, requests for them get :class:`TryLater`."""
    _entry(engine, params).warming = True


def _refresh(engine: Engine, params: GapParams, entry: _Entry, area, now: datetime) -> list[int] | None:
    """Bring ``entry`` up to date: read in one REPEATABLE READ transaction
    (the resident inputs brought to its snapshot), release its connection,
    compute. Returns the ids of the communities inside ``area`` in the same
    snapshot (None without an area)."""
    store = resident(engine)
    try:
        with store.lock:
            read = _read(engine, params, entry, store, area, now)
        _compute(read, params, entry)
    except BaseException:
        entry.state = entry.table = entry.snapshot = None
        raise
    return read.area_ids


def _read(engine: Engine, params: GapParams, entry: _Entry, store: Resident, area, now: datetime) -> _Read:
    read = _Read()
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        s = Session(bind=conn)
        # first statement: the transaction's snapshot, and what was logged since the store's
        since = store.snapshot if store.refused is None and store.tables is not None else None
        snap, changes = snapshot_and_changes(s, since)
        if store.refused is None:
            try:
                store.refresh(s, snap, changes if since is not None else None)
            except ResidentRefused as e:
                store.forget()
                store.refused = str(e)
                log.warning("analysis inputs not kept in memory: %s", e)
        if store.refused is None:
            read.tables, read.version, read.deltas = store.tables, store.version, store.since(entry.version)
            if entry.state is None or entry.version < read.version:
                _plan(read, params, entry)
            if read.path == "full":
                read.extras = read_extras(s, params)
        elif entry.snapshot is None or committed_changes(s, entry.snapshot):
            long_statements(s.connection())
            inputs, _ = load_inputs(s, params)
            read.result = compute_gaps(inputs, params, computed_at=now)
            entry.snapshot = snap
        if area is not None:
            read.area_ids = communities_inside(s, area)
        read.snapshot = snap
        if _voices_stale(entry, store, snap):
            read.sole_voices = sole_voices(s, params.as_of, sole_voice_run())
        s.close()
        conn.rollback()
    return read


def _voices_stale(entry: _Entry, store: Resident, snap: str) -> bool:
    """Whether the entry's sole-voice reasons may differ in ``snap``: a table
    they read changed since (the resident store's deltas say which; without
    them, any new snapshot)."""
    if entry.voices_snapshot is None:
        return True
    if store.refused is None and entry.voices_version >= 0:
        deltas = store.since(entry.voices_version)
        return deltas is None or any(d.everything or VOICE_READS & (d.tables | d.others) for d in deltas)
    return snap != entry.voices_snapshot


def read_extras(s: Session, params: GapParams) -> Extras:
    """The population estimates and, for ``remoteness=travel_time``, the travel
    surface from the sites active on ``as_of``, in ``s``'s snapshot (docs/reach.md).

    Parameters
    ----------
    s : sqlalchemy.orm.Session
    params : GapParams

    Returns
    -------
    Extras
    """
    travel = None
    if params.remoteness == "travel_time":
        travel = travel_to_sites(s, params.as_of, params.season, site_origins(s, params.as_of))
    return Extras(community_estimates(s), travel)


def _plan(read: _Read, params: GapParams, entry: _Entry) -> None:
    """Which path the entry takes to ``read.version``: ``full`` (no state, the
    deltas forgotten, or one that reaches every community) or ``incremental``
    (``read.only``: the communities the deltas can reach)."""
    state = entry.state
    hits = [] if state is None or read.deltas is None else [d.affected(state.places, params) for d in read.deltas]
    if state is None or read.deltas is None or entry.extras is None or any(h is None for h in hits):
        read.path = "full"
        return
    if not any(d.tables for d in read.deltas):  # only tables these parameters do not read changed
        read.path = "hit"
        entry.version = read.version
        return
    read.path = "incremental"
    hit = np.zeros(len(state), bool)
    for h in hits:
        if h is not None:
            hit |= h
    read.only = state.places.ids[hit]
    for d in read.deltas:
        for name, ids in d.ids.items():
            read.written[name] = np.union1d(read.written.get(name, ids[:0]), ids)


def _compute(read: _Read, params: GapParams, entry: _Entry) -> None:
    """The entry brought to what ``read`` holds (see the module docstring for the paths)."""
    if read.result is not None:
        read.path = "full"
        entry.state = None
        entry.table, entry.considered, entry.patrol_radii = (
            read.result.table,
            read.result.considered,
            read.result.patrol_radii,
        )
        entry.explainer = read.result.explainer
    elif read.tables is not None and read.path != "hit":
        state = entry.state
        if read.path == "full" or state is None:
            entry.extras = read.extras
            state = gap_state(read.tables, params, extras=entry.extras)
        elif read.only is not None:  # always, on the incremental path (_plan)
            local_update(state, read.tables, read.only, read.written)
        entry.state, entry.version = state, read.version
        entry.table, entry.explainer = state.table(), state.explainer
        entry.considered, entry.patrol_radii = state.considered, state.patrol_radii
    if read.sole_voices is not None:
        entry.sole_voices, entry.voices_snapshot = read.sole_voices, read.snapshot
        entry.voices_version = read.version if read.tables is not None else -1
        STATS["sole_voices"] += 1
    STATS[read.path] += 1
