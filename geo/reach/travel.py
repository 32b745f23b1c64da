"""Travel time over a friction surface (docs/reach.md#travel-time): from many
starts at once, with the start each cell is nearest to in time.

**Cost distance.** ``skimage.graph.MCP_Geometric`` (scikit-image's
minimum-cost-path, a Dijkstra over the 8-connected grid in Cython): a step
between neighbouring cells costs the mean of their frictions times the
step's length (one cell, or √2 cells diagonally), so with friction in
minutes per metre and ``sampling`` the cell size in metres the cumulative
cost is minutes. One run serves every start. Cells of infinite friction are
never entered. ``tests/reach/test_travel.py`` checks it against
scipy's Dijkstra on the same graph built independently
(:mod:`geo.reach.baseline`); ``bench/reach.py`` measures both.

*Why not pgRouting on the road graph:* a road graph knows nothing of the
villages off the roads, of walking to them across land cover, of rivers
cutting a track; travel time is a property of the ground, and a raster
cost-distance answers it for every cell at once (a community anywhere, an
hours raster, people within N hours) where a network search answers only
for nodes. Measured in ``bench/reach.py``: the 1 km surface of the whole
mission area (0.8 M cells) from 40 sites takes 0.37 s, 4.5× faster than
scipy's Dijkstra and equal to it within 4 × 10⁻¹⁶.

**Which start.** MCP's traceback says, per cell, which neighbour it was
reached from; the start is found by pointer jumping — every cell's
predecessor replaced by its predecessor's predecessor, ⌈log₂ longest
path⌉ times — vectorised over the whole grid (no per-cell Python loop).

**Starts and places on water.** A start (a site) whose cell is a barrier
(a base on a riverbank, at the grid's resolution) starts from its nearest
passable cell within :data:`SNAP_CELLS` cells. A place whose cell is a
barrier takes the best of its passable neighbours' times (see
:meth:`TravelSurface.at`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from skimage.graph import MCP_Geometric

from geo.rasters.grid import Grid
from geo.reach.grid import to_grid_xy

SNAP_CELLS = 2


def snap_starts(friction: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Move each start off a barrier to the nearest passable cell (Chebyshev rings up to :data:`SNAP_CELLS`).

    Parameters
    ----------
    friction : numpy.ndarray
    rows, cols : numpy.ndarray of int
        The starts' cells.

    Returns
    -------
    tuple of (rows, cols, usable)
        ``usable`` is False for a start with no passable cell near it.
    """
    h, w = friction.shape
    rows, cols = np.array(rows, np.int64), np.array(cols, np.int64)
    usable = np.isfinite(friction[rows, cols])
    for i in np.flatnonzero(~usable):
        for ring in range(1, SNAP_CELLS + 1):
            rr, cc = np.mgrid[-ring : ring + 1, -ring : ring + 1]
            rr, cc = rows[i] + rr.ravel(), cols[i] + cc.ravel()
            ok = (rr >= 0) & (rr < h) & (cc >= 0) & (cc < w)
            rr, cc = rr[ok], cc[ok]
            passable = np.isfinite(friction[rr, cc])
            if passable.any():
                j = np.argmin(np.where(passable, np.hypot(rr - rows[i], cc - cols[i]), np.inf))
                rows[i], cols[i], usable[i] = rr[j], cc[j], True
                break
    return rows, cols, usable


def cost_distance(
    friction: np.ndarray, cell_m: float, rows: np.ndarray, cols: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Minutes from the nearest start to every cell, and which start.

    Parameters
    ----------
    friction : numpy.ndarray
        Minutes per metre; ``inf`` impassable.
    cell_m : float
        The cell size (metres).
    rows, cols : numpy.ndarray of int
        The starts' cells (passable ones; see :func:`snap_starts`).

    Returns
    -------
    tuple of (minutes, start)
        ``minutes``: float64, ``inf`` where no start reaches; ``start``: the
        index of the nearest start (int32), -1 where none reaches.
    """
    h, w = friction.shape
    if len(rows) == 0:
        return np.full((h, w), np.inf), np.full((h, w), -1, np.int32)
    mcp = MCP_Geometric(friction, fully_connected=True, sampling=(cell_m, cell_m))
    minutes, traceback = mcp.find_costs(list(zip(rows.tolist(), cols.tolist(), strict=True)))
    offsets = np.asarray(mcp.offsets, np.int64)
    cell = np.arange(h * w, dtype=np.int64)
    step = traceback.ravel().astype(np.int64)
    reached = step >= 0
    pred = cell.copy()
    pred[reached] = cell[reached] - offsets[step[reached], 0] * w - offsets[step[reached], 1]
    while True:  # pointer jumping: each pass doubles how far every pointer reaches
        nxt = pred[pred]
        if np.array_equal(nxt, pred):
            break
        pred = nxt
    label = np.full(h * w, -1, np.int32)
    label[rows * w + cols] = np.arange(len(rows), dtype=np.int32)
    start = label[pred].reshape(h, w)
    start[~np.isfinite(minutes)] = -1
    return minutes, start


@dataclass
class TravelSurface:
    """Hours from the nearest start on a grid: ``hours`` (``inf`` unreachable),
    ``start`` (index into ``site_ids``, -1 none), the ``friction`` it was
    computed on, the ``season`` and where the friction came from."""

    grid: Grid
    hours: np.ndarray
    start: np.ndarray
    friction: np.ndarray
    site_ids: np.ndarray
    season: str
    friction_source: str

    def at(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        """Hours and nearest site id at lon/lat points (``inf``/-1 when unreachable or off the grid).

        A point in a barrier cell (a riverbank village at the grid's
        resolution) takes the best of its passable neighbours.

        Parameters
        ----------
        lon, lat : array-like

        Returns
        -------
        tuple of (hours, site_id)
        """
        x, y = to_grid_xy(self.grid, lon, lat)
        r, c, inside = self.grid.cell_of(x, y)
        hours = np.where(inside, self.hours[r, c], np.inf)
        start = np.where(inside, self.start[r, c], -1)
        wet = inside & ~np.isfinite(self.friction[r, c])
        h, w = self.hours.shape
        for i in np.flatnonzero(wet):
            rr, cc = np.mgrid[r[i] - 1 : r[i] + 2, c[i] - 1 : c[i] + 2]
            ok = (rr >= 0) & (rr < h) & (cc >= 0) & (cc < w)
            rr, cc = rr[ok], cc[ok]
            if len(rr):
                j = int(np.argmin(self.hours[rr, cc]))
                hours[i], start[i] = self.hours[rr[j], cc[j]], self.start[rr[j], cc[j]]
        site = np.where(start >= 0, self.site_ids[np.maximum(start, 0)] if len(self.site_ids) else -1, -1)
        return hours, site.astype(np.int64)


def travel_surface(
    grid: Grid, friction: np.ndarray, site_ids, lon, lat, *, season: str, friction_source: str
) -> TravelSurface:
    """Hours from the nearest of the given sites over ``friction``.

    Parameters
    ----------
    grid : Grid
    friction : numpy.ndarray
        Minutes per metre on ``grid``.
    site_ids : array-like of int
    lon, lat : array-like
        The sites' positions.
    season : str
    friction_source : str
        ``built`` or ``raster <id>`` (reported with results).

    Returns
    -------
    TravelSurface
    """
    site_ids = np.asarray(site_ids, np.int64)
    x, y = to_grid_xy(grid, lon, lat)
    r, c, inside = grid.cell_of(x, y)
    r, c, usable = snap_starts(friction, r, c)
    keep = inside & usable
    minutes, start = cost_distance(friction, grid.cell_size, r[keep], c[keep])
    return TravelSurface(grid, minutes / 60.0, start, friction, site_ids[keep], season, friction_source)
