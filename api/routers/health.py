"""Liveness and readiness for process supervisors and load balancers."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from geo.db import schema_at_head

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict:  # async: answers even when every worker thread is busy
    return {"status": "ok"}


@router.get("/readyz", summary="The database is reachable and migrated to head")
def readyz(request: Request):
    engine = request.app.state.engine
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        at_head = schema_at_head(engine)
    except Exception as exc:  # noqa: BLE001 — any failure means not ready
        return JSONResponse({"status": "unavailable", "detail": str(exc).splitlines()[0]}, status_code=503)
    if not at_head:
        return JSONResponse(
            {"status": "unavailable", "detail": "migrations are not at head; run 'peacemap db migrate'"},
            status_code=503,
        )
    return {"status": "ready"}
