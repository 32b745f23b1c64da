"""In-process cache of the engagement-gap analysis, never stale.

One entry per database and :class:`GapParams` (``as_of`` included) holds the
whole ranked table and the PostgreSQL snapshot it reflects. Each request asks
the ``analysis_changes`` log (filled by statement-level triggers, migration
0002) which writes are *not visible in that snapshot* — by transaction id, so
transactions that commit out of order are still seen, whichever process made
them. Then:

- nothing new → the cached table (one indexed query);
- only inserts of patrols, incidents, engagements or QIPs (up to
  ``MAX_INCREMENTAL_ROWS``) → only the communities near the new rows (and a
  new engagement's linked community) are recomputed, from the same inputs as
  a full run restricted to that area (for incidents alone: only their
  pressure, from the incidents alone), then the whole table is re-ranked;
- anything else (updates, deletes, sites, communities, rasters; roads,
  waterways and crossings when remoteness is travel time) → full recompute;
  roads, waterways and crossings are ignored when remoteness is distance.

All reads of one refresh happen in one REPEATABLE READ transaction, whose
snapshot is the one recorded, so a write committed meanwhile is replayed on
the next request (recomputing a community is idempotent). Read, release,
compute: that transaction ends — and its connection goes back to the pool —
before the computation starts, and the caller's own (read-only) transaction
is ended before waiting for a refresh by another request, so seconds of
CPU never hold a connection other requests need. A session with its own
uncommitted writes bypasses the cache. An area filter (bbox / admin area)
is a filter on the cached table: the rows of the communities inside, with
their mission-wide scores and ranks (docs/analysis.md#area-subsets).
``considered`` counts rows of the whole database, not of the area. The
reason "only one interlocutor heard" (docs/politics.md#sole-voice) is read
in the refresh's snapshot too, and added to a copy (reported, not scored).

:func:`warm` fills an entry in the background (the service does it at
start for the map's default parameters); until it is done, a request for
those parameters is answered :class:`~geo.errors.TryLater` at once instead
of starting a second full run.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Engine, func, literal, select
from sqlalchemy.orm import Session

from geo.analysis.gaps import GapResult, compute_gaps, explain, rank_table, within
from geo.analysis.inputs import GapInputs
from geo.analysis.last_engagement import radius_range
from geo.analysis.load import after_as_of, area_filter, communities_inside, gaps_from_db, grown_bounds, load_inputs
from geo.analysis.params import GapParams
from geo.changes import committed_changes, current_snapshot, has_own_writes
from geo.db import long_statements, release
from geo.errors import TryLater
from geo.models import Community, Engagement, Incident, Patrol, Qip
from geo.politics.sole_voice import sole_voice_run, sole_voices, with_sole_voice

MAX_ENTRIES = 8  # parameter sets kept (LRU)
MAX_INCREMENTAL_ROWS = 2_000  # more new rows than this: a full run is cheaper
PRESSURE_COLUMNS = ("incidents_window", "fatalities_window", "pressure")
INCREMENTAL = {"patrols": Patrol, "incidents": Incident, "engagements": Engagement, "qips": Qip}
TRAVEL_ONLY = frozenset({"roads", "waterways", "crossings"})  # what only remoteness=travel_time reads


@dataclass
class _Entry:
    lock: threading.Lock = field(default_factory=threading.Lock)
    snapshot: str | None = None
    table: pd.DataFrame | None = None
    considered: dict = field(default_factory=dict)
    max_coverage_m: float = 0.0  # of the patrols counted: how far to look for tracks in a local update
    warming: bool = False  # :func:`warm` is filling it
    patrol_radii: tuple[float, float] | None = None  # of the patrols counted: quoted by the reasons
    sole_voices: dict[int, dict] = field(default_factory=dict)  # docs/politics.md#sole-voice, of ``snapshot``

    def current(self) -> pd.DataFrame:
        """The cached table (after a refresh, which always leaves one)."""
        if self.table is None:
            raise RuntimeError("the cache entry has not been computed")
        return self.table


@dataclass
class _Read:
    """What one refresh read in its snapshot, to compute from after the
    connection has been released."""

    snapshot: str
    path: str  # "hit", "incremental" or "full"
    inputs: GapInputs | None = None
    only: list[int] | None = None
    new_ids: dict[str, list[int]] = field(default_factory=dict)
    pressure_only: bool = False
    area_ids: list[int] | None = None
    radii_before: tuple[float, float] | None = None  # the patrols' radii before the new rows
    sole_voices: dict[int, dict] | None = None  # read again unless the snapshot is the entry's


_entries: OrderedDict[tuple, _Entry] = OrderedDict()
STATS: Counter = Counter()  # refreshes by path: "hit", "incremental", "full" (for tests and the benchmark)
_entries_lock = threading.Lock()
WARMING_RETRY_S = 2


def _entry(engine: Engine, params: GapParams) -> _Entry:
    key = (engine.url.render_as_string(hide_password=True), params)
    with _entries_lock:
        e = _entries.pop(key, None) or _Entry()
        _entries[key] = e
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
        return e


def clear() -> None:
    """Forget every cached result (the next call recomputes).

    Returns
    -------
    None
    """
    with _entries_lock:
        _entries.clear()


def cached_gaps(
    session: Session, params: GapParams | None = None, *, bbox=None, admin_area: int | None = None
) -> GapResult:
    """Same result as :func:`gaps_from_db` (the committed data now), from the
    cache when nothing relevant changed, updated locally after inserts.

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
    if area_ids is not None:
        table = within(table, area_ids)
    # A reason beside the ranking, not scored (docs/politics.md#sole-voice), read in the same snapshot.
    return GapResult(with_sole_voice(table, voices), params, now, considered, radii)


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
    """Bring ``entry`` up to date: read in one REPEATABLE READ transaction,
    release its connection, compute. Returns the ids of the communities
    inside ``area`` in the same snapshot (None without an area)."""
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            s = Session(bind=conn)
            read = _read(s, params, entry, area)
            s.close()
            conn.rollback()
        _compute(read, params, entry, now)
    except BaseException:
        entry.snapshot = entry.table = None
        raise
    return read.area_ids


def _read(s: Session, params: GapParams, entry: _Entry, area) -> _Read:
    snap = current_snapshot(s)  # first statement: the transaction's snapshot
    long_statements(s.connection())
    changes = [] if entry.snapshot is None else committed_changes(s, entry.snapshot)
    new_ids: dict[str, list[int]] = {}
    full = entry.table is None
    for table_name, op, row_ids in changes:
        if table_name in TRAVEL_ONLY and params.remoteness == "distance":
            continue  # roads, rivers and crossings change travel times only
        if op != "INSERT" or table_name not in INCREMENTAL:
            full = True
            break
        new_ids.setdefault(table_name, []).extend(row_ids)
    if not full and sum(map(len, new_ids.values())) > MAX_INCREMENTAL_ROWS:
        full = True
    read = _Read(snap, "full" if full else "incremental" if new_ids else "hit", new_ids=new_ids)
    if full:
        read.inputs, _ = load_inputs(s, params)
    elif new_ids:
        _read_increment(s, params, entry, read)
    if area is not None:
        read.area_ids = communities_inside(s, area)
    if snap != entry.snapshot:  # the interlocutors are not in the change log: read them in each new snapshot
        read.sole_voices = sole_voices(s, params.as_of, sole_voice_run())
    return read


def _compute(read: _Read, params: GapParams, entry: _Entry, now: datetime) -> None:
    STATS[read.path] += 1
    if read.path == "full":
        if read.inputs is None:
            raise RuntimeError("a full refresh reads every input")
        result = compute_gaps(read.inputs, params, computed_at=now)
        entry.table, entry.considered, entry.patrol_radii = result.table, result.considered, result.patrol_radii
        entry.max_coverage_m = _max_coverage(read.inputs.patrols["coverage_m"])
    elif read.path == "incremental":
        entry.table, entry.considered = _apply(params, entry, read, now)
    if read.sole_voices is not None:
        entry.sole_voices = read.sole_voices
    entry.snapshot = read.snapshot


def _max_coverage(values: pd.Series) -> float:
    v = pd.to_numeric(values, errors="coerce").to_numpy(float)
    return float(np.nanmax(v)) if np.isfinite(v).any() else 0.0


def _boxes(s: Session, params: GapParams, new_ids: dict[str, list[int]]) -> list:
    """Lon/lat boxes holding every community a new row can change."""
    radius = {
        "incidents": params.incident_radius_m,
        "engagements": params.engagement_radius_m,
        "qips": params.qip_radius_m,
    }
    boxes = []
    for name, ids in new_ids.items():
        model = INCREMENTAL[name]
        reach = func.coalesce(Patrol.coverage_m, params.patrol_radius_m) if name == "patrols" else literal(radius[name])
        rows = s.execute(
            select(
                func.ST_XMin(model.geom),
                func.ST_YMin(model.geom),
                func.ST_XMax(model.geom),
                func.ST_YMax(model.geom),
                reach,
            ).where(model.id.in_(ids))
        ).all()
        boxes += [shapely.box(*grown_bounds(x0, y0, x1, y1, float(m))) for x0, y0, x1, y1, m in rows]
    if "engagements" in new_ids:  # a linked community may be far from the engagement
        linked = select(Engagement.community_id).where(Engagement.id.in_(new_ids["engagements"]))
        places = s.execute(
            select(func.ST_X(Community.geom), func.ST_Y(Community.geom)).where(Community.id.in_(linked))
        ).all()
        boxes += [shapely.box(*grown_bounds(x, y, x, y, 1.0)) for x, y in places]
    return boxes


def _read_increment(s: Session, params: GapParams, entry: _Entry, read: _Read) -> None:
    """The inputs of the area the new rows can change (none when they change nothing)."""
    boxes = _boxes(s, params, read.new_ids)
    if not boxes:
        return
    patrols = read.new_ids.get("patrols", [])
    read.radii_before = entry.patrol_radii
    if patrols:
        new = s.execute(select(Patrol.coverage_m).where(Patrol.id.in_(patrols))).scalars().all()
        entry.max_coverage_m = max(entry.max_coverage_m, _max_coverage(pd.Series(new, dtype=float)))
        entry.patrol_radii = _with_new_radii(s, params, entry.patrol_radii, patrols)
    read.pressure_only = set(read.new_ids) == {"incidents"}  # new incidents change nothing but pressure
    read.inputs, read.only = load_inputs(
        s,
        params,
        shapely.union_all(boxes),
        max_coverage_m=entry.max_coverage_m,
        tables={"communities", "incidents"} if read.pressure_only else None,
    )


def _apply(params: GapParams, entry: _Entry, read: _Read, now: datetime) -> tuple[pd.DataFrame, dict]:
    """The cached table with the communities near the new rows recomputed."""
    old = entry.current()
    if read.inputs is None:
        return old, entry.considered
    inputs = read.inputs
    considered = dict(entry.considered)
    for name, ids in read.new_ids.items():
        considered[name] += int(getattr(inputs, name)["id"].isin(ids).sum())
    considered["incidents_in_window"] += considered["incidents"] - entry.considered["incidents"]
    requote = entry.patrol_radii != read.radii_before  # every never-engaged row quotes the patrols' radii
    if not read.only:
        return (explain(old.copy(), params, entry.patrol_radii) if requote else old), considered
    part = compute_gaps(inputs, params, computed_at=now, only=read.only).table
    if read.pressure_only:
        kept = old[old["community_id"].isin(part["community_id"])].set_index("community_id")
        new = part.set_index("community_id").loc[kept.index]
        for col in PRESSURE_COLUMNS:
            kept[col] = new[col]
        part = kept.reset_index()
    part = explain(part, params, entry.patrol_radii)  # the radii of every patrol, not only those read here
    merged = pd.concat([old[~old["community_id"].isin(part["community_id"])], part], ignore_index=True)
    for col in merged.columns[merged.dtypes == np.dtype(object)]:  # infer as the core's DataFrame did (str vs all-None)
        merged[col] = pd.Series(merged[col].to_numpy(), index=merged.index)
    return rank_table(explain(merged, params, entry.patrol_radii) if requote else merged), considered


def _with_new_radii(s: Session, params: GapParams, radii: tuple[float, float] | None, patrol_ids: list[int]):
    """The coverage radii of the patrols counted, with those of the new patrols that end by ``as_of``."""
    new = s.execute(
        select(func.coalesce(Patrol.coverage_m, params.patrol_radius_m)).where(
            Patrol.id.in_(patrol_ids), Patrol.ended_at < after_as_of(params)
        )
    ).scalars()
    return radius_range(np.array([*(radii or ()), *new], dtype=float))
