"""The planner's worklist: the under-engaged communities of a view, filtered
and sorted, as the map's panel, its CSV download and the area brief's top
ten show them (docs/analysis.md#worklist). One owner for the rows: the
browser draws what this returns, the CSV is the same rows.

**Adapter for columns other work adds to the result table.** A result
column listed in :data:`OPTIONAL_COLUMNS` (travel time, constituencies not
heard) is shown, sorted and exported when the engagement-gap table has it,
and left out when it does not; :data:`FILTERS_NEEDING` names the column a
filter needs (a filter on a missing column is refused naming it).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.analysis.export import plain, records
from geo.analysis.gaps import RESULT_COLUMNS, GapResult
from geo.errors import InvalidInput
from geo.i18n import ENGLISH, Translator
from geo.io.spreadsheet import escape_frame

# Always shown, in this order.
BASE_COLUMNS = (
    "rank",
    "community_id",
    "name",
    "gap_score",
    "days_since_engagement",
    "pressure_norm",
    "incidents_window",
    "population",
    "lon",
    "lat",
)
# Shown when the result table holds them (other analyses add them): column → its meaning.
OPTIONAL_COLUMNS = {
    "travel_hours": "travel time from the nearest mission site, hours (travel-time analysis)",
    "constituencies_not_heard": "constituencies no engagement reached in the constituency analysis' window "
    "(geo.politics.constituencies.with_not_heard)",
}
FILTERS_NEEDING = {"constituency": "constituencies_not_heard"}
SORT_DEFAULT = "rank"


@dataclass(frozen=True)
class WorklistFilter:
    """What a planner narrows the list to (every field optional).

    ``min_pressure_norm``: the community's ``pressure_norm`` (its violence
    pressure as a share of the mission's highest) at least this;
    ``never_engaged``: only communities never engaged; ``constituency``: only
    those where this constituency was not heard; ``sort``: a column of
    :func:`columns`, ``-`` first for descending.
    """

    min_pressure_norm: float = 0.0
    never_engaged: bool = False
    constituency: str | None = None
    sort: str = SORT_DEFAULT


def columns(table: pd.DataFrame) -> tuple[str, ...]:
    """The worklist's columns for this result: the base ones and the optional ones present.

    Parameters
    ----------
    table : pandas.DataFrame
        An engagement-gap table.

    Returns
    -------
    tuple of str
    """
    return (*BASE_COLUMNS, *(c for c in OPTIONAL_COLUMNS if c in table.columns))


def _sort_key(name: str):
    def key(col: pd.Series) -> pd.Series:
        if name == "name":
            return col.astype(str).str.casefold()
        if name == "days_since_engagement":  # never engaged: longer than any number of days
            return pd.to_numeric(col, errors="coerce").astype(float).fillna(np.inf)
        if name == "constituencies_not_heard":
            return col.map(len)
        return pd.to_numeric(col, errors="coerce").astype(float)

    return key


def worklist(
    result: GapResult, f: WorklistFilter, *, bbox: tuple[float, float, float, float] | None = None
) -> pd.DataFrame:
    """The under-engaged rows of ``result`` that pass ``f``, sorted.

    Parameters
    ----------
    result : GapResult
        The mission's ranked table, or an area of it (scores mission-wide:
        docs/analysis.md#area-subsets).
    f : WorklistFilter
    bbox : tuple of 4 float, optional
        Also only the communities inside this lon/lat box (boundary included).

    Returns
    -------
    pandas.DataFrame
        Rows of the result table (every column), ties in a sort broken by rank.

    Raises
    ------
    InvalidInput
        A sort on an unknown column, or a filter whose column this server
        does not compute (naming ``sort`` or the filter).
    """
    t = result.table
    shown = columns(t)
    for param, needed in FILTERS_NEEDING.items():
        if getattr(f, param) is not None and needed not in t.columns:
            raise InvalidInput(f"{param}: this server does not compute {needed}", field=param)
    name = f.sort.removeprefix("-")
    if name not in shown:
        raise InvalidInput(f"sort must be one of {', '.join(shown)} (with - for descending)", field="sort")
    keep = t["under_engaged"].to_numpy(bool) & (t["pressure_norm"].to_numpy(float) >= f.min_pressure_norm)
    if f.never_engaged:
        keep &= t["days_since_engagement"].isna().to_numpy(bool)
    if f.constituency is not None:
        keep &= t["constituencies_not_heard"].map(lambda heard: f.constituency in heard).to_numpy(bool)
    if bbox is not None:
        lon, lat = t["lon"].to_numpy(float), t["lat"].to_numpy(float)
        keep &= (lon >= bbox[0]) & (lon <= bbox[2]) & (lat >= bbox[1]) & (lat <= bbox[3])
    rows = t[keep]
    if name == "rank":
        return rows.sort_values("rank", ascending=not f.sort.startswith("-"), kind="stable")
    ordered = rows.sort_values("rank", kind="stable")
    return ordered.sort_values(name, ascending=not f.sort.startswith("-"), kind="stable", key=_sort_key(name))


def as_records(result: GapResult, rows: pd.DataFrame, tr: Translator = ENGLISH) -> list[dict]:
    """Worklist rows as JSON-ready dicts: every result column (the map's
    popup shows them), the optional ones present, ``reasons`` and
    ``explanation`` (codes, params and text in ``tr``'s language).

    Parameters
    ----------
    result : GapResult
        The result :func:`worklist` chose the rows from (their reasons).
    rows : pandas.DataFrame
        From :func:`worklist`.
    tr : Translator

    Returns
    -------
    list of dict
    """
    shown = columns(rows)
    extra = [c for c in shown if c not in RESULT_COLUMNS]
    out = []
    for rec, (_, row) in zip(records(result, rows, tr), rows.iterrows(), strict=True):
        out.append({**rec, **{c: plain(row[c]) for c in extra}})
    return out


def as_csv(result: GapResult, rows: pd.DataFrame, tr: Translator = ENGLISH) -> str:
    """The same rows as CSV (spreadsheet-safe, RFC 4180): :func:`columns`,
    then ``reasons`` (``; ``-joined, in ``tr``'s language) and ``reason_codes``.

    Parameters
    ----------
    result : GapResult
        The result :func:`worklist` chose the rows from (their reasons).
    rows : pandas.DataFrame
        From :func:`worklist`.
    tr : Translator

    Returns
    -------
    str
    """
    recs = as_records(result, rows, tr)
    frame = pd.DataFrame(
        [
            {
                **{c: ("; ".join(map(str, r[c])) if isinstance(r[c], list) else r[c]) for c in columns(rows)},
                "reasons": "; ".join(r["reasons"]),
                "reason_codes": "; ".join(e["code"] for e in r["explanation"]),
            }
            for r in recs
        ],
        columns=[*columns(rows), "reasons", "reason_codes"],
    )
    buf = io.StringIO()
    escape_frame(frame).to_csv(buf, index=False, lineterminator="\r\n")
    return buf.getvalue()
