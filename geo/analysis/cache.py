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
- anything else (updates, deletes, sites, communities) → full recompute.

All reads of one refresh happen in one REPEATABLE READ transaction, whose
snapshot is the one recorded, so a write committed meanwhile is replayed on
the next request (recomputing a community is idempotent). A session with its
own uncommitted writes bypasses the cache. An area filter (bbox / admin area)
is a re-ranked subset of the cached table: every other column is per
community. ``considered`` counts rows of the whole database, not of the area.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import shapely
from geoalchemy2.shape import from_shape
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from geo.analysis.gaps import GapResult, compute_gaps, explain, rank_table
from geo.analysis.load import area_filter, gaps_from_db, grown_bounds, load_inputs
from geo.analysis.params import GapParams
from geo.models import SRID, Community, Engagement, Incident, Patrol, Qip
from geo.politics.sole_voice import with_sole_voice

MAX_ENTRIES = 8  # parameter sets kept (LRU)
MAX_INCREMENTAL_ROWS = 2_000  # more new rows than this: a full run is cheaper
PRESSURE_COLUMNS = ("incidents_window", "fatalities_window", "pressure")
INCREMENTAL = {"patrols": Patrol, "incidents": Incident, "engagements": Engagement, "qips": Qip}

_CHANGES = text(
    "SELECT table_name, op, row_ids FROM analysis_changes"
    " WHERE txid >= pg_snapshot_xmin(CAST(:snap AS pg_snapshot))::text::bigint"
    " AND NOT pg_visible_in_snapshot(txid::text::xid8, CAST(:snap AS pg_snapshot))"
)


@dataclass
class _Entry:
    lock: threading.Lock = field(default_factory=threading.Lock)
    snapshot: str | None = None
    table: pd.DataFrame | None = None
    considered: dict = field(default_factory=dict)
    max_coverage_m: float = 0.0  # of the patrols counted: how far to look for tracks in a local update


_entries: OrderedDict[tuple, _Entry] = OrderedDict()
STATS: Counter = Counter()  # refreshes by path: "hit", "incremental", "full" (for tests and the benchmark)
_entries_lock = threading.Lock()


def _entry(key: tuple) -> _Entry:
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
        A session with uncommitted writes of its own bypasses the cache.
    params : GapParams, optional
        Default: every default, ``as_of`` today.
    bbox : tuple of 4 float, optional
        Rank only the communities inside (lon/lat).
    admin_area : int, optional
        Rank only the communities inside this admin area (not with ``bbox``).

    Returns
    -------
    GapResult
    """
    params = params or GapParams()
    now = datetime.now(timezone.utc)
    area = area_filter(session, bbox=bbox, admin_area=admin_area)  # validates first
    if session.scalar(select(func.pg_current_xact_id_if_assigned())) is not None:
        return gaps_from_db(session, params, computed_at=now, bbox=bbox, admin_area=admin_area)
    engine = session.get_bind().engine
    entry_key = engine.url.render_as_string(hide_password=True)
    entry = _entry((entry_key, params))
    with entry.lock, engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        ro = Session(bind=conn)
        try:
            _refresh(ro, params, entry, now)
        except BaseException:
            entry.snapshot = entry.table = None
            raise
        table = entry.table.copy(deep=False)  # copy-on-write: a caller's edits never reach the cache
        if area is not None:
            ids = ro.scalars(
                select(Community.id).where(func.ST_Intersects(Community.geom, from_shape(area, srid=SRID)))
            )
            table = rank_table(table[table["community_id"].isin(np.fromiter(ids, np.int64))])
        # A reason beside the ranking (docs/politics.md#sole-voice), for the same snapshot.
        table = with_sole_voice(ro, table, params.as_of, key=(entry_key, entry.snapshot))
        considered = dict(entry.considered)
        ro.close()
        conn.rollback()
    return GapResult(table, params, now, considered)


def _refresh(s: Session, params: GapParams, entry: _Entry, now: datetime) -> None:
    snap = s.scalar(text("SELECT pg_current_snapshot()::text"))  # first statement: the transaction's snapshot
    changes = [] if entry.snapshot is None else s.execute(_CHANGES, {"snap": entry.snapshot}).all()
    new_ids: dict[str, list[int]] = {}
    full = entry.table is None
    for table_name, op, row_ids in changes:
        if op != "INSERT" or table_name not in INCREMENTAL:
            full = True
            break
        new_ids.setdefault(table_name, []).extend(row_ids)
    if not full and sum(map(len, new_ids.values())) > MAX_INCREMENTAL_ROWS:
        full = True
    STATS["full" if full else "incremental" if new_ids else "hit"] += 1
    if full:
        inputs, _ = load_inputs(s, params)
        result = compute_gaps(inputs, params, computed_at=now)
        entry.table, entry.considered = result.table, result.considered
        entry.max_coverage_m = _max_coverage(inputs.patrols["coverage_m"])
    elif new_ids:
        entry.table, entry.considered = _apply(s, params, entry, new_ids, now)
    entry.snapshot = snap


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
        reach = func.coalesce(model.coverage_m, params.patrol_radius_m) if name == "patrols" else radius[name]
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
        rows = s.execute(
            select(func.ST_X(Community.geom), func.ST_Y(Community.geom)).where(Community.id.in_(linked))
        ).all()
        boxes += [shapely.box(*grown_bounds(x, y, x, y, 1.0)) for x, y in rows]
    return boxes


def _apply(s: Session, params: GapParams, entry: _Entry, new_ids: dict[str, list[int]], now: datetime):
    """The cached table with the communities near the new rows recomputed."""
    boxes = _boxes(s, params, new_ids)
    if not boxes:
        return entry.table, entry.considered
    patrols = new_ids.get("patrols", [])
    if patrols:
        new = s.execute(select(Patrol.coverage_m).where(Patrol.id.in_(patrols))).scalars().all()
        entry.max_coverage_m = max(entry.max_coverage_m, _max_coverage(pd.Series(new, dtype=float)))
    pressure_only = set(new_ids) == {"incidents"}  # new incidents change nothing but pressure
    inputs, only = load_inputs(
        s,
        params,
        shapely.union_all(boxes),
        max_coverage_m=entry.max_coverage_m,
        tables={"communities", "incidents"} if pressure_only else None,
    )
    considered = dict(entry.considered)
    for name, ids in new_ids.items():
        considered[name] += int(getattr(inputs, name)["id"].isin(ids).sum())
    considered["incidents_in_window"] += considered["incidents"] - entry.considered["incidents"]
    if not only:
        return entry.table, considered
    part = compute_gaps(inputs, params, computed_at=now, only=only).table
    old = entry.table
    if pressure_only:
        kept = old[old["community_id"].isin(part["community_id"])].set_index("community_id")
        new = part.set_index("community_id").loc[kept.index]
        for col in PRESSURE_COLUMNS:
            kept[col] = new[col]
        part = explain(kept.reset_index(), params)
    merged = pd.concat([old[~old["community_id"].isin(part["community_id"])], part], ignore_index=True)
    for col in merged.columns[merged.dtypes == object]:  # infer as the core's DataFrame did (str vs all-None)
        merged[col] = pd.Series(merged[col].to_numpy(), index=merged.index)
    return rank_table(merged), considered
