"""Time as the analysis counts it: int64 microseconds since the epoch (UTC)
and whole UTC day numbers, with ``NONE`` for a missing value (NaT's int64),
so every comparison stays a vectorised integer comparison.

Why microseconds: they are PostgreSQL's own resolution, so nothing stored is
rounded, and int64 microseconds span ±292 000 years, so no date a caller or a
database can hold overflows (int64 nanoseconds, pandas' default, end in 2262
and wrapped 9999-12-31 round to 1816). The API and the database keep dates in
1900 … 2100 (``geo.dates``); the analysis stays exact beyond that for rows
stored before the range was enforced.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pandas as pd

US_PER_DAY = 86_400 * 10**6
NONE = np.iinfo(np.int64).min


def _utc_naive(value):
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, pd.Timestamp) and value.tzinfo is not None:
        return value.tz_convert("UTC").tz_localize(None)
    return value


def to_us(values) -> np.ndarray:
    """Timestamps or dates as microseconds since the epoch.

    Parameters
    ----------
    values : pandas.Series or array-like
        datetime64 values of any unit (tz-aware ones are converted to UTC),
        or Python dates / date-times (naive ones are taken as UTC); missing
        allowed. Every date a ``datetime.date`` can hold is exact.

    Returns
    -------
    numpy.ndarray of int64
        ``NONE`` where a value is missing.
    """
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        if getattr(s.dt, "tz", None) is not None:
            s = s.dt.tz_convert("UTC").dt.tz_localize(None)
        raw = s.to_numpy()
    else:  # objects: dates, date-times, Timestamps, None/NaN/NaT
        raw = np.array([None if pd.isna(v) else _utc_naive(v) for v in s], dtype="datetime64[us]")
    return raw.astype("datetime64[us]").astype(np.int64)  # NaT is int64 min = NONE


def from_us(us: np.ndarray) -> pd.Series:
    """Microseconds (``NONE`` for missing) as UTC time stamps.

    Parameters
    ----------
    us : numpy.ndarray of int64

    Returns
    -------
    pandas.Series
        ``datetime64[us, UTC]`` (NaT where missing).
    """
    return pd.Series(np.asarray(us, np.int64).astype("datetime64[us]")).dt.tz_localize("UTC")


def day_numbers(us: np.ndarray) -> np.ndarray:
    """Microseconds as whole UTC day numbers (days since 1970-01-01).

    Parameters
    ----------
    us : numpy.ndarray of int64
        As made by :func:`to_us`.

    Returns
    -------
    numpy.ndarray of int64
        ``NONE`` stays ``NONE``.
    """
    return np.where(us == NONE, NONE, np.floor_divide(us, US_PER_DAY))


def day_number(day: date) -> int:
    """One calendar day as its day number.

    Parameters
    ----------
    day : datetime.date

    Returns
    -------
    int
        Days since 1970-01-01.
    """
    return int(np.datetime64(day, "D").astype(np.int64))
