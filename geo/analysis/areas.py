"""Per-admin-area figures for the map's choropleth: violence pressure in the
window and under-engaged communities, from the same definitions as the
engagement-gap analysis (docs/analysis.md).

- Window: a :class:`~geo.window.DateWindow`, both ends counted, as the
  incident points and grid drawn on top of it.
- Pressure: the kernel of :mod:`geo.analysis.pressure` over the incidents
  inside the area, with ``half_life_days`` and ``include_region_precision``
  of the analysis parameters for ``as_of = window.end``,
  ``window_days = window.days`` (the SQL only finds each incident's area;
  the weights are computed in numpy, by the one kernel).
- Under-engaged: the communities inside the area (the analysis' own rule,
  :func:`geo.analysis.load.community_areas`) that the cached analysis
  (:func:`geo.analysis.cache.cached_gaps`, same parameters as the
  communities layer) flags.
- Reach: people, people within a travel-time limit of a mission site and
  the share of the population engaged in the window (:mod:`geo.reach.areas`).

Admin areas are few (tens to hundreds) but their boundaries are detailed, so
they are simplified in the database.
"""

from __future__ import annotations

import json

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.analysis.cache import cached_gaps
from geo.analysis.days import day_number
from geo.analysis.fetch import as_type, epoch_days, fetch_frame
from geo.analysis.load import community_areas
from geo.analysis.params import GapParams
from geo.analysis.pressure import counts_in_pressure, incident_weights
from geo.errors import TryLater
from geo.models import AdminArea, Community, Incident
from geo.reach.areas import DEFAULT_HOURS, area_reach
from geo.window import DateWindow

SIMPLIFY_DEG = 0.01  # ~1 km: invisible at mission-wide zoom, a fraction of the bytes


def default_level(session: Session) -> int | None:
    """The admin level the choropleth shows by default.

    Parameters
    ----------
    session : sqlalchemy.orm.Session

    Returns
    -------
    int or None
        The level most communities are linked to, else the finest level
        present (None without admin areas).
    """
    linked = session.execute(
        select(AdminArea.level)
        .join(Community, Community.admin_area_id == AdminArea.id)
        .group_by(AdminArea.level)
        .order_by(func.count().desc(), AdminArea.level.desc())
        .limit(1)
    ).scalar()
    return linked if linked is not None else session.execute(select(func.max(AdminArea.level))).scalar()


def window_params(window: DateWindow) -> GapParams:
    """The analysis parameters whose window is ``window`` (every other one at its default).

    Parameters
    ----------
    window : DateWindow

    Returns
    -------
    GapParams
        ``as_of = window.end``, ``window_days = window.days``.
    """
    return GapParams(as_of=window.end, window_days=window.days)


def _area_pressure(
    session: Session, areas, area_ids: np.ndarray, window: DateWindow, params: GapParams
) -> tuple[np.ndarray, np.ndarray]:
    """Per area (in ``area_ids`` order): incidents that count, and their pressure."""
    rows = fetch_frame(
        session,
        select(areas.c.id, epoch_days(Incident.occurred_on), Incident.fatalities, Incident.geo_precision)
        .join(Incident, func.ST_Intersects(areas.c.geom, Incident.geom))
        .where(window.between(Incident.occurred_on)),
        ("area_id", "occurred_on", "fatalities", "geo_precision"),
    )
    as_type(rows, np.int64, "area_id", "occurred_on", "fatalities", "geo_precision")  # the window: no NULL day
    area = np.searchsorted(area_ids, rows["area_id"].to_numpy())
    age_days = day_number(window.end) - rows["occurred_on"].to_numpy()
    counted = counts_in_pressure(rows["geo_precision"].to_numpy(), params)
    weight = incident_weights(rows["fatalities"].to_numpy(), age_days, rows["geo_precision"].to_numpy(), params)
    n = len(area_ids)
    return (np.bincount(area[counted], minlength=n).astype(np.int64), np.bincount(area, weights=weight, minlength=n))


def _area_communities(
    session: Session, members: tuple[np.ndarray, np.ndarray], n: int, params: GapParams
) -> tuple[np.ndarray, np.ndarray | None]:
    """Per area (of ``n``): the communities inside it (``members``, from
    :func:`~geo.analysis.load.community_areas`), and how many of them are
    under-engaged — None while the analysis is warming up after a start, so
    the choropleth draws its pressure at once instead of waiting."""
    community_ids, area = members
    counts = np.bincount(area, minlength=n).astype(np.int64)
    if not len(community_ids):
        return counts, np.zeros(n, np.int64)
    try:
        table = cached_gaps(session, params).table
    except TryLater:
        return counts, None
    flagged = table["community_id"].to_numpy(np.int64)[table["under_engaged"].to_numpy(bool)]
    under = np.isin(community_ids, flagged)
    return counts, np.bincount(area[under], minlength=n).astype(np.int64)


def admin_area_figures(
    session: Session,
    window: DateWindow,
    *,
    level: int | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    tolerance: float = SIMPLIFY_DEG,
    hours: float = DEFAULT_HOURS,
    season: str = "auto",
) -> dict:
    """The choropleth: simplified admin areas of one level with their figures.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    window : DateWindow
        The days whose incidents count (both ends included).
    level : int, optional
        Admin level (default: :func:`default_level`).
    bbox : tuple of 4 float, optional
        Only areas intersecting this lon/lat box.
    tolerance : float
        Simplification tolerance in degrees.
    hours : float
        The travel-time limit of the reach figures.
    season : str
        The season of the reach figures (``auto``: the window end's).

    Returns
    -------
    dict
        A GeoJSON FeatureCollection; per area ``name``, ``level``, ``pcode``,
        ``country``, ``incidents`` (those the pressure counts), ``pressure``,
        ``pressure_share`` (of the highest area), ``communities`` (linked to
        the area) and ``under_engaged`` (of those; null while the analysis
        warms up after a start); and the reach figures of
        :func:`geo.reach.areas.area_reach` (people, within ``hours`` of a
        site, engaged within the window's days).
    """
    params = window_params(window)
    level = default_level(session) if level is None else level
    where = [AdminArea.level == level]
    if bbox is not None:
        where.append(AdminArea.geom.intersects(func.ST_MakeEnvelope(*bbox, 4326)))
    areas = select(AdminArea.id, AdminArea.geom).where(*where).subquery()
    rows = session.execute(
        select(
            AdminArea.id,
            AdminArea.name,
            AdminArea.level,
            AdminArea.pcode,
            AdminArea.country,
            func.ST_AsGeoJSON(func.ST_SimplifyPreserveTopology(AdminArea.geom, tolerance), 5).label("geometry"),
        )
        .join(areas, areas.c.id == AdminArea.id)
        .order_by(AdminArea.id)
    ).all()
    area_ids = np.array([r.id for r in rows], np.int64)
    incidents, pressure = _area_pressure(session, areas, area_ids, window, params)
    members = community_areas(session, area_ids)  # one spatial join, for both figures
    communities, under_engaged = _area_communities(session, members, len(area_ids), params)
    reach = area_reach(session, area_ids, members, as_of=window.end, hours=hours, days=window.days, season=season)
    top = float(pressure.max()) if len(rows) and pressure.max() > 0 else 1.0
    features = [
        {
            "type": "Feature",
            "id": r.id,
            "geometry": json.loads(r.geometry),
            "properties": {
                "name": r.name,
                "level": r.level,
                "pcode": r.pcode,
                "country": r.country,
                "incidents": int(incidents[i]),
                "pressure": round(float(pressure[i]), 3),
                "pressure_share": round(float(pressure[i]) / top, 4),
                "communities": int(communities[i]),
                "under_engaged": None if under_engaged is None else int(under_engaged[i]),
                **reach[r.id],
            },
        }
        for i, r in enumerate(rows)
    ]
    return {"type": "FeatureCollection", "features": features}
