"""The catalogue's rasters inside the GeoPackage export, so one file carries
everything a field office needs offline (docs/reach.md).

Each raster becomes a GeoPackage *2D gridded coverage* table (OGC 17-066r1,
GDAL's GPKG raster driver: float32 TIFF tiles) named ``raster_<kind>_<id>``,
in its own CRS and georeference, with its nodata as the coverage's
``data_null``. QGIS opens the tables as raster layers and ``peacemap import
KIND export.gpkg --layer raster_…`` reads one back. With a ``bbox`` each
raster is cut to it (whole cells).

GDAL's GPKG writer does not carry the nodata value of a gridded coverage
through rasterio, so it is written into the coverage's ancillary table
(``gpkg_2d_gridded_coverage_ancillary.data_null``) with SQLite after the
tiles: that table is the standard's place for it, and where GDAL reads it.
"""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from affine import Affine
from sqlalchemy.orm import Session

from geo.models import Raster
from geo.rasters.catalogue import file_of, list_rasters

if TYPE_CHECKING:
    from rasterio.windows import Window


def table_name(row: Raster) -> str:
    """The GeoPackage table of a catalogue raster.

    Parameters
    ----------
    row : Raster

    Returns
    -------
    str
    """
    return f"raster_{row.kind}_{row.id}"


def _window(src, bbox: tuple[float, float, float, float] | None) -> Window | None:
    from rasterio.crs import CRS
    from rasterio.warp import transform_bounds
    from rasterio.windows import Window, from_bounds

    if bbox is None:
        return Window(0, 0, src.width, src.height)
    left, bottom, right, top = transform_bounds(CRS.from_epsg(4326), src.crs, *bbox, densify_pts=21)
    w = from_bounds(left, bottom, right, top, src.transform)
    col0, row0 = max(0, math.floor(w.col_off)), max(0, math.floor(w.row_off))
    col1 = min(src.width, math.ceil(w.col_off + w.width))
    row1 = min(src.height, math.ceil(w.row_off + w.height))
    return None if col1 <= col0 or row1 <= row0 else Window(col0, row0, col1 - col0, row1 - row0)


def write_raster_tables(
    session: Session, path: str | Path, *, bbox: tuple[float, float, float, float] | None = None
) -> dict[str, int]:
    """Append every catalogue raster to the GeoPackage at ``path`` (which must exist).

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    path : str or Path
        A GeoPackage written by :func:`geo.io.export.write_geopackage`.
    bbox : tuple of 4 float, optional
        Lon/lat box to cut each raster to (a raster outside it is left out).

    Returns
    -------
    dict of str to int
        Table name → cells written.
    """
    import rasterio  # here, not at the top: a server starts without GDAL (bench/README.md, "Cold start")

    written: dict[str, int] = {}
    for row in list_rasters(session):
        with rasterio.open(file_of(row)) as src:
            window = _window(src, bbox)
            if window is None:
                continue
            data = src.read(1, window=window).astype(np.float32)
            profile = {
                "driver": "GPKG",
                "width": int(window.width),
                "height": int(window.height),
                "count": 1,
                "dtype": "float32",
                "crs": src.crs,
                # = src.window_transform(window), whose rasterio 1.4 code still applies the transform with the
                # deprecated `*` (a warning per raster); `@` is affine's own operator.
                "transform": src.transform @ Affine.translation(window.col_off, window.row_off),
            }
        name = table_name(row)
        with rasterio.open(path, "w", **profile, RASTER_TABLE=name, APPEND_SUBDATASET="YES", TILE_FORMAT="TIFF") as dst:
            dst.write(data, 1)
        if row.nodata is not None:
            with sqlite3.connect(path) as db:
                db.execute(
                    "UPDATE gpkg_2d_gridded_coverage_ancillary SET data_null = ? WHERE tile_matrix_set_name = ?",
                    (row.nodata, name),
                )
        written[name] = data.size
    return written
