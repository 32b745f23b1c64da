"""Roads by surface class: what the travel-time surface drives on
(docs/reach.md). Unpaved roads slow, and tracks of earth close, in the rainy
season, so the surface is what the colour shows."""

from __future__ import annotations

from geo.i18n import N_
from layers.remote import RemoteLayer
from layers.spec import Categorical, DateWindow, Field, LayerSpec, Urls

LIST = "roads-list"
ROUTES = (LIST,)

BY_SURFACE = Categorical("surface", {"paved": "#252525", "gravel": "#8c6d31", "earth": "#e6550d"}, other="#969696")
POPUP = [
    Field("ref", N_("Reference")),
    Field("highway", N_("Class")),
    Field("surface", N_("Surface")),
    Field("bridge", N_("Bridge")),
]


def roads_layer(window: DateWindow, urls: Urls, *, show: bool = False, limit: int = 5000) -> RemoteLayer:
    """The roads in view (a road network has no date: the window does not apply)."""
    return RemoteLayer(
        LayerSpec(
            key="roads",
            name=N_("Roads"),
            url=urls[LIST],
            limit=limit,
            kind="line",
            colour=BY_SURFACE,
            popup=POPUP,
            title="name",
            show=show,
            note=N_("grey: surface not recorded (the class's usual surface is assumed)"),
        )
    )
