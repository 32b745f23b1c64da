"""A page of features as GeoJSON text, built by PostgreSQL in one statement.

Why in SQL: at 1 000 features a page, turning rows into Python dicts and
dicts into JSON cost more than the query itself. ``json_build_object`` and
``json_agg`` write the features array once, in C, and the API sends that
text as it is (the JSON API's CSV/GeoJSON downloads still use the dicts of
``geo.repository``).

Paging is by key (a *cursor*), not by ``OFFSET``: ``after`` an id the
index range scan starts where the last page ended, so reading a whole
collection page by page is linear (``OFFSET n`` reads and drops n rows each
time: quadratic). Each page fetches one row more than it returns to know
whether a next page exists. Pages in another order (``sortby``) and the
``offset`` parameter page by offset, as before.

``numberMatched``: exact, except on the pages after the first (a cursor or
an offset) of an unfiltered collection of more than :data:`ESTIMATE_ABOVE`
rows, where counting every row for every page would cost more than the
page: there PostgreSQL's own row estimate (``pg_class.reltuples``, kept by
ANALYZE/autovacuum) is returned. PostgreSQL evaluates the count only when
the estimate is below the threshold (a sub-plan runs when first used). The
first page is always counted: GDAL takes a layer's feature count from a
first page and reads no more features than that (an estimate of 999 951
for 1 000 000 incidents lost 49 of them in a full read).

One statement text per shape of request, every value a bound parameter:
psycopg prepares a statement on the server after its fifth use
(``prepare_threshold``), so repeated pages skip planning.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ColumnElement,
    Float,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    column,
    func,
    literal,
    literal_column,
    null,
    select,
    true,
)
from sqlalchemy import table as table_clause
from sqlalchemy.dialects.postgresql import REGCLASS, aggregate_order_by
from sqlalchemy.orm import Session
from sqlalchemy.sql.visitors import ExternallyTraversible, replacement_traverse

from geo.errors import InvalidInput
from geo.repository import audit_read, audited_reader, property_columns
from geo.resources import REGISTRY, ResourceSpec
from geo.serving.crs import CRS84, Box, Crs, bbox_clause, output_geometry

ESTIMATE_ABOVE = 100_000  # rows: above this, an unfiltered collection's numberMatched is PostgreSQL's estimate


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after an id, before an id, or at an offset.

    Written in links as ``a<id>``, ``b<id>`` or ``o<offset>``; clients treat
    it as opaque."""

    kind: str
    value: int

    def token(self) -> str:
        return f"{self.kind}{self.value}"

    @classmethod
    def parse(cls, token: str, field: str = "cursor") -> Cursor:
        kind, digits = token[:1], token[1:]
        if kind not in ("a", "b", "o") or not digits.isdigit() or len(digits) > 18:
            raise InvalidInput("cursor is not one this server made; follow the next/prev links", field=field)
        return cls(kind, int(digits))


@dataclass(frozen=True)
class SortKey:
    column: str
    descending: bool = False


@dataclass(frozen=True)
class PageRequest:
    """What one page asks for: ``limit`` features from ``offset`` or
    ``cursor``, in ``sortby`` order (then by id), with only ``properties``
    (None: all the reader may see), geometries in ``crs``."""

    limit: int
    offset: int = 0
    cursor: Cursor | None = None
    sortby: tuple[SortKey, ...] = ()
    properties: tuple[str, ...] | None = None
    crs: Crs = CRS84
    keyset: bool = True  # False: rows without an id order (a computed result) always page by offset

    @property
    def start(self) -> int:
        """The offset a page starts at (0 for key cursors)."""
        if self.cursor is not None:
            return self.cursor.value if self.cursor.kind == "o" else 0
        return self.offset

    @property
    def by_offset(self) -> bool:
        """Whether the following pages are found by offset (another order, or an offset asked for)."""
        if self.cursor is not None:
            return self.cursor.kind == "o"
        return bool(self.sortby) or not self.keyset or self.offset > 0


@dataclass(frozen=True)
class PageText:
    """``features``: the JSON array text. ``first_id``/``last_id`` of the
    page, whether a page follows (``more``) or precedes (``earlier``), and
    ``matched`` (``estimated`` when it is PostgreSQL's row estimate)."""

    features: str
    returned: int
    matched: int
    estimated: bool
    first_id: int | None
    last_id: int | None
    more: bool
    earlier: bool

    def next_cursor(self, page: PageRequest) -> Cursor | None:
        if not self.more:
            return None
        if page.by_offset:
            return Cursor("o", page.start + self.returned)
        return Cursor("a", self.last_id) if self.last_id is not None else None

    def prev_cursor(self, page: PageRequest) -> Cursor | None:
        if not self.earlier:
            return None
        if page.by_offset or page.cursor is None:
            return Cursor("o", max(0, page.start - page.limit))
        return Cursor("b", self.first_id) if self.first_id is not None else None


def selected_columns(spec: ResourceSpec, include_sensitive: bool, properties: tuple[str, ...] | None) -> list:
    """The property columns of the page: all the reader may see, or the subset asked for."""
    visible = property_columns(spec, include_sensitive)
    if properties is None:
        return visible
    by_name = {c.name: c for c in visible}
    unknown = [p for p in properties if p not in by_name]
    if unknown:
        raise InvalidInput(
            f"{unknown[0]!r} is not a property of {spec.name}; one of {', '.join(by_name)}", field="properties"
        )
    return [by_name[p] for p in dict.fromkeys(properties)]


def _key(name: str):
    """A JSON key as a SQL string constant. The names are the model's own
    column names (checked to be plain identifiers), never a client's text;
    constants instead of bound parameters keep the statement's parameters to
    the few that change per request."""
    if not name.isidentifier() or not name.isascii():
        raise ValueError(f"not a plain column name: {name!r}")
    return literal_column(f"'{name}'", String)


@lru_cache(maxsize=256)
def _feature_json(spec_name: str, names: tuple[str, ...], crs: Crs):
    spec = REGISTRY[spec_name]
    table = spec.model.__table__
    by_name = {c.name: c for c in property_columns(spec, True)}  # the columns and the links' id lists
    pairs = [x for n in names for x in (_key(n), by_name[n])]
    geometry = (
        cast(func.ST_AsGeoJSON(output_geometry(table.c.geom, crs), crs.decimals), JSON) if "geom" in table.c else null()
    )
    return func.json_build_object(
        _key("type"),
        _key("Feature"),
        _key("id"),
        table.c.id,
        _key("geometry"),
        geometry,
        _key("properties"),
        func.json_build_object(*pairs),
    )


def feature_json(spec: ResourceSpec, cols: list, crs: Crs):
    """One row as a GeoJSON Feature (a SQL ``json`` value); built once per
    resource, property list and CRS (building it is a fair share of a small
    page's time)."""
    return _feature_json(spec.name, tuple(c.name for c in cols), crs)


_PG_CLASS = table_clause("pg_class", column("oid"), column("reltuples"), schema="pg_catalog")

# The values that change from one request of a shape to the next, as named parameters.
_LIMIT = bindparam("pm_limit", type_=Integer)  # the page's size plus one (the row that says a page follows)
_OFFSET = bindparam("pm_offset", type_=BigInteger)
_CURSOR = bindparam("pm_cursor", type_=BigInteger)
_ESTIMATE_ABOVE = bindparam("pm_estimate_above", type_=BigInteger)


@dataclass(frozen=True)
class _Shape:
    """What decides a page statement's text, apart from its WHERE clause:
    two requests of one shape and one WHERE structure differ only in the
    values of bound parameters."""

    resource: str
    properties: tuple[str, ...]
    crs: Crs
    sortby: tuple[SortKey, ...]
    cursor: str | None  # "a", "b" (keys), "o" (offset) or None
    by_offset: bool  # an offset is applied (an offset cursor, or offset > 0)
    audited: bool
    filtered: bool  # any clause: numberMatched is counted, never estimated


def _matched(spec: ResourceSpec, where, counted: bool) -> tuple:
    """numberMatched and whether it is an estimate (never when ``counted``;
    see the module docstring)."""
    exact = select(func.count()).select_from(spec.model.__table__).where(where).scalar_subquery()
    if counted:
        return exact, literal(False)
    estimate = (
        select(_PG_CLASS.c.reltuples)
        .where(_PG_CLASS.c.oid == cast(literal(spec.table, String), REGCLASS))
        .scalar_subquery()
    )
    estimated = func.coalesce(estimate >= _ESTIMATE_ABOVE, False)
    return case((estimated, func.floor(estimate)), else_=exact), estimated


def _ordered(c, descending: bool):
    return c.desc().nulls_last() if descending else c.asc().nulls_last()


def _page_statement(shape: _Shape, where) -> Select:
    """The one statement of a page (see :func:`page_text`).

    A filtered page in id order reads the matching rows once: their ids (a
    CTE) give both the count and the page's ids, whose features are then
    fetched by primary key; counting and paging separately read every
    matching row from the heap twice, which at reference scale (≈ 22 000
    incidents in a 1° box) was most of a 1 000-feature page's time."""
    spec = REGISTRY[shape.resource]
    table = spec.model.__table__
    cols = selected_columns(spec, True, shape.properties)
    keys = [(table.c[k.column], k.descending) for k in shape.sortby]
    backward = shape.cursor == "b"
    keyed = shape.cursor in ("a", "b")

    def after(ids):
        return [ids < _CURSOR if backward else ids > _CURSOR] if keyed else []

    feature = feature_json(spec, cols, shape.crs).label("f")
    if shape.filtered and not keys:
        hits = select(table.c.id).where(where).cte("hits")
        matched, estimated = select(func.count()).select_from(hits).scalar_subquery(), literal(False)
        ids = select(hits.c.id).where(*after(hits.c.id)).order_by(_ordered(hits.c.id, backward)).limit(_LIMIT)
        if shape.by_offset:
            ids = ids.offset(_OFFSET)
        inner = select(feature, table.c.id.label("fid")).where(table.c.id.in_(ids.scalar_subquery()))
    else:
        first = shape.cursor is None and not shape.by_offset
        matched, estimated = _matched(spec, where, counted=shape.filtered or first)
        order = [_ordered(c, d) for c, d in keys] + [_ordered(table.c.id, backward)]
        inner = (
            select(feature, table.c.id.label("fid"), *(c.label(f"k{i}") for i, (c, _) in enumerate(keys)))
            .where(where, *after(table.c.id))
            .order_by(*order)
            .limit(_LIMIT)
        )
        if shape.by_offset:
            inner = inner.offset(_OFFSET)
    fetched_rows = inner.subquery()
    again = [_ordered(fetched_rows.c[f"k{i}"], d) for i, (_, d) in enumerate(keys)]
    again.append(_ordered(fetched_rows.c.fid, backward))
    rows = select(fetched_rows.c.f, fetched_rows.c.fid, func.row_number().over(order_by=again).label("rn")).subquery()
    kept = rows.c.rn < _LIMIT
    features = func.coalesce(
        func.json_agg(aggregate_order_by(rows.c.f, rows.c.fid if backward else rows.c.rn)).filter(kept),
        func.json_build_array(),
    )
    return select(
        cast(features, String),
        func.count().filter(kept),
        func.count(),
        func.min(rows.c.fid).filter(kept),
        func.max(rows.c.fid).filter(kept),
        matched,
        estimated,
        func.array_agg(rows.c.fid).filter(kept) if shape.audited else null(),  # the ids read, for the audit log
    ).select_from(rows)


# Page statements by shape and WHERE structure (SQLAlchemy's cache key of
# the clauses, which holds everything but the bound values): building a
# statement cost more than a third of a 100-feature page's time; a cached
# one is only bound and sent (SQLAlchemy keeps its compiled text, psycopg
# prepares it on the server after a few uses).
_STATEMENTS: dict[tuple, Select] = {}
_MAX_STATEMENTS = 512


def _statement(shape: _Shape, where: ColumnElement[bool]) -> tuple[Select, dict[str, Any]]:
    """The page statement for ``shape`` and ``where``, and the values of
    ``where``'s bound parameters by the names the statement gives them
    (parameters named without a value, as the bbox's, keep their names)."""
    key = where._generate_cache_key()
    if key is None:  # a construct SQLAlchemy cannot cache: built for this request
        return _page_statement(shape, where), {}
    given = [b for b in key.bindparams if not b.required]
    values = {f"pm_w{i}": b.effective_value for i, b in enumerate(given)}
    stmt = _STATEMENTS.get((shape, key.key))
    if stmt is None:
        named = {
            id(b): bindparam(f"pm_w{i}", type_=b.type, expanding=b.expanding, literal_execute=b.literal_execute)
            for i, b in enumerate(given)
        }

        def swap(element: ExternallyTraversible, **kw: Any) -> ExternallyTraversible | None:
            return named.get(id(element))

        stmt = _page_statement(shape, replacement_traverse(where, {}, swap))
        if len(_STATEMENTS) >= _MAX_STATEMENTS:
            _STATEMENTS.clear()
        _STATEMENTS[(shape, key.key)] = stmt
    return stmt, values


@lru_cache(maxsize=256)
def _bbox_template(resource: str, crs: Crs):
    """The bbox test of ``resource`` in ``crs`` with its four numbers as
    named parameters (``pm_bbox0``…``pm_bbox3``): building the clause anew
    (GeoAlchemy2's functions coerce each argument) cost a sixth of a
    100-feature page's time."""
    numbers = tuple(bindparam(f"pm_bbox{i}", type_=Float) for i in range(4))
    return bbox_clause(REGISTRY[resource].column("geom"), (numbers[0], numbers[1], numbers[2], numbers[3]), crs)


def page_text(
    session: Session,
    spec: ResourceSpec,
    clauses: list,
    page: PageRequest,
    *,
    include_sensitive: bool,
    reader: str | None = None,
    via: str = "page",
    estimate_above: int = ESTIMATE_ABOVE,
    bbox: tuple[Box, Crs] | None = None,
) -> PageText:
    """One page of ``spec``'s features matching ``clauses`` and, for a
    resource with geometry, meeting ``bbox`` (its numbers and their CRS; see
    the module docstring); ``reader`` names who reads personal data, and the
    read is written to the audit log with ``via`` (``geo.repository.audit_read``)."""
    values: dict[str, Any] = {}
    if bbox is not None:
        clauses = [_bbox_template(spec.name, bbox[1]), *clauses]
        values = {f"pm_bbox{i}": float(v) for i, v in enumerate(bbox[0])}
    audited = audited_reader(spec, include_sensitive=include_sensitive, reader=reader) is not None
    cols = selected_columns(spec, include_sensitive, page.properties)
    cursor = page.cursor
    keyed = cursor is not None and cursor.kind in "ab"
    backward = keyed and cursor is not None and cursor.kind == "b"
    shape = _Shape(
        spec.name,
        tuple(c.name for c in cols),
        page.crs,
        page.sortby,
        None if cursor is None else cursor.kind,
        bool(page.start) and not keyed,
        audited,
        bool(clauses),
    )
    stmt, bound = _statement(shape, and_(true(), *clauses))
    values.update(bound)
    values.update(
        pm_limit=page.limit + 1,
        pm_offset=page.start,
        pm_cursor=cursor.value if cursor is not None else 0,
        pm_estimate_above=estimate_above,
    )
    text, returned, fetched, lo, hi, n, est, ids = session.connection().execute(stmt, values).one()
    if audited:
        audit_read(session, spec, sorted(ids or ()), include_sensitive=include_sensitive, reader=reader, via=via)
    more = fetched > page.limit
    if backward:
        more, earlier = True, fetched > page.limit
    else:
        earlier = page.start > 0 or (page.cursor is not None and page.cursor.kind == "a")
    return PageText(text, returned, int(n), bool(est), lo, hi, more, earlier)
