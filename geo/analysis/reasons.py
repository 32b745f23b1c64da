"""Why each community ranks where it does, in sentences a planner can paste
into a brief — and as codes with parameters, so other tools (and other
languages) render their own (docs/analysis.md#reasons).

The ranking's reasons (engagement, violence, remoteness) are codes of
:data:`geo.reasons.REASONS`, the one registry of every reason's template;
:func:`geo.reasons.text` renders one. This module writes them for a whole
ranking: rows are built column-wise (numpy arrays, one list comprehension per
sentence), so the whole ranking stays cheap; and only for the rows a caller
reads (:class:`Explainer`: a page, the map's view, an export's every row),
kept for the next caller of the same ranking. Every sentence written here is
exactly :func:`geo.reasons.text` of its reason (tests/geo/test_analysis_reasons.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from string import Formatter
from typing import Any

import numpy as np
import pandas as pd

from geo.analysis import heap
from geo.analysis.params import GapParams
from geo.i18n import ENGLISH, Translator
from geo.reach.remoteness import travel_reasons
from geo.reasons import REASONS, Reason, plain, shown, text


@dataclass
class _Column:
    """One reason per row, column-wise: the reasons, and per code the rows
    that give it with their parameters as columns (one value per such row),
    from which :func:`_sentences` writes every sentence of a code at once."""

    reasons: list[Reason]
    groups: dict[str, tuple[np.ndarray, dict[str, Any]]]

    @classmethod
    def of(cls, reasons: list[Reason]) -> _Column:
        """The columns of reasons given one by one."""
        rows: dict[str, list[int]] = {}
        for i, r in enumerate(reasons):
            rows.setdefault(r["code"], []).append(i)
        groups = {}
        for code, where in rows.items():
            params = [reasons[i]["params"] for i in where]
            names = list(params[0])
            if any(list(q) != names for q in params):  # not one shape: each row its own group
                return cls(reasons, {})
            groups[code] = (np.asarray(where, np.int64), {k: [q[k] for q in params] for k in names})
        return cls(reasons, groups)


def _sentences(column: _Column, tr: Translator) -> list[str]:
    """:func:`text` of every reason of ``column``, column-wise: each distinct
    parameter value is shown once (:func:`geo.reasons.shown`), each distinct message
    chosen once, and the sentences of one message assembled together (numpy
    string additions)."""
    out = np.empty(len(column.reasons), dtype=object)
    if not column.groups:
        out[:] = [text(r, tr) for r in column.reasons]
    for code, (rows, params) in column.groups.items():
        t = REASONS[code]
        try:
            shown = {name: _shown_column(name, values, tr) for name, values in params.items()}
        except TypeError:  # an unhashable value: one at a time
            out[rows] = [text(column.reasons[i], tr) for i in rows.tolist()]
            continue
        if t.plural is not None and t.count is not None:
            counts = np.asarray(params[t.count], np.int64)
            distinct, which = np.unique(counts, return_inverse=True)
            forms = [tr.ngettext(t.message, t.plural, n) for n in distinct.tolist()]
        else:
            forms, which = [tr.gettext(t.message)], np.zeros(len(rows), np.int64)
        for message in set(forms):
            mine = np.flatnonzero(np.isin(which, [i for i, m in enumerate(forms) if m == message]))
            part = shown if len(mine) == len(rows) else {k: v[mine] for k, v in shown.items()}
            out[rows[mine]] = _assemble(message, part, len(mine))
    return out.tolist()


def _engagement(t: pd.DataFrame, p: GapParams, patrol_radii: tuple[float, float] | None) -> _Column:
    lo, hi = patrol_radii or (p.patrol_radius_m, p.patrol_radius_m)
    never: Reason = (
        {
            "code": "never_engaged",
            "params": {"patrol_m": lo, "engagement_m": p.engagement_radius_m, "qip_m": p.qip_radius_m},
        }
        if lo == hi
        else {
            "code": "never_engaged_radii",
            "params": {
                "patrol_min_m": lo,
                "patrol_max_m": hi,
                "engagement_m": p.engagement_radius_m,
                "qip_m": p.qip_radius_m,
            },
        }
    )
    days = t["days_since_engagement"]
    engaged = (~days.isna()).to_numpy(bool)
    out: list[Reason] = [never] * len(t)  # one shared dict: reasons are read, never changed in place
    e, n = np.flatnonzero(engaged), np.flatnonzero(~engaged)
    groups: dict[str, tuple[np.ndarray, dict[str, Any]]] = {}
    if len(n):
        groups[never["code"]] = (n, {k: [v] * len(n) for k, v in never["params"].items()})
    if len(e):
        at = pd.to_datetime(t["last_engagement_at"], utc=True).to_numpy("datetime64[us]")[e]
        params = {
            "days": days.to_numpy(np.int64, na_value=0)[e].tolist(),
            "kind": t["last_engagement_kind"].to_numpy(object)[e].tolist(),
            "id": t["last_engagement_id"].to_numpy(np.int64, na_value=0)[e].tolist(),
            "date": np.datetime_as_string(at, unit="D").tolist(),
        }
        for i, d, kind, row_id, date in zip(e.tolist(), *params.values(), strict=True):
            out[i] = {"code": "last_engagement", "params": {"days": d, "kind": kind, "id": row_id, "date": date}}
        groups["last_engagement"] = (e, params)
    return _Column(out, groups)


def _violence(t: pd.DataFrame, p: GapParams) -> _Column:
    where = {"radius_m": p.incident_radius_m, "days": p.window_days}
    incidents = t["incidents_window"].to_numpy(np.int64)
    deaths = t["fatalities_window"].to_numpy(np.int64)
    # rows with the same counts share one dict (few distinct pairs; reasons are never changed in place)
    seen: dict[tuple[int, int], Reason] = {}
    quiet: Reason = {"code": "no_violence", "params": where}
    out = [
        quiet
        if n <= 0
        else seen.get((n, d))
        or seen.setdefault((n, d), {"code": "violence", "params": {"incidents": n, "deaths": d, **where}})
        for n, d in zip(incidents.tolist(), deaths.tolist(), strict=True)
    ]
    some, none = np.flatnonzero(incidents > 0), np.flatnonzero(incidents <= 0)
    constant = {k: [v] * len(some) for k, v in where.items()}
    return _Column(
        out,
        {
            "violence": (some, {"incidents": incidents[some].tolist(), "deaths": deaths[some].tolist(), **constant}),
            "no_violence": (none, {k: [v] * len(none) for k, v in where.items()}),
        },
    )


def _remoteness(t: pd.DataFrame) -> _Column:
    none: Reason = {"code": "no_site", "params": {}}
    distance = t["distance_to_site_m"].to_numpy(float)
    out = [
        none if x != x else {"code": "nearest_site", "params": {"distance_m": x}}  # x != x: NaN
        for x in distance.tolist()
    ]
    known = ~np.isnan(distance)
    return _Column(
        out,
        {
            "nearest_site": (np.flatnonzero(known), {"distance_m": distance[known].tolist()}),
            "no_site": (np.flatnonzero(~known), {}),
        },
    )


def _travel(t: pd.DataFrame) -> _Column:
    return _Column.of(
        travel_reasons(
            t["travel_hours"].to_numpy(float),
            t["unreachable"].to_numpy(bool),
            t["travel_season"],
            t["distance_to_site_m"].to_numpy(float),
        )
    )


def _columns(table: pd.DataFrame, p: GapParams, patrol_radii: tuple[float, float] | None) -> list[_Column]:
    remoteness = _remoteness(table) if p.remoteness == "distance" else _travel(table)
    return [_engagement(table, p, patrol_radii), _violence(table, p), remoteness]


def explanations(
    table: pd.DataFrame, p: GapParams, patrol_radii: tuple[float, float] | None = None
) -> list[list[Reason]]:
    """Why each community ranks where it does: engagement, violence, remoteness, as codes.

    Parameters
    ----------
    table : pandas.DataFrame
        Result rows with their engagement, violence and site columns.
    p : GapParams
        The radii and window quoted.
    patrol_radii : tuple of 2 float, optional
        The smallest and largest coverage radius of the patrols counted (their
        ``coverage_m``, else ``patrol_radius_m``); None: no patrol counted,
        ``patrol_radius_m`` is quoted.

    Returns
    -------
    list of list of dict
        Three ``{"code", "params"}`` per row, in that order.
    """
    return [list(r) for r in zip(*(c.reasons for c in _columns(table, p, patrol_radii)), strict=True)]


def explained(
    table: pd.DataFrame, p: GapParams, patrol_radii: tuple[float, float] | None = None, tr: Translator = ENGLISH
) -> tuple[list[list[Reason]], list[list[str]]]:
    """:func:`explanations` and their sentences (:func:`reasons_for`)
    together, written column-wise from the table's columns: what a full
    ranking of the mission writes for every community, kept cheap.

    Parameters
    ----------
    table : pandas.DataFrame
    p : GapParams
    patrol_radii : tuple of 2 float, optional
        See :func:`explanations`.
    tr : Translator
        The sentences' language (English: a result's ``reasons``).

    Returns
    -------
    tuple of (list of list of dict, list of list of str)
        Per row, three reasons and their three sentences.
    """
    with heap.paused():  # only acyclic lists and dicts are built here (geo/analysis/heap.py)
        columns = _columns(table, p, patrol_radii)
        reasons = [list(r) for r in zip(*(c.reasons for c in columns), strict=True)]
        sentences = [list(r) for r in zip(*(_sentences(c, tr) for c in columns), strict=True)]
    return reasons, sentences


def reasons_for(explained: list[list[Reason]], tr: Translator = ENGLISH) -> list[list[str]]:
    """The sentences of :func:`explanations` in one language: for each reason
    exactly :func:`text`, written column-wise (see :func:`explained`).

    Parameters
    ----------
    explained : list of list of dict
        Per row, its reasons.
    tr : Translator
        English by default: the ``reasons`` column of a result.

    Returns
    -------
    list of list of str
    """
    it = iter(_sentences(_Column.of([r for row in explained for r in row]), tr))
    return [[next(it) for _ in row] for row in explained]


_S = np.dtypes.StringDType()


def _shown_column(name: str, values: list, tr: Translator) -> np.ndarray:
    """:func:`geo.reasons.shown` of every value, each distinct value shown once (a plain
    integer, which :func:`geo.reasons.shown` writes as ``str``, by numpy at once)."""
    numbers = np.asarray(values)
    if numbers.dtype.kind in "iuf" and numbers.ndim == 1:
        if numbers.dtype.kind in "iu" and plain(name):
            return numbers.astype(_S)
        distinct, which = np.unique(numbers, return_inverse=True)
        return np.array([shown(name, v, tr) for v in distinct.tolist()], dtype=_S)[which]
    memo = {v: shown(name, v, tr) for v in set(values)}
    return np.array([memo[v] for v in values], dtype=_S)


def _assemble(message: str, shown: dict[str, np.ndarray], n: int) -> list[str]:
    """``message.format(**row)`` for each of ``n`` rows of ``shown`` (one array
    of shown values per placeholder), one numpy string addition per piece."""
    out: np.ndarray = np.full(n, "", dtype=_S)
    for literal, field, spec, conversion in Formatter().parse(message):
        if spec or conversion:  # not used by REASONS; format them as text() does
            return [message.format(**{k: v[i] for k, v in shown.items()}) for i in range(n)]
        if literal:
            out = np.strings.add(out, literal)
        if field is not None:
            out = np.strings.add(out, shown[field])
    return out.tolist()


class Explainer:
    """The reasons of one ranking's communities, built for the rows a caller
    reads and kept for the next caller.

    Why: the reasons cost about 8 µs a row (three dicts, three sentences,
    two lists), 0.4 s for a mission of 50 000 communities — more than the
    rest of a full run — while a caller reads a page of 10 to 2 000 of them
    (an export reads every row, and pays for them then). The reasons of a
    row are a function of that row's columns (:func:`explained`), the
    parameters and ``patrol_radii`` alone, so they are built from the rows
    the caller holds, and a row built once (per language) is not built again.

    An explainer is never told to forget in place: :meth:`without` gives a
    new one (the cache's write replaced some rows' columns, while results
    handed out before still read the old one), and a change of
    ``patrol_radii`` (quoted by every never-engaged row) a new, empty one.

    Parameters
    ----------
    ids : numpy.ndarray of int64
        The community ids of the ranking, ascending (a :class:`GapState`'s
        order); rows are found by ``community_id``.
    params : GapParams
        The radii and window quoted.
    patrol_radii : tuple of 2 float, optional
        See :func:`explanations`.
    """

    def __init__(self, ids: np.ndarray, params: GapParams, patrol_radii: tuple[float, float] | None = None) -> None:
        self.ids = ids
        self.params = params
        self.patrol_radii = patrol_radii
        self._codes: np.ndarray = np.full(len(ids), None, dtype=object)  # per row: its three reasons, or None
        self._sentences: dict[str, np.ndarray] = {}  # language → per row: its three sentences, or None

    def of(self, rows: pd.DataFrame, tr: Translator = ENGLISH) -> tuple[list[list[Reason]], list[list[str]]]:
        """The reasons (codes) and sentences of ``rows``, built for the rows not built before.

        Parameters
        ----------
        rows : pandas.DataFrame
            Rows of this ranking (``community_id`` and the columns :func:`explained` reads).
        tr : Translator
            The sentences' language.

        Returns
        -------
        tuple of (list of list of dict, list of list of str)
            Per row of ``rows``, in their order: three reasons and their
            sentences (shared with later callers: read them, never change them).

        Raises
        ------
        ValueError
            A row of a community the ranking does not hold.
        """
        at = self.positions(rows["community_id"].to_numpy(np.int64))
        said = self._sentences.setdefault(tr.lang, np.full(len(self.ids), None, dtype=object))
        need = np.flatnonzero(_unbuilt(said[at]))
        if len(need):
            part = rows if len(need) == len(rows) else rows.iloc[need]
            codes, sentences = explained(part, self.params, self.patrol_radii, tr)
            new = _unbuilt(self._codes[at[need]])  # built in another language: kept
            self._codes[at[need][new]] = _objects(codes)[new]
            said[at[need]] = _objects(sentences)
        return self._codes[at].tolist(), said[at].tolist()

    def positions(self, community_ids: np.ndarray) -> np.ndarray:
        """The rows (positions in ``ids``) of some communities.

        Parameters
        ----------
        community_ids : numpy.ndarray of int64

        Returns
        -------
        numpy.ndarray of int64

        Raises
        ------
        ValueError
            A community the ranking does not hold.
        """
        at = np.searchsorted(self.ids, community_ids)
        if len(at) and (at.max() >= len(self.ids) or not np.array_equal(self.ids[at], community_ids)):
            raise ValueError("rows of communities this ranking does not hold")
        return at

    def without(self, rows: np.ndarray) -> Explainer:
        """A copy that forgets ``rows`` (positions; their columns changed) and keeps the rest.

        Parameters
        ----------
        rows : numpy.ndarray of int64

        Returns
        -------
        Explainer
        """
        other = Explainer(self.ids, self.params, self.patrol_radii)
        other._codes = self._codes.copy()
        other._codes[rows] = None
        for lang, said in self._sentences.items():
            other._sentences[lang] = said.copy()
            other._sentences[lang][rows] = None
        return other


def _unbuilt(values: np.ndarray) -> np.ndarray:
    """Which entries of an object array are None (not built yet)."""
    return np.fromiter((v is None for v in values.tolist()), bool, len(values))


def _objects(values: list) -> np.ndarray:
    """A list of lists as a 1-d object array (numpy would make it 2-d)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def with_extra(
    reasons: list[list[Reason]],
    sentences: list[list[str]],
    extra: Sequence[Reason | None],
    tr: Translator = ENGLISH,
) -> tuple[list[list[Reason]], list[list[str]]]:
    """Rows' reasons and sentences with one more reason where ``extra`` has
    one (a reason beside the ranking, such as ``sole_voice``), as new lists.

    Parameters
    ----------
    reasons : list of list of dict
    sentences : list of list of str
    extra : sequence of dict or None
        Per row.
    tr : Translator

    Returns
    -------
    tuple of (list of list of dict, list of list of str)
    """
    return (
        [r if x is None else [*r, x] for r, x in zip(reasons, extra, strict=True)],
        [s if x is None else [*s, text(x, tr)] for s, x in zip(sentences, extra, strict=True)],
    )
