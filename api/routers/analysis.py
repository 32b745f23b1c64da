"""/api/v1/analysis — engagement gaps and coverage gaps (DESIGN §5, §6).

Engagement gaps come from the in-process cache (:mod:`geo.analysis.cache`),
which reflects every committed write (it checks the change log per request);
the response says when and from how many rows."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from api.deps import SessionDep, Viewer
from api.resource_router import MAX_LIMIT, page_links, parse_bbox
from geo.analysis import GapParams
from geo.analysis import coverage
from geo.analysis.cache import cached_gaps
from geo.analysis.export import feature_collection, select_rows
from geo.analysis.metric import MAX_RADIUS_M
from geo.db import release

router = APIRouter(prefix="/api/v1/analysis", tags=["analysis"])

Radius = Annotated[float, Query(gt=0, le=MAX_RADIUS_M)]
Days = Annotated[int, Query(ge=1, le=3650)]


def gap_params(
    as_of: Annotated[
        date | None, Query(description="analysis day (UTC); nothing after it counts; default today")
    ] = None,
    patrol_radius_m: Annotated[
        float, Query(gt=0, le=MAX_RADIUS_M, description="default patrol coverage (a patrol's coverage_m overrides it)")
    ] = 5000.0,
    engagement_radius_m: Radius = 2000.0,
    qip_radius_m: Radius = 5000.0,
    incident_radius_m: Radius = 10_000.0,
    window_days: Days = 90,
    half_life_days: Annotated[float, Query(gt=0, le=3650)] = 30.0,
    include_region_precision: Annotated[bool, Query(description="count geo_precision 3 incidents in pressure")] = False,
    cap_days: Days = 180,
    min_days: Annotated[int, Query(ge=0, le=3650)] = 60,
) -> GapParams:
    return GapParams(**locals())


@router.get("/engagement-gaps", summary="Communities ranked by engagement gap (DESIGN §5.4)")
def engagement_gaps(
    request: Request,
    session: SessionDep,
    _: Viewer,
    params: Annotated[GapParams, Depends(gap_params)],
    bbox: Annotated[
        str | None, Query(description="minx,miny,maxx,maxy (EPSG:4326): rank only communities inside")
    ] = None,
    admin_area: Annotated[int | None, Query(ge=1, description="admin area id: rank only communities inside it")] = None,
    under_engaged_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict:
    result = cached_gaps(session, params, bbox=parse_bbox(bbox), admin_area=admin_area)
    rows = select_rows(result, under_engaged_only=under_engaged_only)
    page = rows.iloc[offset : offset + limit]
    body = feature_collection(result, page, len(rows))
    body["links"] = page_links(request, offset, limit, len(page), len(rows))
    return body


@router.get(
    "/coverage-gaps",
    summary="Area no recent patrol covered (DESIGN §5.5)",
    responses={200: {"content": {"application/geo+json": {}, "image/tiff": {}}}},
)
def coverage_gaps(
    session: SessionDep,
    _: Viewer,
    days: Annotated[int, Query(ge=1, le=3650, description="patrols that ended in the last N days count")] = 30,
    as_of: Annotated[date | None, Query(description="analysis day (UTC); default today")] = None,
    admin_area: Annotated[int | None, Query(ge=1, description="boundary: an admin area id")] = None,
    bbox: Annotated[str | None, Query(description="boundary: minx,miny,maxx,maxy (EPSG:4326)")] = None,
    patrol_radius_m: Annotated[
        float, Query(gt=0, le=MAX_RADIUS_M, description="coverage radius of patrols without coverage_m")
    ] = 5000.0,
    format: Annotated[
        Literal["geojson", "geotiff"], Query(description="polygons or a days-since-coverage raster")
    ] = "geojson",
    cell_size_m: Annotated[float, Query(ge=10, le=100_000, description="raster cell size (geotiff)")] = 1000.0,
):
    inp = coverage.load_coverage(
        session, days=days, as_of=as_of, bbox=parse_bbox(bbox), admin_area=admin_area, patrol_radius_m=patrol_radius_m
    )
    release(session)  # read, release, compute: the buffers and rasters need no connection
    if format == "geotiff":
        grid, transform = coverage.days_raster(inp, cell_size_m)
        tags = {
            "as_of": inp.as_of.isoformat(),
            "days": days,
            "cell_size_m": cell_size_m,
            "value": f"days since last patrol coverage; {days} = none in the window",
        }
        return Response(
            coverage.geotiff_bytes(grid, transform, tags),
            media_type="image/tiff",
            headers={"Content-Disposition": f'attachment; filename="coverage-gaps-{inp.as_of}.tif"'},
        )
    body = coverage.coverage_feature_collection(inp, coverage.uncovered(inp))
    return Response(json.dumps(body), media_type="application/geo+json")
