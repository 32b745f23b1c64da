"""Communities coloured by engagement-gap score, with the analysis' reasons
in the popup (docs/analysis.md)."""

from __future__ import annotations

from geo.analysis.params import Remoteness
from layers.remote import RemoteLayer
from layers.spec import DateWindow, Field, Graduated, LayerSpec, Radius, Urls

GAPS = "engagement-gaps"
ROUTES = (GAPS,)

BY_GAP_SCORE = Graduated(
    "gap_score",
    (
        (0, "#1a9850", "no gap (score 0)"),
        (0.25, "#fee08b", "gap score ≤ 0.25"),
        (1, "#fc8d59", "gap score 0.25–1"),
        (None, "#d73027", "gap score > 1"),
    ),
    missing_label="not scored",
)
POPUP = [
    Field("rank", "Rank", "number"),
    Field("gap_score", "Gap score", "number"),
    Field("under_engaged", "Under-engaged"),
    Field("days_since_engagement", "Days since engagement", "number"),
    Field("last_engagement_kind", "Last engagement"),
    Field("incidents_window", "Incidents in window", "number"),
    Field("fatalities_window", "Deaths in window", "number"),
    Field("pressure", "Violence pressure", "number"),
    Field("travel_hours", "Hours to nearest mission site", "number"),
    Field("distance_to_site_m", "Distance to mission site (m)", "number"),
    Field("population", "Population", "number"),
    Field("reasons", "Why", "list"),
]


REMOTENESS: Remoteness = "travel_time"  # the map ranks by travel time (docs/reach.md); api/warmup.py warms this set


def communities_spec(window: DateWindow, urls: Urls, *, limit: int = 2000, show: bool = True) -> LayerSpec:
    """The analysis of the map's window: ``as_of`` its last day, ``window_days`` its length;
    remoteness as travel time in that day's season (docs/reach.md)."""
    return LayerSpec(
        key="communities",
        name="Communities by engagement gap",
        url=urls[GAPS],
        limit=limit,
        params={"as_of": window.end.isoformat(), "window_days": window.days, "remoteness": REMOTENESS},
        colour=BY_GAP_SCORE,
        radius=Radius("gap_score", base=3, per=6, max=14),
        popup=POPUP,
        title="name",
        show=show,
        note="the highest-ranked gaps in view; larger circles, larger gaps",
        top_first=True,
    )


def communities_layer(window: DateWindow, urls: Urls, *, show: bool = True, limit: int = 2000) -> RemoteLayer:
    """The ``limit`` highest-ranked communities in view, for the window."""
    return RemoteLayer(communities_spec(window, urls, limit=limit, show=show))
