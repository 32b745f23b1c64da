"""Quick Impact Projects: icons coloured by status, lettered by sector."""

from __future__ import annotations

from geo.i18n import N_, Translator
from layers.messages import VOCABULARY
from layers.remote import RemoteLayer
from layers.spec import Categorical, DateWindow, Field, LayerSpec, Urls

LIST = "qips-list"
ROUTES = (LIST,)

BY_STATUS = Categorical(
    "status",
    {
        "proposed": "#9e9ac8",
        "approved": "#3182bd",
        "in_progress": "#fd8d3c",
        "completed": "#31a354",
        "cancelled": "#969696",
    },
)
SECTOR_GLYPHS = {
    "water": "W",
    "health": "H",
    "education": "E",
    "livelihoods": "L",
    "infrastructure": "I",
    "social_cohesion": "S",
    "state_authority": "A",
    "protection": "P",
}
POPUP = [
    Field("sector", N_("Sector")),
    Field("status", N_("Status")),
    Field("budget_usd", N_("Budget (USD)"), "number"),
    Field("start_on", N_("Start"), "date"),
    Field("end_on", N_("End"), "date"),
    Field("implementing_partner", N_("Implementing partner")),
    Field("funded_by", N_("Funded by")),
    Field("beneficiaries", N_("Beneficiaries"), "number"),
]


def sector_letters(tr: Translator) -> str:
    """The legend's key to the glyphs: "W water, H health, …" in ``tr``'s language."""
    return ", ".join(f"{g} {tr.gettext(VOCABULARY[s])}" for s, g in SECTOR_GLYPHS.items())


def qips_spec(urls: Urls, *, limit: int = 2000, show: bool = True) -> LayerSpec:
    """Every QIP in view (also drawn by the QIP plotter page)."""
    return LayerSpec(
        key="qips",
        name=N_("QIPs"),
        url=urls[LIST],
        limit=limit,
        colour=BY_STATUS,
        glyph=("sector", SECTOR_GLYPHS),
        popup=POPUP,
        title="title",
        show=show,
        note=N_("letters: {letters}"),
        text_params={"letters": sector_letters},
    )


def qips_layer(window: DateWindow, urls: Urls, *, show: bool = True, limit: int = 2000) -> RemoteLayer:
    """Every QIP in view, whatever its dates: planned and finished ones both matter for siting."""
    return RemoteLayer(qips_spec(urls, limit=limit, show=show))
