"""The app put together (:func:`assemble`, called by ``api.app.create_app``):
its routers in order, its middleware and its lifespan. The engine is
created once per process in the lifespan and kept on ``app.state`` (tipg
style), with the pool, the statement bounds, the threadpool and the
admission gate sized from :class:`ApiSettings` (README, "Operations"); the
lifespan also starts building the routes the first page does not need
(:mod:`api.late_routes`) and warming the engagement-gap analysis
(:mod:`api.warmup`), both once that page has been sent."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import anyio.to_thread
from anyio import CapacityLimiter
from fastapi import APIRouter, Depends, FastAPI
from fastapi.middleware.gzip import GZipMiddleware

from api import warmup
from api.admission import AdmissionLimit
from api.errors import install_error_handlers
from api.first_page import wait_for_first_page
from api.known_params import refuse_unknown_parameters
from api.late_routes import ROUTE_BUILDING, LateRoutedAPI, LateRoutesGate, make_route_contexts
from api.middleware import install_middleware
from api.resource_router import resource_reads, resource_writes
from api.routers import analysis, areas, geography, health, pages, politics, reach, tiles
from api.settings import ApiSettings, get_api_settings
from api.upload_paths import UPLOAD_PATHS
from geo.db import database_url, make_engine, make_sessionmaker
from geo.resources import REGISTRY
from geo.serving.point_tiles import PointTiles
from geo.serving.tile_cache import TileCache


class Late:
    """A router built after the first page (:mod:`api.late_routes`):
    ``build`` imports its module and makes it then."""

    def __init__(self, build: Callable[[], APIRouter]):
        self.build = build


def _keys() -> APIRouter:
    from api.routers import keys

    return keys.router


def _ogc() -> APIRouter:
    from api.routers import ogc

    return ogc.router


def _export() -> APIRouter:
    from api.routers import export

    return export.router


def _imports() -> APIRouter:
    from api.routers import imports

    return imports.router


def _rasters() -> APIRouter:
    from api.routers import rasters

    return rasters.router


def routers() -> list[APIRouter | Late]:
    """Every router, in the order the API document lists them: the five
    routes of each declared resource (``geo.resources``) come from one
    generic module, its reads (list, get) with the app, its writes late;
    the import uploads are spelled out so they never meet ``/{fid}``.
    What the first ``/map`` and the layers it loads at once need is built
    with the app; the rest is :class:`Late`."""
    return [
        health.router,
        Late(_keys),
        *[r for spec in REGISTRY.values() for r in (resource_reads(spec), Late(partial(resource_writes, spec)))],
        Late(_ogc),
        tiles.router,
        Late(_export),
        pages.router,
        geography.router,
        areas.router,
        Late(_imports),
        analysis.router,
        politics.router,
        Late(_rasters),
        reach.router,
    ]


async def _build_late_routes(app: LateRoutedAPI, first_page: tuple[threading.Event, threading.Event, float]) -> None:
    """Once the first page has been sent, the late routes, in the event
    loop's thread (api.late_routes); a thread of its own waits for the page."""
    await anyio.to_thread.run_sync(wait_for_first_page, *first_page, abandon_on_cancel=True, limiter=CapacityLimiter(1))
    with contextlib.suppress(RuntimeError):  # logged by the build; a request that needs them gets a 500
        app.late_routes.build()


def assemble(settings: ApiSettings | None = None, *, db_url: str | None = None) -> FastAPI:
    settings = settings or get_api_settings()

    @asynccontextmanager
    async def lifespan(app: LateRoutedAPI):
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
        first_page = (app.state.page_started, app.state.page_served, settings.warm_wait_s)
        late = asyncio.get_running_loop().create_task(_build_late_routes(app, first_page))
        app.state.warmup = warmup.start(engine, *first_page) if settings.warm_analysis else None
        yield
        late.cancel()
        engine.dispose()
        reads.dispose()

    app = LateRoutedAPI(
        title="peacemap",
        version="0.1.0",
        summary="Incidents, local agreements, patrols, engagements, QIPs and engagement gaps for UN peace operations.",
        lifespan=lifespan,
        dependencies=[Depends(refuse_unknown_parameters)],  # a parameter no route defines is a 400
    )
    app.state.settings = settings
    # The first /map: begun, then sent. The late routes and the warm-up wait for it (api.first_page).
    app.state.page_started, app.state.page_served = threading.Event(), threading.Event()
    app.state.tile_cache = TileCache(round(settings.tile_cache_mb * 2**20))
    app.state.point_tiles = PointTiles(round(settings.tile_memory_mb * 2**20))
    # Field offices sit on poor links: GeoJSON compresses about 7×.
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    install_middleware(app, settings, UPLOAD_PATHS)
    app.add_middleware(AdmissionLimit, limit=settings.concurrency, wait_s=settings.queue_wait_s)
    # Outermost: a request for a route not built yet waits here, taking no admission slot.
    app.add_middleware(LateRoutesGate, late=app.late_routes, routes=app.router.routes, document_path=app.openapi_url)
    install_error_handlers(app)
    with ROUTE_BUILDING:  # never beside another app's late routes being built (api.late_routes)
        for router in routers():
            app.include_router(app.late_routes.slot(router.build) if isinstance(router, Late) else router)
        make_route_contexts(app.router.routes)  # now, not lazily at a first request
    return app
