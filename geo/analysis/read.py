"""Reading the analysis' input tables from PostGIS into columns
(:class:`~geo.analysis.tables.Rows`), fast.

One binary ``COPY (SELECT …) TO STDOUT`` per table: the declared columns of
:data:`~geo.analysis.tables.INPUT_TABLES` (dates as day numbers, time stamps
as microseconds: exact for any stored value), points as x/y, tracks as WKB;
decoded by :mod:`geo.analysis.wire` without a Python object per row. What a
reader reads is chosen by SQLAlchemy clauses (``where``), so the resident
store re-reads changed rows by id with the same code that loads a table.
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


def statement(table: InputTable, where: Sequence[ColumnElement] = ()) -> tuple[str, dict]:
    """The SELECT a reader copies: id, the geometry (x, y, or WKB), the declared columns.

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
    geometry = (
        [cast(func.ST_X(m.geom), Float), cast(func.ST_Y(m.geom), Float)]
        if table.geometry == "point"
        else [func.ST_AsBinary(m.geom, "NDR")]
    )
    columns: list[ColumnElement] = [cast(c.expression(m), SQL_TYPE[c.kind]) for c in table.columns]
    stmt = select(cast(m.id, BigInteger), *geometry, *columns).where(*where)
    compiled = stmt.compile(dialect=DIALECT, compile_kwargs={"render_postcompile": True})
    return compiled.string, dict(compiled.params)


def copy_bytes(conn: psycopg.Connection, sql: str, params: dict) -> np.ndarray:
    """Everything ``COPY (sql) TO STDOUT (FORMAT binary)`` sends, as one byte array.

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
    buf = bytearray()
    with conn.cursor() as cur, cur.copy(f"COPY ({sql}) TO STDOUT (FORMAT binary)", params) as copy:
        for chunk in copy:
            buf += chunk
    return np.frombuffer(bytes(buf), np.uint8)


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
    buf = copy_bytes(conn, *statement(table, where))
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
