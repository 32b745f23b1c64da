"""``GET /api/v1/export.gpkg``: one GeoPackage with every resource as a layer
plus the engagement-gap result, for field offices that work offline. The
same bbox/start/end filters as the list endpoints; sensitive fields only
for editors and admins."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from api.deps import SessionDep, Viewer
from api.params import BBox, Interval, bbox_query, interval_query
from api.responses import BINARY, GPKG, responses
from geo.io.export import export_layers, write_geopackage
from geo.rasters.export import write_raster_tables
from geo.resources import REGISTRY

router = APIRouter(prefix="/api/v1", tags=["export"])
ExportBBox = Annotated[BBox | None, Depends(bbox_query("minx,miny,maxx,maxy in EPSG:4326 (every layer)"))]
ExportInterval = Annotated[
    Interval,
    Depends(
        interval_query(
            "earliest date, ISO 8601 (layers that have a date)", "latest date, inclusive (layers that have a date)"
        )
    ),
]


@router.get(
    "/export.gpkg",
    summary="Everything as one GeoPackage (offline use, QGIS)",
    response_class=FileResponse,
    response_description="a GeoPackage, one layer per resource",
    responses=responses(media={GPKG: BINARY}),
)
def export_gpkg(
    session: SessionDep,
    principal: Viewer,
    bbox: ExportBBox,
    when: ExportInterval,
    resources: Annotated[list[str] | None, Query(description=f"only these layers: {', '.join(REGISTRY)}")] = None,
    gaps: Annotated[
        bool,
        Query(
            description="add the analysis results as layers: engagement gaps, admin area figures, who was heard by "
            "area and community"
        ),
    ] = True,
    rasters: Annotated[
        bool, Query(description="add the catalogue's rasters as gridded-coverage tables (cut to bbox)")
    ] = True,
):
    names = [n.strip() for item in resources or [] for n in item.split(",") if n.strip()] or None
    layers = export_layers(
        include_sensitive=principal.has("editor"),
        resources=names,
        include_gaps=gaps,
        bbox=bbox,
        start=when.start,
        end=when.end,
        reader=principal.name,
    )
    fd, path = tempfile.mkstemp(prefix="peacemap-", suffix=".gpkg")
    os.close(fd)
    try:
        write_geopackage(session, path, layers)
        if rasters:
            write_raster_tables(session, path, bbox=bbox)
    except BaseException:
        os.unlink(path)
        raise
    return FileResponse(
        path,
        media_type=GPKG,
        filename=f"peacemap-{date.today().isoformat()}.gpkg",
        background=BackgroundTask(os.unlink, path),
    )
