"""Patrol tracks as short Mercator segments, and "which patrol last passed
within its coverage radius of each community".

A track covers a point when any part of it (not just a vertex) is within the
radius, so the test is point-to-segment. Segments are cut into pieces of at
most ``PIECE_M`` Mercator metres and indexed by their midpoints; a piece can
only be within r of a point if its midpoint is within r + half its length.
Patrols are visited newest first in doubling batches, and a community leaves
the search as soon as a batch covers it; each batch first drops the segments
whose grown bounding box holds no still-open community (an occupancy grid),
so the late, large batches only touch the tracks near rarely patrolled
communities.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy.spatial import cKDTree

from geo.analysis.metric import BAND, TOL_M, Points, geodesic, inverse_lat, mercator, scale

PIECE_M = 10_000.0
FIRST_BATCH = 64


@dataclass
class Segments:
    """Track pieces: endpoints in Mercator (a, b), the Mercator scale factor at
    each end (k_a, k_b; linear in between is exact to 1e-6 over 10 km) and the patrol index."""

    a: np.ndarray
    b: np.ndarray
    k_a: np.ndarray
    k_b: np.ndarray
    patrol: np.ndarray

    @classmethod
    def from_geometries(cls, geoms, *, split: bool = True) -> Segments:
        geoms = np.asarray(geoms, dtype=object)
        if len(geoms) == 0:
            z = np.zeros((0, 2))
            return cls(z, z, np.zeros(0), np.zeros(0), np.zeros(0, np.int64))
        parts, owner = shapely.get_parts(geoms, return_index=True)
        coords, line = shapely.get_coordinates(parts, return_index=True)
        same = line[:-1] == line[1:]
        start = np.flatnonzero(same)
        xy = mercator(coords[:, 0], coords[:, 1])
        k = scale(coords[:, 1])
        a, b = xy[start], xy[start + 1]
        k_a, k_b = k[start], k[start + 1]
        patrol = owner[line[start]]
        # A single-vertex track (degenerate) still covers around its point.
        has_segment = np.zeros(len(geoms), bool)
        has_segment[patrol] = True
        lone = np.flatnonzero(~has_segment)
        if len(lone):
            first = np.searchsorted(owner[line], lone)  # coordinates come in geometry order
            a = np.vstack([a, xy[first]])
            b = np.vstack([b, xy[first]])
            k_a = np.concatenate([k_a, k[first]])
            k_b = np.concatenate([k_b, k[first]])
            patrol = np.concatenate([patrol, lone])
        segs = cls(a, b, k_a, k_b, patrol.astype(np.int64))
        return segs._split(PIECE_M) if split else segs

    def _split(self, max_len: float) -> Segments:
        """Cut segments longer than ``max_len`` into equal pieces."""
        length = np.hypot(*(self.b - self.a).T)
        long = np.flatnonzero(length > max_len)
        if len(long) == 0:
            return self
        n = np.ceil(length[long] / max_len).astype(np.int64)
        src = np.repeat(long, n)
        step = np.arange(len(src)) - np.repeat(np.cumsum(n) - n, n)
        t0 = (step / np.repeat(n, n))[:, None]
        t1 = t0 + (1 / np.repeat(n, n))[:, None]
        d = self.b[src] - self.a[src]
        dk = self.k_b[src] - self.k_a[src]
        short = self.take(length <= max_len)
        return Segments(
            np.vstack([short.a, self.a[src] + t0 * d]),
            np.vstack([short.b, self.a[src] + t1 * d]),
            np.concatenate([short.k_a, self.k_a[src] + t0[:, 0] * dk]),
            np.concatenate([short.k_b, self.k_a[src] + t1[:, 0] * dk]),
            np.concatenate([short.patrol, self.patrol[src]]),
        )

    def take(self, mask) -> Segments:
        return Segments(self.a[mask], self.b[mask], self.k_a[mask], self.k_b[mask], self.patrol[mask])

    def __len__(self) -> int:
        return len(self.patrol)

    def slice(self, lo: int, hi: int) -> Segments:
        return Segments(self.a[lo:hi], self.b[lo:hi], self.k_a[lo:hi], self.k_b[lo:hi], self.patrol[lo:hi])

    def near(self, points: np.ndarray, reach: float) -> Segments:
        """Only the segments whose bounding box, grown by ``reach``, holds one of
        ``points`` (a conservative filter: an occupancy grid of cell ``reach``
        and its summed-area table, four look-ups per segment)."""
        if len(self) == 0 or len(points) == 0:
            return self.slice(0, 0)
        lo_xy = points.min(axis=0)
        cell = max(reach, float((points.max(axis=0) - lo_xy).max()) / 2000, 1.0)
        ij = np.floor((points - lo_xy) / cell).astype(np.int64)
        w, h = ij[:, 0].max() + 1, ij[:, 1].max() + 1
        occupied = np.zeros((h + 1, w + 1), np.int64)
        np.add.at(occupied, (ij[:, 1] + 1, ij[:, 0] + 1), 1)
        table = occupied.cumsum(0).cumsum(1)
        box_lo = (np.minimum(self.a, self.b) - reach - lo_xy) / cell
        box_hi = (np.maximum(self.a, self.b) + reach - lo_xy) / cell
        x0 = np.clip(np.floor(box_lo[:, 0]).astype(np.int64), 0, w)
        y0 = np.clip(np.floor(box_lo[:, 1]).astype(np.int64), 0, h)
        x1 = np.clip(np.floor(box_hi[:, 0]).astype(np.int64) + 1, 0, w)
        y1 = np.clip(np.floor(box_hi[:, 1]).astype(np.int64) + 1, 0, h)
        count = table[y1, x1] - table[y0, x1] - table[y1, x0] + table[y0, x0]
        return self.take(count > 0)


def _closest(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Closest point on segments a–b to points p (row-wise), and its parameter t."""
    d = b - a
    dd = np.einsum("ij,ij->i", d, d)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(dd > 0, np.einsum("ij,ij->i", p - a, d) / dd, 0.0)
    t = np.clip(t, 0.0, 1.0)
    return a + t[:, None] * d, t


def covered_pairs(
    communities: Points, segs: Segments, radius: np.ndarray, rows: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(community index, patrol index) pairs where the track passes within the
    patrol's ``radius`` (metres, geodesic). ``rows`` restricts the communities."""
    rows = np.arange(len(communities)) if rows is None else rows
    if len(segs) == 0 or len(rows) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    sub = communities.subset(rows)
    mid = (segs.a + segs.b) / 2
    half = np.hypot(*(segs.b - segs.a).T) / 2
    k_hi = max(sub.k.max(), segs.k_a.max(), segs.k_b.max())
    seg_r = radius[segs.patrol]
    reach = float(seg_r.max()) * float(k_hi) * (1 + 2 * BAND) + float(half.max()) + 1.0
    m = sub.tree.sparse_distance_matrix(cKDTree(mid), reach, output_type="ndarray")
    ci, si = m["i"].astype(np.int64), m["j"].astype(np.int64)
    q, t = _closest(sub.xy[ci], segs.a[si], segs.b[si])
    k_q = segs.k_a[si] + t * (segs.k_b[si] - segs.k_a[si])
    est = np.hypot(*(sub.xy[ci] - q).T) / ((sub.k[ci] + k_q) / 2)
    r = seg_r[si]
    keep = est <= r * (1 - BAND)
    band = ~keep & (est <= r * (1 + BAND))
    if band.any():
        bc, bq = ci[band], q[band]
        q_lon = np.degrees(bq[:, 0] / 6378137.0)
        keep[band] = geodesic(sub.lon[bc], sub.lat[bc], q_lon, inverse_lat(bq[:, 1])) <= r[band] + TOL_M
    return rows[ci[keep]], segs.patrol[si[keep]]


def last_patrol(communities: Points, geoms, ended: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """Index of the most recent covering patrol per community (-1: none).

    ``ended`` orders the patrols (larger = more recent; ties by larger index).
    """
    n = len(communities)
    best = np.full(n, -1, np.int64)
    if len(geoms) == 0 or n == 0:
        return best
    order = np.lexsort((np.arange(len(ended)), ended))[::-1]  # newest first
    # Segments of the tracks in recency order: segment.patrol is the rank.
    segs = Segments.from_geometries(np.asarray(geoms, dtype=object)[order], split=False)
    if len(segs) > 1 and (np.diff(segs.patrol) < 0).any():  # single-vertex tracks come last
        segs = segs.take(np.argsort(segs.patrol, kind="stable"))
    rad = np.asarray(radius, float)[order]
    open_rows = np.arange(n)
    lo, size = 0, FIRST_BATCH
    while lo < len(order) and len(open_rows):
        hi = min(len(order), lo + size)
        s0, s1 = np.searchsorted(segs.patrol, [lo, hi])
        batch = segs.slice(s0, s1)
        if len(batch):
            k_hi = max(float(communities.k[open_rows].max()), float(batch.k_a.max()), float(batch.k_b.max()))
            reach = float(rad[lo:hi].max()) * k_hi * (1 + 2 * BAND) + 1.0
            batch = batch.near(communities.xy[open_rows], reach)._split(PIECE_M)
        c, p = covered_pairs(communities, batch, rad, open_rows)
        if len(c):
            top = np.full(n, np.iinfo(np.int64).max)
            np.minimum.at(top, c, p)
            hit = top < np.iinfo(np.int64).max
            best[hit] = order[top[hit]]
            open_rows = open_rows[~hit[open_rows]]
        lo, size = hi, size * 2
    return best
