"""Population where nobody counted it (docs/reach.md#population).

**People on the grid.** The newest population raster of the catalogue is
brought onto the travel grid (:func:`geo.reach.load.mission_grid`, equal
area) as people per cell: a raster of people per cell (WorldPop's default)
with GDAL's ``sum`` resampling, which keeps the total (each source cell's
people are shared among the grid cells it overlaps; measured within 0.1 %,
``tests/reach/test_population.py``); a raster of people per
km² with ``average``, times the cell's area.

**Estimates for communities.** A community's catchment is the grid cells
nearer to it than to any other community (its Voronoi cell, on cell
centres) and within :data:`CATCHMENT_M` (5 km) of it; its estimate is the
people of those cells, rounded. Every community takes part in the
partition, but only one **without a recorded population** gets the
estimate, marked ``population_estimated``; a recorded figure is never
replaced. A community whose catchment holds no raster data (off the
raster) gets none. At the default 1 km cells a full catchment holds about 78
cells.

Estimates are kept in a never-stale cache (:mod:`geo.reach.cache`: a new
community or raster recomputes them).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.models import Community, Raster
from geo.rasters.catalogue import current, file_of
from geo.rasters.grid import Grid, read_on_grid
from geo.reach import cache
from geo.reach.extent import mission_grid
from geo.reach.grid import to_grid_xy

CATCHMENT_M = 5_000.0


def people_on_grid(row: Raster, grid: Grid) -> np.ndarray:
    """People per grid cell from a catalogue population raster (NaN where it has no data).

    Parameters
    ----------
    row : Raster
        A ``population`` raster.
    grid : Grid
        An equal-area metric grid.

    Returns
    -------
    numpy.ndarray of float64
    """
    # here, not at the top: a server starts without GDAL (bench/README.md, "Cold start")
    from rasterio.enums import Resampling

    if row.units == "people_per_cell":
        return read_on_grid(file_of(row), grid, Resampling.sum)
    km2 = grid.cell_size**2 / 1e6
    return read_on_grid(file_of(row), grid, Resampling.average) * km2


def catchment_estimates(grid: Grid, people: np.ndarray, lon, lat, radius_m: float = CATCHMENT_M) -> np.ndarray:
    """Each point's people: the cells nearer to it than to any other point and within ``radius_m``.

    Parameters
    ----------
    grid : Grid
    people : numpy.ndarray
        People per cell (NaN: no data).
    lon, lat : array-like
        The communities.
    radius_m : float

    Returns
    -------
    numpy.ndarray of float64
        NaN for a point whose catchment holds no data.
    """
    n = len(lon)
    if n == 0:
        return np.zeros(0)
    x, y = to_grid_xy(grid, lon, lat)
    from scipy.spatial import cKDTree  # scipy.spatial takes ~1 s to import: on first use (cold start)

    tree = cKDTree(np.column_stack([x, y]))
    rows, cols = np.nonzero(np.isfinite(people))
    cx = grid.transform.c + (cols + 0.5) * grid.transform.a
    cy = grid.transform.f + (rows + 0.5) * grid.transform.e
    dist, nearest = tree.query(np.column_stack([cx, cy]), distance_upper_bound=radius_m)
    owner = np.asarray(nearest)
    kept = np.isfinite(dist)
    total = np.bincount(owner[kept], weights=people[rows[kept], cols[kept]], minlength=n)
    covered = np.bincount(owner[kept], minlength=n) > 0
    return np.where(covered, total, np.nan)


def _estimates(session: Session, grid: Grid, raster: Raster) -> pd.Series:
    rows = session.execute(
        select(Community.id, func.ST_X(Community.geom), func.ST_Y(Community.geom), Community.population).order_by(
            Community.id
        )
    ).all()
    frame = pd.DataFrame(rows, columns=["id", "lon", "lat", "population"])
    people = catchment_estimates(grid, people_on_grid(raster, grid), frame["lon"], frame["lat"])
    recorded = frame["population"].notna().to_numpy()
    estimate = np.where(recorded | np.isnan(people), np.nan, np.round(people))
    return pd.Series(estimate, index=frame["id"].to_numpy(np.int64), name="population_estimate")


def community_estimates(session: Session) -> pd.Series | None:
    """Estimated people of the communities without a recorded population
    (None without a population raster), on the mission grid.

    Parameters
    ----------
    session : sqlalchemy.orm.Session

    Returns
    -------
    pandas.Series or None
        Community id → estimate (NaN: recorded, or no data).
    """
    raster = current(session, "population")
    grid = None if raster is None else mission_grid(session)
    if raster is None or grid is None:
        return None
    key = ("estimates", grid.crs.to_wkt(), tuple(grid.transform)[:6], grid.width, grid.height, raster.id)
    return cache.POPULATION.get(session, key, lambda s: _estimates(s, grid, raster))


def with_estimates(
    population: np.ndarray, ids: np.ndarray, estimates: pd.Series | None
) -> tuple[np.ndarray, np.ndarray]:
    """Recorded populations, completed by the estimates where none was recorded.

    Parameters
    ----------
    population : numpy.ndarray
        Recorded (NaN: none).
    ids : numpy.ndarray
        The communities' ids.
    estimates : pandas.Series or None

    Returns
    -------
    tuple of (population, estimated)
        ``estimated`` marks the rows that took an estimate.
    """
    if estimates is None or not len(ids):
        return population, np.zeros(len(ids), bool)
    guess = estimates.reindex(ids).to_numpy(float)
    estimated = np.isnan(population) & ~np.isnan(guess)
    return np.where(estimated, guess, population), estimated
