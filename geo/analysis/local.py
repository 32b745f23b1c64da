"""A local update of a :class:`~geo.analysis.gaps.GapState` after writes to
the event tables (incidents, patrols, engagements, QIPs): the result cache's
``incremental`` path (:mod:`geo.analysis.cache`).

Why: recomputing every column of the communities a write can reach searched
every table — the window of a million incidents, 200 000 tracks, 100 000
engagements — for a write that changed one of them; at reference scale that
was most of a refresh. Here:

- only the columns the written tables feed are recomputed: a patrol changes
  the last patrol, an incident the violence figures, and so on;
- a last event (patrol, engagement, QIP) is the latest of its rows by time,
  ties by the larger id (docs/analysis.md#ties), so over the unchanged rows
  and the rows just written it is the later of the cached one and the
  latest among the written rows alone. That holds while the cached one is
  not itself a written row (then it is searched again over every row);
- violence is a sum over every incident in reach, recomputed for the
  communities reached (exactly as a full run sums it);
- the whole-table figures (``considered``, the patrol radii the reasons
  quote) are taken from the tables, and the kept reasons of the rows
  changed are given up (all of them when the quoted radii changed); they are
  built again when read.

The result is the one a full run gives (tests/geo/test_analysis_cache.py).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from geo.analysis.days import US_PER_DAY, day_number
from geo.analysis.gaps import GapState, considered, violence_pressure
from geo.analysis.last_engagement import (
    LastEvent,
    last_engagement_event,
    last_patrol_event,
    last_qip_event,
    patrol_radii,
    radius_range,
)
from geo.analysis.near import Places
from geo.analysis.params import GapParams
from geo.analysis.tables import Rows, Tables

# Per event table: the state's column and its search (``slots``: only those rows).
Search = Callable[[Places, Rows, GapParams, np.ndarray | None], LastEvent]
LOCAL_TABLES = ("incidents", "patrols", "engagements", "qips")


def _searches(params: GapParams) -> dict[str, tuple[str, Search]]:
    as_of_day = day_number(params.as_of)
    cutoff_us = (as_of_day + 1) * US_PER_DAY  # the start of the day after as_of
    return {
        "patrols": ("patrol", lambda p, r, pa, s: last_patrol_event(p, r, pa, cutoff_us, s)),
        "engagements": ("engagement", lambda p, r, pa, s: last_engagement_event(p, r, pa, cutoff_us, s)),
        "qips": ("qip", lambda p, r, pa, s: last_qip_event(p, r, pa, as_of_day, s)),
    }


def local_update(state: GapState, tables: Tables, only: np.ndarray, written: dict[str, np.ndarray]) -> None:
    """Bring ``state`` to ``tables``, where only the rows ``written`` of the
    event tables changed since it was computed and only the communities
    ``only`` can be reached by them (see the module docstring).

    Parameters
    ----------
    state : GapState
        Of every community; changed in place.
    tables : Tables
        The inputs now.
    only : numpy.ndarray of int64
        Community ids (sorted) the written rows, old and new versions, can reach.
    written : dict of str to numpy.ndarray of int64
        Per table of ``LOCAL_TABLES``, the ids inserted, updated or deleted.

    Returns
    -------
    None
    """
    if set(written) - set(LOCAL_TABLES):
        raise ValueError(f"not a local update: {sorted(set(written) - set(LOCAL_TABLES))} changed")
    params = state.params
    rows = np.searchsorted(state.places.ids, only)
    if len(rows) and not np.array_equal(state.places.ids[np.minimum(rows, len(state) - 1)], only):
        raise ValueError("communities the state does not hold")
    places = state.places.take(rows)
    if "incidents" in written:
        violence = violence_pressure(places, tables.incidents, params)
        for f in ("incidents", "deaths", "pressure"):
            getattr(state.violence, f)[rows] = getattr(violence, f)
        state.violence.in_window = violence.in_window
    for name, (column, search) in _searches(params).items():
        if name in written and len(rows):
            _latest(getattr(state, column), rows, places, tables[name], written[name], params, search)
    radii = state.patrol_radii
    if "patrols" in written:
        counted, radius_m = patrol_radii(tables.patrols, params, (day_number(params.as_of) + 1) * US_PER_DAY)
        radii = radius_range(radius_m[counted])
    state.considered = considered(tables, params, state.violence.in_window)
    if radii != state.patrol_radii:  # quoted by every never-engaged row
        state.patrol_radii = radii
        state.forget_reasons()
    elif len(rows):
        state.forget_reasons(rows)


def _latest(
    event: LastEvent,
    rows: np.ndarray,
    places: Places,
    table: Rows,
    ids: np.ndarray,
    params: GapParams,
    search: Search,
) -> None:
    """``event`` (a state column) of ``rows`` brought up to ``table`` after
    the rows ``ids`` were written: the later of the cached event and the
    latest written row, or a search of every row where the cached event was
    one of those written."""
    again = np.isin(event.row_id[rows], ids)
    if again.any():
        found = search(places.take(np.flatnonzero(again)), table, params, None)
        event.at_us[rows[again]], event.row_id[rows[again]] = found.at_us, found.row_id
    slots = np.flatnonzero(table.live() & np.isin(table.ids, ids))
    keep = np.flatnonzero(~again)
    if len(slots) == 0 or len(keep) == 0:
        return
    found = search(places.take(keep), table, params, slots)
    at, row_id = event.at_us[rows[keep]], event.row_id[rows[keep]]
    later = (found.at_us > at) | ((found.at_us == at) & (found.row_id > row_id))
    event.at_us[rows[keep[later]]] = found.at_us[later]
    event.row_id[rows[keep[later]]] = found.row_id[later]
