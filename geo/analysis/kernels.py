"""The analysis' compiled kernels (numba): the loops that visit pairs.

Why compiled: at reference scale the incident pressure alone is about 15
million (community, incident) pairs within 10 km, and the patrol search
walks 3.4 million segments. Vectorised numpy had to materialise every
candidate pair (hundreds of MB, seconds); these loops stream over the
points a :class:`~geo.analysis.grid.ColumnGrid` puts next to each other and
keep only per-row totals, in registers. Measured at reference scale on the
2-core machine (bench/README.md, "Engagement gaps"): pressure 1.8 s → about
0.15 s, patrol search 2 s → under 0.1 s.

Exactness is the caller's contract, unchanged from :mod:`geo.analysis.metric`
and :mod:`geo.analysis.tracks`: a kernel decides a pair only when its chord
proves the answer (``chord ≤ R − chord_gap(R) − EPS_M``: within; beyond
``R + EPS_M`` (+ the segment's sag): not within), and returns every other
pair in the thin band between as *band pairs*, which the caller measures
geodesically with ``pyproj`` (a handful per run). ``R`` is the radius plus
``TOL_M``. Rows are never ordered by position here: ties are the caller's,
by id.

Compiled on first use and cached on disk (``cache=True``: next to this file
in ``__pycache__``, or under ``NUMBA_CACHE_DIR``); ``make install`` compiles
them once (:func:`compile_all`) so a server's first analysis does not.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from geo.analysis.metric import EPS_M, KAPPA

NONE = np.iinfo(np.int64).min  # a missing time (geo.analysis.days.NONE)


@njit(cache=True, nogil=True, inline="always")
def _span(lo: float, hi: float, origin: float, cell: float, n: int) -> tuple[int, int]:
    """The columns ``i0 … i1`` (clipped to the grid) that cover ``lo … hi``; empty when i0 > i1."""
    i0 = int(np.floor((lo - origin) / cell))
    i1 = int(np.floor((hi - origin) / cell))
    return max(i0, 0), min(i1, n - 1)


@njit(cache=True, nogil=True, inline="always")
def _strip(x: float, y: float, reach: float, i: int, u0: float, v0: float, cell: float, nv: int) -> tuple[int, int]:
    """The columns ``j0 … j1`` of column row ``i`` that hold points whose (u, v)
    lies within ``reach`` of (x, y): the disc's extent over the row, so a
    search visits about the disc, not its bounding square (a chord is never
    shorter than its (u, v) projection, so nothing within ``reach`` is missed)."""
    lo = u0 + i * cell
    du = max(lo - x, x - (lo + cell), 0.0)
    if du > reach:
        return 0, -1
    half = np.sqrt(reach * reach - du * du)
    return _span(y - half, y + half, v0, cell, nv)


@njit(cache=True, nogil=True, inline="always")
def _thresholds(radius: float, slack: float) -> tuple[float, float]:
    """Squared chord lengths: at most the first is surely within ``radius``,
    beyond the second surely not (``slack``: a segment's sag)."""
    sure = radius - KAPPA * KAPPA * radius**3 / 24.0 - slack - EPS_M
    cand = radius + slack + EPS_M
    return (sure * sure if sure > 0 else -1.0), cand * cand


@njit(cache=True, nogil=True)
def _grow(a: np.ndarray, n: int) -> np.ndarray:
    """``a`` with room for more rows (band pairs are rare; doubling keeps appends cheap)."""
    out = np.empty((max(2 * a.shape[0], 64), a.shape[1]), a.dtype)
    out[:n] = a[:n]
    return out


@njit(cache=True, nogil=True)
def sum_within(u0, v0, cell, nu, nv, starts, ex, ey, ez, w1, w2, qx, qy, qz, radius):
    """Per query point: how many grid points are surely within ``radius``
    (chord), and the sums of their weights ``w1``, ``w2``.

    Returns ``(count, sum1, sum2, band)``: ``band`` (k, 2) holds (query,
    grid position) pairs the chord cannot decide, left out of the totals.
    """
    n = qx.shape[0]
    count = np.zeros(n, np.int64)
    sum1 = np.zeros(n)
    sum2 = np.zeros(n)
    undecided = np.zeros(n, np.int64)
    sure2, cand2 = _thresholds(radius, 0.0)
    reach = radius + EPS_M
    for q in range(n):
        x, y, z = qx[q], qy[q], qz[q]
        i0, i1 = _span(x - reach, x + reach, u0, cell, nu)
        c = 0.0
        s1 = 0.0
        s2 = 0.0
        b = 0
        for i in range(i0, i1 + 1):
            j0, j1 = _strip(x, y, reach, i, u0, v0, cell, nv)
            if j0 > j1:
                continue  # the disc misses this row (or the grid)
            base = i * nv
            for m in range(starts[base + j0], starts[base + j1 + 1]):
                dx = ex[m] - x
                dy = ey[m] - y
                dz = ez[m] - z
                d2 = dx * dx + dy * dy + dz * dz
                k = 1.0 if d2 <= sure2 else 0.0  # without a branch: about half the pairs are inside
                c += k
                s1 += k * w1[m]
                s2 += k * w2[m]
                b += 1 if sure2 < d2 <= cand2 else 0
        count[q] = np.int64(c)
        sum1[q] = s1
        sum2[q] = s2
        undecided[q] = b
    none = np.zeros(0, np.int64)
    band = _band(u0, v0, cell, nu, nv, starts, ex, ey, ez, qx, qy, qz, radius, undecided, none, none, 0, none, none)
    return count, sum1, sum2, band


@njit(cache=True, nogil=True)
def latest_within(u0, v0, cell, nu, nv, starts, ex, ey, ez, at, ids, cutoff, qx, qy, qz, radius):
    """Per query point: the latest grid point surely within ``radius`` by
    (``at``, ``ids``), both largest wins; ``(NONE, -1)`` when none. Points
    with ``at`` ≥ ``cutoff`` or ``NONE`` do not count.

    Returns ``(at, id, band)`` as :func:`sum_within` returns its band (only
    the pairs that would beat the point's surely-within latest).
    """
    n = qx.shape[0]
    best_at = np.full(n, NONE, np.int64)
    best_id = np.full(n, -1, np.int64)
    undecided = np.zeros(n, np.int64)
    sure2, cand2 = _thresholds(radius, 0.0)
    reach = radius + EPS_M
    for q in range(n):
        x, y, z = qx[q], qy[q], qz[q]
        i0, i1 = _span(x - reach, x + reach, u0, cell, nu)
        ba = NONE
        bi = -1
        b = 0
        for i in range(i0, i1 + 1):
            j0, j1 = _strip(x, y, reach, i, u0, v0, cell, nv)
            if j0 > j1:
                continue  # the disc misses this row (or the grid)
            base = i * nv
            for m in range(starts[base + j0], starts[base + j1 + 1]):
                if at[m] >= cutoff or at[m] == NONE or at[m] < ba or (at[m] == ba and ids[m] <= bi):
                    continue  # does not count, or cannot win: no need to measure
                dx = ex[m] - x
                dy = ey[m] - y
                dz = ez[m] - z
                d2 = dx * dx + dy * dy + dz * dz
                if d2 <= sure2:
                    ba = at[m]
                    bi = ids[m]
                elif d2 <= cand2:
                    b += 1
        best_at[q] = ba
        best_id[q] = bi
        undecided[q] = b
    band = _band(
        u0, v0, cell, nu, nv, starts, ex, ey, ez, qx, qy, qz, radius, undecided, at, ids, cutoff, best_at, best_id
    )
    return best_at, best_id, band


@njit(cache=True, nogil=True)
def _band(u0, v0, cell, nu, nv, starts, ex, ey, ez, qx, qy, qz, radius, undecided, at, ids, cutoff, best_at, best_id):
    """The (query, grid position) pairs the chord cannot decide, for the
    queries with ``undecided`` > 0, in a second pass: collecting them in the
    first pass (an array that may grow) kept its loop from being optimised
    (measured: 5× slower). With ``at`` (non-empty), only pairs that count
    and beat (``best_at``, ``best_id``) of their query."""
    timed = at.shape[0] > 0
    band = np.empty((undecided.sum(), 2), np.int64)
    k = 0
    sure2, cand2 = _thresholds(radius, 0.0)
    reach = radius + EPS_M
    for q in np.flatnonzero(undecided):
        x, y, z = qx[q], qy[q], qz[q]
        i0, i1 = _span(x - reach, x + reach, u0, cell, nu)
        for i in range(i0, i1 + 1):
            j0, j1 = _strip(x, y, reach, i, u0, v0, cell, nv)
            if j0 > j1:
                continue
            base = i * nv
            for m in range(starts[base + j0], starts[base + j1 + 1]):
                if timed and (
                    at[m] >= cutoff
                    or at[m] == NONE
                    or at[m] < best_at[q]
                    or (at[m] == best_at[q] and ids[m] <= best_id[q])
                ):
                    continue
                dx = ex[m] - x
                dy = ey[m] - y
                dz = ez[m] - z
                d2 = dx * dx + dy * dy + dz * dz
                if sure2 < d2 <= cand2 and k < band.shape[0]:
                    band[k, 0] = q
                    band[k, 1] = m
                    k += 1
    return band[:k]


@njit(cache=True, nogil=True)
def _area_table(open_per_column: np.ndarray, nu: int, nv: int) -> np.ndarray:
    """Summed-area table: ``t[i, j]`` = open points in columns ``< i`` by ``< j``."""
    t = np.zeros((nu + 1, nv + 1), np.int64)
    for i in range(nu):
        row = 0
        for j in range(nv):
            row += open_per_column[i * nv + j]
            t[i + 1, j + 1] = t[i, j + 1] + row
    return t


@njit(cache=True, nogil=True, inline="always")
def _open_in(t: np.ndarray, i0: int, i1: int, j0: int, j1: int) -> int:
    if i0 > i1 or j0 > j1:
        return 0
    return t[i1 + 1, j1 + 1] - t[i0, j1 + 1] - t[i1 + 1, j0] + t[i0, j0]


@njit(cache=True, nogil=True)
def last_covering(
    u0,
    v0,
    cell,
    nu,
    nv,
    starts,
    gx,
    gy,
    gz,
    column,
    is_open,
    vx,
    seg_a,
    seg_b,
    seg_sag,
    patrol_segments,
    patrol_box,
    patrol_sag,
    by_recency,
    radius,
    first_batch,
):
    """The newest patrol whose track passes surely within its radius of each
    grid point (a community), walking patrols newest first.

    ``by_recency`` lists patrol slots newest first; a point is searched until
    a patrol covers it (``is_open``: the points to search at all). Patrol
    ``p``'s segments are ``patrol_segments[p] … [p+1]``: vertices ``seg_a``,
    ``seg_b`` of ``vx`` (frame coordinates) and ``seg_sag``, how far the
    geodesic arc strays from that chord. ``patrol_box`` (u min, u max, v
    min, v max of its vertices) and ``patrol_sag`` (its largest sag) let a
    patrol far from every open point be skipped with four look-ups in a
    summed-area table of open points per column, rebuilt after
    ``first_batch`` patrols, then after twice as many more, and so on (the
    table may count points closed since: it only over-estimates).

    Returns ``(rank, band)``: per grid point the rank in ``by_recency`` of
    its newest surely covering patrol (-1: none), and (point, segment, rank)
    triples the chord could not decide (only those newer than the point's
    rank matter; the caller measures them along the geodesic).
    """
    n = gx.shape[0]
    best = np.full(n, -1, np.int64)
    open_ = is_open.copy()
    per_column = np.zeros(nu * nv, np.int64)
    n_open = 0
    for m in range(n):
        if open_[m]:
            per_column[column[m]] += 1
            n_open += 1
    table = _area_table(per_column, nu, nv)
    band = np.empty((64, 3), np.int64)
    nband = 0
    rebuild_at = first_batch
    batch = first_batch
    for r in range(by_recency.shape[0]):
        if n_open == 0:
            break
        if r == rebuild_at:
            table = _area_table(per_column, nu, nv)
            batch *= 2
            rebuild_at += batch
        p = by_recency[r]
        if patrol_segments[p] == patrol_segments[p + 1]:
            continue  # an empty track covers nothing
        big_r = radius[p]
        grow = big_r + patrol_sag[p] + EPS_M
        i0, i1 = _span(patrol_box[p, 0] - grow, patrol_box[p, 1] + grow, u0, cell, nu)
        j0, j1 = _span(patrol_box[p, 2] - grow, patrol_box[p, 3] + grow, v0, cell, nv)
        if _open_in(table, i0, i1, j0, j1) == 0:
            continue
        for s in range(patrol_segments[p], patrol_segments[p + 1]):
            a = seg_a[s]
            b = seg_b[s]
            ax, ay, az = vx[a, 0], vx[a, 1], vx[a, 2]
            dx, dy, dz = vx[b, 0] - ax, vx[b, 1] - ay, vx[b, 2] - az
            sure2, cand2 = _thresholds(big_r, seg_sag[s])
            reach = big_r + seg_sag[s] + EPS_M
            i0, i1 = _span(min(ax, ax + dx) - reach, max(ax, ax + dx) + reach, u0, cell, nu)
            j0, j1 = _span(min(ay, ay + dy) - reach, max(ay, ay + dy) + reach, v0, cell, nv)
            if _open_in(table, i0, i1, j0, j1) == 0:
                continue  # also when the box misses the grid (i0 > i1 or j0 > j1)
            dd = dx * dx + dy * dy + dz * dz
            for i in range(i0, i1 + 1):
                base = i * nv
                for m in range(starts[base + j0], starts[base + j1 + 1]):
                    if not open_[m]:
                        continue
                    px, py, pz = gx[m] - ax, gy[m] - ay, gz[m] - az
                    t = 0.0
                    if dd > 0:
                        t = min(max((px * dx + py * dy + pz * dz) / dd, 0.0), 1.0)
                    qx, qy, qz = px - t * dx, py - t * dy, pz - t * dz
                    d2 = qx * qx + qy * qy + qz * qz
                    if d2 <= sure2:
                        best[m] = r
                        open_[m] = False
                        per_column[column[m]] -= 1
                        n_open -= 1
                    elif d2 <= cand2:
                        if nband == band.shape[0]:
                            band = _grow(band, nband)
                        band[nband, 0] = m
                        band[nband, 1] = s
                        band[nband, 2] = r
                        nband += 1
    return best, band[:nband]


@njit(cache=True, nogil=True)
def chord_lengths(xyz, a, b):
    """The 3-D length of each segment ``a[s]``–``b[s]`` of the vertices ``xyz``
    (without the full-size temporaries of the numpy form: millions of segments)."""
    out = np.empty(a.shape[0])
    for s in range(a.shape[0]):
        dx = xyz[b[s], 0] - xyz[a[s], 0]
        dy = xyz[b[s], 1] - xyz[a[s], 1]
        dz = xyz[b[s], 2] - xyz[a[s], 2]
        out[s] = np.sqrt(dx * dx + dy * dy + dz * dz)
    return out


@njit(cache=True, nogil=True)
def patrol_extents(vx, seg_a, seg_b, seg_sag, patrol_segments):
    """Per patrol: u min, u max, v min, v max of its segments' ends, and its largest sag."""
    n = patrol_segments.shape[0] - 1
    box = np.empty((n, 4))
    sag = np.zeros(n)
    for p in range(n):
        box[p, 0] = np.inf
        box[p, 1] = -np.inf
        box[p, 2] = np.inf
        box[p, 3] = -np.inf
        for s in range(patrol_segments[p], patrol_segments[p + 1]):
            for v in (seg_a[s], seg_b[s]):
                box[p, 0] = min(box[p, 0], vx[v, 0])
                box[p, 1] = max(box[p, 1], vx[v, 0])
                box[p, 2] = min(box[p, 2], vx[v, 1])
                box[p, 3] = max(box[p, 3], vx[v, 1])
            sag[p] = max(sag[p], seg_sag[s])
    return box, sag


@njit(cache=True, nogil=True)
def latest_per_row(best_at, best_id, row, at, ids):
    """``best_at``/``best_id`` (copies) raised to the latest (``at``, ``ids``)
    given per ``row``: one pass, larger ``at`` wins, then larger id."""
    out_at, out_id = best_at.copy(), best_id.copy()
    for k in range(row.shape[0]):
        r = row[k]
        if at[k] > out_at[r] or (at[k] == out_at[r] and ids[k] > out_id[r]):
            out_at[r] = at[k]
            out_id[r] = ids[k]
    return out_at, out_id


def compile_all() -> None:
    """Compile (or load from the disk cache) every kernel once, on tiny inputs.

    Returns
    -------
    None
    """
    from geo.analysis.grid import ColumnGrid  # the kernels' only caller-side type

    xyz = np.array([[0.0, 0.0, 6.4e6], [10.0, 0.0, 6.4e6]])
    g = ColumnGrid.build(xyz, 1000.0)
    w = np.ones(2)
    args = (g.u0, g.v0, g.cell, g.nu, g.nv, g.starts, g.x, g.y, g.z)
    sum_within(*args, w, w, g.x, g.y, g.z, 100.0)
    latest_within(*args, np.arange(2), np.arange(2), 5, g.x, g.y, g.z, 100.0)
    latest_per_row(np.arange(2), np.arange(2), np.arange(2), np.arange(2), np.arange(2))
    seg = np.array([0], np.int64)
    segments = np.array([0, 1], np.int64)
    sag = np.zeros(1)
    box, psag = patrol_extents(xyz, seg, seg + 1, sag, segments)
    chord_lengths(xyz, seg, seg + 1)
    last_covering(
        *args,
        g.columns_of(),
        np.ones(2, bool),
        xyz,
        seg,
        seg + 1,
        sag,
        segments,
        box,
        psag,
        np.array([0], np.int64),
        np.array([100.0]),
        64,
    )
