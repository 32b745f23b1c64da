"""Incidents: clustered points sized and coloured by fatalities, plus a
heat-map alternative weighted by fatalities."""

from __future__ import annotations

import folium

from layers.remote import feature_group
from layers.spec import DateWindow, Field, Graduated, LayerSpec, Radius

API = "/api/v1/incidents"
GRID = "/map/incident-grid"  # served by api.routers.pages from layers.aggregate

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


def _window_params(window: DateWindow) -> dict:
    return {"start": window.start.isoformat(), "end": window.end.isoformat()}


def incidents_layer(window: DateWindow, *, show: bool = True, api: str = API, grid: str | None = GRID,
                    limit: int = 5000) -> folium.FeatureGroup:
    """Incidents in the window, clustered; circle size and colour by fatalities.
    A view with more than ``limit`` of them shows ``grid`` counts per cell."""
    return feature_group(LayerSpec(
        key="incidents", name="Incidents", url=api, params=_window_params(window), limit=limit, grid_url=grid,
        colour=BY_FATALITIES, radius=Radius("fatalities", base=4, per=1.5, max=18), cluster=True,
        popup=POPUP, title="location_name", show=show,
        note="at wide zoom: circles count the incidents of a grid cell, coloured by its deadliest",
    ))


def incident_heat_layer(window: DateWindow, *, show: bool = False, api: str = API, grid: str | None = GRID,
                        cells: int = 150) -> folium.FeatureGroup:
    """Incident density weighted by 1 + fatalities, from ``grid`` counts of every
    incident in view (``cells`` across it); without ``grid``, from the points."""
    return feature_group(LayerSpec(
        key="incident-heat", name="Incident heat map", url=api, params={**_window_params(window), "cells": cells},
        limit=10_000, grid_url=grid,
        colour=Graduated("fatalities", ((None, "#d73027", "density weighted by 1 + deaths"),)),
        radius=Radius("fatalities"), heat=True, popup=[], show=show,
    ))
