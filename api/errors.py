"""Every error response is JSON ``{"detail", "code"}`` (plus ``field`` when one
input is to blame). Domain errors map to status codes in this one table."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from geo import errors as domain

STATUS_BY_ERROR: dict[type[domain.PeacemapError], int] = {
    domain.NotFound: 404,
    domain.InvalidInput: 422,
    domain.Conflict: 409,
    domain.DatabaseUnavailable: 503,
    domain.MissingSystemPackage: 503,
}

_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "too_large", 422: "invalid"}


def error_body(detail: str, code: str, field: str | None = None, **extra) -> dict:
    body = {"detail": detail, "code": code}
    if field:
        body["field"] = field
    body.update(extra)
    return body


def _loc_to_field(loc: tuple) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


async def _domain_error(_: Request, exc: domain.PeacemapError) -> JSONResponse:
    status = next((s for cls, s in STATUS_BY_ERROR.items() if isinstance(exc, cls)), 500)
    return JSONResponse(error_body(exc.message, exc.code, exc.field), status_code=status)


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
        error_body(detail, _HTTP_CODES.get(exc.status_code, "error"), getattr(exc, "field", None)),
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
    return JSONResponse(error_body(f"database rejected the request: {str(exc.orig).splitlines()[0]}", "invalid"),
                        status_code=422)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(domain.PeacemapError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(DBAPIError, _db_error)
