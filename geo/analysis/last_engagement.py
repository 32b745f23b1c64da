"""When each community was last engaged, and by what (docs/analysis.md,
"Last engagement"): the most recent of

- the last patrol whose track passed within its coverage radius,
- the last engagement linked to the community or held within ``engagement_radius_m``,
- the last start or end day (not after ``as_of``) of a QIP in progress or
  completed within ``qip_radius_m``.

Each is a :class:`LastEvent` per community; :func:`most_recent` picks among
them, the first kind of ``KINDS`` winning a tie.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.analysis.days import NONE, US_PER_DAY, day_numbers, to_us
from geo.analysis.metric import Points, pairs_within
from geo.analysis.params import GapParams
from geo.analysis.tracks import last_patrol

KINDS = ("patrol", "engagement", "qip")  # on equal timestamps the first kind wins
ACTIVE_QIP = ("in_progress", "completed")


@dataclass
class LastEvent:
    """Per community: when (int64 µs, ``NONE`` if never) and which row (id, -1 if never)."""

    at_us: np.ndarray
    row_id: np.ndarray

    @classmethod
    def never(cls, n: int) -> LastEvent:
        """``n`` communities never engaged.

        Parameters
        ----------
        n : int

        Returns
        -------
        LastEvent
        """
        return cls(np.full(n, NONE), np.full(n, -1, np.int64))


@dataclass
class LastEngagement:
    """Per community: when, which kind (index into ``KINDS``) and which row."""

    at_us: np.ndarray
    kind: np.ndarray
    row_id: np.ndarray


def latest_per_community(n: int, community: np.ndarray, at_us: np.ndarray, row_id: np.ndarray) -> LastEvent:
    """The latest of each community's (community, time, id) pairs.

    Parameters
    ----------
    n : int
        Number of communities (indices 0 … n − 1).
    community, at_us, row_id : numpy.ndarray
        One entry per pair: community index, time (int64 µs), row id.

    Returns
    -------
    LastEvent
        The largest time per community (ties: the largest id).
    """
    last = LastEvent.never(n)
    if len(community):
        order = np.lexsort((row_id, at_us, community))
        is_last = np.r_[community[order][1:] != community[order][:-1], True]
        pick = order[is_last]
        last.at_us[community[pick]], last.row_id[community[pick]] = at_us[pick], row_id[pick]
    return last


def patrol_radii(patrols: pd.DataFrame, params: GapParams, cutoff_us: int) -> tuple[np.ndarray, np.ndarray]:
    """Which patrols count (ended before ``cutoff_us``) and each one's coverage
    radius: its ``coverage_m``, else ``patrol_radius_m``.

    Parameters
    ----------
    patrols : pandas.DataFrame
        ``ended_at``, ``coverage_m``.
    params : GapParams
    cutoff_us : int
        Start of the day after ``as_of`` (int64 µs).

    Returns
    -------
    tuple of numpy.ndarray
        A mask of the patrols counted, and the radius (m) of every patrol.
    """
    ended_us = to_us(patrols["ended_at"])
    radius_m = pd.to_numeric(patrols["coverage_m"], errors="coerce").to_numpy(float)
    return (ended_us != NONE) & (ended_us < cutoff_us), np.where(np.isnan(radius_m), params.patrol_radius_m, radius_m)


def radius_range(radius_m: np.ndarray) -> tuple[float, float] | None:
    """The smallest and largest of some coverage radii (None: none).

    Parameters
    ----------
    radius_m : numpy.ndarray of float

    Returns
    -------
    tuple of 2 float, or None
    """
    return (float(radius_m.min()), float(radius_m.max())) if len(radius_m) else None


def last_patrol_event(communities: Points, patrols: pd.DataFrame, params: GapParams, cutoff_us: int) -> LastEvent:
    """The most recent patrol (by ``ended_at``, before ``cutoff_us``) whose track
    passed within its ``coverage_m`` (default ``patrol_radius_m``).

    Parameters
    ----------
    communities : Points
    patrols : pandas.DataFrame
        ``id``, ``ended_at``, ``coverage_m``, ``geometry`` (lon/lat tracks).
    params : GapParams
    cutoff_us : int
        Start of the day after ``as_of`` (int64 µs): later patrols do not count.

    Returns
    -------
    LastEvent
    """
    n = len(communities)
    counted, radius_m = patrol_radii(patrols, params, cutoff_us)
    if not counted.any():
        return LastEvent.never(n)
    radius_m = radius_m[counted]
    ended_us, patrol_ids = to_us(patrols["ended_at"])[counted], patrols["id"].to_numpy(np.int64)[counted]
    # Equal end times go to the larger patrol id, whatever the row order.
    covering = last_patrol(communities, patrols["geometry"].to_numpy()[counted], ended_us, radius_m, patrol_ids)
    seen = covering >= 0
    return LastEvent(np.where(seen, ended_us[covering], NONE), np.where(seen, patrol_ids[np.maximum(covering, 0)], -1))


def last_engagement_event(
    communities: Points, community_ids: np.ndarray, engagements: pd.DataFrame, params: GapParams, cutoff_us: int
) -> LastEvent:
    """The most recent engagement (before ``cutoff_us``) held within
    ``engagement_radius_m`` of a community or linked to it by ``community_id``.

    Parameters
    ----------
    communities : Points
    community_ids : numpy.ndarray of int64
        The communities' ids, sorted (the order of ``communities``).
    engagements : pandas.DataFrame
        ``id``, ``lon``, ``lat``, ``occurred_at``, ``community_id``.
    params : GapParams
    cutoff_us : int
        Start of the day after ``as_of`` (int64 µs).

    Returns
    -------
    LastEvent
    """
    n = len(communities)
    held_us = to_us(engagements["occurred_at"])
    counted = (held_us != NONE) & (held_us < cutoff_us)
    held = engagements[counted]
    held_us, held_ids = held_us[counted], held["id"].to_numpy(np.int64)
    near_community, near_engagement = pairs_within(
        communities, Points(held["lon"], held["lat"]), params.engagement_radius_m
    )
    linked_id = pd.to_numeric(held["community_id"], errors="coerce").to_numpy(float)
    position = np.searchsorted(community_ids, linked_id)
    is_linked = ~np.isnan(linked_id) & (position < n)
    is_linked[is_linked] &= community_ids[position[is_linked]] == linked_id[is_linked]
    linked_engagement = np.flatnonzero(is_linked)
    community = np.concatenate([near_community, position[linked_engagement]])
    engagement = np.concatenate([near_engagement, linked_engagement])
    return latest_per_community(n, community, held_us[engagement], held_ids[engagement])


def last_qip_event(communities: Points, qips: pd.DataFrame, params: GapParams, as_of_day: int) -> LastEvent:
    """The most recent start or end day (not after ``as_of``) of a QIP in
    progress or completed within ``qip_radius_m``.

    Parameters
    ----------
    communities : Points
    qips : pandas.DataFrame
        ``id``, ``lon``, ``lat``, ``status``, ``start_on``, ``end_on``.
    params : GapParams
    as_of_day : int
        ``as_of`` as a day number.

    Returns
    -------
    LastEvent
        Times at midnight UTC of the QIP's day.
    """
    start_day, end_day = day_numbers(to_us(qips["start_on"])), day_numbers(to_us(qips["end_on"]))
    start_day = np.where(start_day <= as_of_day, start_day, NONE)
    end_day = np.where(end_day <= as_of_day, end_day, NONE)
    qip_day = np.maximum(start_day, end_day)
    counted = qips["status"].isin(ACTIVE_QIP).to_numpy() & (qip_day != NONE)
    community, qip = pairs_within(
        communities, Points(qips["lon"].to_numpy()[counted], qips["lat"].to_numpy()[counted]), params.qip_radius_m
    )
    return latest_per_community(
        len(communities), community, qip_day[counted][qip] * US_PER_DAY, qips["id"].to_numpy(np.int64)[counted][qip]
    )


def most_recent(patrol: LastEvent, engagement: LastEvent, qip: LastEvent) -> LastEngagement:
    """Per community, the latest of the three (in ``KINDS`` order on a tie).

    Parameters
    ----------
    patrol, engagement, qip : LastEvent

    Returns
    -------
    LastEngagement
    """
    at_us = np.column_stack([patrol.at_us, engagement.at_us, qip.at_us])
    kind = np.argmax(at_us, axis=1)
    rows = np.arange(len(kind))
    row_id = np.column_stack([patrol.row_id, engagement.row_id, qip.row_id])[rows, kind]
    return LastEngagement(at_us[rows, kind], kind, row_id)
