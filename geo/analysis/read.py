"""Reading the analysis' input tables from PostGIS into columns
(:class:`~geo.analysis.tables.Rows`), fast.

The declared columns of :data:`~geo.analysis.tables.INPUT_TABLES` (dates as
day numbers, time stamps as microseconds: exact for any stored value),
points as x/y, tracks as WKB, are packed by the server into the rows of
PostgreSQL's binary ``COPY`` format (a field count, then per field its
length, -1 for NULL, and its binary send form), ``string_agg``-ed into a few
byte strings (one per block of ``2**BLOCK_BITS`` ids), and decoded by
:mod:`geo.analysis.wire` without a Python object per row. Why not ``COPY``
itself: the server sends a ``COPY`` as one message per row, and psycopg
hands each to Python — 1.4 million iterations, seconds at reference scale;
a handful of large values cost nothing. What a reader reads is chosen by
SQLAlchemy clauses (``where``), so the resident store re-reads changed rows
by id with the same code that loads a table.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import psycopg
from sqlalchemy import BigInteger, Boolean, ColumnElement, Float, Text, any_, bindparam, cast, func, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY

from geo.analysis import wire
from geo.analysis.tables import INPUT_TABLES, InputTable, Kind, Rows, point_rows
from geo.analysis.tracks import TrackSet

SQL_TYPE = {
    Kind.INT: BigInteger,
    Kind.FLOAT: Float,
    Kind.DAY: BigInteger,
    Kind.MICROS: BigInteger,
    Kind.FLAG: Boolean,
    Kind.TEXT: Text,
}
WIRE_KIND = {
    Kind.INT: wire.INT,
    Kind.FLOAT: wire.FLOAT,
    Kind.DAY: wire.INT,
    Kind.MICROS: wire.INT,
    Kind.FLAG: wire.BOOL,
    Kind.TEXT: wire.VAR,
}
DTYPE = {
    Kind.INT: np.int64,
    Kind.FLOAT: np.float64,
    Kind.DAY: np.int64,
    Kind.MICROS: np.int64,
    Kind.FLAG: np.bool_,
    Kind.TEXT: object,
}
DIALECT = postgresql.dialect()


BLOCK_BITS = 16  # ids per aggregated byte string: 2**16 rows at most, well below bytea's 1 GB
SEND = {
    Kind.INT: ("int8send", 8),
    Kind.FLOAT: ("float8send", 8),
    Kind.DAY: ("int8send", 8),
    Kind.MICROS: ("int8send", 8),
    Kind.FLAG: ("boolsend", 1),
    Kind.TEXT: ("textsend", None),
}
HEADER = wire.SIGNATURE + bytes(8)  # no flags, no header extension
TRAILER = (-1).to_bytes(2, "big", signed=True)


def statement(table: InputTable, where: Sequence[ColumnElement] = ()) -> tuple[str, dict]:
    """The rows a reader reads (id, the geometry — x, y, or WKB — and the
    declared columns, labelled ``f0``, ``f1``, …), each packed by the server
    as a binary ``COPY`` row, aggregated per block of ids.

    Parameters
    ----------
    table : InputTable
    where : sequence of SQL clauses

    Returns
    -------
    tuple of (str, dict)
        The SQL (psycopg's ``%(name)s`` placeholders) and its parameters.
    """
    m = table.model
    fields: list[tuple[ColumnElement, tuple[str, int | None]]] = [(cast(m.id, BigInteger), SEND[Kind.INT])]
    if table.geometry == "point":
        fields += [
            (cast(func.ST_X(m.geom), Float), SEND[Kind.FLOAT]),
            (cast(func.ST_Y(m.geom), Float), SEND[Kind.FLOAT]),
        ]
    else:
        fields.append((func.ST_AsBinary(m.geom, "NDR"), ("", None)))  # bytea: its send form is itself
    fields += [(cast(c.expression(m), SQL_TYPE[c.kind]), SEND[c.kind]) for c in table.columns]
    inner = select(*(expr.label(f"f{k}") for k, (expr, _) in enumerate(fields))).where(*where)
    compiled = inner.compile(dialect=DIALECT, compile_kwargs={"render_postcompile": True})
    packed = [f"'\\x{len(fields):04x}'::bytea"]
    for k, (_, (send, size)) in enumerate(fields):
        value = f"{send}(t.f{k})"
        length = f"'\\x{size:08x}'::bytea" if size else f"int4send(octet_length({value}))"
        packed.append(f"coalesce({length} || {value}, '\\xffffffff'::bytea)")
    sql = (
        f"SELECT string_agg({' || '.join(packed)}, ''::bytea) FROM ({compiled.string}) AS t"
        f" GROUP BY t.f0 >> {BLOCK_BITS}"
    )
    return sql, dict(compiled.params)


def blocks(conn: psycopg.Connection, sql: str, params: dict) -> Iterator[np.ndarray]:
    """The blocks :func:`statement` packs, one at a time (streamed: never
    the whole table's bytes at once), each as a binary ``COPY`` stream.

    Parameters
    ----------
    conn : psycopg.Connection
        In the transaction (snapshot) to read.
    sql : str
    params : dict

    Returns
    -------
    iterator of numpy.ndarray of uint8
    """
    with conn.cursor(binary=True) as cur:
        for (block,) in cur.stream(sql, params):
            yield np.frombuffer(b"".join([HEADER, block, TRAILER]), np.uint8)


def _decoded(table: InputTable, buf: np.ndarray, frame: np.ndarray) -> tuple[np.ndarray, dict, Any]:
    """One block's ids, declared columns, and geometry (x, y; or its tracks:
    built block by block, so the temporaries of a track set are a block's)."""
    geometry = [wire.FLOAT, wire.FLOAT] if table.geometry == "point" else [wire.VAR]
    kinds = np.array([wire.INT, *geometry, *(WIRE_KIND[c.kind] for c in table.columns)], np.int64)
    fields = wire.decode_copy(buf, kinds)
    values = {}
    for c, field in zip(table.columns, fields[1 + len(geometry) :], strict=True):
        if c.kind is Kind.FLAG:
            values[c.name] = field == 1
        elif c.kind is Kind.TEXT:
            values[c.name] = wire.texts(buf, field[0], field[1])
        else:
            values[c.name] = field
    if table.geometry == "point":
        return fields[0], values, (fields[1], fields[2])
    coords, line, owner = wire.decode_lines(buf, fields[1][0], fields[1][1])
    return fields[0], values, TrackSet.from_parts(coords, line, owner, len(fields[0]), frame)


@lru_cache
def _by_ids(name: str) -> tuple[str, dict]:
    """The statement reading the rows of table ``name`` whose ids are ``%(ids)s`` (compiled once)."""
    table = INPUT_TABLES[name]
    return statement(table, [table.model.id == any_(bindparam("ids", value=[], type_=ARRAY(BigInteger)))])


def read_rows_by_id(conn: psycopg.Connection, table: InputTable, frame: np.ndarray, ids: np.ndarray) -> Rows:
    """The rows of ``table`` with these ids (those that exist), as :func:`read_rows` reads them.

    Parameters
    ----------
    conn : psycopg.Connection
    table : InputTable
    frame : numpy.ndarray
    ids : numpy.ndarray of int

    Returns
    -------
    Rows
    """
    sql, params = _by_ids(table.name)
    return read_rows(conn, table, frame, statement_params=(sql, {**params, "ids": [int(i) for i in ids]}))


def read_rows(
    conn: psycopg.Connection,
    table: InputTable,
    frame: np.ndarray,
    where: Sequence[ColumnElement] = (),
    *,
    statement_params: tuple[str, dict] | None = None,
) -> Rows:
    """The rows of ``table`` (those matching ``where``) as columns, decoded block by block.

    Parameters
    ----------
    conn : psycopg.Connection
    table : InputTable
    frame : numpy.ndarray
        The mission frame of the coordinates (:func:`geo.analysis.grid.mission_frame`).
    where : sequence of SQL clauses, optional
    statement_params : tuple of (str, dict), optional
        A :func:`statement` already compiled (instead of ``where``).

    Returns
    -------
    Rows
    """
    sql, params = statement_params or statement(table, where)
    parts = [_decoded(table, buf, frame) for buf in blocks(conn, sql, params)]
    ids = np.concatenate([np.zeros(0, np.int64), *(p[0] for p in parts)])
    values = {
        c.name: np.concatenate([np.zeros(0, DTYPE[c.kind]), *(p[1][c.name] for p in parts)]) for c in table.columns
    }
    geometry = [p[2] for p in parts]
    del parts
    if table.geometry == "point":
        x, y = (np.concatenate([np.zeros(0), *(g[k] for g in geometry)]) for k in (0, 1))
        return point_rows(table, ids, x, y, values, frame)
    return Rows(ids, values, tracks=TrackSet.joined(geometry))
