"""Short sentences a planner can paste into a brief, one list per community
(built column-wise: the whole ranking at once stays cheap)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.analysis.params import GapParams
from geo.reach.remoteness import travel_reasons


def distance_label(m: float) -> str:
    """A distance as a planner writes it.

    Parameters
    ----------
    m : float
        Metres.

    Returns
    -------
    str
        ``"850 m"`` below 1 km, else ``"12.5 km"`` (3 significant digits).
    """
    return f"{m:.0f} m" if m < 1000 else f"{m / 1000:.3g} km"


def _count(n: pd.Series, word: str) -> pd.Series:
    n = n.astype("int64")
    return n.astype(str) + " " + word + np.where(n == 1, "", "s")


def _engagement(t: pd.DataFrame, p: GapParams) -> pd.Series:
    never = t["days_since_engagement"].isna()
    out = pd.Series(
        f"no patrol within {distance_label(p.patrol_radius_m)}, engagement within "
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
    km = np.where(
        d < 1000,
        np.char.add(np.round(np.nan_to_num(d)).astype(int).astype(str), " m"),
        [f"{x / 1000:.3g} km" for x in np.nan_to_num(d)],
    )
    return pd.Series(
        np.where(
            np.isnan(d),
            "no active mission site on record",
            np.char.add(km.astype(str), " from the nearest mission site"),
        ),
        index=t.index,
    )


def _travel(t: pd.DataFrame) -> list[str]:
    d = t["distance_to_site_m"].to_numpy(float)
    straight = [None if np.isnan(m) else distance_label(m) for m in d]
    return travel_reasons(
        t["travel_hours"].to_numpy(float), t["unreachable"].to_numpy(bool), t["travel_season"], straight
    )


def reasons_for(table: pd.DataFrame, p: GapParams) -> list[list[str]]:
    """Why each community ranks where it does: engagement, violence, remoteness.

    Parameters
    ----------
    table : pandas.DataFrame
        Result rows with their engagement, violence and site columns.
    p : GapParams
        The radii and window quoted.

    Returns
    -------
    list of list of str
        Three sentences per row.
    """
    remoteness = _remoteness(table) if p.remoteness == "distance" else _travel(table)
    cols = zip(_engagement(table, p), _violence(table, p), remoteness)
    return [list(r) for r in cols]
