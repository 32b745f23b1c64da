"""Reference distances for the tests, written independently of
geo/analysis: only ``pyproj.Geod`` (Karney's geodesics) and plain loops of
arithmetic — no chords, no 3-D coordinates, no projections.

The distance from a point to a geodesic segment is found by golden-section
search along the segment (``Geod.fwd`` from its start), which converges to
the minimum because the distance is convex along a geodesic as long as it is
far below a quarter meridian (~10 000 km); a segment is skipped when the
triangle inequality already proves it farther than needed."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import shapely
from pyproj import Geod

GEOD = Geod(ellps="WGS84")
INV_PHI = (np.sqrt(5) - 1) / 2
STEPS = 80  # 0.618^80 of 20 000 km is below 1e-9 m


def dist(lon1, lat1, lon2, lat2) -> np.ndarray:
    lon1, lat1, lon2, lat2 = np.broadcast_arrays(*(np.asarray(v, float) for v in (lon1, lat1, lon2, lat2)))
    if lon1.size == 0:
        return np.zeros(lon1.shape)
    return np.asarray(GEOD.inv(lon1.ravel(), lat1.ravel(), lon2.ravel(), lat2.ravel())[2]).reshape(lon1.shape)


def segment_distance(p_lon, p_lat, a_lon, a_lat, b_lon, b_lat, upto: float = np.inf) -> np.ndarray:
    """Geodesic distance from points P to geodesic segments A–B (row-wise).
    Rows provably farther than ``upto`` get a lower bound above it instead."""
    p_lon, p_lat, a_lon, a_lat, b_lon, b_lat = np.broadcast_arrays(
        *(np.atleast_1d(np.asarray(v, float)) for v in (p_lon, p_lat, a_lon, a_lat, b_lon, b_lat))
    )
    az, _, length = (np.atleast_1d(v) for v in GEOD.inv(a_lon, a_lat, b_lon, b_lat))
    da, db = dist(p_lon, p_lat, a_lon, a_lat), dist(p_lon, p_lat, b_lon, b_lat)
    out = np.minimum(da, db)
    # d(P, Q) ≥ (d(P, A) + d(P, B) − L) / 2 for every Q on the segment.
    bound = (da + db - length) / 2
    todo = np.flatnonzero((bound <= upto) & (length > 0))
    out[bound > upto] = np.maximum(out[bound > upto], bound[bound > upto])
    if len(todo) == 0:
        return out
    lo, hi = np.zeros(len(todo)), length[todo].copy()

    def f(u):
        lon, lat, _ = GEOD.fwd(a_lon[todo], a_lat[todo], az[todo], u)
        return dist(p_lon[todo], p_lat[todo], lon, lat)

    x1, x2 = hi - INV_PHI * (hi - lo), lo + INV_PHI * (hi - lo)  # lo < x1 < x2 < hi
    f1, f2 = f(x1), f(x2)
    for _ in range(STEPS):
        if (hi - lo).max() < 1e-7:
            break
        left = f1 < f2  # then the minimum lies in [lo, x2], else in [x1, hi]
        lo, hi = np.where(left, lo, x1), np.where(left, x2, hi)
        probe = np.where(left, hi - INV_PHI * (hi - lo), lo + INV_PHI * (hi - lo))
        fp = f(probe)
        x1, x2 = np.where(left, probe, x2), np.where(left, x1, probe)
        f1, f2 = np.where(left, fp, f2), np.where(left, f1, fp)
    out[todo] = np.minimum(out[todo], np.minimum(f1, f2))
    return out


def track_segments(geom) -> np.ndarray:
    """(n, 4) lon/lat of each segment's ends; a lone vertex is a zero-length segment."""
    rows = []
    for part in shapely.get_parts(geom):
        xy = np.asarray(part.coords) if not part.is_empty else np.zeros((0, 2))
        if len(xy) == 1:
            rows.append(np.r_[xy[0], xy[0]])
        rows.extend(np.r_[a, b] for a, b in pairwise(xy))
    return np.array(rows).reshape(-1, 4)


def track_distance(p_lon, p_lat, geom, upto: float = np.inf) -> np.ndarray:
    """Geodesic distance from points to a track (segments are geodesics);
    points provably farther than ``upto`` get some value above it."""
    p_lon, p_lat = np.atleast_1d(np.asarray(p_lon, float)), np.atleast_1d(np.asarray(p_lat, float))
    seg = track_segments(geom)
    if len(seg) == 0:
        return np.full(len(p_lon), np.inf)
    i, j = np.repeat(np.arange(len(p_lon)), len(seg)), np.tile(np.arange(len(seg)), len(p_lon))
    d = segment_distance(p_lon[i], p_lat[i], seg[j, 0], seg[j, 1], seg[j, 2], seg[j, 3], upto)
    return d.reshape(len(p_lon), len(seg)).min(axis=1)
