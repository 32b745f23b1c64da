"""What every operation can answer — statuses, content types, bodies —
written into the API document (``/openapi.json``) so that it tells the
truth: a client generated from it handles every response it will get.

Two sources, merged per operation when the document is built
(:class:`DocumentedAPI`):

- **derived** from the route, for what the app's shared machinery answers:
  a dependency marked with :func:`answers` (the key guards: 401, and 403
  where a role above viewer is needed; the database session: 503; the OGC
  collection: 404), parameter or body validation (422, or 400 on a route
  whose class sets ``validation_status = 400``, as OGC API's does), and a
  request body (413, the size limits of :mod:`api.middleware`);
- **declared** on the route with :func:`responses`, for what its own code
  answers: 404 for an unknown id, 409 for a duplicate, other success
  statuses and content types (``?f=geojson``, ``?f=csv``, GeoTIFF,
  GeoPackage).

Every error status is documented with the one error body,
:class:`api.errors.ErrorBody`, replacing FastAPI's ``HTTPValidationError``
(which peacemap never sends). A new route gets its guard, session,
validation and body statuses without a word; ``tests/api/test_fuzz.py``
fuzzes every operation of the document and fails on any status, content
type or body it does not declare.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from starlette.routing import BaseRoute

from api.errors import ErrorBody

JSON = "application/json"
GEOJSON = "application/geo+json"
CSV = "text/csv"
GEOTIFF = "image/tiff"
GPKG = "application/geopackage+sqlite3"
PNG = "image/png"

SCHEMAS = "#/components/schemas/"
ERROR_SCHEMA = {"$ref": SCHEMAS + ErrorBody.__name__}
BINARY = {"schema": {"type": "string", "format": "binary"}}
TEXT = {"schema": {"type": "string"}}
OBJECT = {"schema": {"type": "object"}}

# What each error status means here; a route may say more (``responses(why=…)``).
MEANING: dict[int, str] = {
    400: "a query parameter is invalid (OGC API's Bad Request) or not one the operation defines; `field` names it",
    401: "no API key, or an unknown, revoked or malformed one (send `Authorization: Bearer <key>`)",
    403: "the key's role is too weak for this operation",
    404: "nothing exists under this id or name; `field` names the parameter",
    409: "the request conflicts with stored data (a duplicate)",
    413: "the request body or upload is larger than the server's limit",
    422: "a parameter or the body is invalid; `field` names the first input at fault and `errors` each one",
    503: "the database is unavailable; try again shortly",
}
_ANSWERS = "peacemap_answers"
F = TypeVar("F", bound=Callable[..., Any])


class GeoJSONResponse(JSONResponse):
    """JSON sent as ``application/geo+json`` (OGC API items, GeoJSON downloads)."""

    media_type = GEOJSON


def answers(*statuses: int) -> Callable[[F], F]:
    """Mark a dependency with the error statuses it can answer, so every
    route that depends on it documents them."""

    def mark(fn: F) -> F:
        setattr(fn, _ANSWERS, frozenset(statuses))
        return fn

    return mark


def schema_ref(name: str) -> dict[str, dict[str, str]]:
    """The content of a response whose body is the named component schema
    (a model FastAPI already documents, e.g. a ``response_model``)."""
    return {"schema": {"$ref": SCHEMAS + name}}


def error(status: int, description: str | None = None) -> dict[str, Any]:
    """One error response: the error body, as JSON."""
    response: dict[str, Any] = {
        "description": description or MEANING[status],
        "content": {JSON: {"schema": ERROR_SCHEMA}},
    }
    if status == 401:
        response["headers"] = {"WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}}}
    return response


def responses(
    *errors: int,
    ok: int = 200,
    media: Mapping[str, Mapping[str, Any]] | None = None,
    also_ok: Mapping[int, str] | None = None,
    empty: Mapping[int, str] | None = None,
    why: Mapping[int, str] | None = None,
) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route: what its own code answers beyond what
    is derived (module docstring).

    Parameters
    ----------
    errors
        Error statuses the route's code can answer (404, 409, …), each
        documented with the error body.
    ok
        The route's success status (its ``status_code``).
    media
        Content types of the success response beyond the route's own class
        (JSON unless it says otherwise), each with its content object.
    also_ok
        Other success statuses with a JSON body, and what each means.
    empty
        Statuses answered without a body (304 Not Modified), and what each means.
    why
        A route's own description of an error status, replacing
        :data:`MEANING`.
    """
    out: dict[int | str, dict[str, Any]] = {status: error(status, (why or {}).get(status)) for status in errors}
    if media:
        out[ok] = {"content": {kind: dict(content) for kind, content in media.items()}}
    for status, description in (also_ok or {}).items():
        out[status] = {"description": description, "content": {JSON: {"schema": {}}}}
    for status, description in (empty or {}).items():
        out[status] = {"description": description}
    return out


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def derived_statuses(route: RouteContext) -> set[int]:
    """The error statuses a route answers through shared machinery (module docstring)."""
    statuses: set[int] = set()
    validated = False
    for dep in _dependants(route.dependant) if route.dependant else ():
        statuses |= getattr(dep.call, _ANSWERS, frozenset())
        validated |= bool(dep.path_params or dep.query_params or dep.header_params or dep.cookie_params)
        validated |= bool(dep.body_params)
    body = route.body_field is not None or "requestBody" in (route.openapi_extra or {})
    if validated or body:
        statuses.add(getattr(route.original_route, "validation_status", 422))
    if body:
        statuses.add(413)
    return statuses


def _add_component_schemas(doc: dict[str, Any]) -> None:
    schema = ErrorBody.model_json_schema(ref_template=SCHEMAS + "{model}")
    components = doc.setdefault("components", {}).setdefault("schemas", {})
    for name, definition in {**schema.pop("$defs", {}), ErrorBody.__name__: schema}.items():
        if components.setdefault(name, definition) != definition:
            raise RuntimeError(f"two schemas are named {name!r} in the API document")


def _drop_fastapi_validation_error(doc: dict[str, Any]) -> None:
    """FastAPI adds its ``HTTPValidationError`` 422 to any operation with
    parameters that declares none; peacemap never sends that body (an
    operation's real validation status is derived), so it goes."""
    fastapi_422 = {"$ref": SCHEMAS + "HTTPValidationError"}
    for operations in doc.get("paths", {}).values():
        for operation in operations.values():
            answers_ = operation.get("responses", {})
            for status in [
                s for s, r in answers_.items() if r.get("content", {}).get(JSON, {}).get("schema") == fastapi_422
            ]:
                del answers_[status]
    schemas = doc.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)


def _add_derived(doc: dict[str, Any], routes: list[BaseRoute]) -> None:
    """Each operation's derived error statuses, unless the route declares its own."""
    for route in iter_route_contexts(routes):
        if not isinstance(route.original_route, APIRoute):
            continue
        operations = doc.get("paths", {}).get(route.path_format, {})
        for method in sorted(route.methods or ()):
            operation = operations.get(method.lower())
            if operation is None:  # not in the document
                continue
            answers_ = operation.setdefault("responses", {})
            for status in derived_statuses(route):
                answers_.setdefault(str(status), error(status))
            operation["responses"] = dict(sorted(answers_.items()))


class DocumentedAPI(FastAPI):
    """FastAPI whose API document carries the derived responses and the
    error body (module docstring); built once, on first request."""

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is not None:
            return self.openapi_schema
        doc = super().openapi()  # kept as self.openapi_schema: finished in place
        _add_component_schemas(doc)
        _drop_fastapi_validation_error(doc)
        _add_derived(doc, self.routes)
        return doc


def upload_body(description: str) -> dict[str, Any]:
    """The ``openapi_extra`` of an upload route: a required multipart form with one ``file``
    (the routes read the form themselves, so FastAPI cannot derive it)."""
    schema = {
        "type": "object",
        "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary", "description": description}},
    }
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}}
