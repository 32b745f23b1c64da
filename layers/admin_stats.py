"""Per-admin-area figures for the choropleth.

Admin areas are few (tens to hundreds) but their boundaries are detailed, so
they are simplified in PostGIS. The figures (communities, under-engaged
communities, summed violence pressure) come from the engagement-gap analysis
run now as of the window end (``geo.analysis``), so the choropleth always
agrees with the communities layer; communities count towards the area their
``admin_area_id`` names.
"""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.analysis.load import gaps_from_db
from geo.analysis.params import GapParams
from geo.models import AdminArea, Community

SIMPLIFY_DEG = 0.01  # ~1 km: invisible at mission-wide zoom, a fraction of the bytes


def default_level(session: Session) -> int | None:
    """The admin level most communities are linked to, else the finest level present."""
    linked = session.execute(
        select(AdminArea.level).join(Community, Community.admin_area_id == AdminArea.id)
        .group_by(AdminArea.level).order_by(func.count().desc(), AdminArea.level.desc()).limit(1)
    ).scalar()
    return linked if linked is not None else session.execute(select(func.max(AdminArea.level))).scalar()


def area_figures(session: Session, as_of: date | None = None) -> pd.DataFrame:
    """Index admin_area_id → communities, under_engaged, pressure."""
    links = pd.DataFrame(
        session.execute(select(Community.id, Community.admin_area_id).where(Community.admin_area_id.is_not(None))).all(),
        columns=["community_id", "admin_area_id"],
    )
    gaps = gaps_from_db(session, GapParams(as_of=as_of)).table[["community_id", "under_engaged", "pressure"]]
    joined = links.merge(gaps, on="community_id", how="left")
    joined["under_engaged"] = joined["under_engaged"].fillna(False).astype(bool)
    joined["pressure"] = joined["pressure"].fillna(0.0).astype(float)
    return joined.groupby("admin_area_id").agg(
        communities=("community_id", "size"), under_engaged=("under_engaged", "sum"), pressure=("pressure", "sum")
    )


def admin_choropleth(session: Session, *, level: int | None = None, as_of: date | None = None,
                     bbox: tuple[float, float, float, float] | None = None,
                     tolerance: float = SIMPLIFY_DEG) -> dict:
    """A FeatureCollection of simplified admin areas of ``level`` with
    ``communities``, ``under_engaged`` and ``pressure`` properties."""
    level = default_level(session) if level is None else level
    query = (
        select(
            AdminArea.id, AdminArea.name, AdminArea.level, AdminArea.pcode, AdminArea.country,
            func.ST_AsGeoJSON(func.ST_SimplifyPreserveTopology(AdminArea.geom, tolerance), 5).label("geometry"),
        )
        .where(AdminArea.level == level)
        .order_by(AdminArea.id)
    )
    if bbox is not None:
        query = query.where(AdminArea.geom.intersects(func.ST_MakeEnvelope(*bbox, 4326)))
    rows = session.execute(query).all()
    figures = area_figures(session, as_of) if rows else pd.DataFrame()
    features = []
    for row in rows:
        fig = figures.loc[row.id] if row.id in figures.index else None
        features.append({
            "type": "Feature",
            "id": row.id,
            "geometry": json.loads(row.geometry),
            "properties": {
                "name": row.name, "level": row.level, "pcode": row.pcode, "country": row.country,
                "communities": int(fig["communities"]) if fig is not None else 0,
                "under_engaged": int(fig["under_engaged"]) if fig is not None else 0,
                "pressure": round(float(fig["pressure"]), 3) if fig is not None else 0.0,
            },
        })
    return {"type": "FeatureCollection", "features": features}
