"""Per-admin-area figures for the choropleth, computed in PostGIS.

Admin areas are few (tens to hundreds) but their boundaries are detailed, so
they are simplified in the database. The colour is the violence pressure of
the window per area, with the DESIGN §5.2 kernel
``Σ (1 + fatalities) · 2^(−age_days / half_life)`` over the area's incidents
(region-level precision 3 excluded), as a share of the highest area's: one
set-based query (≈2 s for 143 000 incidents in the window on 2 cores), where
running the full engagement-gap analysis per page view was ~60 s at
reference scale. Under-engaged counts come from the materialised
``community_status`` when it has rows (null otherwise).
"""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import Float, cast, func, literal, select
from sqlalchemy.orm import Session

from geo.models import AdminArea, Community, CommunityStatus, Incident

SIMPLIFY_DEG = 0.01  # ~1 km: invisible at mission-wide zoom, a fraction of the bytes
HALF_LIFE_DAYS = 30.0  # DESIGN §5.2 default


def default_level(session: Session) -> int | None:
    """The admin level most communities are linked to, else the finest level present."""
    linked = session.execute(
        select(AdminArea.level).join(Community, Community.admin_area_id == AdminArea.id)
        .group_by(AdminArea.level).order_by(func.count().desc(), AdminArea.level.desc()).limit(1)
    ).scalar()
    return linked if linked is not None else session.execute(select(func.max(AdminArea.level))).scalar()


def _violence(areas, start: date, end: date):
    age = literal(end) - Incident.occurred_on
    weight = (1 + Incident.fatalities) * func.exp(-cast(age, Float) / HALF_LIFE_DAYS * func.ln(2.0))
    return (
        select(areas.c.id.label("area_id"), func.count(Incident.id).label("incidents"),
               func.sum(weight).label("pressure"))
        .join(Incident, func.ST_Intersects(areas.c.geom, Incident.geom))
        .where(Incident.occurred_on > start, Incident.occurred_on <= end, Incident.geo_precision < 3)
        .group_by(areas.c.id)
        .subquery()
    )


def _communities(areas):
    return (
        select(Community.admin_area_id.label("area_id"), func.count(Community.id).label("communities"),
               func.count(CommunityStatus.community_id).filter(CommunityStatus.under_engaged).label("under_engaged"),
               func.count(CommunityStatus.community_id).label("analysed"))
        .outerjoin(CommunityStatus, CommunityStatus.community_id == Community.id)
        .where(Community.admin_area_id.in_(select(areas.c.id)))
        .group_by(Community.admin_area_id)
        .subquery()
    )


def admin_choropleth(session: Session, *, start: date, end: date, level: int | None = None,
                     bbox: tuple[float, float, float, float] | None = None,
                     tolerance: float = SIMPLIFY_DEG) -> dict:
    """A FeatureCollection of simplified admin areas of ``level`` with
    ``incidents``, ``pressure``, ``pressure_share`` (of the highest area),
    ``communities`` and ``under_engaged`` properties."""
    level = default_level(session) if level is None else level
    where = [AdminArea.level == level]
    if bbox is not None:
        where.append(AdminArea.geom.intersects(func.ST_MakeEnvelope(*bbox, 4326)))
    areas = select(AdminArea.id, AdminArea.geom).where(*where).subquery()
    violence, people = _violence(areas, start, end), _communities(areas)
    rows = session.execute(
        select(
            AdminArea.id, AdminArea.name, AdminArea.level, AdminArea.pcode, AdminArea.country,
            func.ST_AsGeoJSON(func.ST_SimplifyPreserveTopology(AdminArea.geom, tolerance), 5).label("geometry"),
            func.coalesce(violence.c.incidents, 0).label("incidents"),
            func.coalesce(violence.c.pressure, 0.0).label("pressure"),
            func.coalesce(people.c.communities, 0).label("communities"),
            people.c.under_engaged, people.c.analysed,
        )
        .join(areas, areas.c.id == AdminArea.id)
        .outerjoin(violence, violence.c.area_id == AdminArea.id)
        .outerjoin(people, people.c.area_id == AdminArea.id)
        .order_by(AdminArea.id)
    ).all()
    top = max((r.pressure for r in rows), default=0.0) or 1.0
    features = [
        {
            "type": "Feature",
            "id": r.id,
            "geometry": json.loads(r.geometry),
            "properties": {
                "name": r.name, "level": r.level, "pcode": r.pcode, "country": r.country,
                "incidents": r.incidents, "pressure": round(r.pressure, 3),
                "pressure_share": round(r.pressure / top, 4), "communities": r.communities,
                "under_engaged": r.under_engaged if r.analysed else None,
            },
        }
        for r in rows
    ]
    return {"type": "FeatureCollection", "features": features}
