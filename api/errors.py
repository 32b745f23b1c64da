"""Every error response is JSON ``{"detail", "code"}`` (plus ``field`` when one
input is to blame, ``errors`` listing every invalid input of a 422, and
``request_id`` where the server logged a cause): :class:`ErrorBody`, the one
declaration both the responses and the API document (:mod:`api.responses`)
are made from. Domain errors map to status codes in this one table.

What a library said about the failure (PostgreSQL, GDAL, a traceback) is
logged with the request id (:mod:`api.middleware`) and never sent: it can
show table layouts, server paths and SQL. The client gets a plain sentence,
the field where one is at fault, and the request id to quote.

Every 503 carries ``Retry-After``: the database is down or restarting, no
connection came free within the pool timeout, a statement hit the
statement time limit, or the analysis is warming up — each ends by itself,
so a client should retry rather than give up (and never sees a 500)."""

from __future__ import annotations

import logging
import math

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.sql.schema import ColumnCollectionConstraint
from starlette.exceptions import HTTPException as StarletteHTTPException

from geo import errors as domain
from geo.models import metadata

log = logging.getLogger("peacemap.api")
REQUEST_ID = "X-Request-ID"  # the response header carrying the id (api.middleware sets it)

STATUS_BY_ERROR: dict[type[domain.PeacemapError], int] = {
    domain.NotFound: 404,
    domain.InvalidInput: 422,
    domain.Conflict: 409,
    domain.DatabaseUnavailable: 503,
    domain.TryLater: 503,
    domain.MissingSystemPackage: 503,
}

RETRY_AFTER_S = 1
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
}


class FieldError(BaseModel):
    """One invalid input of a 422."""

    field: str = Field(description="the parameter, or the dotted path in the body (`properties.fatalities`)")
    message: str


def _absent_not_null(schema: dict) -> None:
    """Optional members are left out of a body, never sent as null: say so."""
    for member in schema.get("properties", {}).values():
        if member.get("default", ...) is None:
            del member["default"]


class ErrorBody(BaseModel):
    """The body of every error response (4xx, 5xx)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_absent_not_null)

    detail: str = Field(description="what went wrong, in a sentence for whoever sent the request")
    code: str = Field(
        description="a stable word for programs: invalid, bad_request, unauthorized, forbidden, not_found, "
        "conflict, too_large, database_unavailable, internal, …"
    )
    field: str | SkipJsonSchema[None] = Field(
        None, description="the one input at fault: a parameter, or a dotted path in the body"
    )
    errors: list[FieldError] | SkipJsonSchema[None] = Field(
        None, description="422 from validation: every invalid input, the first of which is `field`"
    )
    request_id: str | SkipJsonSchema[None] = Field(
        None, description="where the server logged a cause: quote it to the operators (also in X-Request-ID)"
    )


def error_body(detail: str, code: str, field: str | None = None, **extra) -> dict:
    """The JSON of an :class:`ErrorBody` (members without a value left out)."""
    return ErrorBody(detail=detail, code=code, field=field or None, **extra).model_dump(exclude_none=True)


def _loc_to_field(loc: tuple) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _request_id(request: Request) -> str:
    return getattr(request.state, "request_id", None) or "-"


def _logged(request: Request, what: str, cause: object) -> str:
    """Log ``cause`` under the request id; returns the id for the response."""
    rid = _request_id(request)
    log.warning(
        "request %s %s %s: %s: %s", rid, request.method, request.url.path, what, str(cause).strip().replace("\n", " | ")
    )
    return rid


def unavailable(detail: str, code: str, retry_after_s: int = RETRY_AFTER_S) -> JSONResponse:
    """A 503 with ``Retry-After``."""
    return JSONResponse(error_body(detail, code), status_code=503, headers={"Retry-After": str(retry_after_s)})


async def _domain_error(request: Request, exc: domain.PeacemapError) -> JSONResponse:
    status = next((s for cls, s in STATUS_BY_ERROR.items() if isinstance(exc, cls)), 500)
    if exc.cause:
        _logged(request, exc.message, exc.cause)
    headers = {"Retry-After": str(getattr(exc, "retry_after_s", RETRY_AFTER_S))} if status == 503 else None
    return JSONResponse(error_body(exc.message, exc.code, exc.field), status_code=status, headers=headers)


def _message(e: dict) -> str:
    value = e.get("input")
    if isinstance(value, float) and not math.isfinite(value):  # NaN passes no bound, so say what is wrong
        return "must be a finite number"
    return e.get("msg", "invalid value").removeprefix("Value error, ")


def validation_error_body(exc: RequestValidationError, code: str = "invalid") -> dict:
    """Every invalid input in ``errors``, the first in ``field``."""
    errors = [{"field": _loc_to_field(tuple(e.get("loc", ()))), "message": _message(e)} for e in exc.errors()]
    first = errors[0] if errors else {"field": "body", "message": "invalid request"}
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "invalid request"
    return error_body(detail, code, first["field"], errors=errors)


async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    return JSONResponse(validation_error_body(exc), status_code=422)


# The router's own answers (no route, or no such method on one): said with what was asked
# and where the routes are listed, instead of Starlette's bare "Not Found".
_ROUTER_MISSES = {
    (404, "Not Found"): "no route {method} {path}: the service's routes are listed at /docs (and /openapi.json)",
    (405, "Method Not Allowed"): "{path} does not take {method}: its methods are listed at /docs",
}


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    if exc.status_code == 400 and exc.__cause__ is not None:
        # FastAPI could not decode the body (bytes that are not UTF-8): the
        # same answer as for a body that is not JSON, which it answers 422.
        return JSONResponse(error_body("the body is not UTF-8 JSON", "invalid", "body"), status_code=422)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    miss = _ROUTER_MISSES.get((exc.status_code, detail))
    if miss:
        detail = miss.format(method=request.method, path=request.url.path)
    return JSONResponse(
        error_body(detail, _HTTP_CODES.get(exc.status_code, "error"), getattr(exc, "field", None)),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


def _constrained_column(constraint: str) -> str | None:
    """The one column a named constraint of the schema covers (None if several or unknown)."""
    for table in metadata.tables.values():
        for c in table.constraints:
            if c.name == constraint and isinstance(c, ColumnCollectionConstraint):
                names = [column.name for column in c.columns]
                return names[0] if len(names) == 1 else None
    return None


async def _integrity_error(request: Request, exc: IntegrityError) -> JSONResponse:
    # The database's constraints are the last line of defence; name the rule and the field.
    diag = getattr(getattr(exc, "orig", None), "diag", None)
    constraint = getattr(diag, "constraint_name", None) or "constraint"
    _logged(request, f"integrity error ({constraint})", exc.orig)
    if "unique" in str(exc.orig).lower() or constraint.startswith("uq_"):
        return JSONResponse(error_body(f"duplicate value violates {constraint}", "conflict"), status_code=409)
    column = _constrained_column(constraint)
    if getattr(exc.orig, "sqlstate", None) == "23503" and column:  # a reference to a row that does not exist
        return JSONResponse(error_body(f"{column} refers to a record that does not exist", "invalid", column), 422)
    return JSONResponse(error_body(f"value violates {constraint}", "invalid", column or constraint), status_code=422)


# SQLSTATE → what went wrong, in words (PostgreSQL's own text stays in the log).
_DATA_ERRORS = {
    "22001": "a text is longer than its field allows",
    "22003": "a number is out of range for its field",
    "22007": "a date or time has the wrong form",
    "22008": "a date or time is out of range",
    "22021": "a text holds bytes that are not valid characters",
    "22P02": "a value has the wrong form for its field",
}


async def _db_error(request: Request, exc: DBAPIError) -> JSONResponse:
    if exc.connection_invalidated or "connection" in str(exc.orig).lower():
        _logged(request, "database unavailable", exc.orig)
        return unavailable("database unavailable; retry shortly", "database_unavailable")
    rid = _logged(request, "database refused the request", exc.orig)
    diag = getattr(exc.orig, "diag", None)
    what = _DATA_ERRORS.get(getattr(exc.orig, "sqlstate", None) or "", "a value was refused by the database")
    if "NUL" in str(exc.orig):  # psycopg refuses these itself, without a SQLSTATE
        what = "a text holds a NUL character, which cannot be stored"
    return JSONResponse(
        error_body(f"{what} (request id {rid})", "invalid", getattr(diag, "column_name", None), request_id=rid),
        status_code=422,
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    """A bug: the traceback goes to the log, the client gets the request id."""
    rid = _request_id(request)
    log.error("request %s %s %s failed", rid, request.method, request.url.path, exc_info=exc)
    # Sent by Starlette's outermost error middleware, past ours: add the id here.
    return JSONResponse(
        error_body(f"internal error; quote request id {rid} to the operators", "internal", request_id=rid),
        status_code=500,
        headers={REQUEST_ID: rid},
    )


async def _pool_timeout(request: Request, exc: PoolTimeout) -> JSONResponse:
    return unavailable("the server is at capacity (no database connection came free); retry shortly", "overloaded")


def _connection_lost(orig: BaseException | None) -> bool:
    """No server to talk to: never connected (no SQLSTATE), connection
    exception (class 08) or the server shutting down / starting (57P)."""
    state = getattr(orig, "sqlstate", None)
    return state is None or state.startswith(("08", "57P"))


async def _operational_error(request: Request, exc: OperationalError) -> JSONResponse:
    if isinstance(exc.orig, psycopg.errors.QueryCanceled):
        return unavailable(
            "the request ran past the statement time limit; narrow it (bbox, start/end, limit) "
            "or retry when the server is less busy",
            "timeout",
        )
    if exc.connection_invalidated or _connection_lost(exc.orig):
        _logged(request, "database unavailable", exc.orig)
        return unavailable("database unavailable; retry shortly", "database_unavailable")
    return await _db_error(request, exc)


def install_error_handlers(app: FastAPI) -> None:
    # FastAPI's decorator form: Starlette's add_exception_handler is typed for
    # handlers of any Exception, though it calls each only with its own type.
    app.exception_handler(domain.PeacemapError)(_domain_error)
    app.exception_handler(RequestValidationError)(_validation_error)
    app.exception_handler(StarletteHTTPException)(_http_error)
    app.exception_handler(IntegrityError)(_integrity_error)
    app.exception_handler(DBAPIError)(_db_error)
    app.exception_handler(OperationalError)(_operational_error)
    app.exception_handler(PoolTimeout)(_pool_timeout)
    app.exception_handler(Exception)(_unexpected)
