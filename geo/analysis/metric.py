"""Distances for the analysis: geodesic metres on the WGS84 ellipsoid, exact
for every valid coordinate (the poles and the antimeridian included).

Every "within r metres" decision is the geodesic one (Karney's algorithm,
``pyproj.Geod``): within means distance ≤ r + ``TOL_M``, so a point placed
exactly at the radius counts despite float rounding. To find candidates
fast, points are mapped to 3-D Earth-centred coordinates (ECEF, on the
ellipsoid) and searched with a k-d tree. Why this is exact everywhere:

- the straight chord between two points is never longer than the geodesic,
  so ``chord ≤ R`` keeps every pair within ``R``: a conservative filter with
  no scale factor, no singular pole and no seam at ±180°, searched with each
  row's own radius (one far-north record slows nobody else);
- the geodesic exceeds its chord by at most ``chord_gap(s) = κ² s³ / 24``
  (Schur's comparison theorem: a curve whose curvature is at most ``κ`` is
  no straighter than a circle of curvature ``κ``; a geodesic's curvature in
  space is the surface's normal curvature, at most ``KAPPA = a / b²``, the
  meridian curvature at the equator). For R = 100 km that is 1.04 m, for
  10 km 1 mm. So a pair with ``chord ≤ R − chord_gap(R)`` is surely within
  and only pairs in that thin band are measured geodesically.

Float rounding of the 3-D coordinates (≈ 1e-9 m) is covered by ``EPS_M``.
"""

from __future__ import annotations

import numpy as np
from pyproj import Geod
from scipy.spatial import cKDTree

A = 6378137.0  # WGS84 semi-major axis
F = 1 / 298.257223563
E2 = F * (2 - F)
B = A * (1 - F)
KAPPA = A / B**2  # the largest normal curvature of the ellipsoid (1/m): 1/M at the equator
GEOD = Geod(ellps="WGS84")
TOL_M = 0.001  # a point placed exactly at the radius (to float precision) is within it
EPS_M = 1e-6  # margin for float rounding in 3-D coordinates and chord lengths (errors ≈ 1e-9 m)
MAX_RADIUS_M = 100_000.0
NEAREST_K = 2  # first guesses for the nearest point (more are measured only when they could be nearer)


def ecef(lon, lat) -> np.ndarray:
    """Earth-centred, Earth-fixed coordinates (metres) of points on the WGS84
    ellipsoid (height 0), shape (n, 3). Closed form; valid at the poles and
    for any longitude."""
    lam = np.radians(np.asarray(lon, dtype=float))
    phi = np.radians(np.asarray(lat, dtype=float))
    s, c = np.sin(phi), np.cos(phi)
    n = A / np.sqrt(1 - E2 * s * s)
    return np.column_stack([n * c * np.cos(lam), n * c * np.sin(lam), n * (1 - E2) * s]).reshape(-1, 3)


def chord_gap(s) -> np.ndarray:
    """Upper bound (metres) of geodesic length minus chord length for geodesics
    no longer than ``s`` metres (see the module docstring)."""
    return KAPPA**2 * np.asarray(s, dtype=float) ** 3 / 24


def geodesic(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Geodesic distance in metres on WGS84 (vectorised)."""
    if np.size(lon1) == 0:
        return np.zeros(0)
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


def along_geodesics(a: np.ndarray, b: np.ndarray, max_len: float):
    """Points cutting each geodesic a[i]–b[i] (lon/lat rows) into equal pieces
    no longer than ``max_len`` metres, ends included (exactly the given
    vertices), segment after segment.

    Parameters
    ----------
    a, b : numpy.ndarray
        Segment ends, shape (n, 2), lon/lat degrees.
    max_len : float
        The longest piece, metres.

    Returns
    -------
    tuple
        ``points`` (m, 2) lon/lat; ``segment`` (m,) the segment of each
        point; ``step`` (m,) its position 0…pieces; ``pieces`` (n,) per
        segment; ``length`` (n,) each segment's geodesic length in metres.
    """
    az, _, length = GEOD.inv(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
    az, length = np.atleast_1d(az), np.atleast_1d(length)
    pieces = np.maximum(np.ceil(length / max_len), 1).astype(np.int64)
    segment = np.repeat(np.arange(len(a)), pieces + 1)
    step = np.arange(len(segment)) - np.repeat(np.cumsum(pieces + 1) - (pieces + 1), pieces + 1)
    lon, lat, _ = GEOD.fwd(a[segment, 0], a[segment, 1], az[segment], length[segment] * step / pieces[segment])
    points = np.column_stack([lon, lat])
    points[step == 0] = a
    points[step == pieces[segment]] = b
    return points, segment, step, pieces, length


class Points:
    """A point set prepared for radius searches: lon/lat, ECEF x/y/z, a k-d tree."""

    def __init__(self, lon, lat):
        self.lon = np.asarray(lon, dtype=float).ravel()
        self.lat = np.asarray(lat, dtype=float).ravel()
        self.xyz = ecef(self.lon, self.lat)
        self._tree: cKDTree | None = None

    def __len__(self) -> int:
        return len(self.lon)

    @property
    def tree(self) -> cKDTree:
        if self._tree is None:
            self._tree = cKDTree(self.xyz)
        return self._tree

    def subset(self, idx) -> Points:
        p = Points.__new__(Points)
        p.lon, p.lat, p.xyz, p._tree = self.lon[idx], self.lat[idx], self.xyz[idx], None
        return p


def candidates(a: Points, b: Points, r_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every index pair (i into ``a``, j into ``b``) that can be within ``r_m``
    metres (chord ≤ r_m + TOL_M), with its chord length. Each row's search is
    bounded by ``r_m`` alone."""
    m = a.tree.sparse_distance_matrix(b.tree, r_m + TOL_M + EPS_M, output_type="ndarray")
    return m["i"].astype(np.int64), m["j"].astype(np.int64), m["v"]


def pairs_within(a: Points, b: Points, r_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i into ``a``, j into ``b``) with geodesic distance ≤ ``r_m`` (+ ``TOL_M``).

    Parameters
    ----------
    a, b : Points
        The two point sets.
    r_m : float
        The radius in metres.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The row indices into ``a`` and ``b`` of every pair within the radius.
    """
    if len(a) == 0 or len(b) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    i, j, chord = candidates(a, b, r_m)
    r = r_m + TOL_M
    keep = chord <= r - chord_gap(r) - EPS_M  # surely within: the geodesic exceeds the chord by less
    band = ~keep
    if band.any():
        bi, bj = i[band], j[band]
        keep[band] = geodesic(a.lon[bi], a.lat[bi], b.lon[bj], b.lat[bj]) <= r
    return i[keep], j[keep]


def arc_bound(chord: np.ndarray) -> np.ndarray:
    """An upper bound of the geodesic between two points from their chord:
    ``(2/κ)·asin(κ·chord/2)`` (Schur: no curve of curvature ≤ κ, a geodesic of
    the ellipsoid included, is longer for its chord), + ``EPS_M``; infinite
    for a chord ≥ 2/κ (nearly antipodal points, where it does not hold).

    Parameters
    ----------
    chord : numpy.ndarray
        Chord lengths (m).

    Returns
    -------
    numpy.ndarray
    """
    half = np.asarray(chord, float) * (KAPPA / 2)
    with np.errstate(invalid="ignore"):
        return np.where(half < 1, (2 / KAPPA) * np.arcsin(np.minimum(half, 1)) + EPS_M, np.inf)


def _best(rows: np.ndarray, cols: np.ndarray, dist: np.ndarray, tie: np.ndarray, n: int):
    """Per row 0..n-1: the column with the smallest distance (ties: smallest ``tie``)."""
    idx, best = np.full(n, -1, np.int64), np.full(n, np.inf)
    order = np.lexsort((tie[cols], dist, rows))
    first = np.r_[True, rows[order][1:] != rows[order][:-1]]
    pick = order[first]
    idx[rows[pick]], best[rows[pick]] = cols[pick], dist[pick]
    return idx, best


def nearest(a: Points, b: Points, ids=None) -> tuple[np.ndarray, np.ndarray]:
    """For each point of ``a``: the geodesically nearest point of ``b`` and the distance.

    Exact: of the ``NEAREST_K`` points with the shortest chords, those whose
    chord does not exceed the geodesic bound of the shortest
    (:func:`arc_bound`) are measured (usually one: the others cannot be as
    near, the chord never exceeding the geodesic); if the k-th chord is not
    longer than the best geodesic found, every point whose chord is (hence
    every point that could be as near) is measured too.

    Parameters
    ----------
    a, b : Points
        Where from, and the candidates.
    ids : array-like, optional
        One per point of ``b``: among equally near points the smallest id
        wins (default: the smallest index).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Index into ``b`` (-1 when ``b`` is empty) and distance in metres (NaN
        when ``b`` is empty), one per point of ``a``.
    """
    n = len(a)
    if n == 0 or len(b) == 0:
        return np.full(n, -1, np.int64), np.full(n, np.nan)
    tie = np.arange(len(b)) if ids is None else np.asarray(ids)
    k = min(NEAREST_K, len(b))
    found = b.tree.query(a.xyz, k=k)
    chord, idx = np.asarray(found[0], float).reshape(n, k), np.asarray(found[1]).reshape(n, k)
    could = (chord <= arc_bound(chord[:, 0])[:, None] + EPS_M).ravel()
    rows = np.repeat(np.arange(n), k)[could]
    cols = idx.ravel().astype(np.int64)[could]
    d = geodesic(a.lon[rows], a.lat[rows], b.lon[cols], b.lat[cols])
    best_idx, best = _best(rows, cols, d, tie, n)
    more = np.flatnonzero(chord[:, -1] <= best + EPS_M) if k < len(b) else np.zeros(0, np.int64)
    if len(more):
        found = b.tree.query_ball_point(a.xyz[more], best[more] + EPS_M, return_sorted=False)
        counts = np.fromiter(map(len, found), np.int64, len(more))
        rows = np.repeat(more, counts)
        cols = np.concatenate([np.asarray(f, np.int64) for f in found])
        d = geodesic(a.lon[rows], a.lat[rows], b.lon[cols], b.lat[cols])
        extra_idx, extra = _best(rows, cols, d, tie, n)
        take = (extra < best) | ((extra == best) & (tie[np.maximum(extra_idx, 0)] < tie[best_idx]))
        best_idx, best = np.where(take, extra_idx, best_idx), np.where(take, extra, best)
    return best_idx, best
