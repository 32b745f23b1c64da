"""The mission grid: the equal-area grid (:mod:`geo.reach.grid`) over every
community and mission site, grown by :data:`MARGIN_M`, at the deployment's
cell size. Travel times, population estimates and per-area figures all use
it, so they agree cell for cell, and an area subset of an analysis uses the
same grid as the whole."""

from __future__ import annotations

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from geo.models import Community, Site
from geo.rasters.grid import Grid
from geo.reach.grid import metric_grid
from geo.reach.season import get_reach_settings

MARGIN_M = 25_000.0


def mission_grid(session: Session, cell_m: float | None = None) -> Grid | None:
    """The travel grid over every community and site (None when there are none).

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    cell_m : float, optional
        Default ``PEACEMAP_REACH_CELL_M``.

    Returns
    -------
    Grid or None
    """
    geoms = union_all(select(Community.geom.label("g")), select(Site.geom.label("g"))).subquery()
    box = func.ST_Extent(geoms.c.g)
    row = session.execute(select(func.ST_XMin(box), func.ST_YMin(box), func.ST_XMax(box), func.ST_YMax(box))).one()
    if row[0] is None:
        return None
    return metric_grid(tuple(row), cell_m or get_reach_settings().reach_cell_m, margin_m=MARGIN_M)
