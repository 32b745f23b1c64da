"""Any resource from any vector layer (GeoJSON, GeoPackage, zipped Shapefile)
or a CSV with longitude/latitude columns: each model column is filled from the
file column of the same name (or the ``--map`` choice) and checked against the
column's type, vocabulary, range and length — so what the exporters write
comes back unchanged. The rules come from the columns themselves
(``geo.columns``), the same declaration that makes the CHECK constraints.
What comes back unchanged includes the ``'`` our CSV exports put before text
a spreadsheet would run as a formula: it is removed again when a CSV is read
(:mod:`geo.io.spreadsheet`)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Boolean, Date, DateTime, Float, Integer, SmallInteger, String, select
from sqlalchemy.dialects.postgresql import ARRAY

from geo import links
from geo.columns import rule_of, server_default_value
from geo.errors import InvalidInput
from geo.io.fields import Batch, choice, dates, identifier, iso_dates, iso_times, number, text
from geo.io.importer import Options, point_geoms, put_source
from geo.io.sources import is_vector
from geo.io.spreadsheet import unescape_column
from geo.models import READ_ONLY, table_of
from geo.resources import Link, get_spec

SKIP = {*READ_ONLY, "geom", "source", "source_id"}
TRUE, FALSE = {"true", "t", "yes", "y", "1", "1.0"}, {"false", "f", "no", "n", "0", "0.0"}


def _booleans(b: Batch, s: pd.Series, name: str, required: bool, default) -> list:
    if pd.api.types.is_bool_dtype(s):
        return [bool(x) for x in s]
    raw = [str(x).strip().lower() if x is not None and x == x else "" for x in s]
    b.reject(
        np.array([r != "" and r not in TRUE | FALSE for r in raw]),
        name,
        lambda i: f"{name} {raw[i]!r} is not true/false",
    )
    out = [True if r in TRUE else False if r in FALSE else default for r in raw]
    if required and default is None:
        b.reject(np.array([o is None for o in out]), name, f"{name} is missing")
    return out


def _lists(b: Batch, s: pd.Series, name: str, allowed) -> list:
    def parse(x):
        if x is None or (isinstance(x, float) and x != x):
            return []
        if isinstance(x, (list, tuple, np.ndarray)):
            return [str(v) for v in x]
        x = str(x).strip()
        if x.startswith("["):
            try:
                return [str(v) for v in json.loads(x)]
            except ValueError:
                pass
        x = x.strip("{}[]")
        sep = ";" if ";" in x else "," if "," in x else None
        return [p.strip().strip('"') for p in x.split(sep) if p.strip()]

    out = [parse(x) for x in s]
    if allowed:
        bad = [sorted(set(v) - set(allowed)) for v in out]
        b.reject(np.array([bool(x) for x in bad]), name, lambda i: f"{name} {bad[i]} not in {', '.join(allowed)}")
    return out


def _foreign_keys(b: Batch, opts: Options, conn, column, values: list) -> None:
    fk = next(iter(column.foreign_keys))
    wanted = {v for v in values if v is not None}
    if not wanted or conn is None:
        return
    found = set(conn.execute(select(fk.column).where(fk.column.in_(wanted))).scalars())
    b.reject(
        np.array([v is not None and v not in found for v in values]),
        column.name,
        lambda i: f"{column.name} {values[i]} does not exist in {fk.column.table.name}",
    )


def link_ids(b: Batch, opts: Options, link: Link, s: pd.Series) -> list[list[int]]:
    """A link column (``1;2``, ``[1, 2]``): whole ids of existing targets, else the row is rejected.

    Parameters
    ----------
    b : Batch
    opts : Options
        ``opts.conn`` looks the targets up.
    link : Link
    s : pandas.Series
        The file's column.

    Returns
    -------
    list of list of int
    """
    raw = _lists(b, s, link.prop, None)
    parsed = [[int(v) for v in row if v.isdigit()] for row in raw]
    b.reject(
        np.array([len(p) != len(r) for p, r in zip(parsed, raw, strict=True)]),
        link.prop,
        lambda i: f"{link.prop} {raw[i]} are not all whole ids",
    )
    ok = [p for p, good in zip(parsed, b.ok, strict=True) if good]
    missing = links.missing_targets(opts.conn, link, ok) if opts.conn is not None else set()
    b.reject(
        np.array([bool(set(p) & missing) for p in parsed]),
        link.prop,
        lambda i: f"{link.prop}: no {link.target} with id {', '.join(map(str, sorted(set(parsed[i]) & missing)))}",
    )
    return parsed


def map_batch(b: Batch, opts: Options) -> None:
    spec = get_spec(opts.resource)
    table = table_of(spec.model)
    if not is_vector(opts.path):
        b.frame = b.frame.apply(unescape_column)
    cols = list(b.frame.columns)
    for fld in opts.mapping:
        if fld not in table.c or fld in (*READ_ONLY, "geom"):
            raise InvalidInput(f"--map {fld}=…: {opts.resource} has no importable field {fld!r}", field="map")
    used = 0
    for column in table.c:
        name = column.name
        if name in SKIP:
            continue
        src = opts.column(cols, name)
        if src is None and name not in opts.constants:
            continue
        used += 1
        s = b.frame[src] if src is not None else pd.Series([opts.constants[name]] * len(b), dtype=object)
        default = server_default_value(column)
        required = not column.nullable and default is None
        rule = rule_of(column)
        t = column.type
        val: np.ndarray | list[Any]
        if isinstance(t, ARRAY):
            val = _lists(b, s, name, rule.vocabulary)
        elif isinstance(t, Boolean):
            val = _booleans(b, s, name, required, default)
        elif isinstance(t, DateTime):
            val = dates(b, s, name, required=required, utc=True, happened=rule.happened)
        elif isinstance(t, Date):
            val = dates(b, s, name, formats=("ISO8601", "%d/%m/%Y"), required=required, happened=rule.happened)
        elif isinstance(t, (Integer, SmallInteger, Float)):
            num = number(
                b,
                s,
                name,
                integer=not isinstance(t, Float),
                lo=rule.lo,
                hi=rule.hi,
                lo_open=rule.lo_open,
                required=required,
                default=default,
            )
            val = [None if np.isnan(x) else (float(x) if isinstance(t, Float) else int(x)) for x in num]
            if column.foreign_keys:
                _foreign_keys(b, opts, opts.conn, column, val)
        else:
            max_len = t.length if isinstance(t, String) else None
            val = text(b, s, name, max_len=max_len, required=required)
            if default is not None:
                val = np.array([x if x is not None else default for x in val], dtype=object)
            if rule.vocabulary is not None:
                choice(b, val, name, rule.vocabulary, required=required)
        b.values[name] = val
    _check_required(b, opts, table)
    _check_orders(b, table)
    for name, val in b.values.items():
        if isinstance(val, np.ndarray) and np.issubdtype(val.dtype, np.datetime64):
            is_date = isinstance(table.c[name].type, Date)
            b.values[name] = iso_dates(val) if is_date else iso_times(val)
    if not used and len(b):
        raise InvalidInput(
            f"{opts.path.name}: no column matches a field of {opts.resource} "
            f"({', '.join(c.name for c in table.c if c.name not in SKIP)}); use --map field=column",
            field="map",
        )
    for link in spec.links:
        src = opts.column(cols, link.prop)
        if src is not None:
            b.links[link.prop] = link_ids(b, opts, link, b.frame[src])
    if spec.has_geometry:
        _geometry(b, opts, spec.geometry_kinds == ("POINT",))
    src_col = opts.column(cols, "source")
    sources = text(b, b.col(src_col), "source", max_len=200) if src_col else np.full(len(b), None, dtype=object)
    id_col = opts.column(cols, "source_id", "id", "fid")
    ids = identifier(b, b.col(id_col), id_col) if id_col else np.array([str(r) for r in b.rows], dtype=object)
    put_source(b, opts, ids)
    if src_col and "source" not in opts.constants:
        b.values["source"] = np.array([s or opts.default_source for s in sources], dtype=object)


def _check_orders(b: Batch, table) -> None:
    """An end before its start (``not_before`` columns) rejects the row, naming the end."""
    for column in table.c:
        first, last = rule_of(column).not_before, column.name
        if first in b.values and last in b.values:
            a, z = np.asarray(b.values[first]), np.asarray(b.values[last])
            b.reject(~np.isnat(a) & ~np.isnat(z) & (z < a), last, f"{last} is before {first}")


def _geometry(b: Batch, opts: Options, points: bool) -> None:
    """A vector layer brings its geometry; a CSV needs WKT or (for points) longitude/latitude."""
    if b.geoms is not None:
        return
    wkt = opts.column(b.frame.columns, "geometry", "wkt", "geom")
    if wkt is not None:
        b.geoms = shapely.from_wkt(text(b, b.col(wkt), wkt).astype(object), on_invalid="ignore")
    elif points:
        point_geoms(b, opts)
    else:
        raise InvalidInput(
            f"{opts.path.name} has no geometry: a layer needs a geometry column, a CSV a WKT column named geometry",
            field="geometry",
        )


def _check_required(b: Batch, opts: Options, table) -> None:
    missing = [
        c.name
        for c in table.c
        if c.name not in SKIP and not c.nullable and c.server_default is None and c.name not in b.values
    ]
    if missing:
        raise InvalidInput(
            f"{opts.path.name} has no column for the required field(s) {', '.join(missing)} of "
            f"{opts.resource}; use --map field=column or --set field=value",
            field=missing[0],
        )
