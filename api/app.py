"""The application factory. The engine is created once per process in the
lifespan and kept on ``app.state`` (tipg style)."""

from __future__ import annotations

import importlib
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware

from api.errors import install_error_handlers
from api.middleware import install_middleware
from api.routers.imports import UPLOAD_PATHS
from api.settings import ApiSettings, get_api_settings
from geo.db import database_url, make_engine, make_sessionmaker

# One router per resource or page; each module exposes ``router``.
ROUTER_MODULES = [
    "api.routers.health",
    "api.routers.keys",
    "api.routers.incidents",
    "api.routers.agreements",
    "api.routers.patrols",
    "api.routers.engagements",
    "api.routers.qips",
    "api.routers.communities",
    "api.routers.sites",
    "api.routers.admin_areas",
    "api.routers.ogc",
    "api.routers.export",
    "api.routers.pages",
    "api.routers.imports",
    "api.routers.analysis",
]


def create_app(settings: ApiSettings | None = None, *, db_url: str | None = None) -> FastAPI:
    settings = settings or get_api_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        engine = make_engine(db_url or database_url())
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        yield
        engine.dispose()

    app = FastAPI(
        title="peacemap",
        version="0.1.0",
        summary="Incidents, local agreements, patrols, engagements, QIPs and engagement gaps for UN peace operations.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    # Field offices sit on poor links: GeoJSON compresses about 7×.
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    install_middleware(app, settings, UPLOAD_PATHS)
    install_error_handlers(app)
    for name in ROUTER_MODULES:
        app.include_router(importlib.import_module(name).router)
    return app
