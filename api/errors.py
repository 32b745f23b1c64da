"""Every error response is JSON ``{"detail", "code"}`` (plus ``field`` when one
input is to blame). Domain errors map to status codes in this one table.

Every 503 carries ``Retry-After``: the database is down or restarting, no
connection came free within the pool timeout, a statement hit the
statement time limit, or the analysis is warming up — each ends by itself,
so a client should retry rather than give up (and never sees a 500)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
import psycopg
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from geo import errors as domain

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


def unavailable(detail: str, code: str, retry_after_s: int = RETRY_AFTER_S) -> JSONResponse:
    """A 503 with ``Retry-After``."""
    return JSONResponse(error_body(detail, code), status_code=503, headers={"Retry-After": str(retry_after_s)})


async def _domain_error(_: Request, exc: domain.PeacemapError) -> JSONResponse:
    status = next((s for cls, s in STATUS_BY_ERROR.items() if isinstance(exc, cls)), 500)
    headers = {"Retry-After": str(getattr(exc, "retry_after_s", RETRY_AFTER_S))} if status == 503 else None
    return JSONResponse(error_body(exc.message, exc.code, exc.field), status_code=status, headers=headers)


async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    errors = []
    for e in exc.errors():
        msg = e.get("msg", "invalid value")
        msg = msg.removeprefix("Value error, ")
        errors.append({"field": _loc_to_field(tuple(e.get("loc", ()))), "message": msg})
    first = errors[0] if errors else {"field": "body", "message": "invalid request"}
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "invalid request"
    return JSONResponse(error_body(detail, "invalid", first["field"], errors=errors), status_code=422)


async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    return JSONResponse(
        error_body(detail, _HTTP_CODES.get(exc.status_code, "error")),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


async def _integrity_error(_: Request, exc: IntegrityError) -> JSONResponse:
    # The database's CHECK constraints are the last line of defence; name the rule.
    diag = getattr(getattr(exc, "orig", None), "diag", None)
    constraint = getattr(diag, "constraint_name", None) or "constraint"
    if "unique" in str(exc.orig).lower() or constraint.startswith("uq_"):
        return JSONResponse(error_body(f"duplicate value violates {constraint}", "conflict"), status_code=409)
    return JSONResponse(error_body(f"value violates {constraint}", "invalid", constraint), status_code=422)


async def _db_error(_: Request, exc: DBAPIError) -> JSONResponse:
    if exc.connection_invalidated or "connection" in str(exc.orig).lower():
        return JSONResponse(error_body("database unavailable", "database_unavailable"), status_code=503)
    return JSONResponse(
        error_body(f"database rejected the request: {str(exc.orig).splitlines()[0]}", "invalid"), status_code=422
    )


async def _pool_timeout(_: Request, exc: PoolTimeout) -> JSONResponse:
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
        return unavailable("database unavailable; retry shortly", "database_unavailable")
    return await _db_error(request, exc)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(domain.PeacemapError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(DBAPIError, _db_error)
    app.add_exception_handler(OperationalError, _operational_error)
    app.add_exception_handler(PoolTimeout, _pool_timeout)
