"""Column constructors that carry their rules.

A column says once what it may hold beyond its SQL type — a vocabulary (the
tuples of :mod:`geo.vocab`), a numeric range, an order against an earlier
column, the geometry kinds — and keeps that declaration in
``column.info["rule"]`` (read it back with :func:`rule_of`). Everything else
is derived from it: the model's CHECK constraints (:func:`add_checks`, run
for every model by ``geo.models.Base``), the API's property schemas and
filter types (``geo.resources.types``) and the importers' checks
(``geo.io.generic``). ``tests/geo/test_column_rules.py`` probes the migrated
database's constraints at every declared bound, so the migrations and these
declarations cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import Boolean, CheckConstraint, Column, DateTime, Float, Integer, Table, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import MappedColumn, mapped_column
from sqlalchemy.types import String, TypeEngine

from geo.dates import SUPPORTED, DateRange
from geo.geometry import KINDS, SRID

GEOM_VALID = (
    "ST_IsValid(geom) AND NOT ST_IsEmpty(geom) AND ST_XMin(geom) >= -180 AND "
    "ST_XMax(geom) <= 180 AND ST_YMin(geom) >= -90 AND ST_YMax(geom) <= 90"
)


@dataclass(frozen=True)
class Rule:
    """What one column may hold beyond its SQL type.

    ``lo``/``hi`` bound a number (``lo_open``: the lower bound itself is
    excluded, e.g. a radius > 0); ``not_before`` names an earlier column this
    one may not precede (an end after its start); ``check`` is the CHECK
    constraint's name before the naming convention (derived when None).
    ``max_items``/``item_max_length`` limit a free-text array at the API only
    (the database has no CHECK for them). ``dates`` bounds a date or time
    column (CHECK ``<column>_range``); ``happened`` marks the date of
    something that already happened, which the importers refuse after
    tomorrow (a typo in a file; a CHECK cannot read the clock).
    """

    vocabulary: tuple[str, ...] | None = None
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    not_before: str | None = None
    geometry_kinds: tuple[str, ...] = ()
    check: str | None = None
    max_items: int | None = None
    item_max_length: int | None = None
    dates: DateRange | None = None
    happened: bool = False

    @property
    def bounded(self) -> bool:
        return self.lo is not None or self.hi is not None


NO_RULE = Rule()


def rule_of(column: Column) -> Rule:
    """The rule a column was declared with (an empty rule for plain columns)."""
    return column.info.get("rule", NO_RULE)


def server_default_value(column: Column) -> Any:
    """A column's literal server default as a Python value; None when it has
    none, or when the database computes it (``now()``)."""
    default = column.server_default
    arg = getattr(default, "arg", None)
    if not isinstance(arg, str):
        return None
    if isinstance(column.type, ARRAY):
        if arg != "{}":
            raise ValueError(f"{column.name}: only the empty array is supported as a default, not {arg}")
        return []
    if isinstance(column.type, Boolean):
        return arg == "true"
    if isinstance(column.type, Integer):
        return int(arg)
    if isinstance(column.type, Float):
        return float(arg)
    return arg


def _with_rule(type_: TypeEngine | type[TypeEngine], rule: Rule, **kw: Any) -> MappedColumn[Any]:
    return mapped_column(type_, info={"rule": rule}, **kw)


def vocabulary(values: Sequence[str], length: int, *, check: str | None = None, **kw: Any) -> MappedColumn[Any]:
    """A text column holding one value of ``values`` (CHECK ``<column>_allowed``)."""
    if max(map(len, values)) > length:
        raise ValueError(f"a value of {values} is longer than the column ({length})")
    return _with_rule(String(length), Rule(vocabulary=tuple(values), check=check), **kw)


def vocabulary_array(values: Sequence[str], **kw: Any) -> MappedColumn[Any]:
    """A text array whose every element is one of ``values`` (empty by default)."""
    kw.setdefault("nullable", False)
    kw.setdefault("server_default", "{}")
    return _with_rule(ARRAY(Text), Rule(vocabulary=tuple(values)), **kw)


def text_array(*, max_items: int, item_max_length: int, **kw: Any) -> MappedColumn[Any]:
    """A free-text array (empty by default), limited at the API."""
    kw.setdefault("nullable", False)
    kw.setdefault("server_default", "{}")
    return _with_rule(ARRAY(Text), Rule(max_items=max_items, item_max_length=item_max_length), **kw)


def bounded(
    type_: TypeEngine | type[TypeEngine],
    lo: float | None = None,
    hi: float | None = None,
    *,
    lo_open: bool = False,
    check: str | None = None,
    **kw: Any,
) -> MappedColumn[Any]:
    """A number within ``lo``..``hi`` (CHECK ``<column>_nonnegative`` for ≥ 0,
    else ``<column>_range``; columns sharing a ``check`` name share one CHECK)."""
    return _with_rule(type_, Rule(lo=lo, hi=hi, lo_open=lo_open, check=check), **kw)


def dated(type_: TypeEngine | type[TypeEngine], *, happened: bool = False, **kw: Any) -> MappedColumn[Any]:
    """A date or time within the supported range (``geo.dates.SUPPORTED``;
    CHECK ``<column>_range``); ``happened``: the date of something that
    already happened (see :class:`Rule`)."""
    return _with_rule(type_, Rule(dates=SUPPORTED, happened=happened), **kw)


def not_before(
    first: str, type_: TypeEngine | type[TypeEngine], *, check: str, happened: bool = False, **kw: Any
) -> MappedColumn[Any]:
    """A date or time (in the supported range, as :func:`dated`) that may not
    precede column ``first`` (equal is fine)."""
    return _with_rule(type_, Rule(not_before=first, check=check, dates=SUPPORTED, happened=happened), **kw)


def geometry(*kinds: str) -> MappedColumn[Any]:
    """The ``geom`` column: EPSG:4326, indexed, holding one of ``kinds``
    (CHECKs ``geom_valid`` and ``geom_type``)."""
    unknown = [k for k in kinds if k not in KINDS]
    if not kinds or unknown:
        raise ValueError(f"geometry kinds must be among {', '.join(KINDS)}; got {', '.join(kinds) or 'none'}")
    column_type = kinds[0] if len(kinds) == 1 else "GEOMETRY"
    return _with_rule(
        Geometry(column_type, srid=SRID, spatial_index=True), Rule(geometry_kinds=tuple(kinds)), nullable=False
    )


# --- the CHECK constraints, generated from the rules --------------------------


def _number(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def _quoted(values: Sequence[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _null_or(column: Column, expr: str, *, compound: bool) -> str:
    if not column.nullable:
        return expr
    return f"{column.name} IS NULL OR " + (f"({expr})" if compound else expr)


def _range_check(column: Column, rule: Rule) -> tuple[str, str]:
    c = column.name
    if rule.lo is not None and rule.hi is not None and not rule.lo_open and not column.nullable:
        expr, parts = f"{c} BETWEEN {_number(rule.lo)} AND {_number(rule.hi)}", 1
    else:
        terms = []
        if rule.lo is not None:
            terms.append(f"{c} {'>' if rule.lo_open else '>='} {_number(rule.lo)}")
        if rule.hi is not None:
            terms.append(f"{c} <= {_number(rule.hi)}")
        expr, parts = " AND ".join(terms), len(terms)
    nonnegative = rule.lo == 0 and rule.hi is None and not rule.lo_open
    name = rule.check or f"{c}_{'nonnegative' if nonnegative else 'range'}"
    return name, _null_or(column, expr, compound=parts > 1)


def _order_check(table: Table, column: Column, rule: Rule, first_name: str) -> tuple[str, str]:
    first = table.c[first_name]
    nulls = [f"{c.name} IS NULL" for c in (column, first) if c.nullable]
    return rule.check or f"{column.name}_order", " OR ".join([*nulls, f"{column.name} >= {first.name}"])


def column_checks(table: Table, column: Column) -> list[tuple[str, str]]:
    """(name, SQL) of the CHECK constraints one column's rule asks for."""
    rule = rule_of(column)
    c = column.name
    checks = []
    if rule.vocabulary is not None:
        if isinstance(column.type, ARRAY):
            expr = f"{c} <@ ARRAY[{_quoted(rule.vocabulary)}]::text[]"
        else:
            expr = _null_or(column, f"{c} IN ({_quoted(rule.vocabulary)})", compound=False)
        checks.append((rule.check or f"{c}_allowed", expr))
    if rule.bounded:
        checks.append(_range_check(column, rule))
    if rule.dates is not None:
        expr = rule.dates.sql(c, timestamp=isinstance(column.type, DateTime))
        checks.append((f"{c}_range", _null_or(column, expr, compound=True)))
    if rule.not_before is not None:
        checks.append(_order_check(table, column, rule, rule.not_before))
    if rule.geometry_kinds:
        checks += [("geom_valid", GEOM_VALID), ("geom_type", f"GeometryType({c}) IN ({_quoted(rule.geometry_kinds)})")]
    return checks


def add_checks(table: Table) -> None:
    """Add the CHECK constraints of every column's rule to ``table``; rules
    sharing a name become one constraint (their conditions joined by AND)."""
    grouped: dict[str, list[str]] = {}
    for column in table.columns:
        for name, expr in column_checks(table, column):
            grouped.setdefault(name, []).append(expr)
    for name, exprs in grouped.items():
        sql = exprs[0] if len(exprs) == 1 else " AND ".join(f"({e})" for e in exprs)
        table.append_constraint(CheckConstraint(sql, name=name))
