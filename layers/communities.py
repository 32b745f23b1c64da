"""Communities coloured by engagement-gap score, with the analysis' reasons
in the popup (DESIGN §5.4)."""

from __future__ import annotations

import folium

from layers.remote import feature_group
from layers.spec import DateWindow, Field, Graduated, LayerSpec, Radius

API = "/api/v1/analysis/engagement-gaps"

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
    Field("distance_to_site_m", "Distance to mission site (m)", "number"),
    Field("population", "Population", "number"),
    Field("reasons", "Why", "list"),
]


def communities_spec(window: DateWindow, *, api: str = API, limit: int = 2000, show: bool = True) -> LayerSpec:
    return LayerSpec(
        key="communities", name="Communities by engagement gap", url=api, limit=limit,
        params={"as_of": window.end.isoformat()},
        colour=BY_GAP_SCORE, radius=Radius("gap_score", base=3, per=6, max=14), popup=POPUP, title="name", show=show,
        note="the highest-ranked gaps in view; larger circles, larger gaps", top_first=True,
    )


def communities_layer(window: DateWindow, *, show: bool = True, api: str = API,
                      limit: int = 2000) -> folium.FeatureGroup:
    """The ``limit`` highest-ranked communities in view, as of the window end."""
    return feature_group(communities_spec(window, api=api, limit=limit, show=show))
