"""CQL2 filters (OGC API Features Part 3) as SQLAlchemy clauses.

Parsing and validation are the ``cql2`` library's (developmentseed's
conformant parser, the one tipg uses): CQL2 text and CQL2 JSON both become
CQL2 JSON, a small tree of ``{"op", "args"}`` nodes. This module walks that
tree and builds SQLAlchemy expressions on the resource's queryable columns
(:mod:`geo.serving.queryables`): every literal travels as a bound parameter,
no SQL is ever assembled from the filter's text. Operands are type-checked
against the columns first, so a filter that cannot be answered exactly is a
400 naming ``filter`` rather than a database error.

Supported: ``and or not``, ``= <> < <= > >=``, ``like`` (``%`` any run,
``_`` one character, ``\\`` escapes), ``in``, ``between``, ``isNull``,
``casei``, arithmetic ``+ - * /``; every ``s_*`` spatial predicate and
``s_dwithin`` (distance in metres, geodesic on the WGS 84 ellipsoid, as the
analysis measures, docs/analysis.md); ``t_intersects``, ``t_disjoint``,
``t_before``, ``t_after``, ``t_equals`` on dates and times (a day is the
whole day); ``a_contains``, ``a_containedBy``, ``a_overlaps``, ``a_equals``
on array properties. Geometry literals are in ``filter-crs`` (CRS84 by
default).
"""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime
from typing import Any

import cql2
import shapely
from geoalchemy2 import Geography
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    String,
    and_,
    cast,
    false,
    func,
    literal,
    not_,
    null,
    or_,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement

from geo.errors import InvalidInput
from geo.repository import date_range
from geo.serving.crs import CRS84, Crs
from geo.serving.queryables import Queryables

FIELD = "filter"
CASE_FOLDING = "und-x-icu"
LANGS = ("cql2-text", "cql2-json", "cql-text")
# "cql-text" is the draft's name, which GDAL's OAPIF driver (and so QGIS through
# GDAL) sends with the simple comparisons it writes: valid CQL2 text.
MAX_FILTER_CHARS = 100_000  # a polygon of a few thousand vertices fits
METRES_PER_DEG_LAT = 110_574.0  # the shortest meridian degree (at the equator): a generous prefilter
METRES_PER_DEG_LON = 111_320.0  # the equator's degree of longitude

_COMPARE = {"=": "__eq__", "<>": "__ne__", "<": "__lt__", "<=": "__le__", ">": "__gt__", ">=": "__ge__"}
_ARITH = {"+": "__add__", "-": "__sub__", "*": "__mul__", "/": "__truediv__"}
_SPATIAL = {
    "s_intersects": func.ST_Intersects,
    "s_within": func.ST_Within,
    "s_contains": func.ST_Contains,
    "s_disjoint": func.ST_Disjoint,
    "s_equals": func.ST_Equals,
    "s_touches": func.ST_Touches,
    "s_crosses": func.ST_Crosses,
    "s_overlaps": func.ST_Overlaps,
}
_ARRAY = ("a_contains", "a_containedby", "a_overlaps", "a_equals")


def _bad(message: str) -> InvalidInput:
    return InvalidInput(message, field=FIELD)


def parse_filter(text: str, lang: str | None) -> dict[str, Any]:
    """The filter as validated CQL2 JSON; ``lang`` is ``cql2-text`` (default) or ``cql2-json``."""
    lang = lang or "cql2-text"
    if lang not in LANGS:
        raise InvalidInput(f"filter-lang must be one of {', '.join(LANGS)}", field="filter-lang")
    if len(text) > MAX_FILTER_CHARS:
        raise _bad(f"the filter is longer than {MAX_FILTER_CHARS} characters")
    try:
        expr = cql2.parse_json(text) if lang == "cql2-json" else cql2.parse_text(text)
        expr.validate()
        return expr.to_json()
    except (cql2.ParseError, cql2.ValidationError, ValueError) as exc:
        first = str(exc).strip().splitlines()
        raise _bad(f"not a valid {lang} filter: {' '.join(line.strip() for line in first[:6])}") from None


class _Operand:
    """A translated operand: its SQL expression and what kind of value it is
    (number, string, bool, date, timestamp, interval, geometry, array, null)."""

    def __init__(self, sql: Any, kind: str, value: Any = None):
        self.sql, self.kind, self.value = sql, kind, value


def _kind_of_column(col) -> str:
    t = col.type
    if col.name == "geom":
        return "geometry"
    for sql_type, kind in (
        (ARRAY, "array"),
        (Boolean, "bool"),
        (DateTime, "timestamp"),
        (Date, "date"),
        (Integer, "number"),
        (Float, "number"),
        (String, "string"),
    ):
        if isinstance(t, sql_type):
            return kind
    raise _bad(f"{col.name} cannot be filtered on")


def _instant(node: dict) -> date | datetime:
    if "date" in node:
        try:
            return date.fromisoformat(node["date"])
        except ValueError:
            raise _bad(f"{node['date']!r} is not a date (YYYY-MM-DD)") from None
    try:
        value = datetime.fromisoformat(str(node["timestamp"]))
    except ValueError:
        raise _bad(f"{node['timestamp']!r} is not a timestamp") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _interval_end(value: Any) -> date | datetime | None:
    if value in ("..", None):
        return None
    if isinstance(value, dict):
        return _instant(value)
    text = str(value)
    if len(text) == 11 and text.endswith("T"):  # a day as GDAL's OAPIF driver writes it: '2024-03-01T'
        text = text[:10]
    return _instant({"date": text} if len(text) == 10 else {"timestamp": text})


class Translator:
    """CQL2 JSON → SQLAlchemy for one resource, reader and filter CRS."""

    def __init__(self, q: Queryables, filter_crs: Crs = CRS84):
        self.q, self.crs = q, filter_crs

    # --- operands ---------------------------------------------------------------

    def operand(self, node: Any) -> _Operand:
        if isinstance(node, bool):
            return _Operand(true() if node else false(), "bool", node)
        if isinstance(node, (int, float)):
            if not math.isfinite(node):
                raise _bad("numbers in a filter must be finite")
            return _Operand(literal(node, Float), "number", node)
        if isinstance(node, str):
            return _Operand(literal(node, String), "string", node)
        if node is None:
            return _Operand(null(), "null")
        if isinstance(node, list):
            return _Operand(None, "list", [self.operand(v) for v in node])
        if not isinstance(node, dict):
            raise _bad(f"unexpected value {node!r}")
        if "property" in node:
            col = self.q.column(str(node["property"]))
            return _Operand(col, _kind_of_column(col))
        if "date" in node or "timestamp" in node:
            value = _instant(node)
            typ = DateTime(timezone=True) if isinstance(value, datetime) else Date()
            return _Operand(literal(value, typ), "instant", value)
        if "interval" in node:
            ends = node["interval"]
            return _Operand(None, "interval", (_interval_end(ends[0]), _interval_end(ends[1])))
        if "bbox" in node:
            box = [float(v) for v in node["bbox"]]
            if len(box) == 6:  # minx, miny, minz, maxx, maxy, maxz: the z range is dropped
                box = [box[0], box[1], box[3], box[4]]
            rectangle = shapely.box(box[0], box[1], box[2], box[3])
            return _Operand(self._literal_geometry(rectangle), "geometry", rectangle)
        if ("type" in node and "coordinates" in node) or node.get("type") == "GeometryCollection":
            try:
                shape = shapely.from_geojson(json.dumps(node))
            except shapely.errors.GEOSException as exc:
                raise _bad(f"a geometry of the filter is not valid GeoJSON: {exc}") from None
            return _Operand(self._literal_geometry(shape), "geometry", shape)
        if "op" in node:
            return self.expression(node)
        raise _bad(f"unexpected value {json.dumps(node)[:200]}")

    def _literal_geometry(self, shape) -> Any:
        """A geometry literal in the filter CRS, as a bound parameter, in storage lon/lat."""
        if self.crs.lat_first:
            shape = shapely.transform(shape, lambda xy: xy[:, ::-1])
        geom = func.ST_SetSRID(func.ST_GeomFromGeoJSON(literal(shapely.to_geojson(shape), String)), self.crs.srid)
        return geom if self.crs.srid == 4326 else func.ST_Transform(geom, 4326)

    # --- expressions ------------------------------------------------------------

    def expression(self, node: dict) -> _Operand:
        op = str(node.get("op", "")).lower()
        args = node.get("args", [])
        if op in ("and", "or"):
            parts = [self.predicate(a) for a in args]
            return _Operand((and_ if op == "and" else or_)(*parts), "bool")
        if op == "not":
            return _Operand(not_(self.predicate(args[0])), "bool")
        if op in _COMPARE:
            return self._compare(op, *args)
        if op in _ARITH:
            a, b = (self._typed(x, "number", op) for x in args)
            return _Operand(getattr(a.sql, _ARITH[op])(b.sql), "number")
        if op == "casei":
            (a,) = args
            # ICU's root collation: lower() folds every script's case, not only ASCII (the
            # embedded cluster runs with the C locale).
            return _Operand(func.lower(self._typed(a, "string", op).sql.collate(CASE_FOLDING)), "string")
        if op == "like":
            a, pattern = self._typed(args[0], "string", op), self._typed(args[1], "string", op)
            return _Operand(a.sql.like(pattern.sql, escape="\\"), "bool")
        if op == "in":
            a = self.operand(args[0])
            values = self.operand(args[1])
            if values.kind != "list" or not values.value:
                raise _bad("IN needs a list of values")
            for v in values.value:
                self._same_kind(a, v, op)
            return _Operand(a.sql.in_([v.sql for v in values.value]), "bool")
        if op == "between":
            a, lo, hi = (self.operand(x) for x in args)
            self._same_kind(a, lo, op)
            self._same_kind(a, hi, op)
            return _Operand(a.sql.between(lo.sql, hi.sql), "bool")
        if op == "isnull":
            return _Operand(self.operand(args[0]).sql.is_(None), "bool")
        if op in _SPATIAL:
            a, b = (self._typed(x, "geometry", op) for x in args)
            return _Operand(_SPATIAL[op](a.sql, b.sql), "bool")
        if op == "s_dwithin":
            return self._dwithin(*args)
        if op.startswith("t_"):
            return self._temporal(op, *args)
        if op in _ARRAY:
            return self._array(op, *args)
        raise _bad(f"{node.get('op')!r} is not supported in filters here")

    def predicate(self, node: Any) -> Any:
        result = self.operand(node)
        if result.kind != "bool":
            raise _bad(f"{json.dumps(node)[:100]} is not a condition")
        return result.sql

    def _typed(self, node: Any, kind: str, op: str) -> _Operand:
        result = self.operand(node)
        if result.kind != kind:
            raise _bad(f"{op.upper()} needs {kind} values, got a {result.kind}")
        return result

    @staticmethod
    def _same_kind(a: _Operand, b: _Operand, op: str) -> None:
        kinds = {a.kind, b.kind}
        if "null" in kinds and op in ("=", "<>"):
            raise _bad("compare with NULL using IS NULL / IS NOT NULL")
        if kinds <= {"date", "timestamp", "instant"} or len(kinds) == 1:
            return
        raise _bad(f"{op.upper()} compares a {a.kind} with a {b.kind}")

    def _compare(self, op: str, left: Any, right: Any) -> _Operand:
        a, b = self.operand(left), self.operand(right)
        a, b = self._dated(a, b), self._dated(b, a)
        self._same_kind(a, b, op)
        if a.kind in ("geometry", "array", "list", "interval"):
            raise _bad(f"{op} does not compare {a.kind}s; use the s_, a_ or t_ functions")
        return _Operand(getattr(a.sql, _COMPARE[op])(b.sql), "bool")

    @staticmethod
    def _dated(value: _Operand, other: _Operand) -> _Operand:
        """A text compared with a date or time property is read as an ISO date
        or timestamp ('2024-03-01'): GDAL writes date literals so."""
        if value.kind != "string" or other.kind not in ("date", "timestamp"):
            return value
        when = _interval_end(value.value)
        if when is None:
            raise _bad(f"{value.value!r} is not a date or timestamp")
        typ = DateTime(timezone=True) if isinstance(when, datetime) else Date()
        return _Operand(literal(when, typ), "instant", when)

    def _dwithin(self, left: Any, right: Any, distance: Any) -> _Operand:
        a, b = self._typed(left, "geometry", "s_dwithin"), self._typed(right, "geometry", "s_dwithin")
        if not isinstance(distance, (int, float)) or isinstance(distance, bool) or not 0 <= distance < 1e8:
            raise _bad("S_DWITHIN's distance is a number of metres, 0 up to 100 000 km")
        exact = func.ST_DWithin(cast(a.sql, Geography), cast(b.sql, Geography), float(distance))
        literal_shape = b.value if b.value is not None else a.value
        column = a.sql if a.value is None else b.sql
        if literal_shape is None or not self.crs.geographic:
            return _Operand(exact, "bool")
        # The GiST index on geom: a box around the literal at least `distance` wide.
        minx, miny, maxx, maxy = literal_shape.bounds
        if self.crs.lat_first:
            minx, miny, maxx, maxy = miny, minx, maxy, maxx
        dlat = 1.01 * distance / METRES_PER_DEG_LAT
        lat = max(abs(miny), abs(maxy)) + dlat
        if lat >= 89.0:
            return _Operand(exact, "bool")
        dlon = 1.01 * distance / (METRES_PER_DEG_LON * math.cos(math.radians(lat)))
        box = func.ST_MakeEnvelope(minx - dlon, miny - dlat, maxx + dlon, maxy + dlat, 4326)
        return _Operand(and_(column.op("&&")(box), exact), "bool")

    def _temporal(self, op: str, left: Any, right: Any) -> _Operand:
        a, b = self.operand(left), self.operand(right)
        if a.kind not in ("date", "timestamp"):
            raise _bad(f"{op.upper()} needs a date or time property first")
        if b.kind == "instant":
            start = end = b.value
        elif b.kind == "interval":
            start, end = b.value
        else:
            raise _bad(f"{op.upper()} needs a DATE, TIMESTAMP or INTERVAL second")
        inside = and_(true(), *date_range(a.sql, start, end))
        if op == "t_intersects":
            return _Operand(inside, "bool")
        if op == "t_disjoint":
            return _Operand(not_(inside), "bool")
        if op == "t_equals" and b.kind == "instant":
            # A day equals the day; a time equals the instant (a day literal on a time: within that day).
            exact = a.kind == "timestamp" and isinstance(start, datetime)
            return _Operand(a.sql == b.sql if exact else inside, "bool")
        if op == "t_before" and start is not None:
            return _Operand(and_(*[~c for c in date_range(a.sql, start, None)]), "bool")
        if op == "t_after" and end is not None:
            return _Operand(and_(*[~c for c in date_range(a.sql, None, end)]), "bool")
        raise _bad(f"{op.upper()} is not supported here (T_INTERSECTS, T_DISJOINT, T_BEFORE, T_AFTER, T_EQUALS are)")

    def _array(self, op: str, left: Any, right: Any) -> _Operand:
        a = self._typed(left, "array", op)
        values = self.operand(right)
        if values.kind != "list" or any(v.kind != "string" for v in values.value):
            raise _bad(f"{op.upper()} needs a list of texts, e.g. ('land', 'water')")
        items = [v.value for v in values.value]
        if op == "a_contains":
            return _Operand(a.sql.contains(items), "bool")
        if op == "a_containedby":
            return _Operand(a.sql.contained_by(items), "bool")
        if op == "a_overlaps":
            return _Operand(a.sql.overlap(items), "bool")
        return _Operand(and_(a.sql.contains(items), a.sql.contained_by(items)), "bool")


def filter_clause(expr: dict[str, Any], q: Queryables, filter_crs: Crs = CRS84) -> ColumnElement:
    """The WHERE clause of a parsed filter (:func:`parse_filter`) on the queryables ``q``."""
    return Translator(q, filter_crs).predicate(expr)
