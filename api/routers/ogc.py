"""OGC API – Features Part 1 (core, GeoJSON, OpenAPI 3) under ``/ogc``, so
QGIS, GDAL and other GIS desks read every resource and the engagement-gap
result without custom code. Same keys and roles as the JSON API; sensitive
fields only for editors and admins.

A bad query parameter answers 400, as the standard requires (not the JSON
API's 422), with a JSON body naming it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timezone
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute

from api.deps import SessionDep, Viewer
from api.errors import error_body
from api.resource_router import GEOJSON, page_links, parse_bbox, parse_when
from geo import repository
from geo.errors import InvalidInput, NotFound
from geo.io.export_collections import Extent, resource_extent
from geo.io.export_gaps import get_gap, list_gaps
from geo.resources import SPECS

JSON = "application/json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
DEFAULT_LIMIT, MAX_LIMIT = 10, 10_000
FORMATS = (None, "json", "geojson")

GAPS_COLLECTION = "engagement-gaps"
GAPS_TITLE = "Engagement gaps"
GAPS_DESCRIPTION = ("Communities ranked by engagement gap with their last engagement, violence pressure and "
                    "remoteness (DESIGN §5), computed from the current data with the default parameters.")


class _BadRequestRoute(APIRoute):
    """Invalid parameters are 400 in OGC API (not the JSON API's 422)."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except InvalidInput as exc:
                return JSONResponse(error_body(exc.message, "bad_request", exc.field), status_code=400)
            except RequestValidationError as exc:
                first = exc.errors()[0]
                name = str(first["loc"][-1])
                return JSONResponse(error_body(f"{name}: {first['msg']}", "bad_request", name), status_code=400)

        return route


router = APIRouter(prefix="/ogc", tags=["OGC API – Features"], route_class=_BadRequestRoute)

Format = Annotated[str | None, Query(description="json or geojson (the only encodings offered)")]


def _check_format(f: str | None) -> None:
    if f not in FORMATS:
        raise InvalidInput("f must be json or geojson", field="f")


def _json(body: dict, media_type: str = JSON) -> JSONResponse:
    return JSONResponse(body, media_type=media_type)


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
        v = datetime.combine(v, time.min, tzinfo=timezone.utc)
    return v.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _collection_ids() -> list[str]:
    return [*SPECS, GAPS_COLLECTION]


def _unknown(cid: str) -> NotFound:
    return NotFound(f"unknown collection {cid!r}; one of {', '.join(_collection_ids())}", field="collectionId")


def _collection(request: Request, session, cid: str) -> dict:
    if cid == GAPS_COLLECTION:
        title, description = GAPS_TITLE, GAPS_DESCRIPTION
        ext = resource_extent(session, SPECS["communities"])  # one feature per community
    elif cid in SPECS:
        spec = SPECS[cid]
        title, description, ext = spec.title, spec.description, resource_extent(session, spec)
    else:
        raise _unknown(cid)
    href = f"{_base(request)}/collections/{cid}"
    doc = {
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


def parse_datetime(value: str | None) -> tuple[date | datetime | None, date | datetime | None]:
    """An instant (``2024-03-01`` or ``2024-03-01T06:00:00Z``) or an interval
    ``start/end`` where either end may be ``..`` or empty (open)."""
    if value is None or value == "":
        return None, None
    if "/" not in value:
        instant = parse_when(value, "datetime")
        return instant, instant
    parts = value.split("/")
    if len(parts) != 2 or all(p in ("", "..") for p in parts):
        raise InvalidInput("datetime must be an instant or an interval start/end ('..' for an open end)",
                           field="datetime")
    start, end = (None if p in ("", "..") else parse_when(p, "datetime") for p in parts)
    return start, end


@router.get("", name="ogc_landing", summary="Landing page")
def landing(request: Request, principal: Viewer, f: Format = None):
    _check_format(f)
    base = _base(request)
    return _json({
        "title": "peacemap — OGC API Features",
        "description": "Incidents, local peace agreements, patrols, engagements, QIPs, communities, mission sites, "
                       "admin areas and engagement gaps for UN peace operations.",
        "links": [
            _link(base, "self", JSON, "this document"),
            _link(str(request.url_for("openapi")), "service-desc", OPENAPI, "the API definition"),
            _link(str(request.url_for("swagger_ui_html")), "service-doc", "text/html", "the API documentation"),
            _link(f"{base}/conformance", "conformance", JSON, "conformance classes"),
            _link(f"{base}/collections", "data", JSON, "collections"),
        ],
    })


@router.get("/conformance", summary="Conformance classes")
def conformance(principal: Viewer, f: Format = None):
    _check_format(f)
    return _json({"conformsTo": CONFORMANCE})


@router.get("/collections", summary="Collections")
def collections(request: Request, session: SessionDep, principal: Viewer, f: Format = None):
    _check_format(f)
    base = _base(request)
    return _json({
        "links": [_link(f"{base}/collections", "self", JSON)],
        "collections": [_collection(request, session, cid) for cid in _collection_ids()],
    })


@router.get("/collections/{collection_id}", summary="One collection")
def collection(collection_id: str, request: Request, session: SessionDep, principal: Viewer, f: Format = None):
    _check_format(f)
    return _json(_collection(request, session, collection_id))


@router.get("/collections/{collection_id}/items", summary="Features of a collection")
def items(
    collection_id: str,
    request: Request,
    session: SessionDep,
    principal: Viewer,
    bbox: Annotated[str | None, Query(description="minx,miny,maxx,maxy in CRS84")] = None,
    datetime_: Annotated[str | None, Query(alias="datetime", description="instant or interval a/b, '..' open")] = None,
    limit: Annotated[int, Query(ge=1, description=f"features per page; above {MAX_LIMIT} counts as {MAX_LIMIT}",
                                json_schema_extra={"maximum": MAX_LIMIT})] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, description="features to skip")] = 0,
    f: Format = None,
):
    _check_format(f)
    box = parse_bbox(bbox)
    start, end = parse_datetime(datetime_)
    n, skip = min(limit, MAX_LIMIT), offset  # the standard: a larger limit is not an error
    if collection_id == GAPS_COLLECTION:
        page = list_gaps(session, bbox=box, limit=n, offset=skip)  # no temporal property: datetime is moot
    elif collection_id in SPECS:
        spec = SPECS[collection_id]
        if spec.date_field is None:
            start = end = None  # no temporal property: datetime does not restrict these features
        page = repository.list_features(session, spec, bbox=box, start=start, end=end, limit=n, offset=skip,
                                        include_sensitive=principal.has("editor"))
    else:
        raise _unknown(collection_id)
    links = page_links(request, skip, n, len(page.features), page.matched)
    links.append(_link(f"{_base(request)}/collections/{collection_id}", "collection", JSON))
    return _json({
        "type": "FeatureCollection",
        "numberMatched": page.matched,
        "numberReturned": len(page.features),
        "timeStamp": _iso(datetime.now(timezone.utc)),
        "links": links,
        "features": page.features,
    }, GEOJSON)


@router.get("/collections/{collection_id}/items/{feature_id}", summary="One feature")
def item(collection_id: str, feature_id: str, request: Request, session: SessionDep, principal: Viewer,
         f: Format = None):
    _check_format(f)
    if collection_id not in _collection_ids():
        raise _unknown(collection_id)
    try:
        fid = int(feature_id)
    except ValueError:
        raise NotFound(f"no feature {feature_id!r} in {collection_id} (ids are whole numbers)",
                       field="featureId") from None
    if collection_id == GAPS_COLLECTION:
        feature = get_gap(session, fid)
    else:
        feature = repository.get_feature(session, SPECS[collection_id], fid, include_sensitive=principal.has("editor"))
    coll = f"{_base(request)}/collections/{collection_id}"
    feature["links"] = [
        _link(str(request.url.remove_query_params("f")), "self", GEOJSON),
        _link(coll, "collection", JSON),
    ]
    return _json(feature, GEOJSON)
