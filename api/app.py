"""The application factory. The engine is created once per process in the
lifespan and kept on ``app.state`` (tipg style), with the pool, the
statement bounds, the threadpool and the admission gate sized from
:class:`ApiSettings` (README, "Operations"); the lifespan also starts warming
the engagement-gap analysis (:mod:`api.warmup`)."""

from __future__ import annotations

import threading
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Depends, FastAPI
from fastapi.middleware.gzip import GZipMiddleware

from api import warmup
from api.admission import AdmissionLimit
from api.errors import install_error_handlers
from api.known_params import refuse_unknown_parameters
from api.middleware import install_middleware
from api.resource_router import resource_routers
from api.responses import DocumentedAPI
from api.routers import (
    analysis,
    areas,
    export,
    geography,
    health,
    imports,
    keys,
    ogc,
    pages,
    politics,
    rasters,
    reach,
    tiles,
)
from api.routers.imports import UPLOAD_PATHS
from api.routers.rasters import RASTER_UPLOAD_PATHS
from api.settings import ApiSettings, get_api_settings
from geo.db import database_url, make_engine, make_sessionmaker
from geo.serving.point_tiles import PointTiles
from geo.serving.tile_cache import TileCache


def routers() -> list[APIRouter]:
    """Every router, in the order the API document lists them: the five
    routes of each declared resource (``geo.resources``) come from one
    generic router; the import uploads follow the resource routes so their
    paths are matched before ``/{fid}``."""
    return [
        health.router,
        keys.router,
        *resource_routers(),
        ogc.router,
        tiles.router,
        export.router,
        pages.router,
        geography.router,
        areas.router,
        imports.router,
        analysis.router,
        politics.router,
        rasters.router,
        reach.router,
    ]


def create_app(settings: ApiSettings | None = None, *, db_url: str | None = None) -> FastAPI:
    settings = settings or get_api_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        url = db_url or database_url()
        pool: dict[str, Any] = {
            "pool_size": settings.db_pool_size,
            "max_overflow": settings.db_max_overflow,
            "pool_timeout": settings.db_pool_timeout_s,
            "statement_timeout_s": settings.statement_timeout_s,
        }
        engine = make_engine(url, long_statement_timeout_s=settings.analysis_timeout_s, **pool)
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        # The feature pages' own pool (api.deps.get_read_session): autocommit, no pre-ping, and
        # neither JIT nor parallel workers, which cost more than they save on a page's statement
        # (a 1° box at reference scale: ≈ 260 ms with them, ≈ 190 ms without; bench/README.md).
        reads = make_engine(
            url,
            isolation_level="AUTOCOMMIT",
            pool_pre_ping=False,
            pg_settings={"jit": "off", "max_parallel_workers_per_gather": "0"},
            **pool,
        )
        app.state.read_sessionmaker = make_sessionmaker(reads)
        # Sync endpoints run on this limiter's threads: one per admitted request.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.concurrency
        app.state.warmup = (
            warmup.start(engine, app.state.page_started, app.state.page_served, settings.warm_wait_s)
            if settings.warm_analysis
            else None
        )
        yield
        engine.dispose()
        reads.dispose()

    app = DocumentedAPI(
        title="peacemap",
        version="0.1.0",
        summary="Incidents, local agreements, patrols, engagements, QIPs and engagement gaps for UN peace operations.",
        lifespan=lifespan,
        dependencies=[Depends(refuse_unknown_parameters)],  # a parameter no route defines is a 400
    )
    app.state.settings = settings
    # The first /map: begun, then sent. The warm-up waits for it (api.warmup).
    app.state.page_started, app.state.page_served = threading.Event(), threading.Event()
    app.state.tile_cache = TileCache(round(settings.tile_cache_mb * 2**20))
    app.state.point_tiles = PointTiles(round(settings.tile_memory_mb * 2**20))
    # Field offices sit on poor links: GeoJSON compresses about 7×.
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    install_middleware(app, settings, UPLOAD_PATHS | RASTER_UPLOAD_PATHS)
    app.add_middleware(AdmissionLimit, limit=settings.concurrency, wait_s=settings.queue_wait_s)  # outermost
    install_error_handlers(app)
    for router in routers():
        app.include_router(router)
    return app
