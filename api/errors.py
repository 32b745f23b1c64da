"""Every error response is JSON ``{"detail", "code"}`` (plus ``field`` when one
input is to blame). Domain errors map to status codes in this one table.

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
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from geo import errors as domain

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


def error_body(detail: str, code: str, field: str | None = None, **extra) -> dict:
    body = {"detail": detail, "code": code}
    if field:
        body["field"] = field
    body.update(extra)
    return body


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


async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    errors = []
    for e in exc.errors():
        errors.append({"field": _loc_to_field(tuple(e.get("loc", ()))), "message": _message(e)})
    first = errors[0] if errors else {"field": "body", "message": "invalid request"}
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "invalid request"
    return JSONResponse(error_body(detail, "invalid", first["field"], errors=errors), status_code=422)


async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    return JSONResponse(
        error_body(detail, _HTTP_CODES.get(exc.status_code, "error"), getattr(exc, "field", None)),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


async def _integrity_error(request: Request, exc: IntegrityError) -> JSONResponse:
    # The database's CHECK constraints are the last line of defence; name the rule.
    diag = getattr(getattr(exc, "orig", None), "diag", None)
    constraint = getattr(diag, "constraint_name", None) or "constraint"
    _logged(request, f"integrity error ({constraint})", exc.orig)
    if "unique" in str(exc.orig).lower() or constraint.startswith("uq_"):
        return JSONResponse(error_body(f"duplicate value violates {constraint}", "conflict"), status_code=409)
    return JSONResponse(error_body(f"value violates {constraint}", "invalid", constraint), status_code=422)


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
