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


def hours_label(hours: float) -> str:
    """Hours as a planner says them: ``about 35 min`` (5-minute steps below
    1 h), ``about 1.5 h`` (half hours below 10 h), ``about 14 h``.

    Parameters
    ----------
    hours : float

    Returns
    -------
    str
    """
    if hours < 1:
        return f"about {max(5, round(hours * 12) * 5)} min"
    if hours < 10:
        half = round(hours * 2) / 2
        return f"about {half:g} h"
    return f"about {round(hours):d} h"


def travel_reasons(hours, unreachable, season, straight_line: list[str | None]) -> list[str]:
    """The remoteness sentence of each row when remoteness is travel time.

    Parameters
    ----------
    hours : array-like
        ``travel_hours`` (NaN: none or unreachable).
    unreachable : array-like of bool
    season : array-like of str or None
        ``travel_season``.
    straight_line : list of str or None
        The straight-line distance of each row (``"48.2 km"``), or None without a site.

    Returns
    -------
    list of str
    """
    out = []
    for h, cut_off, s, km in zip(hours, unreachable, season, straight_line, strict=True):
        if km is None:
            out.append("no active mission site on record")
        elif cut_off:
            out.append(
                f"no mission site can be reached over land in the {s} season "
                f"(no road, crossing or passable ground joins it; {km} in a straight line)"
            )
        else:
            out.append(
                f"{hours_label(float(h))} from the nearest mission site in the {s} season ({km} in a straight line)"
            )
    return out
