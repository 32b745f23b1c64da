"""Patrol tracks, and "which patrol last passed within its coverage radius of
each community" — exact on the WGS84 ellipsoid, at any latitude and across
the antimeridian.

A track is a (multi-)line whose every segment is the geodesic between its two
vertices (the shortest one; for nearly antipodal vertices the one
``pyproj.Geod.inv`` picks). A track covers a community when some point of
it, not just a vertex, is within the patrol's radius ``R`` (= r + ``TOL_M``):
``min over Q on the track of geodesic(P, Q) ≤ R``.

How it is decided (see :mod:`geo.analysis.metric` for the 3-D chords):

- each segment is replaced by its straight 3-D chord, from which its arc
  deviates by at most ``sag = κ ℓ² / 8`` (ℓ the arc length; the
  interpolation-error bound for a curve of curvature ≤ κ): 0.5 m for 5 km,
  7.9 m for ``PIECE_M`` = 20 km; segments longer than ``PIECE_M`` are cut
  along their geodesic (``pyproj.Geod.fwd``) into equal pieces when the
  tracks are read (:class:`TrackSet`), once;
- the 3-D distance D from the community to a chord therefore satisfies
  ``D ≤ d + sag`` (d the geodesic distance to the arc), so ``D > R + sag``
  proves "not within", and ``D ≤ R − chord_gap(R) − sag`` proves "within";
- the pairs in between (a band 2·sag + chord_gap(R) wide: a few hundred of
  the millions of pairs at reference scale) are decided by :func:`arc_within`,
  a geodesic minimisation along the arc. ``PIECE_M`` only trades pieces
  against band pairs: the answer never depends on it.

The search (:func:`covering`, compiled in :func:`geo.analysis.kernels.last_covering`)
walks the patrols newest first (ties: larger id) and closes a community as
soon as one surely covers it; a patrol, then a segment, far from every still
open community is skipped by four look-ups in a summed-area table of open
communities per grid column (rebuilt after ``FIRST_BATCH`` patrols, then
after twice as many more, …). Each segment is searched with its own reach
(its patrol's radius + its sag), so one large radius, one long segment or one
far-north community slows nobody else's search.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from geo.analysis import kernels
from geo.analysis.grid import ColumnGrid, frame_coordinates, in_frame, mission_frame
from geo.analysis.growing import appended, joined
from geo.analysis.metric import EPS_M, GEOD, KAPPA, TOL_M, Points, along_geodesics, arc_bound, ecef, geodesic

PIECE_M = 20_000.0  # longer segments are cut (measured: 5 km is slower, the band pairs stay a handful)
FIRST_BATCH = 64
MAX_STEPS = 64  # bisection steps: 20 km halve to below 1e-9 m in 45
CELL_PER_RADIUS = 1.6  # grid columns of 1.6 × the typical radius (8 km for 5 km; measured: 4–16 km within 30 %)


@dataclass
class TrackSet:
    """Tracks in columns, one slot per patrol: vertices (``lonlat``, and
    ``xyz`` in a mission frame), segments (vertex pairs ``seg_a``, ``seg_b``,
    each with its ``sag``), slot ``p``'s segments ``segments[p] …
    segments[p+1]``, and per slot the (u, v) box of its vertices and its
    largest sag (to skip a patrol far from every open community). A track
    with one vertex is a zero-length segment at it; an empty one has none."""

    lonlat: np.ndarray
    xyz: np.ndarray
    seg_a: np.ndarray
    seg_b: np.ndarray
    sag: np.ndarray
    segments: np.ndarray
    box: np.ndarray
    patrol_sag: np.ndarray

    def __len__(self) -> int:
        return len(self.segments) - 1

    @classmethod
    def empty(cls) -> TrackSet:
        """No track.

        Returns
        -------
        TrackSet
        """
        z = np.zeros(0, np.int64)
        return cls(
            np.zeros((0, 2)), np.zeros((0, 3)), z, z, np.zeros(0), np.zeros(1, np.int64), np.zeros((0, 4)), np.zeros(0)
        )

    @classmethod
    def from_geometries(cls, geoms, frame: np.ndarray) -> TrackSet:
        """Tracks from shapely (multi-)lines in lon/lat, one slot each.

        Parameters
        ----------
        geoms : array-like of shapely geometries
        frame : numpy.ndarray
            The mission frame (:func:`geo.analysis.grid.mission_frame`).

        Returns
        -------
        TrackSet
        """
        geoms = np.asarray(geoms, dtype=object)
        parts, owner = shapely.get_parts(geoms, return_index=True)
        coords, line = shapely.get_coordinates(parts, return_index=True)
        return cls.from_parts(coords, line, owner, len(geoms), frame)

    @classmethod
    def from_parts(cls, coords: np.ndarray, line: np.ndarray, owner: np.ndarray, n: int, frame: np.ndarray) -> TrackSet:
        """Tracks from their vertices.

        Parameters
        ----------
        coords : numpy.ndarray
            Vertices (lon, lat), shape (v, 2), part after part.
        line : numpy.ndarray
            The part of each vertex (non-decreasing).
        owner : numpy.ndarray
            The slot (patrol) of each part (non-decreasing).
        n : int
            Number of slots.
        frame : numpy.ndarray
            The mission frame.

        Returns
        -------
        TrackSet
        """
        coords = np.ascontiguousarray(np.asarray(coords, float).reshape(-1, 2))
        line, owner = np.asarray(line, np.int64), np.asarray(owner, np.int64)
        start = np.flatnonzero(line[:-1] == line[1:])
        patrol = owner[line[start]]
        has_segment = np.zeros(n, bool)
        has_segment[patrol] = True
        has_vertex = np.zeros(n, bool)
        has_vertex[owner[line]] = True
        lone = np.flatnonzero(~has_segment & has_vertex)  # an empty track covers nothing
        a, b = start, start + 1
        if len(lone):
            first = np.searchsorted(owner[line], lone)  # coordinates come in slot order
            a, b, patrol = np.r_[a, first], np.r_[b, first], np.r_[patrol, lone]
            order = np.argsort(patrol, kind="stable")
            a, b, patrol = a[order], b[order], patrol[order]
        xyz = frame_coordinates(coords[:, 0], coords[:, 1], frame)
        length = _length_bound(coords, xyz, a, b)
        long = np.flatnonzero(length > PIECE_M)
        if len(long):
            coords, xyz, a, b, patrol, length = _cut(coords, xyz, a, b, patrol, length, long, frame)
        sag = KAPPA * length**2 / 8
        segments = np.searchsorted(patrol, np.arange(n + 1)).astype(np.int64)
        box, patrol_sag = kernels.patrol_extents(xyz, a, b, sag, segments)
        return cls(coords, xyz, a.astype(np.int64), b.astype(np.int64), sag, segments, box, patrol_sag)

    def slots(self, slots: np.ndarray) -> TrackSet:
        """The tracks of some slots, in that order (a compacted copy).

        Parameters
        ----------
        slots : numpy.ndarray of int

        Returns
        -------
        TrackSet
        """
        slots = np.asarray(slots, np.int64)
        first, count = self.segments[slots], np.diff(self.segments)[slots]
        seg = np.repeat(first - np.cumsum(count) + count, count) + np.arange(count.sum())
        used = np.unique(np.r_[self.seg_a[seg], self.seg_b[seg]])
        renumber = np.full(len(self.lonlat), -1, np.int64)
        renumber[used] = np.arange(len(used))
        return TrackSet(
            self.lonlat[used],
            self.xyz[used],
            renumber[self.seg_a[seg]],
            renumber[self.seg_b[seg]],
            self.sag[seg],
            np.r_[0, np.cumsum(count)].astype(np.int64),
            self.box[slots],
            self.patrol_sag[slots],
        )

    @classmethod
    def joined(cls, parts: list[TrackSet]) -> TrackSet:
        """Several track sets as one, slots in order, with room to grow
        (:func:`geo.analysis.growing.joined`). The parts are emptied field by
        field as they are copied, so that the peak memory is about one
        copy of the tracks, not two.

        Parameters
        ----------
        parts : list of TrackSet
            Emptied by the call.

        Returns
        -------
        TrackSet
        """
        if not parts:
            return cls.empty()
        vertices = np.cumsum([0, *(len(p.lonlat) for p in parts)])
        segs = np.cumsum([0, *(len(p.sag) for p in parts)])
        for p, v, sg in zip(parts, vertices, segs, strict=False):
            p.seg_a, p.seg_b = p.seg_a + v, p.seg_b + v
            p.segments = p.segments[1:] + sg
        out = {}
        for name in cls.__dataclass_fields__:
            out[name] = joined([getattr(p, name) for p in parts])
            for p in parts:
                setattr(p, name, np.empty((0, *getattr(p, name).shape[1:]), getattr(p, name).dtype))
        out["segments"] = appended(np.zeros(1, np.int64), out["segments"])
        return cls(**out)

    def appended(self, other: TrackSet) -> TrackSet:
        """These slots, then ``other``'s, growing in place where there is room
        (:func:`geo.analysis.growing.appended`; ``self`` is never changed).

        Parameters
        ----------
        other : TrackSet

        Returns
        -------
        TrackSet
        """
        v, s = len(self.lonlat), len(self.sag)
        return TrackSet(
            appended(self.lonlat, other.lonlat),
            appended(self.xyz, other.xyz),
            appended(self.seg_a, other.seg_a + v),
            appended(self.seg_b, other.seg_b + v),
            appended(self.sag, other.sag),
            appended(self.segments, other.segments[1:] + s),
            appended(self.box, other.box),
            appended(self.patrol_sag, other.patrol_sag),
        )

    def nbytes(self) -> int:
        """Memory held by the arrays.

        Returns
        -------
        int
        """
        return sum(getattr(self, f).nbytes for f in self.__dataclass_fields__)


def _length_bound(coords: np.ndarray, xyz: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """An upper bound of each segment's arc length, from its chord
    (:func:`~geo.analysis.metric.arc_bound`); a chord ≥ 2/κ = 12 670 km
    (nearly antipodal ends; a shortest geodesic longer than π/κ has one) is measured."""
    length = arc_bound(kernels.chord_lengths(xyz, a, b))
    far = np.flatnonzero(np.isinf(length))
    if len(far):
        length[far] = geodesic(coords[a[far], 0], coords[a[far], 1], coords[b[far], 0], coords[b[far], 1]) + EPS_M
    return length


def _cut(coords, xyz, a, b, patrol, length, long, frame):
    """Segments ``long`` cut along their geodesic into equal pieces ≤ ``PIECE_M``;
    the new vertices are appended, the pieces take their segment's place."""
    pts, seg, step, pieces, measured = along_geodesics(coords[a[long]], coords[b[long]], PIECE_M)
    inner = (step > 0) & (step < pieces[seg])
    vertex = np.where(step == 0, a[long][seg], b[long][seg])
    vertex[inner] = len(coords) + np.arange(inner.sum())
    coords = np.concatenate([coords, pts[inner]])
    xyz = np.concatenate([xyz, in_frame(ecef(pts[inner, 0], pts[inner, 1]), frame)])
    i = np.flatnonzero(step < pieces[seg])
    count = np.ones(len(a), np.int64)
    count[long] = pieces
    first = np.cumsum(count) - count  # where each original segment's pieces start (no sort: they stay in place)
    out = first[long[seg[i]]] + step[i]
    kept = np.ones(len(a), bool)
    kept[long] = False
    a2, b2, length2 = np.empty(count.sum(), np.int64), np.empty(count.sum(), np.int64), np.empty(count.sum())
    a2[first[kept]], b2[first[kept]], length2[first[kept]] = a[kept], b[kept], length[kept]
    a2[out], b2[out], length2[out] = vertex[i], vertex[i + 1], (measured / pieces)[seg[i]] + EPS_M
    return coords, xyz, a2, b2, np.repeat(patrol, count), length2


def covering(
    points: np.ndarray,
    lonlat: np.ndarray,
    tracks: TrackSet,
    by_recency: np.ndarray,
    radius: np.ndarray,
    *,
    first_batch: int | None = None,
) -> np.ndarray:
    """Per point, the rank (in ``by_recency``) of the newest patrol whose track
    passes within its radius (-1: none): exact.

    Parameters
    ----------
    points : numpy.ndarray
        The communities, frame coordinates (n, 3) (the frame of ``tracks``).
    lonlat : numpy.ndarray
        The same points in lon/lat (n, 2), for the geodesic band decisions.
    tracks : TrackSet
    by_recency : numpy.ndarray of int
        Slots of ``tracks`` to search, newest first.
    radius : numpy.ndarray of float
        Per slot, the coverage radius in metres (``TOL_M`` is added here).
    first_batch : int, optional
        Patrols before the first refresh of the open-community table
        (default: the module's ``FIRST_BATCH``, read at each call so that the
        property tests can lower it).

    Returns
    -------
    numpy.ndarray of int64
    """
    n = len(points)
    best = np.full(n, -1, np.int64)
    by_recency = np.asarray(by_recency, np.int64)
    if n == 0 or len(by_recency) == 0:
        return best
    big_r = np.asarray(radius, float) + TOL_M
    cell = CELL_PER_RADIUS * float(np.median(big_r[by_recency]))
    g = ColumnGrid.build(points, cell)
    rank, band = kernels.last_covering(
        g.u0,
        g.v0,
        g.cell,
        g.nu,
        g.nv,
        g.starts,
        g.x,
        g.y,
        g.z,
        g.columns_of(),
        np.ones(n, bool),
        tracks.xyz,
        tracks.seg_a,
        tracks.seg_b,
        tracks.sag,
        tracks.segments,
        tracks.box,
        tracks.patrol_sag,
        by_recency,
        big_r,
        max(1, int(FIRST_BATCH if first_batch is None else first_batch)),
    )
    best[g.order] = rank
    if len(band):
        point, seg, r = g.order[band[:, 0]], band[:, 1], band[:, 2]
        newer = (best[point] < 0) | (r < best[point])
        point, seg, r = point[newer], seg[newer], r[newer]
        hit = arc_within(
            lonlat[point, 0],
            lonlat[point, 1],
            tracks.lonlat[tracks.seg_a[seg]],
            tracks.lonlat[tracks.seg_b[seg]],
            big_r[by_recency[r]],
        )
        if hit.any():
            top = np.where(best >= 0, best, np.iinfo(np.int64).max)
            np.minimum.at(top, point[hit], r[hit])
            best = np.where(top < np.iinfo(np.int64).max, top, -1)
    return best


def newest_first(ended: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Indices ordered newest first: larger ``ended`` first, ties by larger id.

    Parameters
    ----------
    ended : numpy.ndarray
    ids : numpy.ndarray

    Returns
    -------
    numpy.ndarray of int64
    """
    return np.lexsort((np.asarray(ids), np.asarray(ended)))[::-1].astype(np.int64)


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
        See :func:`covering`.

    Returns
    -------
    numpy.ndarray
        Per community, the index into ``geoms`` of the covering patrol that
        ended last, or -1.
    """
    n = len(communities)
    if len(geoms) == 0 or n == 0:
        return np.full(n, -1, np.int64)
    frame = mission_frame(communities.xyz)
    tracks = TrackSet.from_geometries(geoms, frame)
    order = newest_first(ended, np.arange(len(ended)) if ids is None else ids)
    rank = covering(
        in_frame(communities.xyz, frame),
        np.column_stack([communities.lon, communities.lat]),
        tracks,
        order,
        radius,
        first_batch=first_batch,
    )
    return np.where(rank >= 0, order[np.maximum(rank, 0)], -1)


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
