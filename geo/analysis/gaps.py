"""Engagement gaps (DESIGN §5.1–§5.4): one pass over plain arrays.

All distances are geodesic metres on WGS84 (see :mod:`geo.analysis.metric`);
all dates are UTC calendar days, and nothing dated after ``as_of`` counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np
import pandas as pd

from geo.analysis.inputs import GapInputs
from geo.analysis.metric import Points, nearest, pairs_within
from geo.analysis.params import GapParams
from geo.analysis.reasons import reasons_for
from geo.analysis.tracks import last_patrol

NS_PER_DAY = 86_400 * 10**9
NONE = np.iinfo(np.int64).min
KINDS = ("patrol", "engagement", "qip")  # on equal timestamps the first kind wins
ACTIVE_QIP = ("in_progress", "completed")

RESULT_COLUMNS = (
    "community_id",
    "name",
    "lon",
    "lat",
    "population",
    "last_engagement_at",
    "last_engagement_kind",
    "last_engagement_id",
    "days_since_engagement",
    "incidents_window",
    "fatalities_window",
    "pressure",
    "pressure_norm",
    "staleness",
    "population_factor",
    "distance_to_site_m",
    "nearest_site_id",
    "remoteness_factor",
    "gap_score",
    "under_engaged",
    "rank",
    "reasons",
)


@dataclass
class GapResult:
    """Ranked communities (one row each, columns ``RESULT_COLUMNS``), the
    parameters used, when it was computed and how many input rows counted."""

    table: pd.DataFrame
    params: GapParams
    computed_at: datetime
    considered: dict[str, int] = field(default_factory=dict)


def _ns(values) -> np.ndarray:
    """Timestamps/dates (naive = UTC) → int64 ns since the epoch; missing → NONE."""
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    if not pd.api.types.is_datetime64_any_dtype(s.dtype):
        s = pd.to_datetime(s, utc=True) if len(s) else pd.Series([], dtype="datetime64[ns]")
    if getattr(s.dt, "tz", None) is not None:
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    return s.to_numpy("datetime64[ns]").astype(np.int64)  # NaT is int64 min = NONE


def _days(ns: np.ndarray) -> np.ndarray:
    """int64 ns → whole UTC day numbers (NONE stays NONE)."""
    return np.where(ns == NONE, NONE, np.floor_divide(ns, NS_PER_DAY))


def _latest(n: int, rows: np.ndarray, ts: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row 0..n-1: the largest ``ts`` among its pairs (ties: largest id) and that id."""
    best_ts, best_id = np.full(n, NONE), np.full(n, -1, np.int64)
    if len(rows):
        order = np.lexsort((ids, ts, rows))
        last = np.r_[rows[order][1:] != rows[order][:-1], True]
        pick = order[last]
        best_ts[rows[pick]], best_id[rows[pick]] = ts[pick], ids[pick]
    return best_ts, best_id


def _last_engagement(c: Points, inp: GapInputs, p: GapParams, cutoff: int, ids: np.ndarray):
    n = len(c)
    # Patrols: most recent ended_at among tracks passing within their radius.
    pt = inp.patrols
    ended = _ns(pt["ended_at"])
    ok = (ended != NONE) & (ended < cutoff)
    radius = pd.to_numeric(pt["coverage_m"], errors="coerce").to_numpy(float)[ok]
    radius = np.where(np.isnan(radius), p.patrol_radius_m, radius)
    hit = last_patrol(c, pt["geometry"].to_numpy()[ok], ended[ok], radius, pt["id"].to_numpy(np.int64)[ok])
    p_ts = np.where(hit >= 0, ended[ok][hit], NONE) if ok.any() else np.full(n, NONE)
    p_id = np.where(hit >= 0, pt["id"].to_numpy()[ok][np.maximum(hit, 0)], -1) if ok.any() else np.full(n, -1)

    # Engagements: linked to the community, or within the radius.
    en = inp.engagements
    e_ts_all = _ns(en["occurred_at"])
    ok = (e_ts_all != NONE) & (e_ts_all < cutoff)
    e = en[ok]
    e_ts, e_ids = e_ts_all[ok], e["id"].to_numpy(np.int64)
    ri, rj = pairs_within(c, Points(e["lon"], e["lat"]), p.engagement_radius_m)
    linked = pd.to_numeric(e["community_id"], errors="coerce").to_numpy(float)
    pos = np.searchsorted(ids, linked)
    pos_ok = ~np.isnan(linked) & (pos < n)
    pos_ok[pos_ok] &= ids[pos[pos_ok]] == linked[pos_ok]
    lj = np.flatnonzero(pos_ok)
    rows = np.concatenate([ri, pos[lj]])
    cols = np.concatenate([rj, lj])
    en_ts, en_id = _latest(n, rows, e_ts[cols], e_ids[cols])

    # QIPs in progress or completed: latest of start/end not after as_of.
    q = inp.qips
    start, end = _days(_ns(q["start_on"])), _days(_ns(q["end_on"]))
    as_of = cutoff // NS_PER_DAY - 1
    start = np.where(start <= as_of, start, NONE)
    end = np.where(end <= as_of, end, NONE)
    q_day = np.maximum(start, end)
    ok = q["status"].isin(ACTIVE_QIP).to_numpy() & (q_day != NONE)
    qi, qj = pairs_within(c, Points(q["lon"].to_numpy()[ok], q["lat"].to_numpy()[ok]), p.qip_radius_m)
    q_ts, q_id = _latest(n, qi, q_day[ok][qj] * NS_PER_DAY, q["id"].to_numpy(np.int64)[ok][qj])

    ts = np.column_stack([p_ts, en_ts, q_ts])
    which = np.argmax(ts, axis=1)
    r = np.arange(n)
    best_ts = ts[r, which]
    best_id = np.column_stack([p_id, en_id, q_id])[r, which]
    return best_ts, which, best_id


def _pressure(c: Points, inp: GapInputs, p: GapParams, as_of_day: int):
    n = len(c)
    inc = inp.incidents
    day = _days(_ns(inc["occurred_on"]))
    ok = (day != NONE) & (day <= as_of_day) & (day > as_of_day - p.window_days)
    i = inc[ok]
    ci, ij = pairs_within(c, Points(i["lon"], i["lat"]), p.incident_radius_m)
    fat = i["fatalities"].to_numpy(float)
    age = (as_of_day - day[ok]).astype(float)
    weight = (1 + fat) * np.exp(-age / p.half_life_days * np.log(2))
    if not p.include_region_precision:
        weight = np.where(i["geo_precision"].to_numpy() == 3, 0.0, weight)
    count = np.bincount(ci, minlength=n).astype(np.int64)
    deaths = np.rint(np.bincount(ci, weights=fat[ij], minlength=n)).astype(np.int64)
    pressure = np.bincount(ci, weights=weight[ij], minlength=n)
    return count, deaths, pressure, int(ok.sum())


def compute_gaps(inputs: GapInputs, params: GapParams | None = None, *, only=None) -> GapResult:
    """Rank communities by engagement gap (DESIGN §5.4).

    ``only`` (community ids) restricts the ranked set; every incident, patrol,
    engagement, QIP and site still counts, and ``pressure_norm`` is relative
    to the largest pressure in the ranked set.
    """
    p = params or GapParams()
    computed_at = datetime.now(timezone.utc)
    com = inputs.communities.sort_values("id", kind="stable")
    if only is not None:
        com = com[com["id"].isin(np.asarray(list(only)))]
    ids = com["id"].to_numpy(np.int64)
    n = len(ids)
    c = Points(com["lon"], com["lat"])
    as_of_day = int(np.datetime64(p.as_of, "D").astype(np.int64))
    cutoff = (as_of_day + 1) * NS_PER_DAY

    best_ts, which, best_id = _last_engagement(c, inputs, p, cutoff, ids)
    engaged = best_ts != NONE
    days = np.where(engaged, as_of_day - _days(best_ts), -1)
    count, deaths, pressure, n_inc = _pressure(c, inputs, p, as_of_day)

    st = inputs.sites
    sf, stt = _days(_ns(st["active_from"])), _days(_ns(st["active_to"]))
    active = ((sf == NONE) | (sf <= as_of_day)) & ((stt == NONE) | (stt >= as_of_day))
    site_ids = st["id"].to_numpy(np.int64)[active]
    s_idx, s_dist = nearest(c, Points(st["lon"].to_numpy()[active], st["lat"].to_numpy()[active]), site_ids)

    staleness = np.where(engaged, np.minimum(days, p.cap_days) / p.cap_days, 1.0)
    pop = pd.to_numeric(com["population"], errors="coerce").to_numpy(float)
    pop_factor = 1 + np.log10(1 + np.nan_to_num(pop, nan=0.0))
    remote = 1 + np.nan_to_num(s_dist, nan=0.0) / 50_000
    under = ((~engaged) | (days >= p.min_days)) & (pressure > 0)

    last_at = pd.to_datetime(np.where(engaged, best_ts, 0), utc=True)
    t = pd.DataFrame(
        {
            "community_id": ids,
            "name": com["name"].to_numpy(),
            "lon": c.lon,
            "lat": c.lat,
            "population": pd.array(np.where(np.isnan(pop), np.nan, pop), dtype="Int64")
            if n
            else pd.array([], dtype="Int64"),
            "last_engagement_at": pd.Series(last_at, dtype="datetime64[ns, UTC]").where(engaged).array,
            "last_engagement_kind": np.where(engaged, np.array(KINDS, dtype=object)[which], None),
            "last_engagement_id": pd.array(np.where(engaged, best_id, 0), dtype="Int64"),
            "days_since_engagement": pd.array(days, dtype="Int64"),
            "incidents_window": count,
            "fatalities_window": deaths,
            "pressure": pressure,
            "pressure_norm": 0.0,
            "staleness": staleness,
            "population_factor": pop_factor,
            "distance_to_site_m": s_dist,
            "nearest_site_id": pd.array(
                np.where(s_idx >= 0, site_ids[np.maximum(s_idx, 0)] if len(site_ids) else 0, 0), dtype="Int64"
            ),
            "remoteness_factor": remote,
            "gap_score": 0.0,
            "under_engaged": under,
        }
    )
    for col in ("last_engagement_id", "days_since_engagement"):
        t.loc[~engaged, col] = pd.NA
    t.loc[s_idx < 0, "nearest_site_id"] = pd.NA
    t["rank"] = 0
    explain(t, p)
    considered = inputs.counts()
    considered["incidents_in_window"] = n_inc
    return GapResult(rank_table(t), p, computed_at, considered)


def explain(t: pd.DataFrame, p: GapParams) -> pd.DataFrame:
    """Set ``under_engaged`` and ``reasons`` (in place) from each row's own
    columns: valid for any rows whose engagement and pressure columns are final."""
    days = t["days_since_engagement"]
    t["under_engaged"] = (days.isna() | (days >= p.min_days)).to_numpy(bool) & (t["pressure"].to_numpy(float) > 0)
    t["reasons"] = reasons_for(t, p)
    return t


def rank_table(t: pd.DataFrame) -> pd.DataFrame:
    """Normalise pressure over the rows given, score and rank them (DESIGN §5.4).
    Every other column is per community, so any subset of a result can be
    re-ranked on its own (an area filter, or a cached result with updated rows)."""
    t = t.copy()
    pressure = t["pressure"].to_numpy(float)
    pmax = pressure.max() if len(t) else 0.0
    t["pressure_norm"] = pressure / pmax if pmax > 0 else np.zeros(len(t))
    t["gap_score"] = (
        t["pressure_norm"].to_numpy()
        * t["staleness"].to_numpy(float)
        * t["population_factor"].to_numpy(float)
        * t["remoteness_factor"].to_numpy(float)
    )
    t = t.sort_values(["gap_score", "community_id"], ascending=[False, True], kind="stable").reset_index(drop=True)
    t["rank"] = np.arange(1, len(t) + 1)
    return t[list(RESULT_COLUMNS)]
