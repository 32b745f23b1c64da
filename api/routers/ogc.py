"""OGC API – Features Part 1 (core, GeoJSON, OpenAPI 3) under ``/ogc``, so
QGIS, GDAL and other GIS desks read every resource and the engagement-gap
result without custom code. Same keys and roles as the JSON API; sensitive
fields only for editors and admins.

A bad query parameter answers 400, as the standard requires (not the JSON
API's 422), with a JSON body naming it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from sqlalchemy import false
from starlette.datastructures import URLPath

from api.deps import ReadSessionDep, SessionDep, Viewer, run_unit_of_work
from api.errors import error_body, validation_error_body
from api.list_formats import feature_collection
from api.ogc_params import OFFERED_CRS, CrsParam, OgcBBoxParam, OgcBox, Selection, SelectionParam
from api.params import (
    ID_LIMITS,
    Collection,
    CollectionParam,
    Interval,
    OgcDatetimeParam,
    OgcFeaturePagingParam,
    collection,
    collection_ids,
)
from api.responses import GEOJSON, JSON, OBJECT, GeoJSONResponse, responses
from geo import repository
from geo.errors import InvalidInput, NotFound
from geo.io.export_collections import Extent, resource_extent
from geo.io.export_gaps import get_gap, list_gaps
from geo.rasters.catalogue import list_rasters
from geo.resources import REGISTRY, ResourceSpec
from geo.serving.cql import filter_clause, parse_filter
from geo.serving.crs import Crs
from geo.serving.pages import PageRequest, PageText, page_text
from geo.serving.queryables import GEOMETRY, queryables, queryables_schema

SCHEMA = "application/schema+json"
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    # Part 2: crs, bbox-crs, Content-Crs; the offered list in each collection.
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    # Part 3: /queryables and filter (CQL2 text and JSON); not the
    # queryables-as-query-parameters class (property=value is refused).
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    # CQL2 classes whose every operator geo.serving.cql implements (not
    # temporal-functions: 5 of its 14 operators are; not accent-insensitive).
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/array-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/property-property",
    # sortby (the class OGC API Records defines and Features adopts).
    "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/sorting",
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


def _check_format(f: str | None) -> None:
    if f not in FORMATS:
        raise InvalidInput("f must be json or geojson", field="f")


def _base(request: Request) -> str:
    """``request.url_for("ogc_landing")`` without the slash, with the path
    looked up once per app (kept on ``app.state``): Starlette's lookup tries
    every route in turn and raises an exception for each miss, ≈ 9 % of a
    100-feature page's CPU (bench/README.md, "Feature serving")."""
    state = request.app.state
    path: URLPath | None = getattr(state, "ogc_landing_path", None)
    if path is None:
        path = state.ogc_landing_path = request.app.url_path_for("ogc_landing")
    return str(path.make_absolute_url(request.base_url)).rstrip("/")


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
        "crs": OFFERED_CRS if spec is not None else [CRS84],
        "storageCrs": CRS84,
        "links": [
            _link(href, "self", JSON, title),
            _link(f"{href}/items", "items", GEOJSON, f"{title} as GeoJSON"),
            _link(f"{href}/queryables", QUERYABLES_REL, SCHEMA, f"what {title.lower()} can be filtered on"),
            # The draft's relation, by which GDAL's OAPIF driver finds what it may filter on the server.
            _link(f"{href}/queryables", "queryables", JSON, "queryables (for GDAL)"),
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
    "/collections/{collection_id}/queryables",
    name="ogc-queryables",
    responses=responses(media={SCHEMA: OBJECT, JSON: OBJECT}),
    summary="What a filter may name (JSON Schema)",
)
def collection_queryables(coll: CollectionParam, request: Request, principal: Viewer, f: Format = None):
    _check_format(f)
    href = f"{_base(request)}/collections/{coll.id}/queryables"
    doc: dict[str, Any]
    if coll.spec is None:  # a computed result: nothing to filter on
        title = coll.derived.title if coll.derived is not None else GAPS_TITLE
        doc = {"$schema": SCHEMA_DIALECT, "$id": href, "type": "object", "title": title, "properties": {}}
    else:
        doc = queryables_schema(queryables(coll.spec, principal.has("editor")), href)
    # The draft's list, which GDAL's OAPIF driver reads to send filters to the server.
    doc["queryables"] = [{"id": name} for name in doc["properties"]]
    accept = request.headers.get("accept", "")
    # A client that asks for plain JSON only (GDAL does) gets the same document typed so.
    plain = JSON in accept and SCHEMA not in accept and "*/*" not in accept
    return JSONResponse(doc, media_type=JSON if plain else SCHEMA)


def _resource_clauses(
    spec: ResourceSpec, bbox: OgcBox | None, when: Interval, selection: Selection, include_sensitive: bool
) -> list:
    """The clauses of an items request but the bbox, which ``page_text``
    applies (a resource without geometry: none of its features meets a bbox)."""
    q = queryables(spec, include_sensitive)
    clauses: list = []
    if bbox is not None and not q.has_geometry:
        clauses.append(false())
    if spec.date_field:  # without a temporal property, datetime does not restrict the features
        clauses += repository.where_clauses(spec, start=when.start, end=when.end)
    if selection.filter is not None:
        expr = parse_filter(selection.filter, selection.filter_lang)
        clauses.append(filter_clause(expr, q, selection.filter_crs))
    elif selection.filter_lang is not None:
        raise InvalidInput("filter-lang without a filter", field="filter-lang")
    for key in selection.sortby:
        if key.column == GEOMETRY or key.column not in q.columns:
            q.column(key.column, field="sortby")
            raise InvalidInput(f"cannot sort by {key.column}", field="sortby")
    return clauses


@router.get(
    "/collections/{collection_id}/items",
    name="ogc-items",
    response_class=GeoJSONResponse,
    summary="Features of a collection",
)
async def items(
    coll: CollectionParam,
    request: Request,
    session: ReadSessionDep,
    principal: Viewer,
    bbox: OgcBBoxParam,
    when: OgcDatetimeParam,
    paging: OgcFeaturePagingParam,
    selection: SelectionParam,
    crs: CrsParam,
    f: Format = None,
):
    """Async, with the database part in one thread hop (``run_unit_of_work``):
    the most requested route of a GIS client (bench/README.md, "Feature serving")."""
    _check_format(f)
    collection_link = _link(f"{_base(request)}/collections/{coll.id}", "collection", JSON)
    if coll.spec is None:
        return await run_unit_of_work(
            session, lambda: _computed_items(request, session, coll, bbox, paging, selection, crs, collection_link)
        )
    spec = coll.spec
    editor = principal.has("editor")
    clauses = _resource_clauses(spec, bbox, when, selection, editor)
    asked = PageRequest(paging.limit, paging.offset, paging.cursor, selection.sortby, selection.properties, crs)
    via = f"GET /ogc/collections/{coll.id}/items"
    box = (bbox.values, bbox.crs) if bbox is not None and spec.has_geometry else None
    page = await run_unit_of_work(
        session,
        lambda: page_text(
            session, spec, clauses, asked, include_sensitive=editor, reader=principal.name, via=via, bbox=box
        ),
    )
    head = {
        "type": "FeatureCollection",
        "numberMatched": page.matched,
        "numberReturned": page.returned,
        "timeStamp": _iso(datetime.now(UTC)),
        "links": [*paging.links(request, page, asked), collection_link],
    }
    return feature_collection(head, page.features, GEOJSON, {"Content-Crs": f"<{crs.uri}>"})


def _computed_items(request, session, coll, bbox, paging, selection, crs, collection_link) -> Response:
    """An analysis result — the engagement gaps (``geo.io.export_gaps``) or a
    derived collection (``geo.io.derived``): computed and ranked in Python,
    lon/lat only, no filters, no temporal property (datetime is moot)."""
    for name in selection.used:
        raise InvalidInput(f"{name} is not available on {coll.id} (a computed result)", field=name)
    if crs.uri != CRS84:
        raise InvalidInput(f"{coll.id} is served in CRS84 only", field="crs")
    if bbox is not None and bbox.crs.uri != CRS84:
        raise InvalidInput(f"{coll.id} takes a CRS84 bbox only", field="bbox-crs")
    asked = PageRequest(paging.limit, paging.offset, paging.cursor, keyset=False)
    if paging.cursor is not None and paging.cursor.kind != "o":
        raise InvalidInput("cursor is not one this collection made", field="cursor")
    box = bbox and bbox.values
    if coll.derived is not None:
        result = coll.derived.page(session, bbox=box, limit=paging.limit, offset=asked.start)
    else:
        result = list_gaps(session, bbox=box, limit=paging.limit, offset=asked.start)
    returned = len(result.features)
    page = PageText(
        "", returned, result.matched, False, None, None, asked.start + returned < result.matched, asked.start > 0
    )
    head = {
        "type": "FeatureCollection",
        "numberMatched": result.matched,
        "numberReturned": returned,
        "timeStamp": _iso(datetime.now(UTC)),
        "links": [*paging.links(request, page, asked), collection_link],
        "features": result.features,
    }
    return _json_crs(head, crs)


def _json_crs(body: dict, crs: Crs) -> JSONResponse:
    return JSONResponse(body, media_type=GEOJSON, headers={"Content-Crs": f"<{crs.uri}>"})


@router.get(
    "/collections/{collection_id}/items/{feature_id}",
    name="ogc-item",
    response_class=GeoJSONResponse,
    responses=responses(404),
    summary="One feature",
)
def item(
    coll: CollectionParam,
    feature_id: str,
    request: Request,
    session: SessionDep,
    principal: Viewer,
    crs: CrsParam,
    f: Format = None,
):
    _check_format(f)
    try:
        fid = int(feature_id)
    except ValueError:
        fid = None
    if fid is None or not ID_LIMITS["ge"] <= fid <= ID_LIMITS["le"]:
        raise NotFound(f"no feature {feature_id!r} in {coll.id} (ids are whole numbers)", field="featureId")
    if coll.spec is None:  # a computed result (see _computed_items)
        if crs.uri != CRS84:
            raise InvalidInput(f"{coll.id} is served in CRS84 only", field="crs")
        feature = coll.derived.get(session, fid) if coll.derived is not None else get_gap(session, fid)
    else:
        one = PageRequest(1, crs=crs)
        page = page_text(
            session,
            coll.spec,
            [coll.spec.column("id") == fid],
            one,
            include_sensitive=principal.has("editor"),
            reader=principal.name,
            via=f"GET /ogc/collections/{coll.id}/items/{{featureId}}",
        )
        if not page.returned:
            raise NotFound(f"{coll.spec.name} {fid} does not exist", field="id")
        feature = json.loads(page.features)[0]
    feature["links"] = [
        _link(str(request.url.remove_query_params("f")), "self", GEOJSON),
        _link(f"{_base(request)}/collections/{coll.id}", "collection", JSON),
    ]
    return _json_crs(feature, crs)
