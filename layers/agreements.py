"""Local peace agreements: the areas they cover, styled by status; the popup
shows incidents before and after signing, per month (docs/politics.md#agreements)."""

from __future__ import annotations

from geo.i18n import N_
from layers.remote import RemoteLayer
from layers.spec import Categorical, DateWindow, Field, LayerSpec, Urls

LIST = "agreements-list"
STRAIN = "agreement-strain"  # geo.politics.agreements, served by api.routers.politics
ROUTES = (LIST, STRAIN)

BY_STATUS = Categorical(
    "status",
    {"in_force": "#1a9850", "violated": "#d73027", "lapsed": "#999999", "superseded": "#7b3294"},
)
POPUP = [
    Field("signed_on", N_("Signed"), "date"),
    Field("status", N_("Status")),
    Field("parties", N_("Parties"), "list"),
    Field("issues", N_("Issues"), "list"),
    Field("facilitated_by", N_("Facilitated by")),
]


def agreements_layer(window: DateWindow, urls: Urls, *, show: bool = True, limit: int = 2000) -> RemoteLayer:
    """Every agreement in view, whatever its date: old ones may still be in force."""
    return RemoteLayer(
        LayerSpec(
            key="agreements",
            name=N_("Local agreements"),
            url=urls[LIST],
            limit=limit,
            kind="area",
            colour=BY_STATUS,
            popup=POPUP,
            title="name",
            show=show,
            # Once open, the popup shows incidents before and after signing and a monthly chart.
            detail={
                "url": f"{urls[STRAIN]}?as_of={window.end.isoformat()}",
                "member": "agreements",
                "kind": "agreement-strain",
            },
        )
    )
