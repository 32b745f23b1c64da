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

from collections.abc import Sequence

import numpy as np
import psycopg
from sqlalchemy import BigInteger, Boolean, ColumnElement, Float, Text, cast, func, select
from sqlalchemy.dialects import postgresql

from geo.analysis import wire
from geo.analysis.tables import InputTable, Kind, Rows, point_rows
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


def read_bytes(conn: psycopg.Connection, sql: str, params: dict) -> np.ndarray:
    """The rows :func:`statement` packs, as one binary ``COPY`` stream.

    Parameters
    ----------
    conn : psycopg.Connection
        In the transaction (snapshot) to read.
    sql : str
    params : dict

    Returns
    -------
    numpy.ndarray of uint8
    """
    with conn.cursor(binary=True) as cur:
        cur.execute(sql, params)
        blocks = [row[0] for row in cur]
    return np.frombuffer(b"".join([HEADER, *blocks, TRAILER]), np.uint8)


def read_rows(
    conn: psycopg.Connection, table: InputTable, frame: np.ndarray, where: Sequence[ColumnElement] = ()
) -> Rows:
    """The rows of ``table`` (those matching ``where``) as columns.

    Parameters
    ----------
    conn : psycopg.Connection
    table : InputTable
    frame : numpy.ndarray
        The mission frame of the coordinates (:func:`geo.analysis.grid.mission_frame`).
    where : sequence of SQL clauses, optional

    Returns
    -------
    Rows
    """
    buf = read_bytes(conn, *statement(table, where))
    geometry = [wire.FLOAT, wire.FLOAT] if table.geometry == "point" else [wire.VAR]
    kinds = np.array([wire.INT, *geometry, *(WIRE_KIND[c.kind] for c in table.columns)], np.int64)
    ints, floats, offset, length = wire.decode_copy(buf, kinds)
    first = 1 + len(geometry)
    values = {}
    for k, c in enumerate(table.columns, start=first):
        if c.kind is Kind.FLOAT:
            values[c.name] = floats[:, k].copy()
        elif c.kind is Kind.FLAG:
            values[c.name] = ints[:, k] == 1
        elif c.kind is Kind.TEXT:
            values[c.name] = wire.texts(buf, offset[:, k], length[:, k])
        else:
            values[c.name] = ints[:, k].copy()
    ids = ints[:, 0].copy()
    if table.geometry == "point":
        return point_rows(table, ids, floats[:, 1], floats[:, 2], values, frame)
    coords, line, owner = wire.decode_lines(buf, offset[:, 1], length[:, 1])
    return Rows(ids, values, tracks=TrackSet.from_parts(coords, line, owner, len(ids), frame))
