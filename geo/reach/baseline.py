"""An independent reference for travel times: scipy's Dijkstra
(``scipy.sparse.csgraph.dijkstra``) on the 8-connected graph of a friction
grid, built here from the definition (a step costs the mean of the two
cells' frictions times its length, √2 cells diagonally; infinite friction is
no edge). It shares no code with :mod:`geo.reach.travel`; the tests compare
the two on small rasters and ``bench/reach.py`` measures both. The product
never calls it.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

STEPS = [(dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1) if (dr, dc) != (0, 0)]


def grid_graph(friction: np.ndarray, cell_m: float) -> csr_matrix:
    """The directed 8-connected graph of a friction grid (edge weights in minutes).

    Parameters
    ----------
    friction : numpy.ndarray
        Minutes per metre; ``inf`` impassable.
    cell_m : float

    Returns
    -------
    scipy.sparse.csr_matrix
        ``N × N`` with ``N`` = cells, row-major.
    """
    h, w = friction.shape
    index = np.arange(h * w).reshape(h, w)
    tails, heads, weights = [], [], []
    for dr, dc in STEPS:
        a = index[max(0, -dr) : h - max(0, dr), max(0, -dc) : w - max(0, dc)]
        b = index[max(0, dr) : h - max(0, -dr), max(0, dc) : w - max(0, -dc)]
        fa, fb = friction.ravel()[a.ravel()], friction.ravel()[b.ravel()]
        weight = (fa + fb) / 2.0 * np.hypot(dr, dc) * cell_m
        ok = np.isfinite(weight)
        tails.append(a.ravel()[ok])
        heads.append(b.ravel()[ok])
        weights.append(weight[ok])
    return csr_matrix((np.concatenate(weights), (np.concatenate(tails), np.concatenate(heads))), shape=(h * w, h * w))


def reference_minutes(friction: np.ndarray, cell_m: float, rows, cols) -> tuple[np.ndarray, np.ndarray]:
    """Minutes from the nearest start to every cell, and which start, by scipy's Dijkstra.

    Parameters
    ----------
    friction : numpy.ndarray
    cell_m : float
    rows, cols : array-like of int
        The starts' cells.

    Returns
    -------
    tuple of (minutes, start)
        ``start`` is the index of the start (-1 where none reaches).
    """
    h, w = friction.shape
    starts = np.asarray(rows, np.int64) * w + np.asarray(cols, np.int64)
    minutes, _, sources = dijkstra(
        grid_graph(friction, cell_m), indices=starts, min_only=True, return_predecessors=True
    )
    which = np.full(h * w, -1, np.int32)
    which[starts] = np.arange(len(starts), dtype=np.int32)
    start = np.where(sources >= 0, which[np.maximum(sources, 0)], -1)
    return minutes.reshape(h, w), start.reshape(h, w)
