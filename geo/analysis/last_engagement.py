"""When each community was last engaged, and by what (docs/analysis.md,
"Last engagement"): the most recent of

- the last patrol whose track passed within its coverage radius,
- the last engagement linked to the community or held within ``engagement_radius_m``,
- the last start or end day (not after ``as_of``) of a QIP in progress or
  completed within ``qip_radius_m``.

Each is a :class:`LastEvent` per community; :func:`most_recent` picks among
them, the first kind of ``KINDS`` winning a tie. Every step reads the
columns of :mod:`geo.analysis.tables` (dead slots of a resident table never
count) and works for any subset of the communities (:class:`~geo.analysis.near.Places`),
which is how the cache recomputes only the communities a write can change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geo.analysis.days import NONE, US_PER_DAY
from geo.analysis.near import FEW_PLACES, LATEST_CELL, Places, PointGrid, around, latest_near
from geo.analysis.params import GapParams
from geo.analysis.tables import ACTIVE_QIP, Rows
from geo.analysis.tracks import covering, newest_first

KINDS = ("patrol", "engagement", "qip")  # on equal timestamps the first kind wins
MAX_MOVED = 64  # more new patrols at once: sort again
__all__ = ["ACTIVE_QIP", "KINDS", "LastEngagement", "LastEvent", "most_recent"]


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


def patrol_radii(patrols: Rows, params: GapParams, cutoff_us: int) -> tuple[np.ndarray, np.ndarray]:
    """Which patrol slots count (alive, ended before ``cutoff_us``) and each
    one's coverage radius: its ``coverage_m``, else ``patrol_radius_m``.

    Parameters
    ----------
    patrols : Rows
    params : GapParams
    cutoff_us : int
        Start of the day after ``as_of`` (int64 µs).

    Returns
    -------
    tuple of numpy.ndarray
        A mask of the slots counted, and the radius (m) of every slot.
    """
    ended, coverage = patrols["ended"], patrols["coverage_m"]
    counted = patrols.live() & (ended != NONE) & (ended < cutoff_us)
    return counted, np.where(np.isnan(coverage), params.patrol_radius_m, coverage)


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


def by_recency(patrols: Rows) -> np.ndarray:
    """The live patrol slots newest first (``ended`` descending, ties by the
    larger id), computed once per version of the rows.

    Parameters
    ----------
    patrols : Rows

    Returns
    -------
    numpy.ndarray of int64
    """
    if "by_recency" not in patrols.memo:
        live = np.flatnonzero(patrols.live())
        patrols.memo["by_recency"] = live[newest_first(patrols["ended"][live], patrols.ids[live])]
    return patrols.memo["by_recency"]


def keep_recency(old: Rows, new: Rows, gone: np.ndarray, first_new: int) -> None:
    """Carry ``old``'s :func:`by_recency` order over to ``new`` (the same
    slots, ``gone`` dead, ``first_new`` … appended), without sorting again.

    Why: sorting 200 000 patrols costs tens of milliseconds, more than the
    rest of a local update; a few changed patrols move by binary search.

    Parameters
    ----------
    old, new : Rows
        The patrols before and after a change (:meth:`~geo.analysis.tables.Rows.replace`).
    gone : numpy.ndarray of int
        Slots that died.
    first_new : int
        The first appended slot.

    Returns
    -------
    None
    """
    order = old.memo.get("by_recency")
    added = np.arange(first_new, len(new))
    if order is None or len(added) > MAX_MOVED:
        return
    order = order[~np.isin(order, gone)]
    ended, ids = new["ended"], new.ids
    for slot in added.tolist():
        e, i = ended[slot], ids[slot]
        # Newest first: before every slot that is older, i.e. (ended, id) smaller.
        older = (ended[order] < e) | ((ended[order] == e) & (ids[order] < i))
        at = int(np.argmax(older)) if older.any() else len(order)
        order = np.insert(order, at, slot)
    new.memo["by_recency"] = order


def last_patrol_event(
    places: Places, patrols: Rows, params: GapParams, cutoff_us: int, slots: np.ndarray | None = None
) -> LastEvent:
    """The most recent patrol (by ``ended_at``, before ``cutoff_us``; ties:
    the larger id) whose track passed within its ``coverage_m`` (default
    ``patrol_radius_m``).

    Parameters
    ----------
    places : Places
        The communities.
    patrols : Rows
    params : GapParams
    cutoff_us : int
        Start of the day after ``as_of`` (int64 µs): later patrols do not count.
    slots : numpy.ndarray of int, optional
        Search only these live slots (a local update: the rows just written).

    Returns
    -------
    LastEvent
    """
    order = by_recency(patrols) if slots is None else slots[newest_first(patrols["ended"][slots], patrols.ids[slots])]
    ended = patrols["ended"][order]
    # ``ended`` descends along ``order``: the patrols counted are one run of it.
    counted = order[np.count_nonzero(ended >= cutoff_us) : len(order) - np.count_nonzero(ended == NONE)]
    if len(counted) == 0 or patrols.tracks is None:
        return LastEvent.never(len(places))
    _, radius_m = patrol_radii(patrols, params, cutoff_us)
    rank = covering(places.xyz, places.lonlat, patrols.tracks, counted, radius_m)
    slot = counted[np.maximum(rank, 0)]
    seen = rank >= 0
    return LastEvent(np.where(seen, patrols["ended"][slot], NONE), np.where(seen, patrols.ids[slot], -1))


def point_grid(rows: Rows, cell_m: float) -> PointGrid:
    """Every live row of a point table in a grid of ``cell_m``, once per version of the rows.

    Parameters
    ----------
    rows : Rows
    cell_m : float

    Returns
    -------
    PointGrid
    """
    key = ("grid", cell_m)
    if key not in rows.memo:
        if rows.xyz is None or rows.lonlat is None:
            raise TypeError("not a point table")
        rows.memo[key] = PointGrid.of(rows.xyz, rows.lonlat, np.flatnonzero(rows.live()), cell_m)
    return rows.memo[key]


def last_engagement_event(
    places: Places, engagements: Rows, params: GapParams, cutoff_us: int, slots: np.ndarray | None = None
) -> LastEvent:
    """The most recent engagement (before ``cutoff_us``) held within
    ``engagement_radius_m`` of a community or linked to it by ``community_id``.

    The grid of the engagements depends on the radius alone (the date is a
    filter in the kernel), so it is built once per version of the rows.

    Parameters
    ----------
    places : Places
        The communities (ids sorted).
    engagements : Rows
    params : GapParams
    cutoff_us : int
        Start of the day after ``as_of`` (int64 µs).
    slots : numpy.ndarray of int, optional
        Search only these live slots (a local update: the rows just written).

    Returns
    -------
    LastEvent
    """
    from geo.analysis import kernels  # numba: compiled code is imported on first use (cold start)

    radius = params.engagement_radius_m
    live = engagements.live()
    if slots is not None:
        live = np.zeros(len(engagements), bool)
        live[slots] = True
    if len(places) < FEW_PLACES or slots is not None:  # a local update: the engagements around
        if engagements.xyz is None or engagements.lonlat is None:
            raise TypeError("engagements are points")
        near = around(places, engagements.xyz, np.flatnonzero(live), radius)
        points = PointGrid.of(engagements.xyz, engagements.lonlat, near, LATEST_CELL * radius)
    else:
        points = point_grid(engagements, LATEST_CELL * radius)
    at = engagements["at"]
    near_at, near_id = latest_near(places, points, at[points.slots], engagements.ids[points.slots], radius, cutoff_us)
    linked_id = engagements["community_id"]
    held = np.flatnonzero(live & (at != NONE) & (at < cutoff_us) & ~np.isnan(linked_id))
    linked = linked_id[held].astype(np.int64)
    position = np.minimum(np.searchsorted(places.ids, linked), max(len(places) - 1, 0))
    is_linked = places.ids[position] == linked if len(places) else np.zeros(len(held), bool)
    row = held[is_linked]
    return LastEvent(*kernels.latest_per_row(near_at, near_id, position[is_linked], at[row], engagements.ids[row]))


def last_qip_event(
    places: Places, qips: Rows, params: GapParams, as_of_day: int, slots: np.ndarray | None = None
) -> LastEvent:
    """The most recent start or end day (not after ``as_of``) of a QIP in
    progress or completed within ``qip_radius_m``.

    Parameters
    ----------
    places : Places
    qips : Rows
    params : GapParams
    as_of_day : int
        ``as_of`` as a day number.
    slots : numpy.ndarray of int, optional
        Search only these live slots (a local update: the rows just written).

    Returns
    -------
    LastEvent
        Times at midnight UTC of the QIP's day.
    """
    start_day, end_day = qips["start_day"], qips["end_day"]
    qip_day = np.maximum(
        np.where(start_day <= as_of_day, start_day, NONE), np.where(end_day <= as_of_day, end_day, NONE)
    )
    counted = np.flatnonzero(qips.live() & qips["active"] & (qip_day != NONE))
    if slots is not None:
        counted = np.intersect1d(counted, slots)
    if qips.xyz is None or qips.lonlat is None:
        raise TypeError("QIPs are points")
    near = around(places, qips.xyz, counted, params.qip_radius_m)
    points = PointGrid.of(qips.xyz, qips.lonlat, near, LATEST_CELL * params.qip_radius_m)
    at = qip_day[points.slots] * US_PER_DAY
    return LastEvent(
        *latest_near(places, points, at, qips.ids[points.slots], params.qip_radius_m, np.iinfo(np.int64).max)
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
