"""Reach per admin area (docs/reach.md#per-area): the planners' coverage
indicators, added to the area choropleth (:mod:`geo.analysis.areas`), the
API and the GeoPackage export.

- ``people``: the people of the area — with a population raster, the
  raster's people in the grid cells whose centre falls in the area
  (:func:`geo.reach.population.people_on_grid`); without one, the recorded
  populations of the communities inside the area
  (``population_basis`` says which).
- ``people_within_hours``: of those, the people within ``hours`` (default
  6) of an active mission site: the cells (raster) or communities whose
  travel time, in the season of ``as_of``, is at most ``hours``;
  ``share_within_hours`` their share.
- ``engaged_share``: the share of the population whose community had an
  engagement (patrol, engagement or QIP, docs/analysis.md#last-engagement)
  in the ``days`` days up to ``as_of``: among the communities inside the
  area with a population (recorded, or estimated from the raster), the
  people of those engaged within ``days`` over all of them;
  ``communities_engaged`` counts them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd
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
    members: tuple[np.ndarray, np.ndarray],
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
        Sorted ascending.
    members : (numpy.ndarray, numpy.ndarray)
        The communities inside them (:func:`geo.analysis.load.community_areas`).
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
        reach = {} if hours_of is None else dict(zip(hours_of["community_id"], hours_of["travel_hours"], strict=True))
        ids, area = members
        residents = np.array([float(pops.get(int(c)) or 0) for c in ids])
        near_enough = np.array([reach.get(int(c), np.inf) <= hours for c in ids], bool)
        total = np.bincount(area, weights=residents, minlength=n)
        within = np.bincount(area[near_enough], weights=residents[near_enough], minlength=n)
        basis = "communities"
    engagement = _engagement(session, as_of, days, members, n)
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
    session: Session, as_of: date, days: int, members: tuple[np.ndarray, np.ndarray], n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Per area: people counted, people engaged in the ``days`` up to
    ``as_of``, communities engaged — None while the engagement-gap analysis
    warms up after a start, so the choropleth draws at once (as its
    under-engaged counts do, geo/analysis/areas.py). ``members``: the
    communities inside each area (:func:`~geo.analysis.load.community_areas`)."""
    try:
        gaps = cached_gaps(session, GapParams(as_of=as_of)).table
    except TryLater:
        return None
    ids, area = members
    row = pd.Index(gaps["community_id"].to_numpy(np.int64)).get_indexer(ids)
    known = row >= 0
    pop = gaps["population"].to_numpy(float, na_value=np.nan)[row[known]]
    since = gaps["days_since_engagement"].to_numpy(float, na_value=np.inf)[row[known]]
    area = area[known]
    counted_ = pop > 0
    engaged = counted_ & (since <= days)
    counted = np.bincount(area[counted_], weights=pop[counted_], minlength=n)
    engaged_people = np.bincount(area[engaged], weights=pop[engaged], minlength=n)
    engaged_count = np.bincount(area[engaged], minlength=n).astype(np.int64)
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
