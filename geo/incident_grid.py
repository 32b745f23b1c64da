"""Incidents summarised on a grid, for map views holding more than the points
layer's ``limit``: every incident in the view and window counts, instead of
an arbitrary first page of them (143 000 incidents in a 90-day window at
reference scale)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.models import Incident
from geo.window import DateWindow

CELLS = 48  # across the longer side of the view


def incident_grid(
    session: Session, *, bbox: tuple[float, float, float, float], window: DateWindow, cells: int = CELLS
) -> dict:
    """The incidents of a view counted per grid cell.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    bbox : tuple of 4 float
        The view: minx, miny, maxx, maxy (lon/lat).
    window : DateWindow
        The days counted (both ends included, as the incident list).
    cells : int
        Cells across the longer side of the view.

    Returns
    -------
    dict
        A GeoJSON FeatureCollection with one point per non-empty cell (at the
        mean position of its incidents): ``count``, ``deaths`` and
        ``fatalities`` (of the deadliest incident, so the incident colours
        apply); ``numberMatched`` is the number of incidents, ``cellDegrees``
        the cell size.
    """
    minx, miny, maxx, maxy = bbox
    size = max(maxx - minx, maxy - miny, 1e-6) / cells
    envelope = func.ST_MakeEnvelope(minx, miny, maxx, maxy, 4326)
    rows = session.execute(
        select(
            func.count().label("count"),
            func.sum(Incident.fatalities).label("deaths"),
            func.max(Incident.fatalities).label("worst"),
            func.avg(func.ST_X(Incident.geom)).label("x"),
            func.avg(func.ST_Y(Incident.geom)).label("y"),
        )
        .where(Incident.geom.intersects(envelope), window.between(Incident.occurred_on))
        .group_by(func.ST_SnapToGrid(Incident.geom, size))
    ).all()
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(float(r.x), 5), round(float(r.y), 5)]},
            "properties": {"count": r.count, "deaths": int(r.deaths), "fatalities": r.worst},
        }
        for r in rows
    ]
    return {
        "type": "FeatureCollection",
        "numberMatched": sum(r.count for r in rows),
        "numberReturned": len(features),
        "cellDegrees": size,
        "features": features,
    }
