"""Admin areas by who was heard: how concentrated engagements were on a few
interlocutors, with the flags' reasons in the popup (docs/politics.md#who-was-heard)."""

from __future__ import annotations

from geo.i18n import N_
from layers.remote import RemoteLayer
from layers.spec import DateWindow, Field, Graduated, LayerSpec, Urls

CONSTITUENCIES = "constituencies"  # geo.politics.constituencies, served by api.routers.politics
ROUTES = (CONSTITUENCIES,)

BY_CONCENTRATION = Graduated(
    "top_share",
    (
        (0.3, "#edf8fb", N_("the 2 most heard took part in at most 30 % (of engagements)")),
        (0.6, "#8c96c6", N_("30–60 %")),
        (None, "#810f7c", N_("over 60 %: the same two people")),
    ),
)
POPUP = [
    Field("engagements", N_("Engagements in window"), "number"),
    Field("interlocutors", N_("People heard"), "number"),
    Field("top_share", N_("Share with the 2 most heard"), "number"),
    Field("hhi", N_("Concentration (HHI)"), "number"),
    Field("not_reached", N_("Not reached"), "list"),
    Field("reasons", N_("Why"), "list"),
]


def hearing_layer(window: DateWindow, urls: Urls, *, show: bool = False) -> RemoteLayer:
    """The areas of the usual level, for the 180 days up to the window's end."""
    return RemoteLayer(
        LayerSpec(
            key="hearing",
            name=N_("Who was heard"),
            url=urls[CONSTITUENCIES],
            params={"as_of": window.end.isoformat(), "limit": 500},
            viewport=False,
            kind="area",
            colour=BY_CONCENTRATION,
            popup=POPUP,
            title="name",
            show=show,
            fill_opacity=0.5,
        )
    )
