"""Mission sites (HQ, field offices, bases, team sites, UNPOL posts)."""

from __future__ import annotations

from layers.remote import RemoteLayer
from layers.spec import DateWindow, Field, Fixed, LayerSpec, Urls

LIST = "sites-list"
ROUTES = (LIST,)

KIND_GLYPHS = {"hq": "HQ", "field_office": "FO", "cob": "CB", "tob": "TB", "team_site": "TS", "unpol_post": "UP"}
POPUP = [
    Field("kind", "Kind"),
    Field("mission", "Mission"),
    Field("active_from", "Active from", "date"),
    Field("active_to", "Active to", "date"),
]


def sites_layer(window: DateWindow, urls: Urls, *, show: bool = True, limit: int = 1000) -> RemoteLayer:
    """All mission sites (a few dozen), loaded once for the whole mission area."""
    return RemoteLayer(
        LayerSpec(
            key="sites",
            name="Mission sites",
            url=urls[LIST],
            limit=limit,
            viewport=False,
            colour=Fixed("#08306b", "mission site"),
            glyph=("kind", KIND_GLYPHS),
            popup=POPUP,
            title="name",
            show=show,
            note="HQ headquarters, FO field office, CB/TB company/temporary base, TS team site, UP UNPOL post",
        )
    )
