"""Rivers and water bodies: the barriers of the travel-time surface
(docs/reach.md)."""

from __future__ import annotations

from layers.remote import RemoteLayer
from layers.spec import Categorical, DateWindow, Field, LayerSpec, Urls

LIST = "waterways-list"
ROUTES = (LIST,)

BY_SEASON = Categorical(
    "seasonal",
    {"false": "#2171b5", "true": "#9ecae1"},
    labels={"false": "river or water body (always a barrier)", "true": "seasonal (a barrier in the rainy season)"},
)
POPUP = [Field("kind", "Kind"), Field("seasonal", "Seasonal")]


def waterways_layer(window: DateWindow, urls: Urls, *, show: bool = False, limit: int = 2000) -> RemoteLayer:
    """The waterways in view (no date: the window does not apply)."""
    return RemoteLayer(
        LayerSpec(
            key="waterways",
            name="Rivers and water bodies",
            url=urls[LIST],
            limit=limit,
            kind="line",
            colour=BY_SEASON,
            popup=POPUP,
            title="name",
            show=show,
        )
    )
