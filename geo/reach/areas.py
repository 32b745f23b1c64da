"""Reach per admin area (docs/reach.md#per-area): the planners' coverage
indicators, added to the area choropleth (:mod:`geo.analysis.areas`), the
API and the GeoPackage export.

- ``people``: the people of the area — with a population raster, the
  raster's people in the grid cells whose centre falls in the area
  (:func:`geo.reach.population.people_on_grid`); without one, the recorded
  populations of the communities linked to the area
  (``population_basis`` says which).
- ``people_within_hours``: of those, the people within ``hours`` (default
  6) of an active mission site: the cells (raster) or communities whose
  travel time, in the season of ``as_of``, is at most ``hours``;
  ``share_within_hours`` their share.
- ``engaged_share``: the share of the population whose community had an
  engagement (patrol, engagement or QIP, docs/analysis.md#last-engagement)
  in the ``days`` days up to ``as_of``: among the communities linked to the
  area with a population (recorded, or estimated from the raster), the
  people of those engaged within ``days`` over all of them;
  ``communities_engaged`` counts them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.analysis.cache import cached_gaps
from geo.analysis.load import site_origins
from geo.analysis.params import GapParams
from geo.errors import TryLater
from geo.models import AdminArea, Community
from geo.rasters.catalogue import current
from geo.reach.grid import project
from geo.reach.load import travel_to_sites
from geo.reach.population import people_on_grid
from geo.reach.products import community_hours

DEFAULT_HOURS = 6.0


def _ratio(part: np.ndarray, whole: np.ndarray) -> list[float | None]:
    return [None if w <= 0 else round(float(p) / float(w), 4) for p, w in zip(part, whole, strict=True)]


def area_reach(
    session: Session,
    area_ids: np.ndarray,
    *,
    as_of: date,
    hours: float = DEFAULT_HOURS,
    days: int = 90,
    season: str = "auto",
) -> dict[int, dict]:
    """The reach figures of each admin area in ``area_ids``.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    area_ids : numpy.ndarray of int
    as_of : datetime.date
    hours : float
        The travel-time limit.
    days : int
        The engagement window.
    season : str
        ``auto``, ``dry`` or ``rainy``.

    Returns
    -------
    dict of int to dict
        Per area: ``people``, ``people_within_hours``, ``share_within_hours``,
        ``population_basis``, ``engaged_people``, ``engaged_share``,
        ``communities_engaged``, ``hours``, ``days``, ``season``.
    """
    n = len(area_ids)
    out: dict[int, dict[str, Any]] = {int(a): {"hours": hours, "days": days} for a in area_ids}
    if not n:
        return out
    surface = travel_to_sites(session, as_of, season, site_origins(session, as_of))
    linked = session.execute(
        select(Community.id, Community.admin_area_id).where(Community.admin_area_id.in_(area_ids.tolist()))
    ).all()
    community_area = {cid: int(np.searchsorted(area_ids, aid)) for cid, aid in linked if aid is not None}
    raster = current(session, "population")
    if raster is not None and surface is not None:
        grid = surface.grid
        rows = session.execute(
            select(AdminArea.id, func.ST_AsBinary(AdminArea.geom)).where(AdminArea.id.in_(area_ids.tolist()))
        ).all()
        geoms = project(grid, shapely.from_wkb([bytes(r[1]) for r in rows]))
        index = np.searchsorted(area_ids, [r[0] for r in rows])
        # here, not at the top: a server starts without GDAL (bench/README.md, "Cold start")
        from rasterio.features import rasterize

        which = rasterize(
            [(g, int(i) + 1) for g, i in zip(geoms, index, strict=True)],
            out_shape=grid.shape,
            transform=grid.transform,
            fill=0,
        ).astype(np.int64)
        people = np.nan_to_num(people_on_grid(raster, grid))
        inside = which > 0
        total: np.ndarray = np.bincount(which[inside] - 1, weights=people[inside], minlength=n)
        near = inside & (surface.hours <= hours)
        within: np.ndarray = np.bincount(which[near] - 1, weights=people[near], minlength=n)
        basis = "raster"
    else:
        hours_of = community_hours(session, surface) if surface is not None else None
        pops = dict(session.execute(select(Community.id, Community.population)).all())
        total, within = np.zeros(n), np.zeros(n)
        reach = {} if hours_of is None else dict(zip(hours_of["community_id"], hours_of["travel_hours"], strict=True))
        for cid, i in community_area.items():
            residents = float(pops.get(cid) or 0)
            total[i] += residents
            if reach.get(cid, np.inf) <= hours:
                within[i] += residents
        basis = "communities"
    engagement = _engagement(session, as_of, days, community_area, n)
    share_within = _ratio(within, total)
    for k, a in enumerate(area_ids):
        out[int(a)].update(
            people=round(float(total[k])),
            people_within_hours=round(float(within[k])),
            share_within_hours=share_within[k],
            population_basis=basis,
            season=surface.season if surface is not None else None,
            **_engaged_of(engagement, k),
        )
    return out


def _engagement(
    session: Session, as_of: date, days: int, community_area: dict[int, int], n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Per area: people counted, people engaged in the ``days`` up to
    ``as_of``, communities engaged — None while the engagement-gap analysis
    warms up after a start, so the choropleth draws at once (as its
    under-engaged counts do, geo/analysis/areas.py)."""
    try:
        gaps = cached_gaps(session, GapParams(as_of=as_of)).table
    except TryLater:
        return None
    pop = gaps["population"].to_numpy(float, na_value=np.nan)
    engaged = (gaps["days_since_engagement"].to_numpy(float, na_value=np.inf) <= days) & (pop > 0)
    counted = np.zeros(n)
    engaged_people = np.zeros(n)
    engaged_count = np.zeros(n, np.int64)
    for cid, p, e in zip(gaps["community_id"], pop, engaged, strict=True):
        k = community_area.get(int(cid))
        if k is None or not p > 0:
            continue
        counted[k] += p
        if e:
            engaged_people[k] += p
            engaged_count[k] += 1
    return counted, engaged_people, engaged_count


def _engaged_of(engagement: tuple[np.ndarray, np.ndarray, np.ndarray] | None, k: int) -> dict[str, Any]:
    if engagement is None:
        return {"engaged_people": None, "engaged_share": None, "communities_engaged": None}
    counted, engaged_people, engaged_count = engagement
    return {
        "engaged_people": round(float(engaged_people[k])),
        "engaged_share": None if counted[k] <= 0 else round(float(engaged_people[k]) / float(counted[k]), 4),
        "communities_engaged": int(engaged_count[k]),
    }
