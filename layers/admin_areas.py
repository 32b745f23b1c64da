"""Admin areas: a choropleth of under-engaged communities per area, or plain
outlines (from the API) when no figures are given."""

from __future__ import annotations

import folium

from layers.remote import feature_group
from layers.spec import DateWindow, Field, Fixed, Graduated, LayerSpec

API = "/api/v1/admin-areas"

BY_UNDER_ENGAGED = Graduated(
    "under_engaged",
    (
        (0, "#f7f7f7", "no under-engaged community"),
        (2, "#fdd0a2", "1–2 under-engaged"),
        (5, "#fd8d3c", "3–5 under-engaged"),
        (None, "#d94801", "6+ under-engaged"),
    ),
)
POPUP = [
    Field("pcode", "P-code"),
    Field("level", "Level", "number"),
    Field("communities", "Communities", "number"),
    Field("under_engaged", "Under-engaged communities", "number"),
    Field("pressure", "Violence pressure (sum)", "number"),
]


def admin_areas_layer(window: DateWindow, *, show: bool = True, api: str = API, choropleth_url: str | None = None,
                      data: dict | None = None, limit: int = 500) -> folium.FeatureGroup:
    """The choropleth comes from ``choropleth_url`` (or inline ``data``), both as
    made by ``layers.admin_stats.admin_choropleth``; without either, the areas
    are fetched from the API as plain outlines."""
    if data is not None or choropleth_url is not None:
        return feature_group(LayerSpec(
            key="admin-areas", name="Admin areas: under-engaged communities", data=data, url=choropleth_url,
            viewport=False, kind="area", colour=BY_UNDER_ENGAGED, popup=POPUP, title="name", show=show,
        ))
    return feature_group(LayerSpec(
        key="admin-areas", name="Admin areas", url=api, limit=limit, viewport=False, kind="area",
        colour=Fixed("#f7f7f7", "admin area"), popup=POPUP[:2], title="name", show=show,
    ))
