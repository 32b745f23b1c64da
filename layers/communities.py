"""Communities coloured by engagement-gap score, with the analysis' reasons
in the popup (docs/analysis.md)."""

from __future__ import annotations

from geo.analysis.params import Remoteness
from geo.i18n import N_
from layers.remote import RemoteLayer
from layers.spec import DateWindow, Field, Graduated, LayerSpec, Radius, Urls

GAPS = "engagement-gaps"
ROUTES = (GAPS,)

BY_GAP_SCORE = Graduated(
    "gap_score",
    (
        (0, "#1a9850", N_("no gap (score 0)")),
        (0.25, "#fee08b", N_("gap score ≤ 0.25")),
        (1, "#fc8d59", N_("gap score 0.25–1")),
        (None, "#d73027", N_("gap score > 1")),
    ),
    missing_label=N_("not scored"),
)
POPUP = [
    Field("rank", N_("Rank"), "number"),
    Field("gap_score", N_("Gap score"), "number"),
    Field("under_engaged", N_("Under-engaged")),
    Field("days_since_engagement", N_("Days since engagement"), "number"),
    Field("last_engagement_kind", N_("Last engagement")),
    Field("incidents_window", N_("Incidents in window"), "number"),
    Field("fatalities_window", N_("Deaths in window"), "number"),
    Field("pressure", N_("Violence pressure"), "number"),
    Field("travel_hours", N_("Hours to nearest mission site"), "number"),
    Field("distance_to_site_m", N_("Distance to mission site (m)"), "number"),
    Field("population", N_("Population"), "number"),
    Field("reasons", N_("Why"), "list"),
]


REMOTENESS: Remoteness = "travel_time"  # the map ranks by travel time (docs/reach.md); api/warmup.py warms this set


def communities_spec(window: DateWindow, urls: Urls, *, limit: int = 2000, show: bool = True) -> LayerSpec:
    """The analysis of the map's window: ``as_of`` its last day, ``window_days`` its length;
    remoteness as travel time in that day's season (docs/reach.md)."""
    return LayerSpec(
        key="communities",
        name=N_("Communities by engagement gap"),
        url=urls[GAPS],
        limit=limit,
        params={"as_of": window.end.isoformat(), "window_days": window.days, "remoteness": REMOTENESS},
        colour=BY_GAP_SCORE,
        radius=Radius("gap_score", base=3, per=6, max=14),
        popup=POPUP,
        title="name",
        show=show,
        note=N_("the highest-ranked gaps in view; larger circles, larger gaps"),
        top_first=True,
    )


def communities_layer(window: DateWindow, urls: Urls, *, show: bool = True, limit: int = 2000) -> RemoteLayer:
    """The ``limit`` highest-ranked communities in view, for the window."""
    return RemoteLayer(communities_spec(window, urls, limit=limit, show=show))
