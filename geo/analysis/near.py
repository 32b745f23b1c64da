"""Radius searches between communities and point rows (incidents,
engagements, QIPs), exact: "within r" is the geodesic decision of
docs/analysis.md#distances.

The compiled kernels (:mod:`geo.analysis.kernels`) decide every pair whose
chord proves the answer and hand back the few in the thin band between;
those are measured here with ``pyproj`` (:func:`geo.analysis.metric.geodesic`)
and added. Nothing is materialised per pair: totals per community, in one
streaming pass over a :class:`PointGrid`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from geo.analysis.days import NONE
from geo.analysis.grid import ColumnGrid
from geo.analysis.metric import EPS_M, TOL_M, geodesic

FEW_PLACES = 2048  # searches from fewer places first keep the points around them (local updates)
SUM_CELL = 0.4  # columns of 0.4 × the radius (measured at reference scale: 0.25–0.5 within 20 %)
LATEST_CELL = 0.5
FEW_POINTS = 256  # searches among fewer points need not visit the places in column order


@dataclass(frozen=True)
class Places:
    """Where the searches start from (the communities): ids, lon/lat (n, 2)
    and frame coordinates (n, 3)."""

    ids: np.ndarray
    lonlat: np.ndarray
    xyz: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, rows: np.ndarray) -> Places:
        """Some of the places.

        Parameters
        ----------
        rows : numpy.ndarray of int

        Returns
        -------
        Places
        """
        return Places(self.ids[rows], self.lonlat[rows], self.xyz[rows])


@dataclass(frozen=True)
class PointGrid:
    """Points in a :class:`~geo.analysis.grid.ColumnGrid` sized for one
    radius, with their lon/lat and their slots (in the rows they come from)
    in grid order; weights and times are passed in grid order too."""

    grid: ColumnGrid
    lonlat: np.ndarray
    slots: np.ndarray

    def __len__(self) -> int:
        return len(self.slots)

    @classmethod
    def of(cls, xyz: np.ndarray, lonlat: np.ndarray, slots: np.ndarray, cell_m: float) -> PointGrid:
        """Grid the points ``slots`` of some rows.

        Parameters
        ----------
        xyz, lonlat : numpy.ndarray
            Every row's frame coordinates (n, 3) and lon/lat (n, 2).
        slots : numpy.ndarray of int
            The rows to grid.
        cell_m : float

        Returns
        -------
        PointGrid
        """
        g = ColumnGrid.build(xyz[slots], cell_m)
        return cls(g, lonlat[slots][g.order], slots[g.order])

    def args(self) -> tuple[float, float, float, int, int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The grid as the kernels take it (origin, cell, shape, column starts, x, y, z)."""
        g = self.grid
        return g.u0, g.v0, g.cell, g.nu, g.nv, g.starts, g.x, g.y, g.z


def around(places: Places, xyz: np.ndarray, slots: np.ndarray, radius_m: float) -> np.ndarray:
    """The ``slots`` worth gridding for a search from ``places``: all of them,
    or, from fewer than ``FEW_PLACES`` places, those whose (u, v) lies within
    the radius (+ ``TOL_M`` + ``EPS_M``) of the places' (u, v) box — a
    superset of every point within the radius (a chord is never shorter than
    its projection), so that a local update grids a neighbourhood, not the
    mission.

    Parameters
    ----------
    places : Places
    xyz : numpy.ndarray
        Every row's frame coordinates (n, 3).
    slots : numpy.ndarray of int
        The rows that count.
    radius_m : float

    Returns
    -------
    numpy.ndarray of int
    """
    if len(places) >= FEW_PLACES or len(slots) == 0:
        return slots
    if len(places) == 0:
        return slots[:0]
    reach = radius_m + TOL_M + EPS_M
    lo, hi = places.xyz[:, :2].min(axis=0) - reach, places.xyz[:, :2].max(axis=0) + reach
    u, v = xyz[slots, 0], xyz[slots, 1]
    return slots[(u >= lo[0]) & (u <= hi[0]) & (v >= lo[1]) & (v <= hi[1])]


INDEX_CELL_M = 5_000.0  # the cell of a point table's :class:`SlotIndex` (any radius is a few cells)
SLOT_INDEX = "slot_index"  # where a :class:`~geo.analysis.tables.Rows` memo keeps its SlotIndex


@dataclass(frozen=True)
class SlotIndex:
    """The slots ``0 … n-1`` of a point table by (u, v) column of a
    :class:`~geo.analysis.grid.ColumnGrid` (its points dropped: only where
    each column's slots start is kept), for the searches of a local update.

    Why: a local update searched around a few communities by scanning the
    whole table (the incident window, 140 000 of a million rows at reference
    scale), and from communities far apart — an incident moved across the
    mission — the box around all of them held most of it. Built once per
    table (the resident store keeps it across versions: rows written later
    are appended at slots ≥ ``n``, which :meth:`near` adds; dead slots are
    the caller's to drop), a search visits a few columns per community."""

    grid: ColumnGrid  # its columns only (``x``, ``y``, ``z`` and ``order`` empty)
    slots: np.ndarray  # in column order
    n: int

    @classmethod
    def of(cls, xyz: np.ndarray, slots: np.ndarray, n: int) -> SlotIndex:
        """Index ``slots`` (every live slot below ``n``) of rows at ``xyz``.

        Parameters
        ----------
        xyz : numpy.ndarray
            Every row's frame coordinates (at least ``n``, 3).
        slots : numpy.ndarray of int
        n : int

        Returns
        -------
        SlotIndex
        """
        g = ColumnGrid.build(xyz[slots], INDEX_CELL_M)
        empty = np.zeros(0)
        return cls(replace(g, order=empty.astype(np.int64), x=empty, y=empty, z=empty), slots[g.order], n)

    def near(self, places: Places, radius_m: float, length: int) -> np.ndarray:
        """The slots (of rows now ``length`` long) whose (u, v) may lie within
        ``radius_m`` (+ ``TOL_M`` + ``EPS_M``) of a place: a superset, as
        :func:`around` gives; sorted, unique, dead ones included.

        Parameters
        ----------
        places : Places
        radius_m : float
        length : int

        Returns
        -------
        numpy.ndarray of int64
        """
        reach = radius_m + TOL_M + EPS_M
        g = self.grid
        u, v = places.xyz[:, 0], places.xyz[:, 1]
        iu0, iu1 = (
            np.clip(np.floor((c - g.u0) / g.cell), 0, g.nu - 1).astype(np.int64) for c in (u - reach, u + reach)
        )
        iv0, iv1 = (
            np.clip(np.floor((c - g.v0) / g.cell), 0, g.nv - 1).astype(np.int64) for c in (v - reach, v + reach)
        )
        runs = [
            self.slots[g.starts[i * g.nv + lo] : g.starts[i * g.nv + hi + 1]]
            for a, b, lo, hi in zip(iu0.tolist(), iu1.tolist(), iv0.tolist(), iv1.tolist(), strict=True)
            for i in range(a, b + 1)
        ]
        return np.unique(np.concatenate([np.zeros(0, np.int64), *runs, np.arange(self.n, length)]))


def _queries(places: Places, points: PointGrid) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The places in the column order of ``points``' grid, and their x, y, z in that order.

    Why: consecutive searches then visit the same columns, which stay in the
    CPU's cache (measured at reference scale: half the time of id order).
    A few points (a local update's) stay in the cache in any order: the
    places keep theirs (sorting 50 000 places cost more than the search)."""
    g = points.grid
    if len(points) <= FEW_POINTS:
        return np.arange(len(places)), (
            places.xyz[:, 0].copy(),
            places.xyz[:, 1].copy(),
            places.xyz[:, 2].copy(),
        )
    iu = np.clip(np.floor((places.xyz[:, 0] - g.u0) / g.cell), -1, g.nu).astype(np.int64)
    iv = np.clip(np.floor((places.xyz[:, 1] - g.v0) / g.cell), -1, g.nv).astype(np.int64)
    order = np.argsort(iu * (g.nv + 2) + iv, kind="stable")
    p = places.xyz[order]
    return order, (p[:, 0].copy(), p[:, 1].copy(), p[:, 2].copy())


def _unsorted(order: np.ndarray, *columns: np.ndarray) -> list[np.ndarray]:
    """Per-place results back from the order of :func:`_queries` to the places' own."""
    out = []
    for c in columns:
        back = np.empty_like(c)
        back[order] = c
        out.append(back)
    return out


def _band_within(places: Places, points: PointGrid, band: np.ndarray, big_r: float) -> np.ndarray:
    """Which band pairs (place, grid position) are geodesically within ``big_r``."""
    q, m = band[:, 0], band[:, 1]
    d = geodesic(places.lonlat[q, 0], places.lonlat[q, 1], points.lonlat[m, 0], points.lonlat[m, 1])
    return d <= big_r


def sum_near(
    places: Places, points: PointGrid, w1: np.ndarray, w2: np.ndarray, radius_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per place: the points within ``radius_m``, and the sums of their weights.

    Parameters
    ----------
    places : Places
    points : PointGrid
    w1, w2 : numpy.ndarray of float
        Two weights per point, in grid order.
    radius_m : float

    Returns
    -------
    tuple of numpy.ndarray
        ``count`` (int64), ``sum1``, ``sum2`` per place.
    """
    from geo.analysis import kernels  # numba: compiled code is imported on first use (cold start)

    n = len(places)
    if n == 0 or len(points) == 0:
        return np.zeros(n, np.int64), np.zeros(n), np.zeros(n)
    big_r = radius_m + TOL_M
    order, queries = _queries(places, points)
    count, s1, s2, band = kernels.sum_within(*points.args(), w1, w2, *queries, big_r)
    count, s1, s2 = _unsorted(order, count, s1, s2)
    band[:, 0] = order[band[:, 0]]
    if len(band):
        q, m = band[_band_within(places, points, band, big_r)].T
        np.add.at(count, q, 1)
        np.add.at(s1, q, w1[m])
        np.add.at(s2, q, w2[m])
    return count, s1, s2


def latest_near(
    places: Places, points: PointGrid, at: np.ndarray, ids: np.ndarray, radius_m: float, cutoff: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per place: the latest point within ``radius_m`` by (``at``, ``ids``).

    Parameters
    ----------
    places : Places
    points : PointGrid
    at, ids : numpy.ndarray of int64
        When (larger is later; ``NONE``: never counts) and which, in grid
        order; on equal ``at`` the larger id wins.
    radius_m : float
    cutoff : int
        Points with ``at`` ≥ ``cutoff`` do not count.

    Returns
    -------
    tuple of numpy.ndarray
        ``at`` (``NONE`` where none) and ``id`` (-1) per place.
    """
    from geo.analysis import kernels  # numba: compiled code is imported on first use (cold start)

    n = len(places)
    if n == 0 or len(points) == 0:
        return np.full(n, NONE, np.int64), np.full(n, -1, np.int64)
    big_r = radius_m + TOL_M
    order, queries = _queries(places, points)
    best_at, best_id, band = kernels.latest_within(*points.args(), at, ids, cutoff, *queries, big_r)
    best_at, best_id = _unsorted(order, best_at, best_id)
    band[:, 0] = order[band[:, 0]]
    if len(band):
        q, m = band[_band_within(places, points, band, big_r)].T
        best_at, best_id = kernels.latest_per_row(best_at, best_id, q, at[m], ids[m])
    return best_at, best_id


def near_any(places: Places, xyz: np.ndarray, radius_m: float) -> np.ndarray:
    """Which places may lie within ``radius_m`` of some point (chord test, conservative).

    For the cache: the communities a changed row can affect, a superset
    (the band pairs count as near).

    Parameters
    ----------
    places : Places
    xyz : numpy.ndarray
        The points, frame coordinates (k, 3).
    radius_m : float

    Returns
    -------
    numpy.ndarray of bool
    """
    from geo.analysis import kernels  # numba: compiled code is imported on first use (cold start)

    n = len(places)
    if n == 0 or len(xyz) == 0:
        return np.zeros(n, bool)
    big_r = radius_m + TOL_M
    points = PointGrid.of(xyz, np.zeros((len(xyz), 2)), np.arange(len(xyz)), big_r)
    w = np.zeros(len(points))
    order, queries = _queries(places, points)
    count, _, _, band = kernels.sum_within(*points.args(), w, w, *queries, big_r)
    near = np.zeros(n, bool)
    near[order[count > 0]] = True
    near[order[band[:, 0]]] = True
    return near
