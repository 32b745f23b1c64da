"""Per-admin-area figures for the choropleth, computed in PostGIS.

Admin areas are few (tens to hundreds) but their boundaries are detailed, so
they are simplified in the database and inlined into the page, with the
count of under-engaged communities and their summed pressure taken from the
materialised ``community_status`` (DESIGN §5) through ``admin_area_id``.
"""

from __future__ import annotations

import json

from sqlalchemy import Float, Integer, cast, func, select
from sqlalchemy.orm import Session

from geo.models import AdminArea, Community, CommunityStatus

SIMPLIFY_DEG = 0.01  # ~1 km: invisible at mission-wide zoom, a fraction of the bytes


def default_level(session: Session) -> int | None:
    """The admin level most communities are linked to, else the finest level present."""
    linked = session.execute(
        select(AdminArea.level).join(Community, Community.admin_area_id == AdminArea.id)
        .group_by(AdminArea.level).order_by(func.count().desc(), AdminArea.level.desc()).limit(1)
    ).scalar()
    return linked if linked is not None else session.execute(select(func.max(AdminArea.level))).scalar()


def admin_choropleth(session: Session, *, level: int | None = None,
                     bbox: tuple[float, float, float, float] | None = None,
                     tolerance: float = SIMPLIFY_DEG) -> dict:
    """A FeatureCollection of simplified admin areas with ``communities``,
    ``under_engaged`` and ``pressure`` properties."""
    level = default_level(session) if level is None else level
    stats = (
        select(
            Community.admin_area_id.label("area_id"),
            func.count(Community.id).label("communities"),
            func.count(CommunityStatus.community_id).filter(CommunityStatus.under_engaged).label("under_engaged"),
            func.coalesce(func.sum(CommunityStatus.pressure), 0.0).label("pressure"),
        )
        .outerjoin(CommunityStatus, CommunityStatus.community_id == Community.id)
        .where(Community.admin_area_id.is_not(None))
        .group_by(Community.admin_area_id)
        .subquery()
    )
    query = (
        select(
            AdminArea.id, AdminArea.name, AdminArea.level, AdminArea.pcode, AdminArea.country,
            func.ST_AsGeoJSON(func.ST_SimplifyPreserveTopology(AdminArea.geom, tolerance), 5).label("geometry"),
            cast(func.coalesce(stats.c.communities, 0), Integer).label("communities"),
            cast(func.coalesce(stats.c.under_engaged, 0), Integer).label("under_engaged"),
            cast(func.coalesce(stats.c.pressure, 0.0), Float).label("pressure"),
        )
        .outerjoin(stats, stats.c.area_id == AdminArea.id)
        .where(AdminArea.level == level)
        .order_by(AdminArea.id)
    )
    if bbox is not None:
        query = query.where(AdminArea.geom.intersects(func.ST_MakeEnvelope(*bbox, 4326)))
    features = [
        {
            "type": "Feature",
            "id": row.id,
            "geometry": json.loads(row.geometry),
            "properties": {
                "name": row.name, "level": row.level, "pcode": row.pcode, "country": row.country,
                "communities": row.communities, "under_engaged": row.under_engaged,
                "pressure": round(row.pressure, 3),
            },
        }
        for row in session.execute(query)
    ]
    return {"type": "FeatureCollection", "features": features}
