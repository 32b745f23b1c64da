"""Local peace agreements: the areas they cover, styled by status."""

from __future__ import annotations

import folium

from layers.remote import feature_group
from layers.spec import Categorical, DateWindow, Field, LayerSpec

API = "/api/v1/agreements"

BY_STATUS = Categorical(
    "status",
    {"in_force": "#1a9850", "violated": "#d73027", "lapsed": "#999999", "superseded": "#7b3294"},
)
POPUP = [
    Field("signed_on", "Signed", "date"),
    Field("status", "Status"),
    Field("parties", "Parties", "list"),
    Field("issues", "Issues", "list"),
    Field("facilitated_by", "Facilitated by"),
]


def agreements_layer(window: DateWindow, *, show: bool = True, api: str = API, limit: int = 2000) -> folium.FeatureGroup:
    """Every agreement in view, whatever its date: old ones may still be in force."""
    return feature_group(LayerSpec(
        key="agreements", name="Local agreements", url=api, limit=limit,
        kind="area", colour=BY_STATUS, popup=POPUP, title="name", show=show,
    ))
