"""Remoteness as travel time, the step of the engagement-gap analysis that
``remoteness=travel_time`` asks for (docs/analysis.md#remoteness).

- ``travel_hours``: hours from the nearest active mission site over the
  travel surface, in the season of the result (``travel_season``);
  ``travel_site_id`` names the site. A community in a water cell takes its
  best neighbour's time (:meth:`geo.reach.travel.TravelSurface.at`).
- ``remoteness_factor = 1 + travel_hours / remoteness_hours`` (default 6 h).
- **Unreachable** communities (no path over passable cells from any active
  site: behind a river with no crossing, a closed track's end in the rainy
  season) are flagged ``unreachable`` and take the **largest remoteness
  factor of the ranked set** (:func:`fill_unreachable`, in the ranking, so a
  subset ranks with its own largest); when nothing in the set is reachable,
  1.
- With no active site at all, hours and site are null, nothing is flagged
  and the factor is 1, as with distance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geo.errors import InvalidInput
from geo.reach.travel import TravelSurface


@dataclass
class TravelToSite:
    """Per community: ``hours`` (NaN unknown or unreachable), ``site_id`` (-1
    none), ``unreachable``; ``season`` of the surface (None when not asked)."""

    hours: np.ndarray
    site_id: np.ndarray
    unreachable: np.ndarray
    season: str | None

    def factor(self, remoteness_hours: float) -> np.ndarray:
        """``1 + hours / remoteness_hours``; 1 without a site, NaN where unreachable (see :func:`fill_unreachable`).

        Parameters
        ----------
        remoteness_hours : float

        Returns
        -------
        numpy.ndarray
        """
        factor = 1 + np.nan_to_num(self.hours, nan=0.0) / remoteness_hours
        return np.where(self.unreachable, np.nan, factor)


def travel_to_nearest_site(lon, lat, surface: TravelSurface | None, asked: bool) -> TravelToSite:
    """The travel columns of a set of communities.

    Parameters
    ----------
    lon, lat : numpy.ndarray
        The communities.
    surface : TravelSurface or None
        Hours from the active sites (required when ``asked``).
    asked : bool
        ``remoteness == "travel_time"``; otherwise the columns stay empty.

    Returns
    -------
    TravelToSite
    """
    n = len(lon)
    empty = TravelToSite(np.full(n, np.nan), np.full(n, -1, np.int64), np.zeros(n, bool), None)
    if not asked:
        return empty
    if surface is None:
        raise InvalidInput(
            "remoteness=travel_time needs a travel surface: there are no communities or sites to build one over",
            field="remoteness",
        )
    if len(surface.site_ids) == 0:
        empty.season = surface.season
        return empty
    hours, site = surface.at(lon, lat)
    unreachable = ~np.isfinite(hours)
    return TravelToSite(np.where(unreachable, np.nan, hours), site, unreachable, surface.season)


def fill_unreachable(factor: np.ndarray, unreachable: np.ndarray) -> np.ndarray:
    """Unreachable rows take the largest factor of the reachable rows given (1 when there is none).

    Parameters
    ----------
    factor : numpy.ndarray
    unreachable : numpy.ndarray of bool

    Returns
    -------
    numpy.ndarray
        A new array.
    """
    out = np.asarray(factor, float).copy()
    if unreachable.any():
        reachable = out[~unreachable]
        out[unreachable] = reachable.max() if len(reachable) else 1.0
    return out


def travel_reasons(hours, unreachable, season, straight_m) -> list[dict]:
    """The remoteness reason of each row when remoteness is travel time, as
    codes with parameters (sentences: ``travel_time``, ``unreachable`` and
    ``no_site`` in :data:`geo.reasons.REASONS`).

    Parameters
    ----------
    hours : array-like
        ``travel_hours`` (NaN: none or unreachable).
    unreachable : array-like of bool
    season : array-like of str or None
        ``travel_season``.
    straight_m : array-like of float
        The straight-line distance to the nearest site in metres (NaN: no active site).

    Returns
    -------
    list of dict
        ``{"code", "params"}`` per row.
    """
    out: list[dict] = []
    for h, cut_off, s, m in zip(hours, unreachable, season, straight_m, strict=True):
        if np.isnan(m):
            out.append({"code": "no_site", "params": {}})
        elif cut_off:
            out.append({"code": "unreachable", "params": {"season": s, "straight_m": float(m)}})
        else:
            out.append({"code": "travel_time", "params": {"hours": float(h), "season": s, "straight_m": float(m)}})
    return out
