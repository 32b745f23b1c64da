"""Time as the analysis counts it: int64 nanoseconds since the epoch (UTC)
and whole UTC day numbers, with ``NONE`` for a missing value (NaT's int64),
so every comparison stays a vectorised integer comparison."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

NS_PER_DAY = 86_400 * 10**9
NONE = np.iinfo(np.int64).min


def to_ns(values) -> np.ndarray:
    """Timestamps or dates as nanoseconds since the epoch.

    Parameters
    ----------
    values : pandas.Series or array-like
        Timestamps (naive ones are taken as UTC) or dates; missing allowed.

    Returns
    -------
    numpy.ndarray of int64
        ``NONE`` where a value is missing.
    """
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    if not pd.api.types.is_datetime64_any_dtype(s.dtype):
        s = pd.to_datetime(s, utc=True) if len(s) else pd.Series([], dtype="datetime64[ns]")
    if getattr(s.dt, "tz", None) is not None:
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    return s.to_numpy("datetime64[ns]").astype(np.int64)  # NaT is int64 min = NONE


def day_numbers(ns: np.ndarray) -> np.ndarray:
    """Nanoseconds as whole UTC day numbers (days since 1970-01-01).

    Parameters
    ----------
    ns : numpy.ndarray of int64
        As made by :func:`to_ns`.

    Returns
    -------
    numpy.ndarray of int64
        ``NONE`` stays ``NONE``.
    """
    return np.where(ns == NONE, NONE, np.floor_divide(ns, NS_PER_DAY))


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
