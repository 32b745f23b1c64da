"""Incidents: clustered points sized and coloured by fatalities, and a heat
map weighted by fatalities."""

from __future__ import annotations

from layers.remote import RemoteLayer
from layers.spec import DateWindow, Field, Graduated, LayerSpec, Radius, Urls, window_params

LIST = "incidents-list"
GRID = "map-incident-grid"  # counts per cell (geo.incident_grid), served by api.routers.pages
TILES = "incidents-tilejson"  # vector tiles of every incident (geo.serving.tiles), api.routers.tiles
ROUTES = (LIST, GRID, TILES)

BY_FATALITIES = Graduated(
    "fatalities",
    (
        (0, "#fdae61", "no deaths"),
        (4, "#f46d43", "1–4 deaths"),
        (24, "#d73027", "5–24 deaths"),
        (None, "#a50026", "25+ deaths"),
    ),
)
POPUP = [
    Field("occurred_on", "Date", "date"),
    Field("event_type", "Event"),
    Field("sub_event_type", "Sub-event"),
    Field("actor1", "Actor 1"),
    Field("actor2", "Actor 2"),
    Field("fatalities", "Fatalities", "number"),
    Field("civilian_targeting", "Civilians targeted"),
    Field("geo_precision", "Location precision", "number"),
]


def incidents_layer(window: DateWindow, urls: Urls, *, show: bool = True, limit: int = 5000) -> RemoteLayer:
    """Incidents in the window, clustered; circle size and colour by fatalities.
    A view with more than ``limit`` of them draws every one from vector tiles."""
    return RemoteLayer(
        LayerSpec(
            key="incidents",
            name="Incidents",
            url=urls[LIST],
            params=window_params(window),
            limit=limit,
            tilejson=urls[TILES],
            colour=BY_FATALITIES,
            radius=Radius("fatalities", base=4, per=1.5, max=18),
            cluster=True,
            popup=POPUP,
            title="location_name",
            show=show,
            note="at wide zoom every incident is drawn, unclustered",
        )
    )


def incident_heat_layer(window: DateWindow, urls: Urls, *, show: bool = False, cells: int = 150) -> RemoteLayer:
    """Incident density weighted by 1 + fatalities, from the grid's counts of
    every incident in view (``cells`` across it)."""
    return RemoteLayer(
        LayerSpec(
            key="incident-heat",
            name="Incident heat map",
            url=urls[LIST],
            params={**window_params(window), "cells": cells},
            limit=10_000,
            grid_url=urls[GRID],
            colour=Graduated("fatalities", ((None, "#d73027", "density weighted by 1 + deaths"),)),
            radius=Radius("fatalities"),
            heat=True,
            popup=[],
            show=show,
        )
    )
