"""Patrol tracks, and "which patrol last passed within its coverage radius of
each community" — exact on the WGS84 ellipsoid, at any latitude and across
the antimeridian.

A track is a (multi-)line whose every segment is the geodesic between its two
vertices (the shortest one; for nearly antipodal vertices the one
``pyproj.Geod.inv`` picks). A track covers a community when some point of
it, not just a vertex, is within the patrol's radius ``R`` (= r + ``TOL_M``):
``min over Q on the track of geodesic(P, Q) ≤ R``.

How it is decided (see :mod:`geo.analysis.metric` for the 3-D search):

- each segment is replaced by its straight 3-D chord, from which its arc
  deviates by at most ``sag = κ ℓ² / 8`` (ℓ the arc length; the
  interpolation-error bound for a curve of curvature ≤ κ): 0.5 m for 5 km,
  7.9 m for ``PIECE_M`` = 20 km; segments longer than ``PIECE_M`` are cut
  along their geodesic (``pyproj.Geod.fwd``) into equal pieces first;
- the 3-D distance D from the community to a chord therefore satisfies
  ``D ≤ d + sag`` (d the geodesic distance to the arc), so ``D > R + sag``
  proves "not within", and ``D ≤ R − chord_gap(R) − sag`` proves "within";
- the pairs in between (a band 2·sag + chord_gap(R) wide) are decided by
  :func:`arc_within`, a geodesic minimisation along the arc. ``PIECE_M``
  only trades pieces against band pairs: the answer never depends on it.

Patrols are visited newest first (ties: larger id) in doubling batches, and
a community leaves the search as soon as a batch covers it. Each batch first
drops the segments whose bounding box, grown by their own reach, holds no
still-open community (a 3-D occupancy grid and its summed-volume table,
eight look-ups per segment), then pairs the rest through k-d trees, each
piece searched with its own reach (in power-of-two classes). So one large
radius, one long segment or one far-north community slows nobody else's
search, and the late, large batches only touch tracks near rarely patrolled
communities.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy.spatial import cKDTree

from geo.analysis.metric import EPS_M, GEOD, KAPPA, TOL_M, Points, along_geodesics, chord_gap, ecef, geodesic

PIECE_M = 20_000.0  # longer segments are cut (measured: 5 km is slower, the band pairs stay a handful)
FIRST_BATCH = 64
MIN_CELL_M = 64.0  # grid cells and reach classes start at this size
SKIP_GRID = 4  # fewer segments than this many per open community: no grid
GRID_CELLS = 128  # per axis, over the open communities' extent
MAX_STEPS = 64  # bisection steps: 20 km halve to below 1e-9 m in 45


@dataclass
class Segments:
    """Geodesic segments (or pieces of them) of tracks: lon/lat of each end
    (``a``, ``b``, shape (n, 2)), their ECEF coordinates, the chord length, an
    upper bound of the arc length, and the patrol index (rank) they belong to."""

    a: np.ndarray
    b: np.ndarray
    xa: np.ndarray
    xb: np.ndarray
    chord: np.ndarray
    length: np.ndarray
    patrol: np.ndarray

    @classmethod
    def of(cls, a, b, xa, xb, patrol, length=None) -> Segments:
        chord = np.linalg.norm(xb - xa, axis=1)
        if length is None:
            # From the chord: ℓ ≤ (2/κ)·asin(κ·chord/2) (Schur). A chord ≥ 2/κ = 12 670 km (nearly
            # antipodal ends; a shortest geodesic longer than π/κ has one) is measured instead.
            half = chord * (KAPPA / 2)
            length = (2 / KAPPA) * np.arcsin(np.minimum(half, 1)) + EPS_M
            far = np.flatnonzero(half >= 1)
            if len(far):
                length[far] = geodesic(a[far, 0], a[far, 1], b[far, 0], b[far, 1]) + EPS_M
        return cls(a, b, xa, xb, chord, np.asarray(length, float), patrol)

    def __len__(self) -> int:
        return len(self.patrol)

    def take(self, mask) -> Segments:
        return Segments(*(getattr(self, f)[mask] for f in FIELDS))

    @staticmethod
    def concat(parts: list[Segments]) -> Segments:
        return Segments(*(np.concatenate([getattr(p, f) for p in parts]) for f in FIELDS))

    def sag(self) -> np.ndarray:
        """Upper bound of the distance between each arc and its chord."""
        return KAPPA * self.length**2 / 8

    def split(self, max_len: float = PIECE_M) -> Segments:
        """Cut segments longer than ``max_len`` along their geodesic into equal pieces."""
        long = self.length > max_len
        if not long.any():
            return self
        src = np.flatnonzero(long)
        pts, seg, step, n, length = along_geodesics(self.a[src], self.b[src], max_len)
        xyz = ecef(pts[:, 0], pts[:, 1])
        i = np.flatnonzero(step < n[seg])
        pieces = Segments.of(
            pts[i], pts[i + 1], xyz[i], xyz[i + 1], self.patrol[src[seg[i]]], (length / n)[seg[i]] + EPS_M
        )
        return Segments.concat([self.take(~long), pieces])


FIELDS = ("a", "b", "xa", "xb", "chord", "length", "patrol")


class Tracks:
    """Tracks as vertices (lon/lat and ECEF) and segments (index pairs into
    them), sorted by patrol index: one segment per pair of consecutive
    vertices of each part; a track with a single vertex becomes a
    zero-length segment at its point."""

    def __init__(self, geoms):
        geoms = np.asarray(geoms, dtype=object)
        parts, owner = shapely.get_parts(geoms, return_index=True)
        coords, line = shapely.get_coordinates(parts, return_index=True)
        start = np.flatnonzero(line[:-1] == line[1:])
        patrol = owner[line[start]]
        has_segment = np.zeros(len(geoms), bool)
        has_segment[patrol] = True
        has_vertex = np.zeros(len(geoms), bool)
        has_vertex[owner[line]] = True
        lone = np.flatnonzero(~has_segment & has_vertex)  # an empty track covers nothing
        end = start + 1
        if len(lone):
            first = np.searchsorted(owner[line], lone)  # coordinates come in geometry order
            start, end = np.concatenate([start, first]), np.concatenate([end, first])
            patrol = np.concatenate([patrol, lone])
            order = np.argsort(patrol, kind="stable")
            start, end, patrol = start[order], end[order], patrol[order]
        self.coords, self.xyz = coords, ecef(coords[:, 0], coords[:, 1])
        self.start, self.end, self.patrol = start, end, patrol.astype(np.int64)

    def segments(self, lo: int, hi: int) -> Segments:
        """The segments of patrols ``lo`` ≤ index < ``hi``."""
        s0, s1 = np.searchsorted(self.patrol, [lo, hi])
        i, j = self.start[s0:s1], self.end[s0:s1]
        return Segments.of(self.coords[i], self.coords[j], self.xyz[i], self.xyz[j], self.patrol[s0:s1])


def _near(points: np.ndarray, segs: Segments, grow: np.ndarray) -> np.ndarray:
    """Which segments may have one of ``points`` within ``grow`` of their chord
    (conservative): does the chord's bounding box, grown by the segment's own
    ``grow``, hold a point? A 3-D occupancy grid of the points (at most
    ``GRID_CELLS`` cells per axis) and its summed-volume table answer with
    eight look-ups per segment."""
    if len(points) == 0 or len(segs) == 0:
        return np.zeros(len(segs), bool)
    if len(segs) <= SKIP_GRID * len(points):  # few segments: the k-d tree alone is cheaper
        return np.ones(len(segs), bool)
    lo = points.min(axis=0)
    cell = max(float((points.max(axis=0) - lo).max()) / GRID_CELLS, MIN_CELL_M)
    ijk = np.floor((points - lo) / cell).astype(np.int64)
    shape = ijk.max(axis=0) + 1
    table = np.zeros(shape + 1, np.int32)  # table[i, j, k] = points in cells < (i, j, k)
    np.add.at(table, tuple((ijk + 1).T), 1)
    for axis in range(3):
        np.cumsum(table, axis=axis, out=table)
    g = grow[:, None]
    box_lo = np.clip(np.floor((np.minimum(segs.xa, segs.xb) - g - lo) / cell).astype(np.int64), 0, shape)
    box_hi = np.clip(np.floor((np.maximum(segs.xa, segs.xb) + g - lo) / cell).astype(np.int64) + 1, 0, shape)
    count = np.zeros(len(segs), np.int64)
    for corner in range(8):  # inclusion–exclusion over the box's corners
        pick = [(box_hi if corner >> axis & 1 else box_lo)[:, axis] for axis in range(3)]
        count += (-1) ** (3 - bin(corner).count("1")) * table[tuple(pick)]
    return count > 0


def _chord_distance(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """3-D distance from points p to segments a–b (row-wise)."""
    d = b - a
    dd = np.einsum("ij,ij->i", d, d)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(dd > 0, np.einsum("ij,ij->i", p - a, d) / dd, 0.0)
    q = a + np.clip(t, 0.0, 1.0)[:, None] * d
    return np.linalg.norm(p - q, axis=1)


def arc_within(p_lon, p_lat, a, b, r: np.ndarray) -> np.ndarray:
    """Whether the geodesic distance from each point P to the geodesic arc a–b
    (lon/lat rows; short arcs, along which the distance is convex) is ≤ ``r``.

    Bisection on the sign of d(distance)/d(arc length) = cos(azimuth of the
    arc − azimuth towards P there), which a convex function has increasing;
    a row is decided as soon as a measured distance is ≤ r (within) or the
    lower bound from the two bracketing tangents exceeds r (not within), at
    the latest when the bracket is below a nanometre."""
    p_lon, p_lat, r = (np.asarray(v, float) for v in (p_lon, p_lat, r))
    az, _, length = GEOD.inv(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
    az, length = np.atleast_1d(az), np.atleast_1d(length)

    def probe(rows, u):
        lon, lat, back = GEOD.fwd(a[rows, 0], a[rows, 1], az[rows], u)
        to_p, _, s = GEOD.inv(lon, lat, p_lon[rows], p_lat[rows])
        return np.atleast_1d(s), np.cos(np.radians(np.atleast_1d(back) - np.atleast_1d(to_p)))

    n = len(r)
    rows = np.arange(n)
    s0, g0 = probe(rows, np.zeros(n))
    s1, g1 = probe(rows, length)
    within = (s0 <= r) | (s1 <= r)
    lo, hi = np.zeros(n), length.copy()
    open_ = ~within & (g0 < 0) & (g1 > 0) & (length > 0)  # otherwise the minimum is at an end
    for _ in range(MAX_STEPS):
        idx = np.flatnonzero(open_)
        if len(idx) == 0:
            break
        # The two tangents at the bracket's ends meet below the minimum.
        with np.errstate(divide="ignore", invalid="ignore"):
            x = (s1[idx] - s0[idx] + g0[idx] * lo[idx] - g1[idx] * hi[idx]) / (g0[idx] - g1[idx])
        bound = s0[idx] + g0[idx] * (x - lo[idx])
        out = bound > r[idx]
        open_[idx[out]] = False
        idx = idx[~out]
        if len(idx) == 0:
            break
        mid = (lo[idx] + hi[idx]) / 2
        s, g = probe(idx, mid)
        hit = s <= r[idx]
        within[idx[hit]] = True
        up = g > 0
        hi[idx[up]], s1[idx[up]], g1[idx[up]] = mid[up], s[up], g[up]
        dn = ~up
        lo[idx[dn]], s0[idx[dn]], g0[idx[dn]] = mid[dn], s[dn], g[dn]
        open_[idx] = ~hit & (hi[idx] - lo[idx] > 1e-9)
    return within


def _reach(segs: Segments, radius: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Chord midpoints, and how far from them a point within ``radius`` of the
    arc can be: radius + sag + half the chord."""
    return (segs.xa + segs.xb) / 2, radius + segs.sag() + segs.chord / 2 + EPS_M


def candidates(points: np.ndarray, segs: Segments, radius: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(point, piece) pairs whose 3-D distance from the piece's chord is at
    most the piece's ``radius`` (R) plus its sag — every pair that can be
    within R — and that distance. Each piece is searched with its own reach
    (grouped in power-of-two classes for the k-d tree)."""
    mid, reach = _reach(segs, radius)
    ci_parts, si_parts = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    if len(segs) and len(points):
        tree = cKDTree(points)
        cls = np.ceil(np.log2(np.maximum(reach, MIN_CELL_M)))
        for c in np.unique(cls):
            pick = np.flatnonzero(cls == c)
            m = tree.sparse_distance_matrix(cKDTree(mid[pick]), float(reach[pick].max()), output_type="ndarray")
            ok = m["v"] <= reach[pick[m["j"]]]
            ci_parts.append(m["i"][ok].astype(np.int64))
            si_parts.append(pick[m["j"][ok]])
    ci, si = np.concatenate(ci_parts), np.concatenate(si_parts)
    d = _chord_distance(points[ci], segs.xa[si], segs.xb[si])
    keep = d <= (radius + segs.sag())[si] + EPS_M
    return ci[keep], si[keep], d[keep]


def covered_pairs(
    communities: Points, segs: Segments, radius: np.ndarray, rows: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(community index, patrol index) pairs where the track passes within the
    patrol's ``radius`` (metres + ``TOL_M``, geodesic). ``rows`` restricts the
    communities. Segments with no community within reach are dropped before
    the others are cut into pieces (see :meth:`Segments.split`)."""
    rows = np.arange(len(communities)) if rows is None else rows
    if len(segs) == 0 or len(rows) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    sub = communities.subset(rows)
    r = np.asarray(radius, float) + TOL_M
    segs = segs.take(_near(sub.xyz, segs, r[segs.patrol] + segs.sag() + EPS_M)).split(PIECE_M)
    r = r[segs.patrol]
    ci, si, d = candidates(sub.xyz, segs, r)
    sag = segs.sag()[si]
    keep = d <= r[si] - chord_gap(r[si]) - sag - EPS_M
    band = np.flatnonzero(~keep)
    if len(band):
        c, s = ci[band], si[band]
        keep[band] = arc_within(sub.lon[c], sub.lat[c], segs.a[s], segs.b[s], r[s])
    return rows[ci[keep]], segs.patrol[si[keep]]


def last_patrol(
    communities: Points, geoms, ended: np.ndarray, radius: np.ndarray, ids=None, *, first_batch: int | None = None
) -> np.ndarray:
    """Index of the most recent covering patrol per community (-1: none).

    Parameters
    ----------
    communities : Points
        Where the communities are.
    geoms : array-like of shapely geometries
        The tracks (lon/lat lines or multi-lines), one per patrol.
    ended : numpy.ndarray
        Orders the patrols: larger is more recent.
    radius : numpy.ndarray
        Each patrol's coverage radius in metres.
    ids : array-like, optional
        Patrol ids: among patrols with equal ``ended`` the larger id wins,
        whatever the row order (default: the larger index).
    first_batch : int, optional
        Patrols in the first batch (default: the module's ``FIRST_BATCH``,
        read at each call so that the property tests can lower it to
        exercise many batches); each next batch is twice as large.

    Returns
    -------
    numpy.ndarray
        Per community, the index into ``geoms`` of the covering patrol that
        ended last, or -1.
    """
    n = len(communities)
    best = np.full(n, -1, np.int64)
    if len(geoms) == 0 or n == 0:
        return best
    tie = np.arange(len(ended)) if ids is None else np.asarray(ids)
    order = np.lexsort((tie, ended))[::-1]  # newest first
    # Tracks in recency order: segment.patrol is the rank.
    tracks = Tracks(np.asarray(geoms, dtype=object)[order])
    rad = np.asarray(radius, float)[order]
    open_rows = np.arange(n)
    lo, size = 0, max(1, int(FIRST_BATCH if first_batch is None else first_batch))
    while lo < len(order) and len(open_rows):
        hi = min(len(order), lo + size)
        c, p = covered_pairs(communities, tracks.segments(lo, hi), rad, open_rows)
        if len(c):
            top = np.full(n, np.iinfo(np.int64).max)
            np.minimum.at(top, c, p)
            hit = top < np.iinfo(np.int64).max
            best[hit] = order[top[hit]]
            open_rows = open_rows[~hit[open_rows]]
        lo, size = hi, size * 2
    return best
