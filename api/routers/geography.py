"""``/map/context``: the geography beneath the map's data for a view and a
zoom (:mod:`geo.basemap`), from files installed with peacemap and the
mission's own layers — the pages need no tile server and no internet."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import SessionDep, Viewer
from api.params import BBox, bbox_query
from api.responses import responses
from frontend import NATURAL_EARTH
from geo.basemap import MAX_ZOOM, context
from geo.errors import NotFound
from layers.geography import CONTEXT

router = APIRouter(tags=["pages"])


def natural_earth_file():
    """The installed Natural Earth file; a clear error when the assets were never installed."""
    if not NATURAL_EARTH.is_file():
        raise NotFound(f"no basemap data in {NATURAL_EARTH}: run `make assets`", field="path")
    return NATURAL_EARTH


@router.get(
    "/map/context",
    name=CONTEXT,
    responses=responses(404, why={404: "the basemap files were not installed (`make assets`)"}),
    summary="Borders, rivers, lakes, roads and place names of a view (GeoJSON, simplified for the zoom)",
)
def map_context(
    session: SessionDep,
    principal: Viewer,
    bbox: Annotated[BBox, Depends(bbox_query("minx,miny,maxx,maxy (EPSG:4326)", required=True))],
    zoom: Annotated[int, Query(ge=0, le=MAX_ZOOM, description="map zoom: simplification and which names show")] = 8,
):
    return context(session, natural_earth_file(), bbox, zoom)
