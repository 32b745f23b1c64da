"""Engagements with communities, coloured by kind."""

from __future__ import annotations

from geo import vocab
from geo.i18n import N_
from layers.remote import RemoteLayer
from layers.spec import Categorical, DateWindow, Field, LayerSpec, Urls, window_params

LIST = "engagements-list"
ROUTES = (LIST,)

_PALETTE = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#1f78b4", "#666666")
BY_KIND = Categorical("kind", dict(zip(vocab.ENGAGEMENT_KINDS, _PALETTE, strict=True)))
POPUP = [
    Field("occurred_at", N_("Date"), "date"),
    Field("kind", N_("Kind")),
    Field("constituencies", N_("Constituencies"), "list"),
    Field("participants_total", N_("Participants"), "number"),
    Field("participants_women", N_("Women"), "number"),
    Field("summary", N_("Summary")),
]


def engagements_layer(window: DateWindow, urls: Urls, *, show: bool = False, limit: int = 5000) -> RemoteLayer:
    """Engagements held in the window."""
    return RemoteLayer(
        LayerSpec(
            key="engagements",
            name=N_("Engagements"),
            url=urls[LIST],
            limit=limit,
            params=window_params(window),
            colour=BY_KIND,
            popup=POPUP,
            title="kind",
            show=show,
        )
    )
