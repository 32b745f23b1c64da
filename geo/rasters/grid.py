"""Grids and reading rasters onto them: every layer the reach analyses
combine (land cover, a friction surface, population, rasterised roads and
rivers) is brought onto one :class:`Grid` — a CRS, an affine transform and a
shape — through a ``WarpedVRT``, which reads only the source windows the
grid covers and resamples on the fly (rasterio, GDAL's warper).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from affine import Affine

if TYPE_CHECKING:
    from rasterio.crs import CRS
    from rasterio.enums import Resampling


@dataclass(frozen=True)
class Grid:
    """A raster grid: ``height`` × ``width`` cells of ``transform`` in ``crs``
    (north up: ``transform.e`` < 0)."""

    crs: CRS
    transform: Affine
    width: int
    height: int

    @property
    def shape(self) -> tuple[int, int]:
        return self.height, self.width

    @property
    def cell_size(self) -> float:
        """The cell's side, in the CRS units (square cells)."""
        return abs(self.transform.a)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """left, bottom, right, top in the grid CRS."""
        t = self.transform
        return t.c, t.f + t.e * self.height, t.c + t.a * self.width, t.f

    def lonlat_bounds(self) -> tuple[float, float, float, float]:
        """west, south, east, north in EPSG:4326 (densified edges)."""
        # here, not at the top: a server starts without GDAL (bench/README.md, "Cold start")
        from rasterio.crs import CRS
        from rasterio.warp import transform_bounds

        return transform_bounds(self.crs, CRS.from_epsg(4326), *self.bounds, densify_pts=51)

    def cell_of(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Row and column of the cells holding grid-CRS points, and whether each is on the grid.

        Parameters
        ----------
        x, y : numpy.ndarray
            Coordinates in the grid CRS.

        Returns
        -------
        tuple of (rows, cols, inside)
        """
        col, row = ~self.transform @ (np.asarray(x, float), np.asarray(y, float))
        row, col = np.floor(row).astype(np.int64), np.floor(col).astype(np.int64)
        inside = (row >= 0) & (row < self.height) & (col >= 0) & (col < self.width)
        return np.where(inside, row, 0), np.where(inside, col, 0), inside


def read_on_grid(
    path: Path, grid: Grid, resampling: Resampling, *, fill: float = np.nan, dtype: str = "float64"
) -> np.ndarray:
    """A raster file's first band on ``grid``: nodata (and cells the file does not cover) as ``fill``.

    Parameters
    ----------
    path : Path
        Any raster GDAL reads (the catalogue's COGs).
    grid : Grid
    resampling : rasterio.enums.Resampling
        ``nearest`` for classes, ``average`` for quantities.
    fill : float
        The value where the source has no data.
    dtype : str

    Returns
    -------
    numpy.ndarray
        ``grid.shape``.
    """
    import rasterio  # here, not at the top: a server starts without GDAL (bench/README.md, "Cold start")
    from rasterio.vrt import WarpedVRT

    with rasterio.open(path) as src:
        nodata = src.nodata
        with WarpedVRT(
            src,
            crs=grid.crs,
            transform=grid.transform,
            width=grid.width,
            height=grid.height,
            resampling=resampling,
            src_nodata=nodata if nodata is not None else (np.nan if src.dtypes[0].startswith("float") else None),
            nodata=np.nan,
            dtype="float64",
            tolerance=0.001,  # near-exact coordinate transformation: sums keep their total
        ) as vrt:
            a = vrt.read(1)
    out = np.where(np.isnan(a), fill, a)
    return out.astype(dtype, copy=False)


def geotiff_bytes(
    array: np.ndarray, grid: Grid, *, nodata: float | None, description: str, tags: dict | None = None
) -> bytes:
    """A deflated, tiled GeoTIFF of one band on ``grid``.

    Parameters
    ----------
    array : numpy.ndarray
        ``grid.shape``.
    grid : Grid
    nodata : float or None
    description : str
        The band's description.
    tags : dict, optional
        Metadata tags (values as text).

    Returns
    -------
    bytes
    """
    # here, not at the top: a server starts without GDAL (bench/README.md, "Cold start")
    from rasterio.io import MemoryFile

    with MemoryFile() as mem:
        with mem.open(
            driver="GTiff",
            width=grid.width,
            height=grid.height,
            count=1,
            dtype=array.dtype.name,
            crs=grid.crs,
            transform=grid.transform,
            nodata=nodata,
            compress="deflate",
            tiled=True,
            blockxsize=256,
            blockysize=256,
        ) as ds:
            ds.write(array, 1)
            ds.set_band_description(1, description)
            ds.update_tags(**{k: str(v) for k, v in (tags or {}).items()})
        return mem.read()


def degrees_per_metre(lat: float) -> tuple[float, float]:
    """Approximate degrees of longitude and latitude per metre at ``lat`` (for margins only).

    Parameters
    ----------
    lat : float

    Returns
    -------
    tuple of (float, float)
    """
    return 1 / (111_320.0 * max(math.cos(math.radians(lat)), 0.01)), 1 / 110_574.0
