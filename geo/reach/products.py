"""What a travel surface is delivered as (docs/reach.md#travel-time): hours
per community (GeoJSON), the hours raster (GeoTIFF, in the grid's
equal-area CRS) and the coloured overlay of the map (a PNG in Web Mercator,
the CRS Leaflet draws in, with its lon/lat bounds).

The overlay's classes are declared once, in :mod:`geo.reach.hours`: the PNG
is coloured with them and the map's legend (``layers/travel_time.py``) is
built from them.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.models import Community
from geo.rasters.grid import geotiff_bytes
from geo.reach.hours import HOURS_CLASSES, UNREACHABLE
from geo.reach.travel import TravelSurface

OVERLAY_ALPHA = 170
MAX_OVERLAY_PX = 1600
NODATA_HOURS = -1.0


def community_hours(session: Session, surface: TravelSurface) -> pd.DataFrame:
    """Every community with its hours and nearest site on ``surface``.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    surface : TravelSurface

    Returns
    -------
    pandas.DataFrame
        ``community_id``, ``name``, ``lon``, ``lat``, ``travel_hours`` (NaN:
        unreachable), ``travel_site_id`` (-1: none), ``unreachable``; by id.
    """
    rows = session.execute(
        select(Community.id, Community.name, func.ST_X(Community.geom), func.ST_Y(Community.geom)).order_by(
            Community.id
        )
    ).all()
    t = pd.DataFrame(rows, columns=["community_id", "name", "lon", "lat"])
    hours, site = surface.at(t["lon"].to_numpy(float), t["lat"].to_numpy(float))
    t["unreachable"] = ~np.isfinite(hours) & (len(surface.site_ids) > 0)
    t["travel_hours"] = np.where(np.isfinite(hours), hours, np.nan)
    t["travel_site_id"] = site
    return t


def hours_features(rows: pd.DataFrame) -> list[dict]:
    """Rows of :func:`community_hours` as GeoJSON points (NaN hours and site -1 as null).

    Parameters
    ----------
    rows : pandas.DataFrame

    Returns
    -------
    list of dict
    """
    return [
        {
            "type": "Feature",
            "id": int(cid),
            "geometry": {"type": "Point", "coordinates": [float(lon), float(lat)]},
            "properties": {
                "community_id": int(cid),
                "name": name,
                "travel_hours": None if math.isnan(h) else round(float(h), 4),
                "travel_site_id": None if site < 0 else int(site),
                "unreachable": bool(cut),
            },
        }
        for cid, name, lon, lat, h, site, cut in zip(
            rows["community_id"],
            rows["name"],
            rows["lon"],
            rows["lat"],
            rows["travel_hours"],
            rows["travel_site_id"],
            rows["unreachable"],
            strict=True,
        )
    ]


def hours_geotiff(surface: TravelSurface, tags: dict) -> bytes:
    """The hours raster: float32, ``-1`` where no site reaches (nodata).

    Parameters
    ----------
    surface : TravelSurface
    tags : dict
        Metadata tags (what it was computed from).

    Returns
    -------
    bytes
    """
    hours = np.where(np.isfinite(surface.hours), surface.hours, NODATA_HOURS).astype(np.float32)
    return geotiff_bytes(hours, surface.grid, nodata=NODATA_HOURS, description="hours to the nearest site", tags=tags)


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def classify(hours: np.ndarray) -> np.ndarray:
    """The class of each cell: 0 … len(HOURS_CLASSES)-1, ``len`` for unreachable.

    Parameters
    ----------
    hours : numpy.ndarray
        ``inf`` unreachable.

    Returns
    -------
    numpy.ndarray of int
    """
    uppers = np.array([u for u, _, _ in HOURS_CLASSES if u is not None])
    cls = np.searchsorted(uppers, hours, side="left")  # h ≤ upper falls in that class
    return np.where(np.isfinite(hours), cls, len(HOURS_CLASSES))


def overlay_png(surface: TravelSurface) -> tuple[bytes, tuple[float, float, float, float]]:
    """The coloured hours in Web Mercator, and its lon/lat bounds (west, south, east, north).

    Parameters
    ----------
    surface : TravelSurface

    Returns
    -------
    tuple of (bytes, tuple of 4 float)
    """
    from rasterio.crs import CRS  # here, not at the top: a server starts without GDAL (bench/README.md, "Cold start")
    from rasterio.enums import Resampling
    from rasterio.errors import NotGeoreferencedWarning
    from rasterio.io import MemoryFile
    from rasterio.warp import calculate_default_transform, reproject, transform_bounds

    grid = surface.grid
    mercator = CRS.from_epsg(3857)
    transform, width, height = calculate_default_transform(grid.crs, mercator, grid.width, grid.height, *grid.bounds)
    scale = max(1.0, max(width, height) / MAX_OVERLAY_PX)
    width, height = math.ceil(width / scale), math.ceil(height / scale)
    transform = transform @ transform.scale(scale)
    cls = np.full((height, width), 255, np.uint8)
    # Water and other barriers stay transparent; land no site reaches has its own colour.
    source = np.where(np.isfinite(surface.friction), classify(surface.hours), 255).astype(np.uint8)
    reproject(
        source,
        cls,
        src_transform=grid.transform,
        src_crs=grid.crs,
        dst_transform=transform,
        dst_crs=mercator,
        resampling=Resampling.nearest,
        src_nodata=255,
        dst_nodata=255,
    )
    palette = np.zeros((256, 4), np.uint8)
    for i, (_, colour, _) in enumerate(HOURS_CLASSES):
        palette[i] = (*_rgb(colour), OVERLAY_ALPHA)
    palette[len(HOURS_CLASSES)] = (*_rgb(UNREACHABLE[0]), OVERLAY_ALPHA)
    rgba = palette[cls].transpose(2, 0, 1)
    with MemoryFile() as mem, warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)  # a plain image: its bounds travel beside it
        with mem.open(driver="PNG", width=width, height=height, count=4, dtype="uint8") as ds:
            ds.write(rgba)
        data = mem.read()
    left, top = transform.c, transform.f
    right, bottom = left + transform.a * width, top + transform.e * height
    west, south, east, north = transform_bounds(mercator, CRS.from_epsg(4326), left, bottom, right, top)
    return data, (west, south, east, north)
