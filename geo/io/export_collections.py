"""What the OGC API collections read beyond the repository: each
collection's spatial and temporal extent, and the latest engagement-gap
result as features (community points with their stored status)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from geo.errors import NotFound
from geo.io.export import gaps_columns
from geo.models import SRID, Community, CommunityStatus
from geo.repository import COORD_DECIMALS, Page
from geo.resources import ResourceSpec

GAPS_COLLECTION = "engagement-gaps"
GAPS_DATE_FIELD = "computed_at"


@dataclass
class Extent:
    bbox: tuple[float, float, float, float] | None
    first: date | datetime | None
    last: date | datetime | None


def _extent(session: Session, geom, date_col, from_=None) -> Extent:
    cols = [func.ST_XMin(func.ST_Extent(geom)), func.ST_YMin(func.ST_Extent(geom)),
            func.ST_XMax(func.ST_Extent(geom)), func.ST_YMax(func.ST_Extent(geom))]
    if date_col is not None:
        cols += [func.min(date_col), func.max(date_col)]
    stmt = select(*cols) if from_ is None else select(*cols).select_from(from_)
    row = session.execute(stmt).one()
    bbox = None if row[0] is None else tuple(float(v) for v in row[:4])
    first, last = (row[4], row[5]) if date_col is not None else (None, None)
    return Extent(bbox, first, last)


def resource_extent(session: Session, spec: ResourceSpec) -> Extent:
    date_col = spec.model.__table__.c[spec.date_field] if spec.date_field else None
    return _extent(session, spec.model.geom, date_col)


def gaps_extent(session: Session) -> Extent:
    joined = CommunityStatus.__table__.join(Community.__table__, Community.id == CommunityStatus.community_id)
    return _extent(session, Community.geom, CommunityStatus.computed_at, joined)


def _gap_select(clauses: list):
    cols = gaps_columns()
    stmt = (
        select(*cols, func.ST_AsGeoJSON(Community.geom, COORD_DECIMALS).label("_geojson"))
        .join(Community, Community.id == CommunityStatus.community_id)
    )
    if clauses:
        stmt = stmt.where(and_(*clauses))
    return stmt, cols


def _gap_feature(row, cols) -> dict:
    m = row._mapping
    props = {}
    for c in cols:
        v = m[c]
        props[c.name] = v.isoformat() if isinstance(v, (date, datetime)) else v
    return {"type": "Feature", "id": m["community_id"], "geometry": json.loads(m["_geojson"]),
            "properties": props}


def _gap_clauses(bbox, start, end) -> list:
    clauses = []
    if bbox is not None:
        clauses.append(func.ST_Intersects(Community.geom, func.ST_MakeEnvelope(*bbox, SRID)))
    if start is not None:
        clauses.append(CommunityStatus.computed_at >= start)
    if end is not None:
        clauses.append(CommunityStatus.computed_at <= end)
    return clauses


def list_gaps(
    session: Session,
    *,
    bbox: tuple[float, float, float, float] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Page:
    """The stored engagement-gap result, by rank (unranked last), then community id."""
    clauses = _gap_clauses(bbox, start, end)
    stmt, cols = _gap_select(clauses)
    stmt = stmt.order_by(CommunityStatus.rank.asc().nulls_last(), CommunityStatus.community_id)
    rows = session.execute(stmt.limit(limit).offset(offset)).all()
    count = select(func.count()).select_from(CommunityStatus).join(
        Community, Community.id == CommunityStatus.community_id)
    if clauses:
        count = count.where(and_(*clauses))
    return Page([_gap_feature(r, cols) for r in rows], session.scalar(count))


def get_gap(session: Session, community_id: int) -> dict:
    stmt, cols = _gap_select([CommunityStatus.community_id == community_id])
    row = session.execute(stmt).first()
    if row is None:
        raise NotFound(f"no engagement-gap result for community {community_id}", field="featureId")
    return _gap_feature(row, cols)
