"""The five routes every stored resource offers (DESIGN §6): list, get,
create, patch, delete. Each ``api/routers/<resource>.py`` calls
:func:`resource_router` with its spec, its properties model and its filters."""


from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from api.deps import Editor, SessionDep, Viewer
from api.list_formats import ListFormatDep, encode_list
from api.schemas.geojson import FeatureCollectionOut, FeatureIn, FeatureOut, FeaturePatch
from geo import repository
from geo.errors import InvalidInput
from geo.geometry import conform
from geo.resources import ResourceSpec

MAX_LIMIT = 10_000
GEOJSON = "application/geo+json"


def parse_bbox(bbox: str | None, field: str = "bbox") -> tuple[float, float, float, float] | None:
    """``minx,miny,maxx,maxy`` in EPSG:4326 → a checked tuple."""
    if bbox is None:
        return None
    parts = bbox.split(",")
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        raise InvalidInput("bbox must be four numbers: minx,miny,maxx,maxy", field=field) from None
    if len(values) != 4:
        raise InvalidInput(f"bbox must have 4 numbers (minx,miny,maxx,maxy), got {len(values)}", field=field)
    minx, miny, maxx, maxy = values
    if not all(map(lambda v: v == v and abs(v) != float("inf"), values)):
        raise InvalidInput("bbox numbers must be finite", field=field)
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90):
        raise InvalidInput("bbox is outside -180..180 / -90..90 (EPSG:4326 longitude, latitude)", field=field)
    if minx > maxx or miny > maxy:
        raise InvalidInput("bbox is reversed: minx must be ≤ maxx and miny ≤ maxy", field=field)
    return values  # type: ignore[return-value]


def parse_when(value: str | None, field: str) -> date | datetime | None:
    """An ISO date (``2024-05-01``) or date-time (``2024-05-01T06:00:00Z``)."""
    if value is None or value == "":
        return None
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{value!r} is not an ISO date (YYYY-MM-DD) or date-time", field=field) from None


def page_links(request: Request, offset: int, limit: int, returned: int, matched: int) -> list[dict]:
    def at(o: int) -> str:
        return str(request.url.include_query_params(offset=o, limit=limit))

    links = [{"href": str(request.url), "rel": "self", "type": GEOJSON}]
    if offset + returned < matched:
        links.append({"href": at(offset + limit), "rel": "next", "type": GEOJSON})
    if offset > 0:
        links.append({"href": at(max(0, offset - limit)), "rel": "prev", "type": GEOJSON})
    return links


def _revalidate(props_model: type[BaseModel], merged: dict) -> BaseModel:
    """Check a merged (stored + patched) record with the create rules, reporting
    errors under ``properties``."""
    try:
        return props_model.model_validate(merged)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", "properties", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None


def resource_router(
    spec: ResourceSpec,
    props_model: type[BaseModel],
    filters_dep: Callable[..., dict[str, Any]],
    example: dict,
) -> APIRouter:
    router = APIRouter(prefix=f"/api/v1/{spec.name}", tags=[spec.name])
    FeatureInModel = FeatureIn[props_model]  # type: ignore[valid-type]
    Filters = Annotated[dict, Depends(filters_dep)]
    date_help = f"on {spec.date_field}" if spec.date_field else "(not available: this resource has no date)"

    @router.get("", response_model=FeatureCollectionOut, summary=f"List {spec.title.lower()}",
                description=spec.description, name=f"{spec.name}-list")
    def list_(
        request: Request,
        session: SessionDep,
        principal: Viewer,
        filters: Filters,
        fmt: ListFormatDep,
        bbox: Annotated[str | None, Query(description="minx,miny,maxx,maxy in EPSG:4326", examples=["15.5,4.0,19.5,7.5"])] = None,
        start: Annotated[str | None, Query(description=f"earliest date {date_help}, ISO 8601")] = None,
        end: Annotated[str | None, Query(description=f"latest date {date_help}, inclusive")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ):
        page = repository.list_features(
            session, spec,
            bbox=parse_bbox(bbox), start=parse_when(start, "start"), end=parse_when(end, "end"),
            filters=filters, limit=limit, offset=offset, include_sensitive=principal.has("editor"),
        )
        return encode_list(fmt, {
            "type": "FeatureCollection",
            "numberMatched": page.matched,
            "numberReturned": len(page.features),
            "features": page.features,
            "links": page_links(request, offset, limit, len(page.features), page.matched),
        }, spec, principal.has("editor"))

    @router.get("/{fid}", response_model=FeatureOut, summary=f"One of the {spec.title.lower()}")
    def get(fid: int, session: SessionDep, principal: Viewer):
        return repository.get_feature(session, spec, fid, include_sensitive=principal.has("editor"))

    @router.post("", status_code=201, response_model=FeatureOut, summary=f"Create one of the {spec.title.lower()}")
    def create(
        feature: Annotated[FeatureInModel, Body(openapi_examples={"example": {"value": example}})],
        session: SessionDep,
        principal: Editor,
    ):
        geom = conform(feature.geometry.shape, spec.stored_types)
        return repository.create_feature(
            session, spec, feature.properties.model_dump(), geom, who=principal.name
        )

    @router.patch("/{fid}", response_model=FeatureOut, summary="Change some properties and/or the geometry")
    def patch(fid: int, feature: FeaturePatch, session: SessionDep, principal: Editor):
        stored = repository.get_feature(session, spec, fid, include_sensitive=True)["properties"]
        unknown = set(feature.properties) - set(props_model.model_fields) - {"id", "created_at", "updated_at", "created_by"}
        if unknown:
            name = sorted(unknown)[0]
            raise InvalidInput(f"unknown property {name!r}", field=f"properties.{name}")
        merged = {k: v for k, v in stored.items() if k in props_model.model_fields}
        merged.update(feature.properties)
        checked = _revalidate(props_model, merged).model_dump()
        changes = {k: checked[k] for k in feature.properties if k in checked}
        geom = conform(feature.geometry.shape, spec.stored_types) if feature.geometry else None
        return repository.update_feature(session, spec, fid, changes, geom, who=principal.name)

    @router.delete("/{fid}", status_code=204, response_class=Response, summary="Delete")
    def delete(fid: int, session: SessionDep, principal: Editor):
        repository.delete_feature(session, spec, fid, who=principal.name)
        return Response(status_code=204)

    return router
