"""The migrated database's CHECK constraints against the rules the columns
declare (``geo.columns``): every declared vocabulary, bound, order and
geometry kind is probed — a value at the bound is stored, one just outside is
refused by the constraint of the declared name — and the database holds no
CHECK constraint the models do not declare. Alembic's autogenerate does not
compare CHECK constraints, so this is what keeps the two from drifting."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import Boolean, CheckConstraint, Column, Date, DateTime, Float, Integer, String, Table, insert, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError, IntegrityError

from geo.columns import NO_RULE, column_checks, rule_of
from geo.models import metadata

OUTSIDE = "zz_not_in_the_vocabulary"
COLUMN_TYPE = "the column's geometry type"
DAY = date(2024, 3, 1)
INSTANT = datetime(2024, 3, 1, 6, 0, tzinfo=UTC)
# One sample per geometry kind, and a second sample touching the ±180/±90 bounds.
SAMPLES = {
    "POINT": ("SRID=4326;POINT(17 5)", "SRID=4326;POINT(180 -90)"),
    "MULTILINESTRING": ("SRID=4326;MULTILINESTRING((17 5,18 6))", "SRID=4326;MULTILINESTRING((-180 -90,180 90))"),
    "MULTIPOLYGON": (
        "SRID=4326;MULTIPOLYGON(((17 5,18 5,18 6,17 5)))",
        "SRID=4326;MULTIPOLYGON(((-180 -90,180 -90,180 90,-180 -90)))",
    ),
}
JUST_OUTSIDE = {  # just beyond the bounds, or invalid: refused by geom_valid
    "POINT": ("SRID=4326;POINT(180.00000000000003 0)", "SRID=4326;POINT(0 -90.00000000000001)"),
    "MULTILINESTRING": ("SRID=4326;MULTILINESTRING((17 5,180.00000000000003 6))",),
    "MULTIPOLYGON": (
        "SRID=4326;MULTIPOLYGON(((17 5,18 6,18 5,17 6,17 5)))",  # a bow tie
        "SRID=4326;MULTIPOLYGON(((17 5,180.00000000000003 5,18 6,17 5)))",
    ),
}


@dataclass
class Probe:
    column: str
    value: Any
    refused_by: str | None  # the constraint (full name) expected to refuse it; None: stored


def _is_int(column: Column) -> bool:
    return isinstance(column.type, Integer)


def _below(column: Column, v: float) -> float:
    return v - 1 if _is_int(column) else math.nextafter(v, -math.inf)


def _above(column: Column, v: float) -> float:
    return v + 1 if _is_int(column) else math.nextafter(v, math.inf)


def _check_name(table: Table, column: Column, kind: str) -> str:
    """The declared name of one of the column's checks (``allowed``/``range``/``dates``/``order``/``geom_*``)."""
    names = [name for name, _ in column_checks(table, column)]
    if kind == "geom_type":
        return f"ck_{table.name}_geom_type"
    if kind == "geom_valid":
        return f"ck_{table.name}_geom_valid"
    rule = rule_of(column)
    kinds = [
        k
        for k, present in (
            ("allowed", rule.vocabulary is not None),
            ("range", rule.bounded),
            ("dates", rule.dates is not None),
            ("order", rule.not_before is not None),
        )
        if present
    ]  # the order column_checks emits them in
    assert len(names) == len(kinds), (column.name, names, kinds)
    return f"ck_{table.name}_{names[kinds.index(kind)]}"


def _tick(column: Column) -> timedelta:
    return timedelta(microseconds=1) if isinstance(column.type, DateTime) else timedelta(days=1)


def _valid_value(table: Table, column: Column) -> Any:
    rule = rule_of(column)
    if rule.geometry_kinds:
        return SAMPLES[rule.geometry_kinds[0]][0]
    if rule.vocabulary is not None:
        return [] if isinstance(column.type, ARRAY) else rule.vocabulary[0]
    if rule.bounded:
        return rule.hi if rule.lo is None or rule.lo_open else rule.lo
    if isinstance(column.type, DateTime):
        return INSTANT
    if isinstance(column.type, Date):
        return DAY
    if isinstance(column.type, Boolean):
        return False
    if isinstance(column.type, (Integer, Float)):
        return 0
    if isinstance(column.type, ARRAY):
        return []
    if isinstance(column.type, String):
        return "x"
    raise TypeError(f"no sample value for {table.name}.{column.name} ({column.type})")


def base_row(table: Table) -> dict[str, Any]:
    """A row every CHECK accepts: required columns get a valid value, the rest stay NULL/default."""
    return {
        c.name: _valid_value(table, c)
        for c in table.columns
        if not c.primary_key and not c.nullable and c.server_default is None
    }


def _outside_range(table: Table, column: Column, value: Any, inside: Any, name: str) -> list[Probe]:
    """``column`` just outside its date range, refused by its range check. A
    column ordered with another (an end and its start) keeps the order: the
    partner takes the in-range edge ``inside`` when that keeps the order, else
    no value when it may be null, else the same value (then the partner's
    own range check may answer first: PostgreSQL tests CHECKs by name)."""
    c = column.name
    start = rule_of(column).not_before
    ends = [o.name for o in table.columns if rule_of(o).not_before == c]
    values, names = {c: value}, [name]
    for partner, before in [*([(start, True)] if start else []), *((e, False) for e in ends)]:
        other = table.c[partner]
        if (inside <= value) if before else (inside >= value):
            values[partner] = inside
        elif other.nullable:
            values[partner] = None
        else:
            values[partner] = value
            names.append(_check_name(table, other, "dates"))
    return [Probe(c, values, min(names))]


def probes(table: Table) -> list[Probe]:
    out: list[Probe] = []
    for column in table.columns:
        rule = rule_of(column)
        c = column.name
        if rule.vocabulary is not None:
            name = _check_name(table, column, "allowed")
            if isinstance(column.type, ARRAY):
                out += [Probe(c, [v], None) for v in rule.vocabulary]
                out += [Probe(c, [], None), Probe(c, [rule.vocabulary[0], OUTSIDE], name)]
            else:
                out += [Probe(c, v, None) for v in rule.vocabulary]
                out.append(Probe(c, OUTSIDE[: column.type.length], name))
        if rule.bounded:
            name = _check_name(table, column, "range")
            if rule.lo is not None:
                lo = rule.lo
                out += (
                    [Probe(c, lo, name), Probe(c, _above(column, lo), None)]
                    if rule.lo_open
                    else [Probe(c, lo, None), Probe(c, _below(column, lo), name)]
                )
            if rule.hi is not None:
                out += [Probe(c, rule.hi, None), Probe(c, _above(column, rule.hi), name)]
        if rule.dates is not None:
            name = _check_name(table, column, "dates")
            first, last = rule.dates.first, rule.dates.last
            if isinstance(column.type, DateTime):
                lo = datetime.combine(first, time.min, tzinfo=UTC)
                hi = datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC) - _tick(column)
            else:
                lo, hi = first, last
            partners = [rule.not_before] if rule.not_before else []
            partners += [o.name for o in table.columns if rule_of(o).not_before == c]
            out += [Probe(c, dict.fromkeys((c, *partners), v), None) for v in (lo, hi)]  # equal: in order
            out += _outside_range(table, column, lo - _tick(column), hi, name)
            out += _outside_range(table, column, hi + _tick(column), lo, name)
        if rule.not_before is not None:
            name = _check_name(table, column, "order")
            first = table.c[rule.not_before]
            start = INSTANT if isinstance(column.type, DateTime) else DAY
            out += [
                Probe(c, {first.name: start, c: start}, None),
                Probe(c, {first.name: start, c: start - _tick(column)}, name),
            ]
            if column.nullable:
                out.append(Probe(c, {first.name: start, c: None}, None))
            if first.nullable:
                out.append(Probe(c, {first.name: None, c: start - _tick(column)}, None))
        if rule.geometry_kinds:
            kind_check, valid_check = _check_name(table, column, "geom_type"), _check_name(table, column, "geom_valid")
            for kind in rule.geometry_kinds:
                out += [Probe(c, wkt, None) for wkt in SAMPLES[kind]]
                out += [Probe(c, wkt, valid_check) for wkt in JUST_OUTSIDE[kind]]
            # A single-kind column is typed (geometry(POINT, 4326)): PostGIS refuses other kinds before the CHECK.
            refuser = kind_check if len(rule.geometry_kinds) > 1 else COLUMN_TYPE
            out += [Probe(c, SAMPLES[k][0], refuser) for k in SAMPLES if k not in rule.geometry_kinds]
        if column.nullable and (rule.vocabulary is not None or rule.bounded):
            out.append(Probe(c, None, None))
    return out


RULED = [t for t in metadata.sorted_tables if any(rule_of(c) != NO_RULE for c in t.columns)]


def _outcome(conn, table: Table, row: dict) -> str | None:
    """None when ``row`` is stored, else the name of the constraint refusing it."""
    savepoint = conn.begin_nested()
    try:
        conn.execute(insert(table).values(**row))
    except IntegrityError as exc:
        savepoint.rollback()
        return exc.orig.diag.constraint_name or f"an error without a constraint: {exc.orig}"
    except DBAPIError as exc:
        savepoint.rollback()
        if "does not match column type" in str(exc.orig):
            return COLUMN_TYPE
        raise
    savepoint.rollback()
    return None


@pytest.mark.parametrize("table", RULED, ids=lambda t: t.name)
def test_every_declared_rule_is_the_database_constraint(engine, table):
    base = base_row(table)
    wrong = []
    with engine.connect() as conn, conn.begin():
        assert _outcome(conn, table, base) is None, f"{table.name}: the base row {base} is refused"
        for probe in probes(table):
            values = probe.value if isinstance(probe.value, dict) else {probe.column: probe.value}
            got = _outcome(conn, table, {**base, **values})
            if got != probe.refused_by:
                want = f"refused by {probe.refused_by}" if probe.refused_by else "stored"
                wrong.append(
                    f"{table.name}.{probe.column} = {values}: expected {want}, got "
                    f"{'refused by ' + got if got else 'stored'}"
                )
    assert not wrong, "\n".join(wrong)


def test_the_database_has_exactly_the_declared_check_constraints(engine):
    declared = {
        (t.name, c.name) for t in metadata.sorted_tables for c in t.constraints if isinstance(c, CheckConstraint)
    }
    with engine.connect() as conn:
        in_db = set(
            conn.execute(
                text(
                    "SELECT rel.relname, con.conname FROM pg_constraint con "
                    "JOIN pg_class rel ON rel.oid = con.conrelid JOIN pg_namespace ns ON ns.oid = rel.relnamespace "
                    "WHERE con.contype = 'c' AND ns.nspname = 'public'"
                )
            ).all()
        )
    in_db = {(table, name) for table, name in in_db if table in metadata.tables}  # not PostGIS's own
    assert in_db == declared, (
        f"only in the database: {sorted(in_db - declared)}; only declared: {sorted(declared - in_db)}"
    )


def test_every_rule_is_probed_at_both_sides():
    """The probes above reach every declared rule: a vocabulary by a member and
    a stranger, each bound from inside and outside, each order both ways."""
    for table in RULED:
        for column in table.columns:
            rule = rule_of(column)
            mine = [p for p in probes(table) if p.column == column.name]
            expected = (
                (len(rule.vocabulary) + 1 if rule.vocabulary is not None else 0)
                + 2 * ((rule.lo is not None) + (rule.hi is not None))
                + (2 if rule.not_before else 0)
                + (4 if rule.dates else 0)
            )
            assert len(mine) >= expected, (table.name, column.name)
            if expected:
                assert any(p.refused_by for p in mine) and any(p.refused_by is None for p in mine), column.name
