"""Incidents: clustered points sized and coloured by fatalities, and a heat
map weighted by fatalities."""

from __future__ import annotations

from geo.i18n import N_
from layers.remote import RemoteLayer
from layers.spec import DateWindow, Field, Graduated, LayerSpec, Radius, Urls, window_params

LIST = "incidents-list"
GRID = "map-incident-grid"  # counts per cell (geo.incident_grid), served by api.routers.pages
TILES = "incidents-tilejson"  # vector tiles of every incident (geo.serving.tiles), api.routers.tiles
ROUTES = (LIST, GRID, TILES)

BY_FATALITIES = Graduated(
    "fatalities",
    (
        (0, "#fdae61", N_("no deaths")),
        (4, "#f46d43", N_("1–4 deaths")),
        (24, "#d73027", N_("5–24 deaths")),
        (None, "#a50026", N_("25+ deaths")),
    ),
)
POPUP = [
    Field("occurred_on", N_("Date"), "date"),
    Field("event_type", N_("Event")),
    Field("sub_event_type", N_("Sub-event")),
    Field("actor1", N_("Actor 1")),
    Field("actor2", N_("Actor 2")),
    Field("fatalities", N_("Fatalities"), "number"),
    Field("civilian_targeting", N_("Civilians targeted")),
    Field("geo_precision", N_("Location precision"), "number"),
]


def incidents_layer(window: DateWindow, urls: Urls, *, show: bool = True, limit: int = 5000) -> RemoteLayer:
    """Incidents in the window, clustered; circle size and colour by fatalities.
    A view with more than ``limit`` of them draws every one from vector tiles."""
    return RemoteLayer(
        LayerSpec(
            key="incidents",
            name=N_("Incidents"),
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
            note=N_("at wide zoom every incident is drawn, unclustered"),
        )
    )


def incident_heat_layer(window: DateWindow, urls: Urls, *, show: bool = False, cells: int = 150) -> RemoteLayer:
    """Incident density weighted by 1 + fatalities, from the grid's counts of
    every incident in view (``cells`` across it)."""
    return RemoteLayer(
        LayerSpec(
            key="incident-heat",
            name=N_("Incident heat map"),
            url=urls[LIST],
            params={**window_params(window), "cells": cells},
            limit=10_000,
            grid_url=urls[GRID],
            colour=Graduated("fatalities", ((None, "#d73027", N_("density weighted by 1 + deaths")),)),
            radius=Radius("fatalities"),
            heat=True,
            popup=[],
            show=show,
        )
    )
