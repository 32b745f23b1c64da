"""Admin areas: a choropleth of violence pressure in the window per area
(under-engaged counts in the popup), or plain outlines from the API."""

from __future__ import annotations

from typing import Any

from geo.i18n import N_
from layers.remote import RemoteLayer
from layers.spec import DateWindow, Field, Fixed, Graduated, LayerSpec, Urls, window_params

LIST = "admin-areas-list"
CHOROPLETH = "map-admin-areas"  # figures per area (geo.analysis.areas), served by api.routers.pages
ROUTES = (LIST, CHOROPLETH)

BY_PRESSURE = Graduated(
    "pressure_share",
    (
        (0, "#f7f7f7", N_("no violence in the window")),
        (0.1, "#fdd0a2", N_("pressure under a tenth of the highest area")),
        (0.33, "#fd8d3c", N_("a tenth to a third of the highest")),
        (None, "#d94801", N_("a third of the highest or more")),
    ),
)
POPUP = [
    Field("pcode", N_("P-code")),
    Field("level", N_("Level"), "number"),
    Field("incidents", N_("Incidents in window"), "number"),
    Field("pressure", N_("Violence pressure"), "number"),
    Field("communities", N_("Communities"), "number"),
    Field("under_engaged", N_("Under-engaged communities"), "number"),
    Field("people", N_("People"), "number"),
    Field("share_within_hours", N_("Share within 6 h of a mission site"), "number"),
    Field("engaged_share", N_("Share of people engaged in the window"), "number"),
]


def admin_areas_layer(
    window: DateWindow,
    urls: Urls,
    *,
    choropleth: bool = False,
    level: int | None = None,
    data: dict | None = None,
    show: bool = True,
    limit: int = 500,
    brief_url: str | None = None,
) -> RemoteLayer:
    """With ``choropleth`` (or inline ``data`` shaped like it), the areas of
    ``level`` coloured by violence pressure in the window; otherwise the areas
    as plain outlines. ``brief_url`` (``…/areas/{id}``) links each area's
    popup to its brief for the same window."""
    links = (
        [(N_("Area brief"), f"{brief_url}?as_of={window.end.isoformat()}&window_days={window.days}", "id")]
        if brief_url
        else []
    )
    if data is not None or choropleth:
        params: dict[str, Any] = (
            {} if data is not None else {**window_params(window), **({"level": level} if level is not None else {})}
        )
        return RemoteLayer(
            LayerSpec(
                key="admin-areas",
                name=N_("Admin areas: violence pressure"),
                data=data,
                url=None if data is not None else urls[CHOROPLETH],
                params=params,
                viewport=False,
                kind="area",
                colour=BY_PRESSURE,
                popup=POPUP,
                title="name",
                show=show,
                links=links,
            )
        )
    return RemoteLayer(
        LayerSpec(
            key="admin-areas",
            name=N_("Admin areas"),
            url=urls[LIST],
            limit=limit,
            viewport=False,
            kind="area",
            colour=Fixed("#f7f7f7", N_("admin area")),
            popup=POPUP[:2],
            title="name",
            show=show,
            links=links,
        )
    )
