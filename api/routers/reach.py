"""Reach (docs/reach.md). Travel time: ``GET /api/v1/analysis/travel-time`` (hours
from the nearest active mission site, or from one site, per community as
GeoJSON or as a GeoTIFF raster), and the map's coloured overlay
``GET /map/travel-time.png`` (its lon/lat bounds in ``X-Image-Bounds``);
the admin areas' reach figures ``GET /api/v1/analysis/areas``; QIP siting
``GET /api/v1/analysis/qip-suggestions``.
Surfaces come from the never-stale caches of :mod:`geo.reach.cache`."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated, Literal, TypeAlias, cast

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import Column

from api.deps import SessionDep, Viewer
from api.locale import Lang
from api.params import ID_LIMITS, BBox, PagingParam, bbox_query
from api.responses import BINARY, GEOJSON, GEOTIFF, PNG, responses
from geo.analysis.areas import admin_area_figures
from geo.analysis.load import site_origins
from geo.analysis.params import MAX_DAYS, Season, default, today
from geo.dates import SupportedDate
from geo.errors import InvalidInput
from geo.models import Qip
from geo.reach.grid import MAX_CELL_M, MIN_CELL_M
from geo.reach.load import travel_to_sites
from geo.reach.products import community_hours, hours_features, hours_geotiff, overlay_png
from geo.reach.qip_siting import MAX_HOURS, suggest
from geo.reach.speeds import Speeds, parse_speeds
from geo.reach.travel import TravelSurface
from geo.reasons import with_text
from geo.resources.schema import value_type
from geo.window import DateWindow

router = APIRouter(tags=["analysis"])
# The QIP form's sector and budget, typed from the model's own column rules (geo.columns).
if TYPE_CHECKING:
    QipSector: TypeAlias = str
else:
    QipSector, _ = value_type(Qip.__table__.c.sector)
_, BUDGET_LIMITS = value_type(cast(Column, Qip.__table__.c.budget_usd))
SeasonQuery = Annotated[Season, Query(description="dry or rainy speeds; auto: the season of as_of")]
AsOf = Annotated[
    SupportedDate | None, Query(description="which sites are active, and the season when auto; default today")
]
SiteQuery = Annotated[
    int | None,
    Query(
        ge=1,
        le=ID_LIMITS["le"],
        description="travel from this site only (any kind, active or not); default: all active",
    ),
]
CellQuery = Annotated[
    float | None,
    Query(ge=MIN_CELL_M, le=MAX_CELL_M, description="grid cell size in metres (default PEACEMAP_REACH_CELL_M)"),
]
RoadSpeed = Annotated[
    list[str] | None,
    Query(description="override a road class's dry-season speed on its best surface, CLASS=KMH (repeatable)"),
]
OffroadSpeed = Annotated[
    list[str] | None,
    Query(description="override walking speed for an IGBP land-cover class, CODE=KMH (repeatable)"),
]
HEADERS_BOUNDS = "X-Image-Bounds"
SITE_404 = "no mission site has this id"


def _surface(session, as_of, season, site, cell, road_speed, offroad_speed) -> TravelSurface:
    speeds = Speeds(
        road_kmh=parse_speeds(road_speed, "road_speed"),
        offroad_kmh=parse_speeds(offroad_speed, "offroad_speed", integer_keys=True),
    )
    day = as_of or today()
    surface = travel_to_sites(session, day, season, site_origins(session, day, site), cell_m=cell, speeds=speeds)
    if surface is None:
        raise InvalidInput("no community and no mission site on record: there is nowhere to measure", field="site")
    return surface


def _about(surface: TravelSurface, as_of: date) -> dict:
    return {
        "as_of": as_of.isoformat(),
        "season": surface.season,
        "sites": [int(s) for s in surface.site_ids],
        "cell_size_m": surface.grid.cell_size,
        "crs": surface.grid.crs.to_wkt(),
        "friction": surface.friction_source,
    }


@router.get(
    "/api/v1/analysis/travel-time",
    name="travel-time",
    summary="Hours from the nearest mission site, per community or as a raster",
    response_class=Response,
    response_description="communities (format=json, GeoJSON) or the hours raster (format=geotiff)",
    responses=responses(404, media={GEOJSON: {"schema": {}}, GEOTIFF: BINARY}, why={404: SITE_404}),
)
def travel_time(
    request: Request,
    session: SessionDep,
    _: Viewer,
    paging: PagingParam,
    as_of: AsOf = None,
    season: SeasonQuery = "auto",
    site: SiteQuery = None,
    format: Annotated[
        Literal["json", "geotiff"], Query(description="communities (GeoJSON) or the hours raster")
    ] = "json",
    cell_size_m: CellQuery = None,
    road_speed: RoadSpeed = None,
    offroad_speed: OffroadSpeed = None,
):
    day = as_of or today()
    surface = _surface(session, day, season, site, cell_size_m, road_speed, offroad_speed)
    about = _about(surface, day)
    if format == "geotiff":
        tags = {**about, "sites": ",".join(map(str, about["sites"])), "units": "hours", "nodata": "-1: no site reaches"}
        return Response(
            hours_geotiff(surface, tags),
            media_type=GEOTIFF,
            headers={"Content-Disposition": f'attachment; filename="travel-time-{day}-{surface.season}.tif"'},
        )
    rows = community_hours(session, surface)
    page = rows.iloc[paging.offset : paging.offset + paging.limit]
    features = hours_features(page)
    body = {
        "type": "FeatureCollection",
        "numberMatched": len(rows),
        "numberReturned": len(page),
        "features": features,
        "links": paging.links(request, len(page), len(rows)),
        **about,
        "computed_at": datetime.now(UTC).isoformat(),
    }
    return Response(json.dumps(body), media_type=GEOJSON)


@router.get(
    "/map/travel-time.png",
    name="map-travel-time",
    summary="The map's travel-time overlay (PNG in Web Mercator; lon/lat bounds in X-Image-Bounds)",
    response_class=Response,
    responses=responses(404, media={PNG: BINARY}, why={404: SITE_404}),
)
def travel_time_png(
    session: SessionDep, _: Viewer, as_of: AsOf = None, season: SeasonQuery = "auto", site: SiteQuery = None
):
    day = as_of or today()
    surface = _surface(session, day, season, site, None, None, None)
    png, (west, south, east, north) = overlay_png(surface)
    return Response(
        png,
        media_type=PNG,
        headers={
            HEADERS_BOUNDS: f"{west:.6f},{south:.6f},{east:.6f},{north:.6f}",
            "X-Season": surface.season,
            "Cache-Control": "no-cache",
        },
    )


@router.get(
    "/api/v1/analysis/areas",
    name="area-figures",
    summary="Admin areas with violence pressure, under-engaged communities and reach",
    description="Per admin area of one level: incidents and violence pressure in the days up to as_of, "
    "linked and under-engaged communities, people (population raster, else recorded), people within `hours` "
    "of an active mission site, and the share of the population whose community was engaged in the days "
    "(docs/reach.md#per-area).",
    response_class=Response,
    responses=responses(media={GEOJSON: {"schema": {}}}),
)
def area_figures(
    session: SessionDep,
    _: Viewer,
    bbox: Annotated[BBox | None, Depends(bbox_query("only areas intersecting minx,miny,maxx,maxy (EPSG:4326)"))],
    level: Annotated[int | None, Query(ge=0, le=5, description="admin level (default: the communities' level)")] = None,
    as_of: AsOf = None,
    days: Annotated[
        int, Query(ge=1, le=MAX_DAYS, description="the window: incidents and engagements of the days up to as_of")
    ] = default("window_days"),
    hours: Annotated[float, Query(gt=0, le=240, description="travel-time limit (hours)")] = 6.0,
    season: SeasonQuery = "auto",
):
    window = DateWindow.ending(as_of or today(), days)
    body = admin_area_figures(session, window, level=level, bbox=bbox, hours=hours, season=season)
    return Response(json.dumps(body), media_type=GEOJSON)


@router.get(
    "/api/v1/analysis/qip-suggestions",
    name="qip-suggestions",
    summary="Where a field office's next QIP would reach the most neglected people",
    description="Communities within max_hours of the office (a site, or lon/lat), with no active QIP within 5 km, "
    "ranked by engagement-gap score and violence pressure, no two within 5 km, each with plain reasons "
    "(docs/reach.md#qip-siting).",
    response_class=Response,
    responses=responses(404, media={GEOJSON: {"schema": {}}}, why={404: SITE_404}),
)
def qip_suggestions(
    session: SessionDep,
    _: Viewer,
    tr: Lang,
    site: Annotated[
        int | None, Query(ge=1, le=ID_LIMITS["le"], description="the office: a mission site's id (or give lon and lat)")
    ] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180, description="the office as a point: longitude")] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90, description="the office as a point: latitude")] = None,
    max_hours: Annotated[float, Query(gt=0, le=MAX_HOURS, description="the longest trip from the office")] = 4.0,
    n: Annotated[int, Query(ge=1, le=50, description="how many suggestions")] = 5,
    sector: Annotated[QipSector | None, Query(description="carried into each suggestion")] = None,
    budget_usd: Annotated[float | None, Query(description="carried into each suggestion", **BUDGET_LIMITS)] = None,
    as_of: AsOf = None,
    season: SeasonQuery = "auto",
):
    body = suggest(
        session,
        site_id=site,
        lon=lon,
        lat=lat,
        max_hours=max_hours,
        n=n,
        sector=sector,
        budget_usd=budget_usd,
        as_of=as_of or today(),
        season=season,
    )
    for feature in body["features"]:  # the reasons in the reader's language, beside their codes
        feature["properties"] = with_text(feature["properties"], tr)
    return Response(json.dumps(body), media_type=GEOJSON)
