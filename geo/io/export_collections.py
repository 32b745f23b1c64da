"""Each OGC collection's spatial and temporal extent, read from the data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.resources import ResourceSpec


@dataclass
class Extent:
    bbox: tuple[float, float, float, float] | None
    first: date | datetime | None
    last: date | datetime | None


def resource_extent(session: Session, spec: ResourceSpec) -> Extent:
    """``ST_Extent`` of the geometries (none without geometry) and min/max of the resource's date."""
    cols = []
    if spec.has_geometry:
        box = func.ST_Extent(spec.model.geom)
        cols += [func.ST_XMin(box), func.ST_YMin(box), func.ST_XMax(box), func.ST_YMax(box)]
    if spec.date_field:
        date_col = spec.model.__table__.c[spec.date_field]
        cols += [func.min(date_col), func.max(date_col)]
    if not cols:  # neither geometry nor date
        return Extent(None, None, None)
    row = session.execute(select(*cols)).one()
    corners = row[:4] if spec.has_geometry else (None,)
    bbox = None if corners[0] is None else (float(corners[0]), float(corners[1]), float(corners[2]), float(corners[3]))
    first, last = (row[-2], row[-1]) if spec.date_field else (None, None)
    return Extent(bbox, first, last)
