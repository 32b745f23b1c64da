"""Admin areas: a choropleth of violence pressure in the window per area
(under-engaged counts in the popup), or plain outlines from the API."""

from __future__ import annotations

import folium

from layers.remote import feature_group
from layers.spec import DateWindow, Field, Fixed, Graduated, LayerSpec

API = "/api/v1/admin-areas"

BY_PRESSURE = Graduated(
    "pressure_share",
    (
        (0, "#f7f7f7", "no violence in the window"),
        (0.1, "#fdd0a2", "pressure < 10 % of the highest area"),
        (0.33, "#fd8d3c", "10–33 % of the highest"),
        (None, "#d94801", "33–100 % of the highest"),
    ),
)
POPUP = [
    Field("pcode", "P-code"),
    Field("level", "Level", "number"),
    Field("incidents", "Incidents in window", "number"),
    Field("pressure", "Violence pressure", "number"),
    Field("communities", "Communities", "number"),
    Field("under_engaged", "Under-engaged communities", "number"),
]


def admin_areas_layer(window: DateWindow, *, show: bool = True, api: str = API, choropleth_url: str | None = None,
                      data: dict | None = None, limit: int = 500) -> folium.FeatureGroup:
    """The choropleth comes from ``choropleth_url`` (or inline ``data``), both as
    made by ``layers.admin_stats.admin_choropleth``; without either, the areas
    are fetched from the API as plain outlines."""
    if data is not None or choropleth_url is not None:
        return feature_group(LayerSpec(
            key="admin-areas", name="Admin areas: violence pressure", data=data, url=choropleth_url,
            viewport=False, kind="area", colour=BY_PRESSURE, popup=POPUP, title="name", show=show,
        ))
    return feature_group(LayerSpec(
        key="admin-areas", name="Admin areas", url=api, limit=limit, viewport=False, kind="area",
        colour=Fixed("#f7f7f7", "admin area"), popup=POPUP[:2], title="name", show=show,
    ))
