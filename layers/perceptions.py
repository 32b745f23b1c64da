"""Admin areas coloured by a perception indicator's latest wave (trust in the
mission by default), with the wave's 95 % interval and any fall in the popup
(docs/politics.md#perceptions)."""

from __future__ import annotations

from geo.i18n import N_
from layers.messages import VOCABULARY
from layers.remote import RemoteLayer
from layers.spec import DateWindow, Field, Graduated, LayerSpec, Urls

TRENDS = "perception-trends"  # geo.politics.perceptions, served by api.routers.politics
ROUTES = (TRENDS,)

BY_SHARE = Graduated(
    "value",
    (
        (0.4, "#d7191c", N_("favourable: under 40 %")),
        (0.55, "#fdae61", N_("40–55 %")),
        (0.7, "#a6d96a", N_("55–70 %")),
        (None, "#1a9641", N_("over 70 %")),
    ),
    missing_label=N_("no survey"),
)
POPUP = [
    Field("wave", N_("Latest wave")),
    Field("value", N_("Favourable share"), "number"),
    Field("low", N_("Interval (95 %) from"), "number"),
    Field("high", N_("to"), "number"),
    Field("sample_size", N_("Answers"), "number"),
    Field("reasons", N_("Why"), "list"),
]


def perceptions_layer(
    window: DateWindow, urls: Urls, *, show: bool = False, indicator: str = "trust_in_mission"
) -> RemoteLayer:
    """The areas of the usual level, coloured by ``indicator`` as of the window's end."""
    return RemoteLayer(
        LayerSpec(
            key="perceptions",
            name=N_("Perceptions: {indicator}"),
            text_params={"indicator": lambda tr: tr.gettext(VOCABULARY.get(indicator, indicator.replace("_", " ")))},
            url=urls[TRENDS],
            params={"indicator": indicator, "as_of": window.end.isoformat(), "limit": 500},
            viewport=False,
            kind="area",
            colour=BY_SHARE,
            popup=POPUP,
            title="name",
            show=show,
            fill_opacity=0.55,
        )
    )
