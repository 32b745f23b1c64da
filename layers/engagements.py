"""Engagements with communities, coloured by kind."""

from __future__ import annotations

import folium

from geo import vocab
from layers.remote import feature_group
from layers.spec import Categorical, DateWindow, Field, LayerSpec

API = "/api/v1/engagements"

_PALETTE = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#1f78b4", "#666666")
BY_KIND = Categorical("kind", dict(zip(vocab.ENGAGEMENT_KINDS, _PALETTE, strict=True)))
POPUP = [
    Field("occurred_at", "Date", "date"),
    Field("kind", "Kind"),
    Field("constituencies", "Constituencies", "list"),
    Field("participants_total", "Participants", "number"),
    Field("participants_women", "Women", "number"),
    Field("summary", "Summary"),
]


def engagements_layer(window: DateWindow, *, show: bool = False, api: str = API,
                      limit: int = 5000) -> folium.FeatureGroup:
    """Engagements held in the window."""
    return feature_group(LayerSpec(
        key="engagements", name="Engagements", url=api, limit=limit,
        params={"start": window.start.isoformat(), "end": window.end.isoformat()},
        colour=BY_KIND, popup=POPUP, title="kind", show=show,
    ))
