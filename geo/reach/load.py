"""From PostGIS and the raster catalogue to friction and travel surfaces
(docs/reach.md), through the never-stale caches of :mod:`geo.reach.cache`.

- **The grid** covers every community and mission site (their extent, read
  fresh), grown by 25 km, on the equal-area grid of :mod:`geo.reach.grid` at
  ``cell_m`` (``PEACEMAP_REACH_CELL_M``, 1 000 m by default). An area subset
  of an analysis uses the same grid, so a community's hours do not depend on
  the area asked for.
- **The friction** is the newest friction raster of the catalogue, averaged
  onto the grid (nodata → impassable), when one is loaded; otherwise it is
  built (:func:`geo.reach.friction.build_friction`) from the roads, waterways
  and crossings near the grid and the newest land-cover raster (nearest
  class per cell), in the season asked. A loaded surface is used as it is in
  both seasons: its makers chose its speeds.
- **Travel** runs from the sites given (:class:`Origins`; the analysis
  chooses them: :func:`geo.analysis.load.site_origins`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.models import SRID, Crossing, Road, Waterway
from geo.rasters.catalogue import current, file_of
from geo.rasters.grid import Grid, read_on_grid
from geo.reach import cache
from geo.reach.extent import mission_grid
from geo.reach.friction import Network, build_friction
from geo.reach.season import resolve
from geo.reach.speeds import Speeds
from geo.reach.travel import TravelSurface, travel_surface


@dataclass(frozen=True)
class Origins:
    """The sites travel starts from: ``ids``, ``lon``, ``lat`` (aligned tuples)."""

    ids: tuple[int, ...]
    lon: tuple[float, ...]
    lat: tuple[float, ...]


def _grid_key(grid: Grid) -> tuple:
    return grid.crs.to_wkt(), tuple(grid.transform)[:6], grid.width, grid.height


def read_network(session: Session, grid: Grid) -> Network:
    """Roads, waterways and crossings whose boxes meet the grid.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    grid : Grid

    Returns
    -------
    Network
    """
    env = func.ST_MakeEnvelope(*grid.lonlat_bounds(), SRID)

    def lines(model, *cols):
        rows = session.execute(select(func.ST_AsBinary(model.geom), *cols).where(model.geom.op("&&")(env))).all()
        names = [c.key for c in cols]
        frame = pd.DataFrame([r[1:] for r in rows], columns=names)
        frame.insert(0, "geometry", shapely.from_wkb([bytes(r[0]) for r in rows]) if rows else [])
        return frame

    roads = lines(Road, Road.highway, Road.surface, Road.bridge)
    water = lines(Waterway, Waterway.kind, Waterway.seasonal)
    rows = session.execute(
        select(func.ST_X(Crossing.geom), func.ST_Y(Crossing.geom), Crossing.kind, Crossing.seasonal).where(
            Crossing.geom.op("&&")(env)
        )
    ).all()
    crossings = pd.DataFrame(rows, columns=["lon", "lat", "kind", "seasonal"])
    return Network(roads=roads, waterways=water, crossings=crossings)


def _friction(session: Session, grid: Grid, season: str, speeds: Speeds) -> tuple[np.ndarray, str]:
    # here, not at the top: a server starts without GDAL (bench/README.md, "Cold start")
    from rasterio.enums import Resampling

    loaded = current(session, "friction")
    if loaded is not None:
        values = read_on_grid(file_of(loaded), grid, Resampling.average, fill=np.inf)
        return np.where(values > 0, values, np.inf), f"friction raster {loaded.id} ({loaded.name})"
    landcover = current(session, "landcover")
    classes = None if landcover is None else read_on_grid(file_of(landcover), grid, Resampling.nearest)
    source = "built from roads, rivers and crossings" + (f", land cover {landcover.id}" if landcover else "")
    return build_friction(grid, read_network(session, grid), season, landcover=classes, speeds=speeds), source


def friction_surface(session: Session, grid: Grid, season: str, speeds: Speeds | None = None) -> tuple[np.ndarray, str]:
    """The friction (minutes per metre) on ``grid`` in ``season``, and where it comes from.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    grid : Grid
    season : str
        ``dry`` or ``rainy``.
    speeds : Speeds, optional

    Returns
    -------
    tuple of (numpy.ndarray, str)
    """
    speeds = speeds or Speeds()
    return cache.FRICTION.get(
        session, ("friction", _grid_key(grid), season, speeds.key()), lambda s: _friction(s, grid, season, speeds)
    )


def travel_from(
    session: Session, grid: Grid, season: str, origins: Origins, speeds: Speeds | None = None
) -> TravelSurface:
    """Hours from the nearest of ``origins`` over the season's friction.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    grid : Grid
    season : str
    origins : Origins
    speeds : Speeds, optional

    Returns
    -------
    TravelSurface
    """
    speeds = speeds or Speeds()

    def compute(s: Session) -> TravelSurface:
        friction, source = friction_surface(s, grid, season, speeds)
        return travel_surface(
            grid, friction, origins.ids, origins.lon, origins.lat, season=season, friction_source=source
        )

    return cache.TRAVEL.get(session, ("travel", _grid_key(grid), season, speeds.key(), origins), compute)


def travel_to_sites(
    session: Session,
    as_of: date,
    season: str,
    origins: Origins,
    *,
    cell_m: float | None = None,
    speeds: Speeds | None = None,
) -> TravelSurface | None:
    """Hours from the nearest of ``origins`` over the mission grid, in ``season``.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    as_of : datetime.date
        The season's day when ``season`` is ``auto``.
    season : str
        ``auto``, ``dry`` or ``rainy``.
    origins : Origins
        The sites (:func:`geo.analysis.load.site_origins`: those active on
        ``as_of``, or one site).
    cell_m : float, optional
    speeds : Speeds, optional

    Returns
    -------
    TravelSurface or None
        None when there is no community and no site (no grid).
    """
    grid = mission_grid(session, cell_m)
    if grid is None:
        return None
    return travel_from(session, grid, resolve(season, as_of), origins, speeds)
