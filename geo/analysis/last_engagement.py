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

from geo.analysis.days import NONE, NS_PER_DAY, day_numbers, to_ns
from geo.analysis.metric import Points, pairs_within
from geo.analysis.params import GapParams
from geo.analysis.tracks import last_patrol

KINDS = ("patrol", "engagement", "qip")  # on equal timestamps the first kind wins
ACTIVE_QIP = ("in_progress", "completed")


@dataclass
class LastEvent:
    """Per community: when (int64 ns, ``NONE`` if never) and which row (id, -1 if never)."""

    at_ns: np.ndarray
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

    at_ns: np.ndarray
    kind: np.ndarray
    row_id: np.ndarray


def latest_per_community(n: int, community: np.ndarray, at_ns: np.ndarray, row_id: np.ndarray) -> LastEvent:
    """The latest of each community's (community, time, id) pairs.

    Parameters
    ----------
    n : int
        Number of communities (indices 0 … n − 1).
    community, at_ns, row_id : numpy.ndarray
        One entry per pair: community index, time (int64 ns), row id.

    Returns
    -------
    LastEvent
        The largest time per community (ties: the largest id).
    """
    last = LastEvent.never(n)
    if len(community):
        order = np.lexsort((row_id, at_ns, community))
        is_last = np.r_[community[order][1:] != community[order][:-1], True]
        pick = order[is_last]
        last.at_ns[community[pick]], last.row_id[community[pick]] = at_ns[pick], row_id[pick]
    return last


def last_patrol_event(communities: Points, patrols: pd.DataFrame, params: GapParams, cutoff_ns: int) -> LastEvent:
    """The most recent patrol (by ``ended_at``, before ``cutoff_ns``) whose track
    passed within its ``coverage_m`` (default ``patrol_radius_m``).

    Parameters
    ----------
    communities : Points
    patrols : pandas.DataFrame
        ``id``, ``ended_at``, ``coverage_m``, ``geometry`` (lon/lat tracks).
    params : GapParams
    cutoff_ns : int
        Start of the day after ``as_of`` (int64 ns): later patrols do not count.

    Returns
    -------
    LastEvent
    """
    n = len(communities)
    ended_ns = to_ns(patrols["ended_at"])
    counted = (ended_ns != NONE) & (ended_ns < cutoff_ns)
    if not counted.any():
        return LastEvent.never(n)
    radius_m = pd.to_numeric(patrols["coverage_m"], errors="coerce").to_numpy(float)[counted]
    radius_m = np.where(np.isnan(radius_m), params.patrol_radius_m, radius_m)
    ended_ns, patrol_ids = ended_ns[counted], patrols["id"].to_numpy(np.int64)[counted]
    # Equal end times go to the larger patrol id, whatever the row order.
    covering = last_patrol(communities, patrols["geometry"].to_numpy()[counted], ended_ns, radius_m, patrol_ids)
    seen = covering >= 0
    return LastEvent(np.where(seen, ended_ns[covering], NONE), np.where(seen, patrol_ids[np.maximum(covering, 0)], -1))


def last_engagement_event(
    communities: Points, community_ids: np.ndarray, engagements: pd.DataFrame, params: GapParams, cutoff_ns: int
) -> LastEvent:
    """The most recent engagement (before ``cutoff_ns``) held within
    ``engagement_radius_m`` of a community or linked to it by ``community_id``.

    Parameters
    ----------
    communities : Points
    community_ids : numpy.ndarray of int64
        The communities' ids, sorted (the order of ``communities``).
    engagements : pandas.DataFrame
        ``id``, ``lon``, ``lat``, ``occurred_at``, ``community_id``.
    params : GapParams
    cutoff_ns : int
        Start of the day after ``as_of`` (int64 ns).

    Returns
    -------
    LastEvent
    """
    n = len(communities)
    held_ns = to_ns(engagements["occurred_at"])
    counted = (held_ns != NONE) & (held_ns < cutoff_ns)
    held = engagements[counted]
    held_ns, held_ids = held_ns[counted], held["id"].to_numpy(np.int64)
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
    return latest_per_community(n, community, held_ns[engagement], held_ids[engagement])


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
    start_day, end_day = day_numbers(to_ns(qips["start_on"])), day_numbers(to_ns(qips["end_on"]))
    start_day = np.where(start_day <= as_of_day, start_day, NONE)
    end_day = np.where(end_day <= as_of_day, end_day, NONE)
    qip_day = np.maximum(start_day, end_day)
    counted = qips["status"].isin(ACTIVE_QIP).to_numpy() & (qip_day != NONE)
    community, qip = pairs_within(
        communities, Points(qips["lon"].to_numpy()[counted], qips["lat"].to_numpy()[counted]), params.qip_radius_m
    )
    return latest_per_community(
        len(communities), community, qip_day[counted][qip] * NS_PER_DAY, qips["id"].to_numpy(np.int64)[counted][qip]
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
    at_ns = np.column_stack([patrol.at_ns, engagement.at_ns, qip.at_ns])
    kind = np.argmax(at_ns, axis=1)
    rows = np.arange(len(kind))
    row_id = np.column_stack([patrol.row_id, engagement.row_id, qip.row_id])[rows, kind]
    return LastEngagement(at_ns[rows, kind], kind, row_id)
