"""Short sentences a planner can paste into a brief, one list per community
(built column-wise: the whole ranking at once stays cheap)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.analysis.params import GapParams
from geo.reach.remoteness import travel_reasons


def distance_label(m: float) -> str:
    """A distance as a planner writes it, readable at any magnitude
    (docs/analysis.md#reasons): whole metres below 1 km (``"850 m"``), three
    significant digits up to 100 km (``"1.23 km"``, ``"12.5 km"``, ``"20 km"``),
    whole kilometres with a space between thousands above (``"1 230 km"``).

    Parameters
    ----------
    m : float
        Metres (≥ 0).

    Returns
    -------
    str
    """
    metres = round(m)
    if metres < 1000:
        return f"{metres} m"
    km = m / 1000
    if float(f"{km:.3g}") < 100:
        return f"{km:.3g} km"
    return f"{round(km):,} km".replace(",", " ")


def _patrols_within(p: GapParams, patrol_radii: tuple[float, float] | None) -> str:
    """The patrol radius that applied: one radius (the default, or every
    patrol's own ``coverage_m``), else the range of the patrols' radii."""
    lo, hi = patrol_radii or (p.patrol_radius_m, p.patrol_radius_m)
    if lo == hi:
        return f"no patrol within {distance_label(lo)}"
    return f"no patrol within its coverage radius ({distance_label(lo)} to {distance_label(hi)})"


def _count(n: pd.Series, word: str) -> pd.Series:
    n = n.astype("int64")
    return n.astype(str) + " " + word + np.where(n == 1, "", "s")


def _engagement(t: pd.DataFrame, p: GapParams, patrol_radii: tuple[float, float] | None) -> pd.Series:
    never = t["days_since_engagement"].isna()
    out = pd.Series(
        f"{_patrols_within(p, patrol_radii)}, engagement within "
        f"{distance_label(p.engagement_radius_m)} or QIP within {distance_label(p.qip_radius_m)} on record",
        index=t.index,
        dtype=object,
    )
    e = t[~never]
    if len(e):
        kind = e["last_engagement_kind"].map({"patrol": "patrol", "engagement": "engagement", "qip": "QIP"})
        when = pd.to_datetime(e["last_engagement_at"], utc=True).dt.strftime("%Y-%m-%d")
        out[~never] = (
            _count(e["days_since_engagement"], "day")
            + " since the last engagement ("
            + kind
            + " "
            + e["last_engagement_id"].astype(str)
            + " on "
            + when
            + ")"
        )
    return out


def _violence(t: pd.DataFrame, p: GapParams) -> pd.Series:
    where = f" within {distance_label(p.incident_radius_m)} in {p.window_days} days"
    some = _count(t["incidents_window"], "incident") + ", " + _count(t["fatalities_window"], "death") + where
    return some.where(t["incidents_window"] > 0, "no incidents" + where)


def _remoteness(t: pd.DataFrame) -> pd.Series:
    d = t["distance_to_site_m"].to_numpy(float)
    return pd.Series(
        [
            "no active mission site on record" if np.isnan(x) else f"{distance_label(x)} from the nearest mission site"
            for x in d
        ],
        index=t.index,
        dtype=object,
    )


def _travel(t: pd.DataFrame) -> list[str]:
    d = t["distance_to_site_m"].to_numpy(float)
    straight = [None if np.isnan(m) else distance_label(m) for m in d]
    return travel_reasons(
        t["travel_hours"].to_numpy(float), t["unreachable"].to_numpy(bool), t["travel_season"], straight
    )


def reasons_for(table: pd.DataFrame, p: GapParams, patrol_radii: tuple[float, float] | None = None) -> list[list[str]]:
    """Why each community ranks where it does: engagement, violence, remoteness.

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
    list of list of str
        Three sentences per row.
    """
    remoteness = _remoteness(table) if p.remoteness == "distance" else _travel(table)
    cols = zip(_engagement(table, p, patrol_radii), _violence(table, p), remoteness, strict=True)
    return [list(r) for r in cols]
