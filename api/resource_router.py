"""The five routes every stored resource offers — list, get, create, patch,
delete — built from its spec (``geo.resources``): the properties model, the
filters, the example and the geometry kinds all come from there. Routes are
named ``<resource>-list``, ``-get``, ``-create``, ``-update``, ``-delete``
(for ``request.url_for``). Two routers per resource: its reads, built with
the app, and its writes, built after the first page (``api.late_routes``).

No ``from __future__ import annotations`` here: the endpoints' annotations
name types made per resource, which FastAPI must see as objects.
"""

import dataclasses
import inspect
import json
from typing import Annotated, Any, cast

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError, create_model

from api.deps import Editor, ReadSessionDep, SessionDep, Viewer, run_unit_of_work
from api.list_formats import ListFormatDep, encode_list, feature_collection
from api.params import BBoxParam, FeaturePagingParam, Interval, interval_query
from api.responses import CSV, GEOJSON, TEXT, responses, schema_ref
from api.schemas.geojson import (
    AttributeFeatureIn,
    FeatureCollectionOut,
    FeatureIn,
    FeatureOut,
    FeaturePatch,
    geometry_in,
)
from geo import repository
from geo.errors import InvalidInput
from geo.geometry import accepted_types, conform
from geo.models import READ_ONLY
from geo.resources import ResourceSpec
from geo.resources.schema import filter_type, integer_limits
from geo.serving.crs import CRS84
from geo.serving.pages import PageRequest, page_text


def filters_dependency(spec: ResourceSpec) -> Any:
    """A dataclass whose fields are the spec's filters as query parameters
    (as titiler's ``DefaultDependency``): type, enum and limits from the
    column, description from the spec; every filter is optional."""
    fields = []
    for f in spec.filters:
        typ, limits = filter_type(spec, f)
        query = Query(description=f.description, **limits)
        fields.append((f.param, Annotated[typ | None, query], dataclasses.field(default=None)))
    values = dataclasses.make_dataclass(f"{spec.model.__name__}Filters", fields, frozen=True)

    # An async callable with the dataclass's signature: FastAPI runs a class
    # (like any plain callable) in its thread pool, a thread hop per request.
    async def parsed(**given: Any) -> Any:
        return values(**given)

    vars(parsed)["__signature__"] = inspect.signature(values)  # what FastAPI reads the parameters from
    return parsed


def _revalidate(props_model: type[BaseModel], merged: dict) -> BaseModel:
    """Check a merged (stored + patched) record with the create rules, reporting
    errors under ``properties``."""
    try:
        return props_model.model_validate(merged)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", "properties", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None


def _interval(spec: ResourceSpec) -> Any:
    on = f"on {spec.date_field}" if spec.date_field else "(not available: this resource has no date)"
    return interval_query(f"earliest date {on}, ISO 8601", f"latest date {on}, inclusive")


def _body_models(spec: ResourceSpec, props_model: type[BaseModel]) -> tuple[type[BaseModel], type[BaseModel]]:
    """The create and patch bodies of ``spec``: its properties, its geometry
    types; a resource without geometry takes and patches Features whose
    geometry is null (or left out)."""
    name = spec.model.__name__
    if not spec.has_geometry:
        body = cast(type[BaseModel], AttributeFeatureIn.__class_getitem__(props_model))  # AttributeFeatureIn[props]
        return body, create_model(f"{name}FeaturePatch", __base__=FeaturePatch, geometry=(None, None))
    geometry = geometry_in(accepted_types(spec.geometry_kinds))
    body = create_model(
        f"{name}FeatureIn",
        __base__=cast(type[BaseModel], FeatureIn.__class_getitem__(props_model)),  # FeatureIn[props_model]
        geometry=(geometry, ...),
    )
    return body, create_model(f"{name}FeaturePatch", __base__=FeaturePatch, geometry=(geometry | None, None))


def resource_reads(spec: ResourceSpec) -> APIRouter:
    """List and get: what the map and its layers read (built with the app)."""
    router = APIRouter(prefix=f"/api/v1/{spec.name}", tags=[spec.name])
    Filters = filters_dependency(spec)
    Fid = Annotated[int, Path(description="the feature's id", **integer_limits(spec.column("id").type))]
    title = spec.title.lower()

    @router.get(
        "",
        name=f"{spec.name}-list",
        response_model=FeatureCollectionOut,
        responses=responses(media={GEOJSON: schema_ref(FeatureCollectionOut.__name__), CSV: TEXT}),
        summary=f"List {title}",
        description=spec.description,
    )
    async def list_(
        request: Request,
        session: ReadSessionDep,
        principal: Viewer,
        filters: Annotated[Any, Depends(Filters)],
        fmt: ListFormatDep,
        bbox: BBoxParam,
        when: Annotated[Interval, Depends(_interval(spec))],
        paging: FeaturePagingParam,
    ):
        # Async, the database part in one thread hop (api.deps.run_unit_of_work).
        editor = principal.has("editor")
        # The bbox goes to page_text (a cached clause); where_clauses refuses one on a resource without geometry.
        box = (bbox, CRS84) if bbox is not None and spec.has_geometry else None
        clauses = repository.where_clauses(
            spec,
            bbox=None if box else bbox,
            start=when.start,
            end=when.end,
            filters=dataclasses.asdict(filters),
        )
        asked = PageRequest(paging.limit, paging.offset, paging.cursor)
        via = f"GET /api/v1/{spec.name} ({fmt.f})"
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
            "links": paging.links(request, page, asked),
        }
        if fmt.f == "json":
            return feature_collection(head, page.features, "application/json")
        # A download (CSV or GeoJSON) of up to max_limit features: parsed and encoded off the event loop.
        return await run_in_threadpool(
            lambda: encode_list(fmt, {**head, "features": json.loads(page.features)}, spec, editor)
        )

    @router.get(
        "/{fid}",
        name=f"{spec.name}-get",
        response_model=FeatureOut,
        responses=responses(404),
        summary=f"One of the {title}",
    )
    def get(fid: Fid, session: SessionDep, principal: Viewer):
        return repository.get_feature(
            session,
            spec,
            fid,
            include_sensitive=principal.has("editor"),
            reader=principal.name,
            via=f"GET /api/v1/{spec.name}/{{fid}}",
        )

    return router


def resource_writes(spec: ResourceSpec) -> APIRouter:
    """Create, patch and delete: their body models are most of the routes'
    cost to build, and no page needs them at once (built after the first
    page: api.late_routes)."""
    router = APIRouter(prefix=f"/api/v1/{spec.name}", tags=[spec.name])
    props_model = spec.properties_model
    Fid = Annotated[int, Path(description="the feature's id", **integer_limits(spec.column("id").type))]
    title = spec.title.lower()

    def create(feature: FeatureIn, session: SessionDep, principal: Editor):
        geom = conform(feature.geometry.shape, spec.geometry_kinds) if spec.has_geometry else None
        properties = feature.properties.model_dump()
        return repository.create_feature(session, spec, properties, geom, who=principal.name)

    # FastAPI reads the body models from the annotations (type checkers see
    # the generic FeatureIn and FeaturePatch).
    body_model, patch_model = _body_models(spec, props_model)
    example = Body(openapi_examples={"example": {"value": spec.example}})
    create.__annotations__["feature"] = Annotated[body_model, example]
    router.add_api_route(
        "",
        create,
        methods=["POST"],
        name=f"{spec.name}-create",
        status_code=201,
        response_model=FeatureOut,
        responses=responses(409),
        summary=f"Create one of the {title}",
    )

    def patch(fid: Fid, feature: FeaturePatch, session: SessionDep, principal: Editor):
        stored = repository.stored_properties(session, spec, fid)
        unknown = set(feature.properties) - set(props_model.model_fields) - set(READ_ONLY)
        if unknown:
            name = sorted(unknown)[0]
            raise InvalidInput(f"unknown property {name!r}", field=f"properties.{name}")
        merged = {k: v for k, v in stored.items() if k in props_model.model_fields}
        merged.update(feature.properties)
        checked = _revalidate(props_model, merged).model_dump()
        changes = {k: checked[k] for k in feature.properties if k in checked}
        geom = conform(feature.geometry.shape, spec.geometry_kinds) if feature.geometry else None
        return repository.update_feature(session, spec, fid, changes, geom, who=principal.name)

    patch.__annotations__["feature"] = patch_model
    router.add_api_route(
        "/{fid}",
        patch,
        methods=["PATCH"],
        name=f"{spec.name}-update",
        response_model=FeatureOut,
        responses=responses(404, 409),
        summary="Change some properties and/or the geometry",
    )

    @router.delete(
        "/{fid}",
        name=f"{spec.name}-delete",
        status_code=204,
        response_class=Response,
        responses=responses(404),
        summary="Delete",
    )
    def delete(fid: Fid, session: SessionDep, principal: Editor):
        repository.delete_feature(session, spec, fid, who=principal.name)
        return Response(status_code=204)

    return router
