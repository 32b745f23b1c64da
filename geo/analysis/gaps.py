"""Engagement gaps (docs/analysis.md): one pass over columns, in named steps.

:func:`compute_gaps` reads as the analysis is defined: select the ranked
communities → when each was last engaged → the violence pressure around it →
the nearest active mission site → rank. The per-community columns
are a :class:`GapState` (what the cache keeps, and recomputes row by row for
the communities a write can change); :meth:`GapState.table` ranks them. The
reasons of a row (docs/analysis.md#reasons) are built when a caller reads
that row (:meth:`GapResult.explained`), not for the whole ranking.
All distances are geodesic metres on WGS84 (see :mod:`geo.analysis.metric`);
all dates are UTC calendar days, and nothing dated after ``as_of`` counts.
The computation reads no clock: ``as_of`` comes in the parameters and
``computed_at`` from the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

from geo.analysis.days import NONE, US_PER_DAY, day_number, day_numbers, from_us, to_us
from geo.analysis.inputs import GapInputs
from geo.analysis.last_engagement import (
    KINDS,
    LastEvent,
    last_engagement_event,
    last_patrol_event,
    last_qip_event,
    most_recent,
    patrol_radii,
    radius_range,
)
from geo.analysis.metric import Points, nearest
from geo.analysis.near import FEW_PLACES, SLOT_INDEX, SUM_CELL, Places, PointGrid, around, sum_near
from geo.analysis.params import GapParams
from geo.analysis.pressure import incident_weights
from geo.analysis.reasons import Explainer, with_extra
from geo.analysis.tables import Rows, Tables, prepare
from geo.i18n import ENGLISH, Translator
from geo.reach.population import with_estimates
from geo.reach.remoteness import TravelToSite, fill_unreachable, travel_to_nearest_site
from geo.reach.travel import TravelSurface
from geo.reasons import Reason
from geo.window import DateWindow

RESULT_COLUMNS = (
    "community_id",
    "name",
    "lon",
    "lat",
    "population",
    "population_estimated",
    "last_engagement_at",
    "last_engagement_kind",
    "last_engagement_id",
    "days_since_engagement",
    "incidents_window",
    "fatalities_window",
    "pressure",
    "pressure_norm",
    "staleness",
    "population_factor",
    "distance_to_site_m",
    "nearest_site_id",
    "remoteness_factor",
    "travel_hours",
    "travel_site_id",
    "travel_season",
    "unreachable",
    "gap_score",
    "under_engaged",
    "rank",
)
# What :meth:`GapResult.with_reasons` adds to the rows a caller reads, after
# ``RESULT_COLUMNS``: the English sentences and the codes with parameters
# (docs/analysis.md#reasons).
REASON_COLUMNS = ("reasons", "explanation")


@dataclass
class GapResult:
    """Ranked communities (one row each, columns ``RESULT_COLUMNS``), the
    parameters used, when it was computed and how many input rows counted;
    ``patrol_radii`` the smallest and largest coverage radius of the patrols
    counted (the reasons quote them; None: no patrol).

    The reasons of the rows (docs/analysis.md#reasons) are not columns of
    ``table``: :meth:`explained` builds them for the rows a caller outputs
    (``explainer``, kept with the ranking so that rows built once are not
    built again), with the ``sole_voices`` reported beside the ranking
    (docs/politics.md#sole-voice: community id → reason)."""

    table: pd.DataFrame
    params: GapParams
    computed_at: datetime
    considered: dict[str, int] = field(default_factory=dict)
    patrol_radii: tuple[float, float] | None = None
    explainer: Explainer | None = None
    sole_voices: Mapping[int, Reason] = field(default_factory=dict)

    def explained(
        self, rows: pd.DataFrame | None = None, tr: Translator = ENGLISH
    ) -> tuple[list[list[Reason]], list[list[str]]]:
        """The reasons of some rows of this result: codes with parameters, and sentences.

        Parameters
        ----------
        rows : pandas.DataFrame, optional
            Rows of ``table`` (a page, a selection; default every row).
        tr : Translator
            The sentences' language.

        Returns
        -------
        tuple of (list of list of dict, list of list of str)
            Per row, in ``rows``' order: engagement, violence, remoteness
            (:func:`geo.analysis.reasons.explanations`), then the sole-voice
            reason where there is one; and their sentences. Shared with later
            callers: read them, never change them in place.
        """
        rows = self.table if rows is None else rows
        if self.explainer is None:  # a result made by hand: its own rows
            ids = np.sort(self.table["community_id"].to_numpy(np.int64))
            self.explainer = Explainer(ids, self.params, self.patrol_radii)
        reasons, sentences = self.explainer.of(rows, tr)
        if self.sole_voices:
            extra = [self.sole_voices.get(c) for c in rows["community_id"].tolist()]
            reasons, sentences = with_extra(reasons, sentences, extra, tr)
        return reasons, sentences

    def with_reasons(self, rows: pd.DataFrame | None = None, tr: Translator = ENGLISH) -> pd.DataFrame:
        """Some rows with their reasons as columns ``REASON_COLUMNS`` (:meth:`explained`).

        Parameters
        ----------
        rows : pandas.DataFrame, optional
            Rows of ``table`` (default every row).
        tr : Translator
            The language of ``reasons``.

        Returns
        -------
        pandas.DataFrame
            A new frame: ``rows`` and ``reasons`` (sentences), ``explanation`` (codes).
        """
        rows = self.table if rows is None else rows
        reasons, sentences = self.explained(rows, tr)
        return rows.assign(
            reasons=pd.Series(sentences, index=rows.index, dtype=object),
            explanation=pd.Series(reasons, index=rows.index, dtype=object),
        )


@dataclass
class Violence:
    """Per community: incidents and deaths within ``incident_radius_m`` in the
    window, and their pressure; ``in_window`` counts the window's incidents."""

    incidents: np.ndarray
    deaths: np.ndarray
    pressure: np.ndarray
    in_window: int


@dataclass
class NearestSite:
    """Per community: the nearest active site's id (-1: none) and the distance (m, NaN: none)."""

    site_id: np.ndarray
    distance_m: np.ndarray


@dataclass
class Extras:
    """What the analysis reads beside its input tables (docs/reach.md): the
    population estimates of a population raster (community id → people,
    used where none is recorded) and, for ``remoteness=travel_time``, the
    travel surface from the active sites."""

    population_estimates: pd.Series | None = None
    travel: TravelSurface | None = None


@dataclass
class GapState:
    """Every per-community column of one parameter set, communities in id order.

    The cache keeps one per parameter set and rewrites the columns a write
    can change (:func:`geo.analysis.local.local_update`); :meth:`table` derives the
    rest (staleness, factors, score, flag) and ranks. ``explainer`` builds
    and keeps the reasons of the rows callers read (docs/analysis.md#reasons);
    :meth:`forget_reasons` gives it up for the rows a write changed."""

    params: GapParams
    places: Places
    name: np.ndarray
    population: np.ndarray
    estimated: np.ndarray
    patrol: LastEvent
    engagement: LastEvent
    qip: LastEvent
    violence: Violence
    site: NearestSite
    travel: TravelToSite
    explainer: Explainer
    patrol_radii: tuple[float, float] | None = None
    considered: dict[str, int] = field(default_factory=dict)
    ranking: Ranking | None = None  # the order of the last table (what a partial re-sort starts from)
    names: pd.api.extensions.ExtensionArray | None = None  # ``name`` as a pandas string array

    def __len__(self) -> int:
        return len(self.places)

    def table(self) -> pd.DataFrame:
        """The ranked result: one row per community, columns ``RESULT_COLUMNS``.

        ``pressure_norm`` divides by the largest pressure of these rows; ranks
        by ``gap_score`` descending, ties by community id (docs/analysis.md#gap-score).

        Returns
        -------
        pandas.DataFrame
        """
        p = self.params
        n = len(self)
        as_of_day = day_number(p.as_of)
        last = most_recent(self.patrol, self.engagement, self.qip)
        engaged = last.at_us != NONE
        days = np.where(engaged, as_of_day - day_numbers(last.at_us), -1)
        staleness = np.where(engaged, np.minimum(days, p.cap_days) / p.cap_days, 1.0)
        population_factor = 1 + np.log10(1 + np.nan_to_num(self.population, nan=0.0))
        if p.remoteness == "travel_time":
            remoteness = self.travel.factor(p.remoteness_hours)
        else:
            remoteness = 1 + np.nan_to_num(self.site.distance_m, nan=0.0) / p.remoteness_scale_m
        remoteness = fill_unreachable(remoteness, self.travel.unreachable)
        pressure = self.violence.pressure
        pmax = pressure.max() if n else 0.0
        pressure_norm = pressure / pmax if pmax > 0 else np.zeros(n)
        score = pressure_norm * staleness * population_factor * remoteness
        under = (~engaged | (days >= p.min_days)) & (pressure > 0)
        self.ranking = ranked(score, self.places.ids, self.ranking)
        o = self.ranking.order
        has_site = self.site.site_id[o] >= 0
        # Strings are taken from pandas string arrays (C), not converted from objects per row.
        # (an all-missing column stays as pandas infers it: objects, None)
        kinds = _strings([*KINDS, None], np.where(engaged, last.kind, len(KINDS))[o])
        if self.names is None:
            self.names = pd.array(self.name, dtype="str")
        return pd.DataFrame(
            {
                "community_id": self.places.ids[o],
                "name": self.names.take(o),
                "lon": self.places.lonlat[o, 0],
                "lat": self.places.lonlat[o, 1],
                "population": pd.array(self.population[o], dtype="Int64"),
                "population_estimated": self.estimated[o],
                "last_engagement_at": from_us(last.at_us[o]).array,
                "last_engagement_kind": kinds,
                "last_engagement_id": _nullable(last.row_id[o], engaged[o]),
                "days_since_engagement": _nullable(days[o], engaged[o]),
                "incidents_window": self.violence.incidents[o],
                "fatalities_window": self.violence.deaths[o],
                "pressure": pressure[o],
                "pressure_norm": pressure_norm[o],
                "staleness": staleness[o],
                "population_factor": population_factor[o],
                "distance_to_site_m": self.site.distance_m[o],
                "nearest_site_id": _nullable(self.site.site_id[o], has_site),
                "remoteness_factor": remoteness[o],
                "travel_hours": self.travel.hours[o],
                "travel_site_id": _nullable(self.travel.site_id[o], self.travel.site_id[o] >= 0),
                "travel_season": _strings([self.travel.season], np.zeros(n, np.int64)),
                "unreachable": self.travel.unreachable[o],
                "gap_score": score[o],
                "under_engaged": under[o],
                "rank": np.arange(1, n + 1),
            },
            copy=False,  # every column is a new array: no copy into consolidated blocks (~3 ms a table)
        )

    def forget_reasons(self, rows: np.ndarray | None = None) -> None:
        """Give up the kept reasons of some rows (default: all) whose columns
        changed: they are built again when next read. A new explainer, so the
        results handed out before keep reading the old one.

        Parameters
        ----------
        rows : numpy.ndarray of int, optional
            Positions in this state (community id order).

        Returns
        -------
        None
        """
        if rows is None:  # e.g. the patrol radii every never-engaged row quotes changed
            self.explainer = Explainer(self.places.ids, self.params, self.patrol_radii)
        else:
            self.explainer = self.explainer.without(rows)


@dataclass(frozen=True)
class Ranking:
    """A ranked order (``order``: row positions, best first) and the scores it ranks."""

    order: np.ndarray
    score: np.ndarray


RESORT_SHARE = 0.05  # more moved rows than this share: a full sort is cheaper than moving them


def ranked(score: np.ndarray, ids: np.ndarray, last: Ranking | None = None) -> Ranking:
    """Rows by ``score`` descending, ties by ``ids`` ascending (docs/analysis.md#gap-score).

    From the ``last`` ranking of the same rows, only the rows whose score
    changed are moved (a partial re-sort: the others keep their order, which
    stays sorted, and the moved rows are sorted alone and merged in by binary
    search); the order is exactly the one a full sort gives. A full sort
    (``lexsort``) when there is no last ranking, scores are not all finite, or
    more than ``RESORT_SHARE`` of the rows moved.

    Parameters
    ----------
    score : numpy.ndarray of float
    ids : numpy.ndarray of int64
        Unique.
    last : Ranking, optional

    Returns
    -------
    Ranking
    """
    n = len(score)
    if last is None or len(last.score) != n or not np.isfinite(score).all():
        return Ranking(np.lexsort((ids, -score)), score)
    moved = last.score != score
    if moved.sum() > RESORT_SHARE * n:
        return Ranking(np.lexsort((ids, -score)), score)
    keep = last.order[~moved[last.order]]
    rows = np.flatnonzero(moved)
    rows = rows[np.lexsort((ids[rows], -score[rows]))]
    key = -score[keep]  # ascending
    lo = np.searchsorted(key, -score[rows], side="left")
    hi = np.searchsorted(key, -score[rows], side="right")
    at = lo.copy()
    for i in np.flatnonzero(hi > lo).tolist():  # equal scores: by id among the tied
        at[i] += np.searchsorted(ids[keep[lo[i] : hi[i]]], ids[rows[i]])
    return Ranking(np.insert(keep, at, rows), score)


def _strings(values: list[str | None], index: np.ndarray) -> pd.api.extensions.ExtensionArray | np.ndarray:
    """``values[index]`` as the column pandas would infer from those objects
    (its string dtype; objects when every one is None), taken in C."""
    taken = np.asarray(index)
    used = np.flatnonzero(np.bincount(taken, minlength=len(values)))  # counted, not sorted (np.unique): O(n)
    if all(values[i] is None for i in used.tolist()):
        return np.full(len(taken), None, dtype=object)
    return pd.array(values, dtype="str").take(taken)


def _nullable(values: np.ndarray, present: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Integers as pandas' nullable Int64, NA where not ``present``."""
    return pd.arrays.IntegerArray(np.where(present, values, 0).astype(np.int64), ~np.asarray(present, bool))


def community_places(communities: Rows, only=None) -> tuple[Places, np.ndarray]:
    """The communities to rank, sorted by id (the order every later step keeps).

    Parameters
    ----------
    communities : Rows
    only : iterable of int, optional
        Restrict to these ids.

    Returns
    -------
    tuple of (Places, numpy.ndarray)
        The places and their slots in ``communities``.
    """
    slots = np.flatnonzero(communities.live())
    if only is not None:
        slots = slots[np.isin(communities.ids[slots], np.fromiter(only, np.int64))]
    slots = slots[np.argsort(communities.ids[slots], kind="stable")]
    if communities.lonlat is None or communities.xyz is None:
        raise TypeError("communities are points")
    return Places(communities.ids[slots], communities.lonlat[slots], communities.xyz[slots]), slots


def compute_gaps(
    inputs: GapInputs | Tables,
    params: GapParams,
    *,
    computed_at: datetime,
    only=None,
    extras: Extras | None = None,
) -> GapResult:
    """Rank communities by engagement gap.

    Parameters
    ----------
    inputs : GapInputs or Tables
        Every table the analysis reads (DataFrames, or the columns of
        :mod:`geo.analysis.tables`).
    params : GapParams
        ``as_of`` and the radii, window and scales.
    computed_at : datetime
        When the caller ran it (reported with the result; the computation
        reads no clock).
    only : iterable of int, optional
        Community ids to compute; every incident, patrol, engagement, QIP and
        site still counts. The scores of such a part are relative to it.
    extras : Extras, optional
        With ``Tables``: the population estimates and travel surface
        (``GapInputs`` carry their own).

    Returns
    -------
    GapResult
    """
    if isinstance(inputs, GapInputs):
        tables, extras = prepare(inputs), Extras(inputs.population_estimates, inputs.travel)
    else:
        tables = inputs
    state = gap_state(tables, params, only, extras)
    return GapResult(state.table(), params, computed_at, state.considered, state.patrol_radii, state.explainer)


def gap_state(tables: Tables, params: GapParams, only=None, extras: Extras | None = None) -> GapState:
    """Every per-community column of ``params`` (see :class:`GapState`).

    Parameters
    ----------
    tables : Tables
    params : GapParams
    only : iterable of int, optional
        Community ids to compute (default: all).
    extras : Extras, optional
        Population estimates and the travel surface (required for
        ``remoteness=travel_time``).

    Returns
    -------
    GapState
    """
    extras = extras or Extras()
    places, slots = community_places(tables.communities, only)
    as_of_day = day_number(params.as_of)
    cutoff_us = (as_of_day + 1) * US_PER_DAY  # the start of the day after as_of
    counted, radius_m = patrol_radii(tables.patrols, params, cutoff_us)
    site = site_column(tables, places, as_of_day, whole=only is None)
    travel = travel_to_nearest_site(
        places.lonlat[:, 0], places.lonlat[:, 1], extras.travel, params.remoteness == "travel_time"
    )
    population, estimated = with_estimates(
        tables.communities["population"][slots].astype(float), places.ids, extras.population_estimates
    )
    radii = radius_range(radius_m[counted])
    names = None  # the ranked table's name column, converted once per version of a whole communities table
    if only is None:
        names = tables.communities.memo.get("names")
        if names is None:
            names = tables.communities.memo["names"] = pd.array(tables.communities["name"][slots], dtype="str")
    state = GapState(
        params,
        places,
        tables.communities["name"][slots],
        population,
        estimated,
        *last_events(places, tables, params),
        violence_pressure(places, tables.incidents, params),
        site,
        travel,
        Explainer(places.ids, params, radii),
        radii,
        names=names,
    )
    state.considered = considered(tables, params, state.violence.in_window)
    return state


MEMO_SITES = 8  # as_of days whose site columns a resident communities table remembers


def site_column(tables: Tables, places: Places, as_of_day: int, *, whole: bool) -> NearestSite:
    """The nearest active site of each community.

    It depends on the sites, the communities and ``as_of`` alone, not on any
    other parameter: for every community (``whole``) it is computed once per
    ``as_of`` and version of the tables and remembered with the communities
    (a planner changing a radius or the window reuses it); each call gets
    its own copy.

    Parameters
    ----------
    tables : Tables
    places : Places
        Every community (``whole``) or some.
    as_of_day : int
    whole : bool

    Returns
    -------
    NearestSite
    """
    memo = tables.communities.memo
    key = ("sites", as_of_day)
    hit = memo.get(key) if whole else None
    if hit is None or hit[0] is not tables.sites:
        hit = (tables.sites, nearest_active_site(places, tables.sites, as_of_day))
        if whole:
            for old in [k for k in memo if isinstance(k, tuple) and k[0] == "sites"][: -MEMO_SITES + 1]:
                del memo[old]
            memo[key] = hit
    site = hit[1]
    return NearestSite(site.site_id.copy(), site.distance_m.copy())


def last_events(places: Places, tables: Tables, params: GapParams) -> tuple[LastEvent, LastEvent, LastEvent]:
    """When each community was last engaged by a patrol, an engagement and a QIP, up to ``as_of``.

    Parameters
    ----------
    places : Places
    tables : Tables
    params : GapParams

    Returns
    -------
    tuple of LastEvent
        Patrol, engagement, QIP (``KINDS`` order).
    """
    as_of_day = day_number(params.as_of)
    cutoff_us = (as_of_day + 1) * US_PER_DAY
    return (
        last_patrol_event(places, tables.patrols, params, cutoff_us),
        last_engagement_event(places, tables.engagements, params, cutoff_us),
        last_qip_event(places, tables.qips, params, as_of_day),
    )


def window_mask(incidents: Rows, params: GapParams) -> np.ndarray:
    """The incident slots of ``DateWindow.ending(as_of, window_days)`` (both ends counted).

    Parameters
    ----------
    incidents : Rows
    params : GapParams

    Returns
    -------
    numpy.ndarray of bool
    """
    window = DateWindow.ending(params.as_of, params.window_days)
    day = incidents["day"]
    return incidents.live() & (day != NONE) & (day >= day_number(window.start)) & (day <= day_number(window.end))


def violence_pressure(places: Places, incidents: Rows, params: GapParams) -> Violence:
    """Incidents of the window within ``incident_radius_m`` of each community,
    weighed by the kernel of :mod:`geo.analysis.pressure`.

    Parameters
    ----------
    places : Places
    incidents : Rows
    params : GapParams

    Returns
    -------
    Violence
    """
    if incidents.xyz is None or incidents.lonlat is None:
        raise TypeError("incidents are points")
    in_window = window_mask(incidents, params)
    index = incidents.memo.get(SLOT_INDEX)  # kept by the resident store (geo/analysis/resident.py)
    if index is not None and len(places) < FEW_PLACES:  # a local update: a few columns of the index
        near = index.near(places, params.incident_radius_m, len(incidents))
        near = near[in_window[near]]
    else:
        near = around(places, incidents.xyz, np.flatnonzero(in_window), params.incident_radius_m)
    points = PointGrid.of(incidents.xyz, incidents.lonlat, near, SUM_CELL * params.incident_radius_m)
    deaths = incidents["fatalities"][points.slots].astype(float)
    age_days = day_number(params.as_of) - incidents["day"][points.slots]
    weight = incident_weights(deaths, age_days, incidents["geo_precision"][points.slots], params)
    count, pressure, death_sum = sum_near(places, points, weight, deaths, params.incident_radius_m)
    return Violence(count, np.rint(death_sum).astype(np.int64), pressure, int(np.count_nonzero(in_window)))


def active_on(active_from: np.ndarray, active_to: np.ndarray, as_of_day: int) -> np.ndarray:
    """Which sites are active on ``as_of`` (day numbers; both ends counted, ``NONE`` an open end).

    Parameters
    ----------
    active_from, active_to : numpy.ndarray of int64
    as_of_day : int

    Returns
    -------
    numpy.ndarray of bool
    """
    return ((active_from == NONE) | (active_from <= as_of_day)) & ((active_to == NONE) | (active_to >= as_of_day))


def active_sites(sites: pd.DataFrame, as_of_day: int) -> np.ndarray:
    """:func:`active_on` for sites as a DataFrame (``active_from``, ``active_to``).

    Parameters
    ----------
    sites : pandas.DataFrame
    as_of_day : int

    Returns
    -------
    numpy.ndarray of bool
    """
    return active_on(day_numbers(to_us(sites["active_from"])), day_numbers(to_us(sites["active_to"])), as_of_day)


def nearest_active_site(places: Places, sites: Rows, as_of_day: int) -> NearestSite:
    """The geodesically nearest mission site active on ``as_of`` (ties: the smaller id).

    Parameters
    ----------
    places : Places
    sites : Rows
        ``active_from``, ``active_to`` (day numbers, open ends ``NONE``).
    as_of_day : int

    Returns
    -------
    NearestSite
    """
    active = np.flatnonzero(sites.live() & active_on(sites["active_from"], sites["active_to"], as_of_day))
    if sites.lonlat is None:
        raise TypeError("sites are points")
    site_ids = sites.ids[active]
    index, distance_m = nearest(
        Points(places.lonlat[:, 0], places.lonlat[:, 1]),
        Points(sites.lonlat[active, 0], sites.lonlat[active, 1]),
        site_ids,
    )
    return NearestSite(np.where(index >= 0, site_ids[np.maximum(index, 0)] if len(site_ids) else -1, -1), distance_m)


def considered(tables: Tables, params: GapParams, in_window: int) -> dict[str, int]:
    """How many rows of each table count, after the date filters (docs/analysis.md#area-subsets):
    communities and sites all, incidents of the window, patrols and engagements
    up to ``as_of``, QIPs in progress or completed; and ``incidents_in_window``.

    Parameters
    ----------
    tables : Tables
    params : GapParams
    in_window : int

    Returns
    -------
    dict of str to int
    """
    cutoff_us = (day_number(params.as_of) + 1) * US_PER_DAY
    at = tables.engagements["at"]
    return {
        "communities": tables.communities.count(),
        "incidents": in_window,
        "patrols": int(patrol_radii(tables.patrols, params, cutoff_us)[0].sum()),
        "engagements": int((tables.engagements.live() & (at != NONE) & (at < cutoff_us)).sum()),
        "qips": int((tables.qips.live() & tables.qips["active"]).sum()),
        "sites": tables.sites.count(),
        "incidents_in_window": in_window,
    }


def within(table: pd.DataFrame, community_ids) -> pd.DataFrame:
    """The rows of some communities (an area), as the mission ranked them.

    An area is a filter, never a re-normalisation (docs/analysis.md#area-subsets):
    every score, ``pressure_norm`` and ``rank`` stays the mission-wide one, so
    a community has one score wherever it is shown; the order is the
    mission's order.

    Parameters
    ----------
    table : pandas.DataFrame
        A ranked table (:meth:`GapState.table`) of the whole mission.
    community_ids : iterable of int

    Returns
    -------
    pandas.DataFrame
        A view of ``table``'s rows, in rank order.
    """
    return table[table["community_id"].isin(np.fromiter(community_ids, np.int64))]
