"""What a raster file must be before it is kept, and the reason when it is
not (every refusal names a field: ``file``, ``kind``, ``units``, ``crs``,
``transform`` or ``values``).

- GDAL must read it as a raster (a GeoPackage raster table by ``layer``),
  with **one band** of a real number type.
- It must carry a **CRS** and a **georeference** (a geotransform; ground
  control points alone are refused: warp the file first), and its corners
  must lie on the Earth in that CRS — a file labelled EPSG:4326 whose
  coordinates are metres is refused, naming ``crs``.
- Its **values** must make sense for the kind, outside nodata (NaN always
  counts as nodata):

  - friction: minutes per metre, the Malaria Atlas Project's unit, between
    :data:`MIN_FRICTION` (200 km/h) and :data:`MAX_FRICTION` (0.06 km/h).
    A surface in minutes per kilometre, hours or seconds falls outside.
  - population: people per cell (WorldPop's default) or per km², never
    negative, at most :data:`MAX_DENSITY_KM2` people per km² (the densest
    city districts hold about 70 000).
  - land cover: whole numbers of the IGBP legend (:mod:`geo.rasters.legend`).
  - at least one valid cell.

The whole file is scanned block by block (never held in memory at once).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from geo import vocab
from geo.errors import InvalidInput
from geo.rasters.legend import IGBP

if TYPE_CHECKING:
    import rasterio

MIN_FRICTION = 60.0 / 200_000.0  # minutes per metre at 200 km/h
MAX_FRICTION = 1.0  # minutes per metre: 0.06 km/h, slower than any way across land
MAX_DENSITY_KM2 = 100_000.0
UNITS = {
    "friction": ("minutes_per_metre",),
    "population": ("people_per_cell", "people_per_km2"),
    "landcover": ("igbp_class",),
}
EARTH_RADIUS_KM = 6371.0072  # authalic: cell areas on the sphere of the ellipsoid's area


@dataclass(frozen=True)
class RasterFacts:
    """What a checked file is: everything the catalogue row records."""

    kind: str
    units: str
    crs_wkt: str
    transform: tuple[float, ...]  # GDAL order: x0, dx, rx, y0, ry, dy
    width: int
    height: int
    dtype: str
    nodata: float | None
    bounds: tuple[float, float, float, float]  # lon/lat: west, south, east, north
    low: float
    high: float


def units_for(kind: str, units: str | None) -> str:
    """The units of a raster of ``kind`` (the first allowed when None).

    Parameters
    ----------
    kind : str
        One of ``geo.vocab.RASTER_KINDS``.
    units : str, optional

    Returns
    -------
    str
    """
    if kind not in vocab.RASTER_KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(vocab.RASTER_KINDS)}, not {kind!r}", field="kind")
    allowed = UNITS[kind]
    if units is None:
        return allowed[0]
    if units not in allowed:
        raise InvalidInput(f"a {kind} raster's units are {' or '.join(allowed)}, not {units!r}", field="units")
    return units


@contextmanager
def open_raster(path: Path, layer: str | None = None) -> Iterator[rasterio.DatasetReader]:
    """Open a raster file (``layer``: a GeoPackage raster table), or refuse it naming ``file``.

    Parameters
    ----------
    path : Path
    layer : str, optional

    Returns
    -------
    context manager of rasterio.DatasetReader
    """
    import rasterio  # here, not at the top: a server starts without GDAL (bench/README.md, "Cold start")
    from rasterio.errors import NotGeoreferencedWarning, RasterioIOError

    target = f"GPKG:{path}:{layer}" if layer else str(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)  # checked below, with a reason
            ds = rasterio.open(target)
    except RasterioIOError as exc:
        raise InvalidInput(
            f"cannot read {path.name} as a raster (GeoTIFF, Cloud-Optimized GeoTIFF, GeoPackage raster, …)",
            field="file",
            cause=str(exc).replace(str(path), path.name),
        ) from None
    try:
        yield ds
    finally:
        ds.close()


def _georeference(ds, name: str) -> tuple[float, float, float, float]:
    if ds.crs is None:
        raise InvalidInput(f"{name} has no coordinate reference system; set one (gdal_edit.py -a_srs)", field="crs")
    if ds.transform.is_identity:
        why = "only ground control points: warp it first (gdalwarp)" if ds.gcps[0] else "no geotransform"
        raise InvalidInput(f"{name} is not georeferenced ({why})", field="transform")
    left, bottom, right, top = ds.bounds
    if ds.crs.is_geographic and not (-360.0 <= left < right <= 360.0 and -90.0 <= bottom < top <= 90.0):
        raise InvalidInput(
            f"{name}'s corners ({left:g}, {bottom:g}, {right:g}, {top:g}) are not degrees, but its CRS is "
            f"geographic: the CRS is probably wrong",
            field="crs",
        )
    from rasterio.crs import CRS
    from rasterio.warp import transform_bounds

    # PROJ answers inf for points outside a projection's domain.
    west, south, east, north = transform_bounds(ds.crs, CRS.from_epsg(4326), *ds.bounds, densify_pts=21)
    if not all(map(math.isfinite, (west, south, east, north))) or not (-90 <= south < north <= 90):
        raise InvalidInput(f"{name}'s corners are not on the Earth in its CRS: the CRS is probably wrong", field="crs")
    return max(west, -180.0), south, min(east, 180.0), north


def _cell_km2(ds, rows: np.ndarray) -> np.ndarray:
    """Area of the cells of these rows (km²): on the sphere for a geographic CRS."""
    t = ds.transform
    if ds.crs.is_geographic:
        lat1 = np.radians(t.f + t.e * rows)
        lat2 = np.radians(t.f + t.e * (rows + 1))
        return EARTH_RADIUS_KM**2 * math.radians(abs(t.a)) * np.abs(np.sin(lat1) - np.sin(lat2))
    metres = ds.crs.linear_units_factor[1]
    return np.full(len(rows), abs(t.a * t.e - t.b * t.d) * metres**2 / 1e6)


def _scan(ds, kind: str, units: str, name: str) -> tuple[float, float]:
    low, high, valid, codes = math.inf, -math.inf, 0, set()
    nodata = ds.nodata
    for _, window in ds.block_windows(1):
        a = ds.read(1, window=window).astype(np.float64, copy=False)
        ok = ~np.isnan(a) if nodata is None or math.isnan(nodata) else ~np.isnan(a) & (a != nodata)
        if not ok.any():
            continue
        v = a[ok]
        valid += v.size
        low, high = min(low, float(v.min())), max(high, float(v.max()))
        if kind == "landcover":
            if (v != np.round(v)).any():
                raise InvalidInput(
                    f"{name} holds non-integer land-cover values (e.g. {v[v != np.round(v)][0]:g})", field="values"
                )
            codes.update(np.unique(v).astype(np.int64).tolist())
        if kind == "population" and units == "people_per_cell":
            rows = np.arange(window.row_off, window.row_off + window.height)
            density = (a / _cell_km2(ds, rows)[:, None])[ok]
            if density.max() > MAX_DENSITY_KM2:
                raise InvalidInput(
                    f"{name} holds {density.max():,.0f} people per km² in a cell; more than {MAX_DENSITY_KM2:,.0f} "
                    "is not a population (are the units people per cell?)",
                    field="values",
                )
    if not valid:
        raise InvalidInput(f"{name} has no valid cell (every cell is nodata)", field="values")
    if kind == "friction" and low < MIN_FRICTION:
        raise InvalidInput(
            f"{name} holds friction {low:g} minutes per metre (faster than 200 km/h, or zero or negative): "
            "friction is minutes per metre, as in the Malaria Atlas Project surfaces",
            field="values",
        )
    if kind == "friction" and high > MAX_FRICTION:
        raise InvalidInput(
            f"{name} holds friction {high:g} minutes per metre ({0.06 / high:.3g} km/h), above the plausible "
            f"maximum {MAX_FRICTION:g} (0.06 km/h): are the units minutes per metre?",
            field="values",
        )
    if kind == "population" and low < 0:
        raise InvalidInput(f"{name} holds a negative population ({low:g})", field="values")
    if kind == "population" and units == "people_per_km2" and high > MAX_DENSITY_KM2:
        raise InvalidInput(
            f"{name} holds {high:,.0f} people per km²; more than {MAX_DENSITY_KM2:,.0f} is not a population density",
            field="values",
        )
    unknown = sorted(codes - set(IGBP))
    if unknown:
        raise InvalidInput(
            f"{name} holds land-cover codes outside the IGBP legend (0–17): {', '.join(map(str, unknown[:10]))}; "
            "set the file's nodata if one of them means no data",
            field="values",
        )
    return low, high


def inspect(path: Path, kind: str, units: str | None = None, layer: str | None = None) -> RasterFacts:
    """Check a raster file for ``kind`` and describe it, or refuse it with the reason.

    Parameters
    ----------
    path : Path
    kind : str
        ``friction``, ``population`` or ``landcover``.
    units : str, optional
        Population only: ``people_per_cell`` (default) or ``people_per_km2``.
    layer : str, optional
        A raster table of a GeoPackage.

    Returns
    -------
    RasterFacts
    """
    units = units_for(kind, units)
    with open_raster(path, layer) as ds:
        name = path.name
        if ds.count != 1:
            raise InvalidInput(f"{name} has {ds.count} bands; a {kind} raster has one", field="file")
        if np.dtype(ds.dtypes[0]).kind not in "iuf":
            raise InvalidInput(f"{name} holds {ds.dtypes[0]} values, not real numbers", field="file")
        bounds = _georeference(ds, name)
        low, high = _scan(ds, kind, units, name)
        return RasterFacts(
            kind=kind,
            units=units,
            crs_wkt=ds.crs.to_wkt(),
            transform=tuple(ds.transform.to_gdal()),
            width=ds.width,
            height=ds.height,
            dtype=ds.dtypes[0],
            nodata=None if ds.nodata is None else float(ds.nodata),
            bounds=bounds,
            low=low,
            high=high,
        )
