"""OGC API – Features Part 1 (core, GeoJSON, OpenAPI 3) under ``/ogc``, so
QGIS, GDAL and other GIS desks read every resource and the engagement-gap
result without custom code. Same keys and roles as the JSON API; sensitive
fields only for editors and admins.

A bad query parameter answers 400, as the standard requires (not the JSON
API's 422), with a JSON body naming it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute

from api.deps import SessionDep, Viewer
from api.errors import error_body, validation_error_body
from api.params import (
    ID_LIMITS,
    BBox,
    Collection,
    CollectionParam,
    OgcDatetimeParam,
    OgcPagingParam,
    bbox_query,
    collection,
    collection_ids,
)
from api.responses import GEOJSON, JSON, GeoJSONResponse, responses
from geo import repository
from geo.errors import InvalidInput, NotFound
from geo.io.export_collections import Extent, resource_extent
from geo.io.export_gaps import get_gap, list_gaps
from geo.rasters.catalogue import list_rasters
from geo.resources import REGISTRY

OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
FORMATS = (None, "json", "geojson")

GAPS_TITLE = "Engagement gaps"
GAPS_DESCRIPTION = (
    "Communities ranked by engagement gap with their last engagement, violence pressure and "
    "remoteness (docs/analysis.md in the source), computed from the current data with the default parameters."
)


class _BadRequestRoute(APIRoute):
    """Invalid parameters are 400 in OGC API (not the JSON API's 422)."""

    validation_status = 400  # what api.responses documents for its parameters

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except InvalidInput as exc:
                return JSONResponse(error_body(exc.message, "bad_request", exc.field), status_code=400)
            except RequestValidationError as exc:
                return JSONResponse(validation_error_body(exc, "bad_request"), status_code=400)

        return route


router = APIRouter(prefix="/ogc", tags=["OGC API – Features"], route_class=_BadRequestRoute)

Format = Annotated[str | None, Query(description="json or geojson (the only encodings offered)")]
OgcBBox = Annotated[BBox | None, Depends(bbox_query("minx,miny,maxx,maxy in CRS84"))]


def _check_format(f: str | None) -> None:
    if f not in FORMATS:
        raise InvalidInput("f must be json or geojson", field="f")


def _base(request: Request) -> str:
    return str(request.url_for("ogc_landing")).rstrip("/")


def _link(href: str, rel: str, type_: str = JSON, title: str | None = None) -> dict:
    link = {"href": href, "rel": rel, "type": type_}
    if title:
        link["title"] = title
    return link


def _iso(v: date | datetime | None) -> str | None:
    if v is None:
        return None
    if not isinstance(v, datetime):
        v = datetime.combine(v, time.min, tzinfo=UTC)
    return v.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _collection(request: Request, session, coll: Collection) -> dict:
    cid, spec = coll.id, coll.spec
    if coll.derived is not None:
        title, description = coll.derived.title, coll.derived.description
        ext = resource_extent(session, REGISTRY[coll.derived.extent_of])
    elif spec is None:
        title, description = GAPS_TITLE, GAPS_DESCRIPTION
        ext = resource_extent(session, REGISTRY["communities"])  # one feature per community
    else:
        title, description, ext = spec.title, spec.description, resource_extent(session, spec)
    href = f"{_base(request)}/collections/{cid}"
    doc: dict[str, Any] = {
        "id": cid,
        "title": title,
        "description": description,
        "itemType": "feature",
        "crs": [CRS84],
        "links": [
            _link(href, "self", JSON, title),
            _link(f"{href}/items", "items", GEOJSON, f"{title} as GeoJSON"),
        ],
    }
    extent = _extent_doc(ext)
    if extent:
        doc["extent"] = extent
    return doc


def _extent_doc(ext: Extent) -> dict:
    doc = {}
    if ext.bbox is not None:
        doc["spatial"] = {"bbox": [list(ext.bbox)], "crs": CRS84}
    if ext.first is not None or ext.last is not None:
        doc["temporal"] = {"interval": [[_iso(ext.first), _iso(ext.last)]], "trs": GREGORIAN}
    return doc


def raster_links(request: Request, session) -> list[dict]:
    """One ``enclosure`` link per catalogue raster: its Cloud-Optimized GeoTIFF
    (OGC API – Features has no raster collections; GIS clients open the COG)."""
    cog = "image/tiff; application=geotiff; profile=cloud-optimized"
    return [
        _link(str(request.url_for("rasters-file", raster_id=r.id)), "enclosure", cog, f"{r.kind} raster: {r.name}")
        for r in list_rasters(session)
    ]


@router.get("", name="ogc_landing", summary="Landing page")
def landing(request: Request, session: SessionDep, principal: Viewer, f: Format = None):
    _check_format(f)
    base = _base(request)
    return JSONResponse(
        {
            "title": "peacemap — OGC API Features",
            "description": "Incidents, local peace agreements, patrols, engagements, QIPs, communities, mission sites, "
            "admin areas and engagement gaps for UN peace operations.",
            "links": [
                _link(base, "self", JSON, "this document"),
                _link(str(request.url_for("openapi")), "service-desc", OPENAPI, "the API definition"),
                _link(str(request.url_for("swagger_ui_html")), "service-doc", "text/html", "the API documentation"),
                _link(f"{base}/conformance", "conformance", JSON, "conformance classes"),
                _link(f"{base}/collections", "data", JSON, "collections"),
                _link(
                    str(request.url_for("rasters-list")),
                    "related",
                    JSON,
                    "raster layers: friction, population, land cover",
                ),
                *raster_links(request, session),
            ],
        }
    )


@router.get("/conformance", summary="Conformance classes")
def conformance(principal: Viewer, f: Format = None):
    _check_format(f)
    return JSONResponse({"conformsTo": CONFORMANCE})


@router.get("/collections", summary="Collections")
def collections(request: Request, session: SessionDep, principal: Viewer, f: Format = None):
    _check_format(f)
    base = _base(request)
    return JSONResponse(
        {
            "links": [_link(f"{base}/collections", "self", JSON)],
            "collections": [_collection(request, session, collection(cid)) for cid in collection_ids()],
        }
    )


@router.get("/collections/{collection_id}", name="ogc-collection", summary="One collection")
def one_collection(coll: CollectionParam, request: Request, session: SessionDep, principal: Viewer, f: Format = None):
    _check_format(f)
    return JSONResponse(_collection(request, session, coll))


@router.get(
    "/collections/{collection_id}/items",
    name="ogc-items",
    response_class=GeoJSONResponse,
    summary="Features of a collection",
)
def items(
    coll: CollectionParam,
    request: Request,
    session: SessionDep,
    principal: Viewer,
    bbox: OgcBBox,
    when: OgcDatetimeParam,
    paging: OgcPagingParam,
    f: Format = None,
):
    _check_format(f)
    n, skip = paging.limit, paging.offset
    if coll.derived is not None:
        page = coll.derived.page(session, bbox=bbox, limit=n, offset=skip)  # no temporal property
    elif coll.spec is None:
        page = list_gaps(session, bbox=bbox, limit=n, offset=skip)  # no temporal property: datetime is moot
    else:
        # Without a temporal property, datetime does not restrict the features; without a geometry, none meets a bbox.
        start, end = (when.start, when.end) if coll.spec.date_field else (None, None)
        page = repository.list_features(
            session,
            coll.spec,
            bbox=bbox,
            bbox_selects_none=True,
            start=start,
            end=end,
            limit=n,
            offset=skip,
            include_sensitive=principal.has("editor"),
            reader=principal.name,
            via=f"GET /ogc/collections/{coll.id}/items",
        )
    links = paging.links(request, len(page.features), page.matched)
    links.append(_link(f"{_base(request)}/collections/{coll.id}", "collection", JSON))
    return GeoJSONResponse(
        {
            "type": "FeatureCollection",
            "numberMatched": page.matched,
            "numberReturned": len(page.features),
            "timeStamp": _iso(datetime.now(UTC)),
            "links": links,
            "features": page.features,
        }
    )


@router.get(
    "/collections/{collection_id}/items/{feature_id}",
    name="ogc-item",
    response_class=GeoJSONResponse,
    responses=responses(404),
    summary="One feature",
)
def item(
    coll: CollectionParam, feature_id: str, request: Request, session: SessionDep, principal: Viewer, f: Format = None
):
    _check_format(f)
    try:
        fid = int(feature_id)
    except ValueError:
        fid = None
    if fid is None or not ID_LIMITS["ge"] <= fid <= ID_LIMITS["le"]:
        raise NotFound(f"no feature {feature_id!r} in {coll.id} (ids are whole numbers)", field="featureId")
    if coll.derived is not None:
        feature = coll.derived.get(session, fid)
    elif coll.spec is None:
        feature = get_gap(session, fid)
    else:
        feature = repository.get_feature(
            session,
            coll.spec,
            fid,
            include_sensitive=principal.has("editor"),
            reader=principal.name,
            via=f"GET /ogc/collections/{coll.id}/items/{{featureId}}",
        )
    feature["links"] = [
        _link(str(request.url.remove_query_params("f")), "self", GEOJSON),
        _link(f"{_base(request)}/collections/{coll.id}", "collection", JSON),
    ]
    return GeoJSONResponse(feature)
