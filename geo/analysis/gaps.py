"""Engagement gaps (docs/analysis.md): one pass over plain arrays, in named steps.

:func:`compute_gaps` reads as the analysis is defined: select the ranked
communities → when each was last engaged → the violence pressure around it →
the nearest active mission site → assemble the table → explain and rank.
All distances are geodesic metres on WGS84 (see :mod:`geo.analysis.metric`);
all dates are UTC calendar days, and nothing dated after ``as_of`` counts.
The computation reads no clock: ``as_of`` comes in the parameters and
``computed_at`` from the caller.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

from geo.analysis.days import NONE, US_PER_DAY, day_number, day_numbers, from_us, to_us
from geo.analysis.inputs import GapInputs
from geo.analysis.last_engagement import (
    KINDS,
    LastEngagement,
    last_engagement_event,
    last_patrol_event,
    last_qip_event,
    most_recent,
    patrol_radii,
    radius_range,
)
from geo.analysis.metric import Points, nearest, pairs_within
from geo.analysis.params import GapParams
from geo.analysis.pressure import incident_weights
from geo.analysis.reasons import explanations, reasons_for
from geo.reach.population import with_estimates
from geo.reach.remoteness import TravelToSite, fill_unreachable, travel_to_nearest_site
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
    "reasons",
    "explanation",
)


@dataclass
class GapResult:
    """Ranked communities (one row each, columns ``RESULT_COLUMNS``), the
    parameters used, when it was computed and how many input rows counted;
    ``patrol_radii`` the smallest and largest coverage radius of the patrols
    counted (the reasons quote them; None: no patrol)."""

    table: pd.DataFrame
    params: GapParams
    computed_at: datetime
    considered: dict[str, int] = field(default_factory=dict)
    patrol_radii: tuple[float, float] | None = None


@dataclass
class RankedCommunities:
    """The communities to rank, sorted by id: their rows, ids and points;
    ``estimated`` marks populations taken from a population raster
    (docs/reach.md#population)."""

    frame: pd.DataFrame
    ids: np.ndarray
    points: Points
    estimated: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.ids)


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
    """Per community: index into the active sites (-1: none), distance (m) and the sites' ids."""

    index: np.ndarray
    distance_m: np.ndarray
    site_ids: np.ndarray


def compute_gaps(inputs: GapInputs, params: GapParams, *, computed_at: datetime, only=None) -> GapResult:
    """Rank communities by engagement gap.

    Parameters
    ----------
    inputs : GapInputs
        Every table the analysis reads.
    params : GapParams
        ``as_of`` and the radii, window and scales.
    computed_at : datetime
        When the caller ran it (reported with the result; the computation
        reads no clock).
    only : iterable of int, optional
        Community ids to compute (the cache's local update); every incident,
        patrol, engagement, QIP and site still counts. The scores of such a
        part are relative to it: merge it into the mission's table and
        :func:`rank_table` the whole (an area is :func:`within` the whole).

    Returns
    -------
    GapResult
    """
    communities = ranked_communities(inputs.communities, only, inputs.population_estimates)
    as_of_day = day_number(params.as_of)
    last = last_engagement(communities, inputs, params, as_of_day)
    violence = violence_pressure(communities, inputs.incidents, params)
    site = nearest_active_site(communities, inputs.sites, as_of_day)
    travel = travel_to_nearest_site(
        communities.points.lon, communities.points.lat, inputs.travel, params.remoteness == "travel_time"
    )
    table = assemble(communities, last, violence, site, params, as_of_day, travel)
    considered = {**inputs.counts(), "incidents_in_window": violence.in_window}
    counted, radius_m = patrol_radii(inputs.patrols, params, (as_of_day + 1) * US_PER_DAY)
    radii = radius_range(radius_m[counted])
    return GapResult(rank_table(explain(table, params, radii)), params, computed_at, considered, radii)


def ranked_communities(communities: pd.DataFrame, only=None, estimates: pd.Series | None = None) -> RankedCommunities:
    """The communities to rank, sorted by id (the order every later step keeps).

    Parameters
    ----------
    communities : pandas.DataFrame
        ``id``, ``name``, ``lon``, ``lat``, ``population``.
    only : iterable of int, optional
        Restrict to these ids.
    estimates : pandas.Series, optional
        Community id → estimated population, used where none is recorded.

    Returns
    -------
    RankedCommunities
    """
    frame = communities.sort_values("id", kind="stable")
    if only is not None:
        frame = frame[frame["id"].isin(np.asarray(list(only)))]
    ids = frame["id"].to_numpy(np.int64)
    recorded = pd.to_numeric(frame["population"], errors="coerce").to_numpy(float)
    population, estimated = with_estimates(recorded, ids, estimates)
    frame = frame.assign(population=population)
    return RankedCommunities(frame, ids, Points(frame["lon"], frame["lat"]), estimated)


def last_engagement(
    communities: RankedCommunities, inputs: GapInputs, params: GapParams, as_of_day: int
) -> LastEngagement:
    """When each community was last engaged (patrol, engagement or QIP), up to ``as_of``.

    Parameters
    ----------
    communities : RankedCommunities
    inputs : GapInputs
    params : GapParams
    as_of_day : int
        ``as_of`` as a day number.

    Returns
    -------
    LastEngagement
    """
    cutoff_us = (as_of_day + 1) * US_PER_DAY  # the start of the day after as_of
    return most_recent(
        last_patrol_event(communities.points, inputs.patrols, params, cutoff_us),
        last_engagement_event(communities.points, communities.ids, inputs.engagements, params, cutoff_us),
        last_qip_event(communities.points, inputs.qips, params, as_of_day),
    )


def violence_pressure(communities: RankedCommunities, incidents: pd.DataFrame, params: GapParams) -> Violence:
    """Incidents of the window (``DateWindow.ending(as_of, window_days)``)
    within ``incident_radius_m`` of each community, weighed by the kernel of
    :mod:`geo.analysis.pressure`.

    Parameters
    ----------
    communities : RankedCommunities
    incidents : pandas.DataFrame
        ``lon``, ``lat``, ``occurred_on``, ``fatalities``, ``geo_precision``.
    params : GapParams

    Returns
    -------
    Violence
    """
    n = len(communities)
    window = DateWindow.ending(params.as_of, params.window_days)
    first_day, last_day = day_number(window.start), day_number(window.end)
    day = day_numbers(to_us(incidents["occurred_on"]))
    in_window = (day != NONE) & (day >= first_day) & (day <= last_day)
    counted = incidents[in_window]
    community, incident = pairs_within(
        communities.points, Points(counted["lon"], counted["lat"]), params.incident_radius_m
    )
    deaths = counted["fatalities"].to_numpy(float)
    weight = incident_weights(deaths, last_day - day[in_window], counted["geo_precision"].to_numpy(), params)
    return Violence(
        incidents=np.bincount(community, minlength=n).astype(np.int64),
        deaths=np.rint(np.bincount(community, weights=deaths[incident], minlength=n)).astype(np.int64),
        pressure=np.bincount(community, weights=weight[incident], minlength=n),
        in_window=int(in_window.sum()),
    )


def active_sites(sites: pd.DataFrame, as_of_day: int) -> np.ndarray:
    """Which sites are active on ``as_of`` (both ends inclusive, open ends allowed).

    Parameters
    ----------
    sites : pandas.DataFrame
        ``active_from``, ``active_to``.
    as_of_day : int

    Returns
    -------
    numpy.ndarray of bool
    """
    active_from, active_to = day_numbers(to_us(sites["active_from"])), day_numbers(to_us(sites["active_to"]))
    return ((active_from == NONE) | (active_from <= as_of_day)) & ((active_to == NONE) | (active_to >= as_of_day))


def nearest_active_site(communities: RankedCommunities, sites: pd.DataFrame, as_of_day: int) -> NearestSite:
    """The geodesically nearest mission site active on ``as_of``.

    Parameters
    ----------
    communities : RankedCommunities
    sites : pandas.DataFrame
        ``id``, ``lon``, ``lat``, ``active_from``, ``active_to`` (open ends allowed).
    as_of_day : int

    Returns
    -------
    NearestSite
    """
    active = active_sites(sites, as_of_day)
    site_ids = sites["id"].to_numpy(np.int64)[active]
    index, distance_m = nearest(
        communities.points, Points(sites["lon"].to_numpy()[active], sites["lat"].to_numpy()[active]), site_ids
    )
    return NearestSite(index, distance_m, site_ids)


def assemble(
    communities: RankedCommunities,
    last: LastEngagement,
    violence: Violence,
    site: NearestSite,
    params: GapParams,
    as_of_day: int,
    travel: TravelToSite,
) -> pd.DataFrame:
    """One row per community with every per-community column (unranked, unexplained).

    Parameters
    ----------
    communities : RankedCommunities
    last : LastEngagement
    violence : Violence
    site : NearestSite
    params : GapParams
    as_of_day : int
    travel : TravelToSite
        The travel columns (empty unless ``remoteness`` is ``travel_time``;
        then the remoteness factor comes from them, docs/analysis.md#remoteness).

    Returns
    -------
    pandas.DataFrame
        ``pressure_norm`` and ``gap_score`` are left for :func:`rank_table`,
        ``under_engaged``, ``reasons`` and ``explanation`` for :func:`explain`.
    """
    n = len(communities)
    engaged = last.at_us != NONE
    days = np.where(engaged, as_of_day - day_numbers(last.at_us), -1)
    staleness = np.where(engaged, np.minimum(days, params.cap_days) / params.cap_days, 1.0)
    population = pd.to_numeric(communities.frame["population"], errors="coerce").to_numpy(float)
    population_factor = 1 + np.log10(1 + np.nan_to_num(population, nan=0.0))
    if params.remoteness == "travel_time":
        remoteness = travel.factor(params.remoteness_hours)
    else:
        remoteness = 1 + np.nan_to_num(site.distance_m, nan=0.0) / params.remoteness_scale_m
    has_site = site.index >= 0
    site_id = site.site_ids[np.maximum(site.index, 0)] if len(site.site_ids) else np.zeros(n, np.int64)
    t = pd.DataFrame(
        {
            "community_id": communities.ids,
            "name": communities.frame["name"].to_numpy(),
            "lon": communities.points.lon,
            "lat": communities.points.lat,
            "population": pd.array(population, dtype="Int64") if n else pd.array([], dtype="Int64"),
            "population_estimated": communities.estimated if communities.estimated is not None else np.zeros(n, bool),
            "last_engagement_at": from_us(last.at_us).array,
            "last_engagement_kind": np.where(engaged, np.array(KINDS, dtype=object)[last.kind], None),
            "last_engagement_id": pd.array(np.where(engaged, last.row_id, 0), dtype="Int64"),
            "days_since_engagement": pd.array(days, dtype="Int64"),
            "incidents_window": violence.incidents,
            "fatalities_window": violence.deaths,
            "pressure": violence.pressure,
            "pressure_norm": 0.0,
            "staleness": staleness,
            "population_factor": population_factor,
            "distance_to_site_m": site.distance_m,
            "nearest_site_id": pd.array(np.where(has_site, site_id, 0), dtype="Int64"),
            "remoteness_factor": remoteness,
            "travel_hours": travel.hours,
            "travel_site_id": pd.array(np.where(travel.site_id >= 0, travel.site_id, 0), dtype="Int64"),
            "travel_season": np.full(n, travel.season, dtype=object),
            "unreachable": travel.unreachable,
            "gap_score": 0.0,
        }
    )
    for col in ("last_engagement_id", "days_since_engagement"):
        t.loc[~engaged, col] = pd.NA
    t.loc[~has_site, "nearest_site_id"] = pd.NA
    t.loc[travel.site_id < 0, "travel_site_id"] = pd.NA
    t["rank"] = 0
    return t


def explain(t: pd.DataFrame, p: GapParams, patrol_radii: tuple[float, float] | None = None) -> pd.DataFrame:
    """Set ``under_engaged``, ``explanation`` (reason codes and parameters)
    and ``reasons`` (their English sentences) in place from each row's own columns.

    Valid for any rows whose engagement and pressure columns are final.

    Parameters
    ----------
    t : pandas.DataFrame
        Rows with ``days_since_engagement`` and ``pressure`` (and the columns
        the reasons quote).
    p : GapParams
    patrol_radii : tuple of 2 float, optional
        The coverage radii of the patrols counted, smallest and largest
        (``GapResult.patrol_radii``), quoted when no patrol covered a community.

    Returns
    -------
    pandas.DataFrame
        ``t`` itself.
    """
    days = t["days_since_engagement"]
    t["under_engaged"] = (days.isna() | (days >= p.min_days)).to_numpy(bool) & (t["pressure"].to_numpy(float) > 0)
    explained = explanations(t, p, patrol_radii)
    t["explanation"] = pd.Series(explained, index=t.index, dtype=object)
    t["reasons"] = reasons_for(explained)
    return t


def within(table: pd.DataFrame, community_ids) -> pd.DataFrame:
    """The rows of some communities (an area), as the mission ranked them.

    An area is a filter, never a re-normalisation (docs/analysis.md#area-subsets):
    every score, ``pressure_norm`` and ``rank`` stays the mission-wide one, so
    a community has one score wherever it is shown; the order is the
    mission's order.

    Parameters
    ----------
    table : pandas.DataFrame
        A ranked table (:func:`rank_table`) of the whole mission.
    community_ids : iterable of int

    Returns
    -------
    pandas.DataFrame
        A view of ``table``'s rows, in rank order.
    """
    return table[table["community_id"].isin(np.fromiter(community_ids, np.int64))]


def rank_table(t: pd.DataFrame) -> pd.DataFrame:
    """Normalise pressure over the rows given, score and rank them.

    Every other column is per community, so any subset of a result can be
    re-ranked on its own (an area filter, or a cached result with updated rows).

    Parameters
    ----------
    t : pandas.DataFrame
        Rows with every column of ``RESULT_COLUMNS``.

    Returns
    -------
    pandas.DataFrame
        A new table, best gap first, ``rank`` from 1, columns ``RESULT_COLUMNS``.
    """
    t = t.copy()
    pressure = t["pressure"].to_numpy(float)
    pmax = pressure.max() if len(t) else 0.0
    t["pressure_norm"] = pressure / pmax if pmax > 0 else np.zeros(len(t))
    t["remoteness_factor"] = fill_unreachable(t["remoteness_factor"].to_numpy(float), t["unreachable"].to_numpy(bool))
    t["gap_score"] = (
        t["pressure_norm"].to_numpy()
        * t["staleness"].to_numpy(float)
        * t["population_factor"].to_numpy(float)
        * t["remoteness_factor"].to_numpy(float)
    )
    t = t.sort_values(["gap_score", "community_id"], ascending=[False, True], kind="stable").reset_index(drop=True)
    t["rank"] = np.arange(1, len(t) + 1)
    return t[list(RESULT_COLUMNS)]
