"""Liveness and readiness for process supervisors and load balancers."""

import logging
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from pydantic.json_schema import SkipJsonSchema
from sqlalchemy import text

from geo.db import schema_at_head

router = APIRouter(tags=["health"])
log = logging.getLogger("peacemap.api")


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict:  # async: answers even when every worker thread is busy
    return {"status": "ok"}


class Readiness(BaseModel):
    """What ``/readyz`` says: a probe's answer, read by its status code."""

    status: Literal["ready", "unavailable"]
    detail: str | SkipJsonSchema[None] = None


@router.get(
    "/readyz",
    summary="The database is reachable and migrated to head",
    responses={
        200: {"model": Readiness},
        503: {"model": Readiness, "description": "the database is unreachable or its schema is not at head"},
    },
)
def readyz(request: Request):
    engine = request.app.state.engine
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        at_head = schema_at_head(engine)
    except Exception as exc:
        log.warning("readyz: the database is not reachable: %s", str(exc).strip().replace("\n", " | "))
        return JSONResponse(
            {"status": "unavailable", "detail": "the database is not reachable (see the server log)"}, status_code=503
        )
    if not at_head:
        return JSONResponse(
            {"status": "unavailable", "detail": "migrations are not at head; run 'peacemap db migrate'"},
            status_code=503,
        )
    return {"status": "ready"}
