"""Patrol coverage: each track with its coverage buffer, faded by age.

The buffer is drawn as a translucent stroke of width 2 × coverage radius
(recomputed per zoom from metres per pixel): visually the track's buffer,
without shipping buffer polygons.
"""

from __future__ import annotations

import folium

from layers.remote import feature_group
from layers.spec import Categorical, DateWindow, Field, LayerSpec

API = "/api/v1/patrols"
DEFAULT_COVERAGE_M = 5000.0  # DESIGN §5.1 patrol_radius_m

BY_COMPONENT = Categorical(
    "component", {"military": "#1f78b4", "police": "#6a3d9a", "civilian": "#33a02c", "joint": "#ff7f00"}
)
POPUP = [
    Field("unit", "Unit"),
    Field("patrol_type", "Type"),
    Field("component", "Component"),
    Field("started_at", "Started", "date"),
    Field("ended_at", "Ended", "date"),
    Field("coverage_m", "Coverage radius (m)", "number"),
]


def patrols_layer(window: DateWindow, *, show: bool = False, api: str = API, limit: int = 2000) -> folium.FeatureGroup:
    """Patrols that ended in the window; older ones fade towards the window start."""
    return feature_group(LayerSpec(
        key="patrols", name="Patrol coverage", url=api, limit=limit, kind="line",
        params={"start": window.start.isoformat(), "end": window.end.isoformat()},
        colour=BY_COMPONENT, popup=POPUP, title="unit", show=show,
        buffer_prop="coverage_m", buffer_default_m=DEFAULT_COVERAGE_M,
        fade_prop="ended_at", fade_days=max(window.days, 1), fade_end=window.end.isoformat(),
    ))
