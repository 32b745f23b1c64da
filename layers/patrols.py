"""Patrol coverage: each track with its coverage buffer, faded by age.

The buffer is drawn as a translucent stroke of width 2 × coverage radius
(recomputed per zoom from metres per pixel): visually the track's buffer,
without shipping buffer polygons.
"""

from __future__ import annotations

from geo.analysis.params import default
from geo.i18n import N_
from layers.remote import RemoteLayer
from layers.spec import Categorical, DateWindow, Field, LayerSpec, Urls, window_params

LIST = "patrols-list"
ROUTES = (LIST,)

BY_COMPONENT = Categorical(
    "component", {"military": "#1f78b4", "police": "#6a3d9a", "civilian": "#33a02c", "joint": "#ff7f00"}
)
POPUP = [
    Field("unit", N_("Unit")),
    Field("patrol_type", N_("Type")),
    Field("component", N_("Component")),
    Field("started_at", N_("Started"), "date"),
    Field("ended_at", N_("Ended"), "date"),
    Field("coverage_m", N_("Coverage radius (m)"), "number"),
]


def patrols_layer(window: DateWindow, urls: Urls, *, show: bool = False, limit: int = 2000) -> RemoteLayer:
    """Patrols that ended in the window; older ones fade towards the window start.
    A patrol without ``coverage_m`` is drawn with the analysis' default radius."""
    return RemoteLayer(
        LayerSpec(
            key="patrols",
            name=N_("Patrol coverage"),
            url=urls[LIST],
            limit=limit,
            kind="line",
            params=window_params(window),
            colour=BY_COMPONENT,
            popup=POPUP,
            title="unit",
            show=show,
            buffer_prop="coverage_m",
            buffer_default_m=default("patrol_radius_m"),
            # Fully faded at the age of the window's first day.
            fade_prop="ended_at",
            fade_days=max(window.days - 1, 1),
            fade_end=window.end.isoformat(),
        )
    )
