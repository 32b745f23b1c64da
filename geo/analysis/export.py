"""Plain, JSON-ready views of a :class:`GapResult` shared by the API, the CLI
and the exports: one properties dict per community, GeoJSON features, CSV.
Each view takes the result and the rows it shows, and asks the result for
the reasons of exactly those rows (:meth:`GapResult.explained`)."""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd

from geo.analysis.gaps import REASON_COLUMNS, RESULT_COLUMNS, GapResult
from geo.i18n import ENGLISH, Translator
from geo.io.spreadsheet import escape_frame

RECORD_COLUMNS = (*RESULT_COLUMNS, *REASON_COLUMNS)  # a record's keys: the table's columns, then the reasons
PROPERTY_COLUMNS = tuple(c for c in RECORD_COLUMNS if c not in ("lon", "lat"))


def plain(v):
    """A cell as JSON: None for missing values and non-finite floats, Python scalars, ISO time stamps."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (pd.Timestamp,)):
        return v.isoformat()
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def select_rows(result: GapResult, *, under_engaged_only: bool = False) -> pd.DataFrame:
    """The ranked rows to show.

    Parameters
    ----------
    result : GapResult
    under_engaged_only : bool
        Keep only the communities flagged under-engaged.

    Returns
    -------
    pandas.DataFrame
        In rank order.
    """
    t = result.table
    return t[t["under_engaged"]] if under_engaged_only else t


def _record(d: dict, reasons: list[dict], sentences: list[str]) -> dict:
    rec = {k: plain(d[k]) for k in RESULT_COLUMNS}
    rec["reasons"] = list(sentences)
    rec["explanation"] = [
        {"code": r["code"], "params": dict(r["params"]), "text": t} for r, t in zip(reasons, sentences, strict=True)
    ]
    return rec


def records(result: GapResult, rows: pd.DataFrame, tr: Translator = ENGLISH) -> list[dict]:
    """Rows as JSON-ready dicts (missing values and non-finite floats become None).

    Parameters
    ----------
    result : GapResult
        The result the rows are of (their reasons).
    rows : pandas.DataFrame
        Rows of its table.
    tr : Translator
        The language of ``reasons`` and of each ``explanation``'s ``text``
        (English by default).

    Returns
    -------
    list of dict
        One per row, keys ``RECORD_COLUMNS``; ``explanation`` as
        ``{"code", "params", "text"}`` (docs/analysis.md#reasons).
    """
    reasons, sentences = result.explained(rows, tr)
    return [
        _record(d, r, s)
        for d, r, s in zip(rows[list(RESULT_COLUMNS)].to_dict("records"), reasons, sentences, strict=True)
    ]


def features(result: GapResult, rows: pd.DataFrame, tr: Translator = ENGLISH) -> list[dict]:
    """Rows as GeoJSON point features.

    Parameters
    ----------
    result : GapResult
        The result the rows are of (their reasons).
    rows : pandas.DataFrame
        Rows of its table.
    tr : Translator
        The language of the reasons.

    Returns
    -------
    list of dict
        Feature id = community id; properties ``PROPERTY_COLUMNS``.
    """
    return [
        {
            "type": "Feature",
            "id": rec["community_id"],
            "geometry": {"type": "Point", "coordinates": [rec["lon"], rec["lat"]]},
            "properties": {k: rec[k] for k in PROPERTY_COLUMNS},
        }
        for rec in records(result, rows, tr)
    ]


def metadata(result: GapResult) -> dict:
    """What the result reflects: parameters, when, and how many rows counted.

    Parameters
    ----------
    result : GapResult

    Returns
    -------
    dict
        ``parameters``, ``computed_at`` and ``data`` (rows considered per table).
    """
    return {
        "parameters": result.params.to_dict(),
        "computed_at": result.computed_at.isoformat(),
        "data": {"source": "committed database state at computed_at", **result.considered},
    }


def feature_collection(result: GapResult, rows: pd.DataFrame, matched: int, tr: Translator = ENGLISH) -> dict:
    """A page of rows as a GeoJSON FeatureCollection with the result's metadata.

    Parameters
    ----------
    result : GapResult
    rows : pandas.DataFrame
        The page.
    matched : int
        How many rows the whole selection holds.
    tr : Translator
        The language of the reasons.

    Returns
    -------
    dict
    """
    return {
        "type": "FeatureCollection",
        "numberMatched": matched,
        "numberReturned": len(rows),
        "features": features(result, rows, tr),
        **metadata(result),
    }


def to_csv(result: GapResult, rows: pd.DataFrame, tr: Translator = ENGLISH) -> str:
    """Rows as CSV, reasons joined with ``; ``, text cells spreadsheet-safe.

    Parameters
    ----------
    result : GapResult
        The result the rows are of (their reasons).
    rows : pandas.DataFrame
        Rows of its table (``result.table`` or a slice of it).
    tr : Translator
        The language of the reasons; their codes go in ``reason_codes``
        (``; ``-joined), the structured ``explanation`` is left to the JSON.

    Returns
    -------
    str
        CSV text with CRLF line ends (RFC 4180), text cells that a spreadsheet
        would run as a formula prefixed with ``'``.
    """
    reasons, sentences = result.explained(rows, tr)
    t = rows.copy()
    t["reasons"] = ["; ".join(s) for s in sentences]
    t["reason_codes"] = ["; ".join(r["code"] for r in e) for e in reasons]
    buf = io.StringIO()
    escape_frame(t).to_csv(buf, index=False, lineterminator="\r\n")  # RFC 4180: a CR inside a cell gets quoted
    return buf.getvalue()
