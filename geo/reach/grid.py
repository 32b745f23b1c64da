"""The metric grid travel times are computed on (docs/reach.md#grid).

A Lambert azimuthal equal-area projection centred on the area: cells are
true squares of ``cell_m`` metres of area, so a cell of population is a
density times a known area, and distances along the grid are metres to
within the projection's scale error — below 0.08 % within 500 km of the
centre (the radial scale is cos(c/2), c the angular distance; at 500 km
cos(0.039) = 0.99924), less than across one UTM zone's width at the edge of
a 900 km mission area (0.23 % at 4.25° from the central meridian).

The grid covers the given lon/lat box grown by ``margin_m`` on every side,
snapped to whole cells. It has at most ``max_cells`` cells: when the box is
too large for the cell size asked, the cell size grows (by whole metres) to
fit, and the grid says which it used.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import shapely
from affine import Affine
from pyproj import Transformer

from geo.errors import InvalidInput
from geo.rasters.grid import Grid

if TYPE_CHECKING:
    from rasterio.crs import CRS

MAX_CELLS = 12_000_000  # 250 m over 1 000 × 700 km is 11.2 M
MIN_CELL_M, MAX_CELL_M = 100.0, 50_000.0


def laea(lon: float, lat: float) -> CRS:
    """An equal-area CRS centred on ``lon``, ``lat`` (WGS84).

    Parameters
    ----------
    lon, lat : float

    Returns
    -------
    rasterio.crs.CRS
    """
    from rasterio.crs import CRS  # here, not at the top: a server starts without GDAL (bench/README.md, "Cold start")

    return CRS.from_proj4(f"+proj=laea +lat_0={lat:.4f} +lon_0={lon:.4f} +datum=WGS84 +units=m +no_defs")


def metric_grid(
    box: tuple[float, float, float, float], cell_m: float, *, margin_m: float = 25_000.0, max_cells: int = MAX_CELLS
) -> Grid:
    """The equal-area grid over a lon/lat box.

    Parameters
    ----------
    box : tuple of 4 float
        west, south, east, north (lon/lat).
    cell_m : float
        Cell size asked for (metres).
    margin_m : float
        Added on every side.
    max_cells : int
        The most cells; the cell size grows to stay under it.

    Returns
    -------
    Grid
    """
    if not (MIN_CELL_M <= cell_m <= MAX_CELL_M):
        raise InvalidInput(f"cell_size_m must be between {MIN_CELL_M:g} and {MAX_CELL_M:g} metres", field="cell_size_m")
    west, south, east, north = box
    crs = laea((west + east) / 2, (south + north) / 2)
    to_grid = Transformer.from_crs("EPSG:4326", crs.to_wkt(), always_xy=True)
    edge = np.linspace(0.0, 1.0, 51)
    lons = np.concatenate(
        [west + (east - west) * edge, np.full(51, east), west + (east - west) * edge, np.full(51, west)]
    )
    lats = np.concatenate(
        [np.full(51, south), south + (north - south) * edge, np.full(51, north), south + (north - south) * edge]
    )
    x, y = to_grid.transform(lons, lats)
    left, right = float(np.min(x)) - margin_m, float(np.max(x)) + margin_m
    bottom, top = float(np.min(y)) - margin_m, float(np.max(y)) + margin_m
    cells = (right - left) * (top - bottom) / cell_m**2
    if cells > max_cells:
        cell_m = math.ceil(cell_m * math.sqrt(cells / max_cells))
    left, bottom = math.floor(left / cell_m) * cell_m, math.floor(bottom / cell_m) * cell_m
    width, height = math.ceil((right - left) / cell_m), math.ceil((top - bottom) / cell_m)
    return Grid(crs, Affine(cell_m, 0.0, left, 0.0, -cell_m, bottom + height * cell_m), width, height)


def to_grid_xy(grid: Grid, lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat points in the grid's CRS.

    Parameters
    ----------
    grid : Grid
    lon, lat : array-like

    Returns
    -------
    tuple of numpy.ndarray
    """
    t = Transformer.from_crs("EPSG:4326", grid.crs.to_wkt(), always_xy=True)
    x, y = t.transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(x, float), np.asarray(y, float)


SEGMENT_DEG = 0.01  # lines are densified before projection (≈1.1 km): straight in lon/lat stays so


def project(grid: Grid, geoms) -> np.ndarray:
    """Lon/lat geometries in the grid's CRS, densified first so long edges follow their lon/lat course.

    Parameters
    ----------
    grid : Grid
    geoms : array-like of shapely geometries

    Returns
    -------
    numpy.ndarray of shapely geometries
    """
    t = Transformer.from_crs("EPSG:4326", grid.crs.to_wkt(), always_xy=True)
    dense = shapely.segmentize(np.asarray(geoms, dtype=object), SEGMENT_DEG)
    return shapely.transform(dense, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))
