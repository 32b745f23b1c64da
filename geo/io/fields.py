"""Vectorised value checks for importers.

Each converter takes one column of one chunk (raw strings from a CSV, typed
values from a vector layer), returns the converted values, and rejects — with
row, field and reason — only the rows it cannot convert: one bad value costs
one row, never the file, and nothing invalid reaches the database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
import shapely

from geo.dates import SUPPORTED
from geo.io.report import Reject


class Batch:
    """One chunk of input rows on its way to the database."""

    def __init__(self, frame: pd.DataFrame, rows: np.ndarray, geoms: np.ndarray | None = None):
        self.frame = frame.reset_index(drop=True)
        self.rows = np.asarray(rows)
        self.geoms = geoms
        self.ok = np.ones(len(self.frame), dtype=bool)
        self.rejects: list[Reject] = []
        self.values: dict[str, np.ndarray | list[Any]] = {}  # column → one value per row
        self.geoms_checked = False  # True when the mapper built the geometries from checked coordinates
        self.skipped = 0  # rows left out on purpose (superseded gazetteer entries), not errors
        self.links: dict[str, list[list[int]]] = {}  # link property → ids per row (geo.links), when the file gives them
        self.read: int | None = None  # input rows this batch stands for, when it aggregates them (else its length)

    def __len__(self) -> int:
        return len(self.frame)

    def col(self, name: str | None) -> pd.Series | None:
        return self.frame[name] if name is not None and name in self.frame.columns else None

    def reject(self, mask, field: str, reason: str | Callable[[int], str]) -> None:
        mask = np.asarray(mask, dtype=bool) & self.ok
        for i in np.flatnonzero(mask).tolist():
            self.rejects.append(Reject(int(self.rows[i]), field, reason(i) if callable(reason) else reason))
        self.ok &= ~mask

    def set_points(self, x: np.ndarray, y: np.ndarray) -> None:
        """The geometries, from checked longitudes and latitudes (a rejected row's is a placeholder)."""
        self.geoms = np.asarray(shapely.points(np.where(self.ok, x, 0.0), np.where(self.ok, y, 0.0)))
        self.geoms_checked = True

    def skip(self, mask) -> None:
        mask = np.asarray(mask, dtype=bool) & self.ok
        self.skipped += int(mask.sum())
        self.ok &= ~mask


def blank(s: pd.Series) -> np.ndarray:
    if pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s):
        return (s.isna() | (s.astype(str).str.strip() == "")).to_numpy()
    return s.isna().to_numpy()


def _shown(s: pd.Series, i: int) -> str:
    v = s.iloc[i]
    v = str(v)
    return repr(v if len(v) <= 60 else v[:57] + "…")


def text(
    b: Batch, s: pd.Series | None, field: str, *, max_len: int | None = None, required: bool = False
) -> np.ndarray:
    """Strings (stripped) or None; too long or required-but-missing rows are rejected."""
    if s is None:
        if required:
            b.reject(np.ones(len(b), bool), field, f"{field} is missing")
        return np.full(len(b), None, dtype=object)
    empty = blank(s)
    stripped = s.astype(str).str.strip()
    out = stripped.to_numpy(dtype=object)
    out[empty] = None
    if required:
        b.reject(empty, field, f"{field} is missing")
    if max_len is not None:
        b.reject(
            ~empty & (stripped.str.len().to_numpy() > max_len), field, f"{field} is longer than {max_len} characters"
        )
    return out


def identifier(b: Batch, s: pd.Series | None, field: str) -> np.ndarray:
    """Record ids as strings (integers without a trailing '.0'); missing ids are rejected."""
    if s is not None and pd.api.types.is_numeric_dtype(s):
        vals = number(b, s, field, integer=True, required=True)
        return np.array([None if v != v else str(int(v)) for v in vals], dtype=object)
    if s is not None:
        return text(b, s, field, max_len=200, required=True)
    return text(b, None, field, required=True)


def number(
    b: Batch,
    s: pd.Series | None,
    field: str,
    *,
    integer: bool = False,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    required: bool = False,
    default: float | None = None,
) -> np.ndarray:
    """Floats (NaN when missing and no default); non-numbers, non-integers and
    out-of-range values are rejected (``lo_open``: ``lo`` itself is too low)."""
    if s is None:
        if required and default is None:
            b.reject(np.ones(len(b), bool), field, f"{field} is missing")
        return np.full(len(b), np.nan if default is None else default, dtype=float)
    empty = blank(s)
    raw = s.str.strip() if pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s) else s
    vals = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    b.reject(~empty & ~np.isfinite(vals), field, lambda i: f"{field} is not a number: {_shown(s, i)}")
    if integer:
        b.reject(
            np.isfinite(vals) & (vals != np.round(vals)),
            field,
            lambda i: f"{field} is not a whole number: {_shown(s, i)}",
        )
    if lo is not None and lo_open:
        b.reject(vals <= lo, field, lambda i: f"{field} {_shown(s, i)} is not above {lo:g}")
    elif lo is not None:
        b.reject(vals < lo, field, lambda i: f"{field} {_shown(s, i)} is below {lo:g}")
    if hi is not None:
        b.reject(vals > hi, field, lambda i: f"{field} {_shown(s, i)} is above {hi:g}")
    if required and default is None:
        b.reject(empty, field, f"{field} is missing")
    if default is not None:
        vals[empty] = default
    return vals


def dates(
    b: Batch,
    s: pd.Series | None,
    field: str,
    *,
    formats: Sequence[str] = ("ISO8601",),
    required: bool = True,
    utc: bool = False,
    happened: bool = True,
) -> np.ndarray:
    """Parse with each format in turn (first match wins) → datetime64 values;
    unparseable dates and dates outside the supported range
    (``geo.dates.SUPPORTED``, by UTC day) are rejected, and so, when the date
    is of something that ``happened`` (an incident, a patrol: the column's
    rule says), are dates after tomorrow — a typo in the file."""
    if s is None:
        if required:
            b.reject(np.ones(len(b), bool), field, f"{field} is missing")
        return np.full(len(b), np.datetime64("NaT"), dtype="datetime64[us]")
    empty = blank(s)
    if pd.api.types.is_datetime64_any_dtype(s):
        parsed = pd.to_datetime(s, utc=True) if utc else s
    else:
        raw = s.astype(str).str.strip()
        parsed = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us, UTC]" if utc else "datetime64[us]")
        for fmt in formats:
            todo = parsed.isna().to_numpy() & ~empty
            if not todo.any():
                break
            got = pd.to_datetime(raw[todo], format=fmt, errors="coerce", utc=utc)
            parsed[todo] = got
    if utc:
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    vals = parsed.to_numpy(dtype="datetime64[us]")
    bad = np.isnat(vals)
    b.reject(~empty & bad, field, lambda i: f"{field} is not a date (expected {' or '.join(formats)}): {_shown(s, i)}")
    first, after = np.datetime64(SUPPORTED.first), np.datetime64(SUPPORTED.last + timedelta(days=1))
    b.reject(
        ~bad & ((vals < first) | (vals >= after)),
        field,
        lambda i: f"{field} {_shown(s, i)} is outside the supported dates {SUPPORTED.text}",
    )
    if happened:
        b.reject(
            ~bad & (vals >= np.datetime64(date.today() + timedelta(days=2))),
            field,
            lambda i: f"{field} {_shown(s, i)} is after tomorrow (it records something that happened)",
        )
    if required:
        b.reject(empty, field, f"{field} is missing")
    return vals


def choice(b: Batch, values: np.ndarray, field: str, allowed: Sequence[str], *, required: bool = True) -> np.ndarray:
    """Values must come from a controlled vocabulary (geo.vocab)."""
    allowed_set = set(allowed)
    missing = np.fromiter((v is None for v in values), bool, len(values))
    unknown = np.fromiter((v is not None and v not in allowed_set for v in values), bool, len(values))
    b.reject(unknown, field, lambda i: f"{field} {values[i]!r} is not one of {', '.join(allowed)}")
    if required:
        b.reject(missing, field, f"{field} is missing")
    return values


def lonlat(
    b: Batch, lon: pd.Series | None, lat: pd.Series | None, *, lon_field: str = "longitude", lat_field: str = "latitude"
) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates in degrees; missing, NaN, out-of-range and swapped pairs are rejected."""
    x = number(b, lon, lon_field, required=True)
    y = number(b, lat, lat_field, required=True)
    swapped = (np.abs(y) > 90) & (np.abs(x) <= 90)
    b.reject(
        swapped,
        lat_field,
        lambda i: (
            f"{lat_field} {y[i]:g} is outside ±90 and {lon_field} {x[i]:g} is not: latitude and longitude look swapped"
        ),
    )
    b.reject(np.abs(y) > 90, lat_field, lambda i: f"{lat_field} {y[i]:g} is outside ±90")
    b.reject(np.abs(x) > 180, lon_field, lambda i: f"{lon_field} {x[i]:g} is outside ±180")
    b.reject((x == 0) & (y == 0), lat_field, "coordinates are 0, 0 (a missing location, not a place)")
    return x, y


def as_list(values: np.ndarray, missing: np.ndarray) -> list:
    """Column values ready for COPY: None where missing, plain Python values otherwise."""
    out = values.tolist()
    for i in np.flatnonzero(missing):
        out[i] = None
    return out


def iso_dates(values: np.ndarray) -> list:
    return as_list(values.astype("datetime64[D]").astype(str), np.isnat(values))


def iso_times(values: np.ndarray) -> list:
    """UTC timestamps as ISO strings with an explicit offset."""
    strings = np.char.add(values.astype("datetime64[s]").astype(str), "+00:00")
    return as_list(strings.astype(object), np.isnat(values))
