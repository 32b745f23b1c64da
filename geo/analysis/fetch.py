"""Reading query results as columns, fast: what the analysis readers
(:mod:`geo.analysis.load`) and the per-area figures (:mod:`geo.analysis.areas`)
use instead of ORM rows.

Hand-written rather than ``pandas.read_sql``: one ``array_agg`` row per
column, fetched in binary, lets psycopg's C loaders turn each array into a
list at once, where per-row objects (and hex-encoded WKB) cost ten times the
query at mission scale. Dates travel as epoch seconds (:func:`epoch`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Float, cast, func, select
from sqlalchemy.orm import Session

from geo.db import driver_connection


def fetch_frame(session: Session, stmt, columns) -> pd.DataFrame:
    """The rows of ``stmt`` as a DataFrame of object columns.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    stmt : sqlalchemy.Select
        Any select; its columns in order.
    columns : sequence of str
        A name per selected column.

    Returns
    -------
    pandas.DataFrame
        Columns of Python objects (convert with :func:`as_type`,
        :func:`as_times`).
    """
    sub = stmt.subquery()
    agg = select(*[func.array_agg(c) for c in sub.c])
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


def epoch(col):
    """A date/timestamp column as float seconds since 1970-01-01 UTC (NULL stays NULL).

    Parameters
    ----------
    col : SQL column expression

    Returns
    -------
    SQL expression
    """
    return cast(func.extract("epoch", col), Float)


def as_times(df: pd.DataFrame, col: str, *, utc: bool) -> None:
    """Epoch seconds (see :func:`epoch`) to datetimes, in place.

    Parameters
    ----------
    df : pandas.DataFrame
    col : str
    utc : bool
        UTC-aware timestamps (for timestamp columns) or naive (for dates).

    Returns
    -------
    None
    """
    df[col] = pd.to_datetime(np.asarray(df[col].to_numpy(), dtype=float), unit="s", utc=utc)


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
