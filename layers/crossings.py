"""Bridges, ferries and fords: where the travel-time surface crosses water
(docs/reach.md)."""

from __future__ import annotations

from geo.i18n import N_
from layers.remote import RemoteLayer
from layers.spec import Categorical, DateWindow, Field, LayerSpec, Urls

LIST = "crossings-list"
ROUTES = (LIST,)

BY_KIND = Categorical("kind", {"bridge": "#525252", "ferry": "#08519c", "ford": "#6baed6"})
KIND_GLYPHS = {"bridge": "B", "ferry": "F", "ford": "Fd"}
POPUP = [Field("kind", N_("Kind")), Field("seasonal", N_("Closed in the rainy season"))]


def crossings_layer(window: DateWindow, urls: Urls, *, show: bool = False, limit: int = 2000) -> RemoteLayer:
    """Every crossing (a few hundred at most), loaded once (no date: the window does not apply)."""
    return RemoteLayer(
        LayerSpec(
            key="crossings",
            name=N_("River crossings"),
            url=urls[LIST],
            limit=limit,
            viewport=False,
            colour=BY_KIND,
            glyph=("kind", KIND_GLYPHS),
            popup=POPUP,
            title="name",
            show=show,
            note=N_("B bridge, F ferry, Fd ford"),
        )
    )
