"""/api/v1/analysis — engagement gaps and coverage gaps (docs/analysis.md).

Engagement gaps come from the in-process cache (:mod:`geo.analysis.cache`),
which reflects every committed write (it checks the change log per request);
the response says when and from how many rows. The analysis parameters are
not declared here: :func:`gap_params` is generated from the fields of
:class:`~geo.analysis.params.GapParams` (default, bounds, description)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from api.deps import SessionDep, Viewer
from api.locale import Lang
from api.params import BBox, PagingParam, admin_area_query, bbox_query, declared_dependency, declared_query
from api.responses import BINARY, CSV, GEOJSON, GEOTIFF, TEXT, responses
from geo import vocab
from geo.analysis import GapParams, coverage
from geo.analysis.cache import cached_gaps
from geo.analysis.export import feature_collection, metadata, select_rows
from geo.analysis.params import MAX_DAYS, today
from geo.analysis.worklist import WorklistFilter, as_csv, as_records, columns, worklist
from geo.dates import SupportedDate
from geo.db import release
from geo.errors import InvalidInput
from geo.politics.constituencies import with_not_heard

router = APIRouter(prefix="/api/v1/analysis", tags=["analysis"])


RankedBBox = Annotated[
    BBox | None,
    Depends(
        bbox_query("minx,miny,maxx,maxy (EPSG:4326): only communities inside, with their mission-wide scores and ranks")
    ),
]
BoundaryBBox = Annotated[BBox | None, Depends(bbox_query("boundary: minx,miny,maxx,maxy (EPSG:4326)"))]


gap_params = declared_dependency(GapParams)
"""Dependency: the analysis parameters of a request, one query parameter per
GapParams field (default, bounds and description from its declaration)."""
PatrolRadius = Annotated[float, declared_query(GapParams, "patrol_radius_m")]


@router.get(
    "/engagement-gaps",
    name="engagement-gaps",
    responses=responses(404, why={404: "the admin area does not exist"}),
    summary="Communities ranked by engagement gap",
)
def engagement_gaps(
    request: Request,
    session: SessionDep,
    _: Viewer,
    tr: Lang,
    params: Annotated[GapParams, Depends(gap_params)],
    bbox: RankedBBox,
    paging: PagingParam,
    admin_area: Annotated[
        int | None,
        admin_area_query("admin area id: only communities inside it, with their mission-wide scores and ranks"),
    ] = None,
    under_engaged_only: bool = False,
) -> dict:
    result = cached_gaps(session, params, bbox=bbox, admin_area=admin_area)
    rows = select_rows(result, under_engaged_only=under_engaged_only)
    page = rows.iloc[paging.offset : paging.offset + paging.limit]
    body = feature_collection(result, page, len(rows), tr)
    body["links"] = paging.links(request, len(page), len(rows))
    return body


def worklist_filter(
    min_pressure_norm: Annotated[
        float,
        Query(ge=0, le=1, description="only communities whose pressure_norm (share of the highest) is at least this"),
    ] = 0.0,
    never_engaged: Annotated[bool, Query(description="only communities never engaged")] = False,
    constituency: Annotated[
        str | None,
        Query(
            max_length=40,
            description="only communities where this constituency was not heard in the constituency analysis' "
            "window (docs/analysis.md#worklist): " + ", ".join(vocab.CONSTITUENCIES),
        ),
    ] = None,
    sort: Annotated[
        str, Query(max_length=40, description="a column of the worklist, - first for descending (default rank)")
    ] = "rank",
) -> WorklistFilter:
    if constituency is not None and constituency not in vocab.CONSTITUENCIES:
        raise InvalidInput(f"constituency must be one of {', '.join(vocab.CONSTITUENCIES)}", field="constituency")
    return WorklistFilter(min_pressure_norm, never_engaged, constituency, sort)


@router.get(
    "/worklist",
    name="worklist",
    summary="Under-engaged communities of a view, filtered and sorted (the map's worklist; CSV download)",
    responses=responses(
        404,
        media={CSV: TEXT},
        why={404: "the admin area does not exist"},
    ),
)
def worklist_rows(
    request: Request,
    session: SessionDep,
    _: Viewer,
    tr: Lang,
    params: Annotated[GapParams, Depends(gap_params)],
    bbox: RankedBBox,
    paging: PagingParam,
    filters: Annotated[WorklistFilter, Depends(worklist_filter)],
    admin_area: Annotated[
        int | None, admin_area_query("admin area id: only communities inside it (with bbox: inside both)")
    ] = None,
    f: Annotated[Literal["json", "csv"], Query(description="json (default) or csv (a download of every row)")] = "json",
):
    result = cached_gaps(session, params, admin_area=admin_area, bbox=None if admin_area is not None else bbox)
    result = with_not_heard(session, result)
    rows = worklist(result, filters, bbox=bbox if admin_area is not None else None)
    if f == "csv":
        return Response(
            as_csv(result, rows, tr),
            media_type=f"{CSV}; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="worklist-{params.as_of}.csv"'},
        )
    page = rows.iloc[paging.offset : paging.offset + paging.limit]
    return {
        "columns": list(columns(result.table)),
        "numberMatched": len(rows),
        "numberReturned": len(page),
        "rows": as_records(result, page, tr),
        "links": paging.links(request, len(page), len(rows)),
        **metadata(result),
    }


@router.get(
    "/coverage-gaps",
    name="coverage-gaps",
    summary="Area no recent patrol covered",
    response_class=Response,
    response_description="polygons (format=geojson) or a days-since-coverage raster (format=geotiff)",
    responses=responses(
        404, media={GEOJSON: {"schema": {}}, GEOTIFF: BINARY}, why={404: "the admin area does not exist"}
    ),
)
def coverage_gaps(
    session: SessionDep,
    _: Viewer,
    bbox: BoundaryBBox,
    days: Annotated[int, Query(ge=1, le=MAX_DAYS, description="patrols that ended in the last N days count")] = 30,
    as_of: Annotated[SupportedDate | None, Query(description="analysis day (UTC); default today")] = None,
    admin_area: Annotated[int | None, admin_area_query("boundary: an admin area id")] = None,
    patrol_radius_m: PatrolRadius = GapParams.patrol_radius_m,
    format: Annotated[
        Literal["geojson", "geotiff"], Query(description="polygons or a days-since-coverage raster")
    ] = "geojson",
    cell_size_m: Annotated[float, Query(ge=10, le=100_000, description="raster cell size (geotiff)")] = 1000.0,
):
    inp = coverage.load_coverage(
        session, days=days, as_of=as_of or today(), bbox=bbox, admin_area=admin_area, patrol_radius_m=patrol_radius_m
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
            media_type=GEOTIFF,
            headers={"Content-Disposition": f'attachment; filename="coverage-gaps-{inp.as_of}.tif"'},
        )
    body = coverage.coverage_feature_collection(inp, coverage.uncovered(inp), computed_at=datetime.now(UTC))
    return Response(json.dumps(body), media_type=GEOJSON)
