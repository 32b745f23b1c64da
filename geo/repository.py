"""Reading and writing features of any resource.

Functions take a Session and never commit: the request (or CLI command) is
the unit of work. Features come back as GeoJSON-shaped dicts so every face
(API, exports, OGC, pages) serialises the same thing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from geoalchemy2.shape import from_shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import DateTime, Select, and_, false, func, null, select
from sqlalchemy.orm import Session

from geo import audit, links
from geo.errors import InvalidInput, NotFound
from geo.models import READ_ONLY, SRID
from geo.resources import ResourceSpec

COORD_DECIMALS = 7  # ~1 cm at the equator


@dataclass
class Page:
    features: list[dict]
    matched: int


def property_columns(spec: ResourceSpec, include_sensitive: bool) -> list:
    """The properties a reader gets: the columns (sensitive ones only for
    editors and admins), then each link's ids (``geo.links``)."""
    cols = spec.columns if include_sensitive else [c for c in spec.columns if c.name not in spec.sensitive]
    return [*cols, *(links.read_column(spec, link) for link in spec.links)]


def audit_read(
    session: Session, spec: ResourceSpec, ids: list[int], *, include_sensitive: bool, reader: str | None, via: str
) -> None:
    """Record that ``reader`` read the personal data of these records (only
    for resources with ``audit_reads``, and only when sensitive fields were
    returned). Reading them without naming the reader is a programming error."""
    who = audited_reader(spec, include_sensitive=include_sensitive, reader=reader)
    if who is not None:
        audit.record_read(session, who=who, resource=spec.name, ids=ids, via=via, fields=spec.sensitive)


def audited_reader(spec: ResourceSpec, *, include_sensitive: bool, reader: str | None) -> str | None:
    """Who a read of ``spec`` is recorded for (:func:`audit_read`), None when
    it is not audited; refuses one that would be but names no reader. Called
    before a streamed read too (a GeoPackage layer), so that it fails before
    anything is written."""
    if not (include_sensitive and spec.audit_reads and spec.sensitive):
        return None
    if reader is None:
        raise ValueError(f"{spec.name}: personal data read without naming the reader")
    return reader


def _jsonable(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def feature_from_row(row, cols) -> dict:
    """One row of :func:`select_features` as a GeoJSON Feature dict."""
    m = row._mapping
    return {
        "type": "Feature",
        "id": m["id"],
        "geometry": None if m["_geojson"] is None else json.loads(m["_geojson"]),
        "properties": {c.name: _jsonable(m[c.name]) for c in cols},
    }


def _date_bounds(spec: ResourceSpec, start: date | datetime | None, end: date | datetime | None):
    """Clauses for ``start <= date_field <= end`` (an end given as a day includes that whole day)."""
    if start is None and end is None:
        return []
    if spec.date_field is None:
        raise InvalidInput(f"{spec.name} have no date to filter on; drop start/end", field="start" if start else "end")
    if start is not None and end is not None and _as_dt(end, True) < _as_dt(start, False):
        raise InvalidInput("end is before start", field="end")
    return date_range(spec.model.__table__.c[spec.date_field], start, end)


def date_range(col, start: date | datetime | None, end: date | datetime | None) -> list:
    """Clauses for ``start <= col <= end`` on a date or timestamp column; a
    day given as an end includes that whole day (also for CQL2's temporal
    predicates, ``geo.serving.cql``)."""
    is_ts = isinstance(col.type, DateTime)
    clauses = []
    if start is not None:
        clauses.append(col >= (_as_dt(start, False) if is_ts else _as_date(start)))
    if end is not None:
        if is_ts:
            clauses.append(col < _as_dt(end, True) if not isinstance(end, datetime) else col <= end)
        else:
            clauses.append(col <= _as_date(end))
    return clauses


def _as_date(v: date | datetime) -> date:
    return v.date() if isinstance(v, datetime) else v


def _as_dt(v: date | datetime, end: bool) -> datetime:
    if isinstance(v, datetime):
        return v if v.tzinfo else v.replace(tzinfo=UTC)
    d = v + timedelta(days=1) if end else v
    return datetime.combine(d, time.min, tzinfo=UTC)


def _filter_clause(spec: ResourceSpec, name: str, value: Any):
    """The one place a filter op becomes SQL."""
    f = spec.filter(name)
    if f is None:
        known = ", ".join(f.param for f in spec.filters) or "none"
        raise InvalidInput(f"unknown filter for {spec.name}; one of {known}", field=name)
    col = spec.column(f.column)
    if f.op == "eq":
        return col.in_(value) if isinstance(value, (list, tuple)) else col == value
    if f.op == "ge":
        return col >= value
    if f.op == "le":
        return col <= value
    if f.op == "contains":
        return col.contains([value])
    if f.op == "ilike":
        escaped = str(value).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return col.ilike(f"%{escaped}%", escape="\\")
    raise ValueError(f"unknown filter op {f.op}")


def where_clauses(
    spec: ResourceSpec,
    *,
    bbox: tuple[float, float, float, float] | None = None,
    start: date | datetime | None = None,
    end: date | datetime | None = None,
    filters: dict[str, Any] | None = None,
    bbox_selects_none: bool = False,
) -> list:
    """The WHERE clauses shared by lists, counts, exports and OGC items.

    A ``bbox`` on a resource without geometry is refused (the JSON API), or,
    with ``bbox_selects_none`` (OGC items, the GeoPackage export, where one
    bbox applies to every collection), selects nothing: only features whose
    geometry meets the box are selected, as OGC API – Features says."""
    clauses = []
    if bbox is not None and not spec.has_geometry:
        if not bbox_selects_none:
            raise InvalidInput(f"{spec.name} have no geometry; drop bbox", field="bbox")
        return [false()]
    if bbox is not None:
        # The envelope is the constant side: the GiST index on geom is used.
        clauses.append(func.ST_Intersects(spec.model.geom, func.ST_MakeEnvelope(*bbox, SRID)))
    clauses += _date_bounds(spec, start, end)
    for name, value in (filters or {}).items():
        if value is not None:
            clauses.append(_filter_clause(spec, name, value))
    return clauses


def select_features(spec: ResourceSpec, clauses: list, include_sensitive: bool) -> tuple[Select, list]:
    cols = property_columns(spec, include_sensitive)
    geojson = func.ST_AsGeoJSON(spec.model.geom, COORD_DECIMALS) if spec.has_geometry else null()
    stmt = select(*cols, geojson.label("_geojson"))
    if clauses:
        stmt = stmt.where(and_(*clauses))
    return stmt, cols


def list_features(
    session: Session,
    spec: ResourceSpec,
    *,
    bbox: tuple[float, float, float, float] | None = None,
    start: date | datetime | None = None,
    end: date | datetime | None = None,
    filters: dict[str, Any] | None = None,
    limit: int = 100,
    offset: int = 0,
    include_sensitive: bool = False,
    reader: str | None = None,
    via: str = "list",
    bbox_selects_none: bool = False,
) -> Page:
    """One page of features; ``reader`` names who reads personal data (see
    :func:`audit_read`); ``bbox_selects_none`` as in :func:`where_clauses`."""
    clauses = where_clauses(spec, bbox=bbox, start=start, end=end, filters=filters, bbox_selects_none=bbox_selects_none)
    stmt, cols = select_features(spec, clauses, include_sensitive)
    rows = session.execute(stmt.order_by(spec.model.id).limit(limit).offset(offset)).all()
    count = select(func.count()).select_from(spec.model)
    if clauses:
        count = count.where(and_(*clauses))
    features = [feature_from_row(r, cols) for r in rows]
    audit_read(session, spec, [f["id"] for f in features], include_sensitive=include_sensitive, reader=reader, via=via)
    return Page(features, session.execute(count).scalar_one())


def _snapshot(session: Session, spec: ResourceSpec, fid: int, include_sensitive: bool = True) -> dict:
    stmt, cols = select_features(spec, [spec.model.id == fid], include_sensitive)
    row = session.execute(stmt).first()
    if row is None:
        raise NotFound(f"{spec.name} {fid} does not exist", field="id")
    return feature_from_row(row, cols)


def get_feature(
    session: Session,
    spec: ResourceSpec,
    fid: int,
    *,
    include_sensitive: bool = False,
    reader: str | None = None,
    via: str = "get",
) -> dict:
    """One feature; ``reader`` names who reads personal data (see :func:`audit_read`)."""
    feature = _snapshot(session, spec, fid, include_sensitive)
    audit_read(session, spec, [fid], include_sensitive=include_sensitive, reader=reader, via=via)
    return feature


def stored_properties(session: Session, spec: ResourceSpec, fid: int) -> dict:
    """Every stored property of one record, for a writer merging a partial
    update (not a read: the update's audit row holds the record)."""
    return _snapshot(session, spec, fid)["properties"]


def _assign(obj, props: dict, geom: BaseGeometry | None) -> None:
    for k, v in props.items():
        if k in READ_ONLY:
            continue
        if k not in spec_columns(obj):
            raise InvalidInput(f"unknown property {k!r}", field=f"properties.{k}")
        setattr(obj, k, v)
    if geom is not None:
        obj.geom = from_shape(geom, srid=SRID)


def spec_columns(obj) -> set[str]:
    return {c.name for c in obj.__table__.columns if c.name != "geom"}


def _actor(session: Session, who: str) -> None:
    """Name the writer for the database's own triggers (an agreement's status
    history), for the rest of this transaction."""
    session.execute(select(func.set_config("peacemap.actor", who, True)))


def _split_links(spec: ResourceSpec, props: dict) -> tuple[dict, dict]:
    """(column properties, link properties), the links' targets checked."""
    linked = {link.prop: props[link.prop] for link in spec.links if link.prop in props}
    return {k: v for k, v in props.items() if k not in linked}, linked


def _write_links(session: Session, spec: ResourceSpec, fid: int, linked: dict) -> None:
    conn = session.connection()
    for prop, ids in linked.items():
        link = spec.link(prop)
        assert link is not None
        links.check_targets(conn, link, ids)
        links.replace(conn, link, {fid: ids})


def create_feature(session: Session, spec: ResourceSpec, props: dict, geom: BaseGeometry | None, *, who: str) -> dict:
    props, linked = _split_links(spec, props)
    _actor(session, who)
    obj = spec.model()
    _assign(obj, props, geom)
    obj.created_by = who
    session.add(obj)
    session.flush()
    _write_links(session, spec, obj.id, linked)
    after = _snapshot(session, spec, obj.id)
    audit.record(session, who=who, action="create", resource=spec.name, resource_id=obj.id, after=after)
    return after


def update_feature(
    session: Session, spec: ResourceSpec, fid: int, props: dict, geom: BaseGeometry | None, *, who: str
) -> dict:
    props, linked = _split_links(spec, props)
    _actor(session, who)
    obj = session.get(spec.model, fid)
    if obj is None:
        raise NotFound(f"{spec.name} {fid} does not exist", field="id")
    before = _snapshot(session, spec, fid)
    _assign(obj, props, geom)
    obj.updated_at = func.now()
    session.flush()
    _write_links(session, spec, fid, linked)
    after = _snapshot(session, spec, fid)
    audit.record(session, who=who, action="update", resource=spec.name, resource_id=fid, before=before, after=after)
    return after


def delete_feature(session: Session, spec: ResourceSpec, fid: int, *, who: str) -> None:
    obj = session.get(spec.model, fid)
    if obj is None:
        raise NotFound(f"{spec.name} {fid} does not exist", field="id")
    before = _snapshot(session, spec, fid)
    session.delete(obj)
    session.flush()
    audit.record(session, who=who, action="delete", resource=spec.name, resource_id=fid, before=before)
