"""Rivers and water bodies: the barriers of the travel-time surface
(docs/reach.md)."""

from __future__ import annotations

from geo.i18n import N_
from layers.remote import RemoteLayer
from layers.spec import Categorical, DateWindow, Field, LayerSpec, Urls

LIST = "waterways-list"
ROUTES = (LIST,)

BY_SEASON = Categorical(
    "seasonal",
    {"false": "#2171b5", "true": "#9ecae1"},
    labels={
        "false": N_("river or water body (always a barrier)"),
        "true": N_("seasonal (a barrier in the rainy season)"),
    },
)
POPUP = [Field("kind", N_("Kind")), Field("seasonal", N_("Seasonal"))]


def waterways_layer(window: DateWindow, urls: Urls, *, show: bool = False, limit: int = 2000) -> RemoteLayer:
    """The waterways in view (no date: the window does not apply)."""
    return RemoteLayer(
        LayerSpec(
            key="waterways",
            name=N_("Rivers and water bodies"),
            url=urls[LIST],
            limit=limit,
            kind="line",
            colour=BY_SEASON,
            popup=POPUP,
            title="name",
            show=show,
        )
    )
