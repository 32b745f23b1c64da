"""Reading query results as columns, fast: what the analysis readers
(:mod:`geo.analysis.load`) and the per-area figures (:mod:`geo.analysis.areas`)
use instead of ORM rows.

Hand-written rather than ``pandas.read_sql``: one ``array_agg`` row per
column, fetched in binary, lets psycopg's C loaders turn each array into a
list at once, where per-row objects (and hex-encoded WKB) cost ten times the
query at mission scale. Dates travel as day numbers (:func:`epoch_days`) and
time stamps as microseconds (:func:`epoch_microseconds`), integers exact for any
stored value.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import BigInteger, Date, Integer, case, cast, func, literal, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from geo.analysis.days import NONE
from geo.db import driver_connection

EPOCH = literal(date(1970, 1, 1), Date)


def fetch_frame(session: Session, stmt, columns, *, order_by: str | None = None) -> pd.DataFrame:
    """The rows of ``stmt`` as a DataFrame of object columns.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    stmt : sqlalchemy.Select
        Any select; its columns in order.
    columns : sequence of str
        A name per selected column.
    order_by : str, optional
        One of ``columns``: the rows come sorted by it (ascending), so the
        order of the rows is the data's, not the storage's (the analysis
        breaks ties by position, hence by id).

    Returns
    -------
    pandas.DataFrame
        Columns of Python objects (convert with :func:`as_type`,
        :func:`as_times`).
    """
    sub = stmt.subquery()
    key = None if order_by is None else list(sub.c)[list(columns).index(order_by)]
    agg = select(*[func.array_agg(c if key is None else aggregate_order_by(c, key)) for c in sub.c])
    compiled = agg.compile(dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True})
    raw = driver_connection(session.connection())
    with raw.cursor(binary=True) as cur:
        cur.execute(compiled.string, compiled.params)
        row = cur.fetchone()
    if row is None:  # cannot happen: an aggregate without GROUP BY returns one row
        raise RuntimeError("array_agg returned no row")
    return pd.DataFrame(
        {
            name: pd.Series([] if values is None else values, dtype=object)
            for name, values in zip(columns, row, strict=True)
        }
    )


def epoch_days(col):
    """A date column as whole days since 1970-01-01 (an integer; NULL and
    ±infinity stay NULL: an infinite end is an open end).

    Integers rather than epoch seconds as floats: exact for every date
    PostgreSQL stores, so a far date cannot overflow on the way in.

    Parameters
    ----------
    col : SQL column expression

    Returns
    -------
    SQL expression
    """
    return case((func.isfinite(col), cast(col - EPOCH, Integer)))


def epoch_microseconds(col):
    """A time stamp column as whole microseconds since 1970-01-01 UTC (a
    bigint: PostgreSQL's own resolution, exact; NULL and ±infinity stay NULL).

    Parameters
    ----------
    col : SQL column expression

    Returns
    -------
    SQL expression
    """
    return case((func.isfinite(col), cast(func.floor(func.extract("epoch", col) * 1_000_000), BigInteger)))


def as_times(df: pd.DataFrame, col: str, *, utc: bool) -> None:
    """Day numbers (:func:`epoch_days`, ``utc`` False) or microseconds
    (:func:`epoch_microseconds`, ``utc`` True) to datetime64 values, in place:
    naive days (unit ``s``) or UTC time stamps (unit ``us``), NaT where NULL.
    Both units hold any year a ``datetime.date`` can (unlike nanoseconds).

    Parameters
    ----------
    df : pandas.DataFrame
    col : str
    utc : bool
        The column holds microseconds of time stamps, not day numbers.

    Returns
    -------
    None
    """
    values = pd.array(df[col].to_numpy(), dtype="Int64")
    missing = values.isna()
    n = values.to_numpy(np.int64, na_value=0)
    if utc:
        times = np.where(missing, NONE, n).astype("datetime64[us]")
        df[col] = pd.Series(times, index=df.index).dt.tz_localize("UTC")
    else:
        df[col] = pd.Series(np.where(missing, NONE, n * 86_400).astype("datetime64[s]"), index=df.index)


def as_type(df: pd.DataFrame, dtype, *cols: str) -> None:
    """Object columns to a numpy dtype, in place (None becomes NaN for floats).

    Parameters
    ----------
    df : pandas.DataFrame
    dtype : numpy dtype
        ``float`` or ``numpy.int64``.
    *cols : str

    Returns
    -------
    None
    """
    for col in cols:
        df[col] = np.asarray(df[col].to_numpy(), dtype=dtype)
