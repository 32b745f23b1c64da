"""Mission sites (HQ, field offices, bases, team sites, UNPOL posts)."""

from __future__ import annotations

from geo.i18n import N_
from layers.remote import RemoteLayer
from layers.spec import DateWindow, Field, Fixed, LayerSpec, Urls

LIST = "sites-list"
ROUTES = (LIST,)

KIND_GLYPHS = {"hq": "HQ", "field_office": "FO", "cob": "CB", "tob": "TB", "team_site": "TS", "unpol_post": "UP"}
POPUP = [
    Field("kind", N_("Kind")),
    Field("mission", N_("Mission")),
    Field("active_from", N_("Active from"), "date"),
    Field("active_to", N_("Active to"), "date"),
]


def sites_layer(window: DateWindow, urls: Urls, *, show: bool = True, limit: int = 1000) -> RemoteLayer:
    """All mission sites (a few dozen), loaded once for the whole mission area."""
    return RemoteLayer(
        LayerSpec(
            key="sites",
            name=N_("Mission sites"),
            url=urls[LIST],
            limit=limit,
            viewport=False,
            colour=Fixed("#08306b", N_("mission site")),
            glyph=("kind", KIND_GLYPHS),
            popup=POPUP,
            title="name",
            show=show,
            note=N_("HQ headquarters, FO field office, CB/TB company/temporary base, TS team site, UP UNPOL post"),
        )
    )
