"""Cold start: the routes the first ``/map`` does not need are built after it.

Why: at reference scale a server's first ``/map`` came 1.95–2.63 s after
its start on a quiet machine (issue 13 asks ≤ 2 s), nearly all of it
importing and building the app, and FastAPI builds each route's parameter
and body models twice (when the route is declared, and its context in the
app when first used). The page and the layers it loads at once need the
resources' list and get routes, the tiles, the pages, geography, areas,
analysis, politics and reach. The rest are *late*: the resources' create,
patch and delete (their body models), OGC API, the GeoPackage export, the
imports, the rasters and the keys (``api.assembly.routers``). Each has its place
in the route table from the start, an empty router, so the table's order
and the API document are what they would be without this.
bench/README.md, "Cold start: late routes".

**When.** Once the first page has been sent (:mod:`api.first_page`), or at
once when a request needs them, in the event loop's thread, which waits
meanwhile (a few hundred milliseconds, once). FastAPI and pydantic share
the parameters' metadata between the routes they build and are not safe
to build two at once (a thread building routes beside another mixed them
up: pydantic warned of a stray ``alias``), so a process builds routes
under one lock, :data:`ROUTE_BUILDING` (the app's own in ``api.assembly``, its
late ones here), and every route's context in the app is made as soon as
its router is in (:func:`make_route_contexts`), never lazily later, from a
request's ``url_for`` in another thread.

**Never a 404 for a route not built yet.** :class:`LateRoutesGate`, the
outermost middleware, lets through a request that a route already in the
table takes, and builds the late routes first for any other — and for the
API document, which must be whole. In-process, :class:`LateRoutedAPI`'s
``routes``, ``url_path_for`` and ``openapi()`` build them first, so code
and tests that read the app see all of it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import APIRouter
from fastapi.routing import iter_route_contexts
from starlette.datastructures import URLPath
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

from api.responses import DocumentedAPI

log = logging.getLogger("peacemap.routes")
ROUTE_BUILDING = threading.RLock()  # one route built at a time in a process (module docstring)


def make_route_contexts(routes: Sequence[BaseRoute]) -> None:
    """Make every route's context in the app now (FastAPI makes each at
    its router's first use otherwise): the routers in place are then only
    read while others are built (module docstring)."""
    for _ in iter_route_contexts(routes):
        pass


class LateRoutes:
    """The late routers of one app (``routes``: its route table): each
    ``build`` is called once, and its router put in its slot."""

    def __init__(self, routes: list[BaseRoute]) -> None:
        self._routes = routes
        self._slots: list[tuple[APIRouter, Callable[[], APIRouter]]] = []
        self.built = threading.Event()  # set when every late router is in (or building them failed)
        self.error: Exception | None = None
        self.seconds: float | None = None  # how long building them took

    def slot(self, build: Callable[[], APIRouter]) -> APIRouter:
        """An empty router to include in the app now, where ``build()``'s router will be."""
        slot = APIRouter()
        self._slots.append((slot, build))
        return slot

    def build(self) -> None:
        """Build every late router, put each in its slot and make their
        contexts (once; a second caller waits for the first). Every router
        is declared before any is put in place, so no request meets one
        half made. Raises if building them failed."""
        if not self.built.is_set():
            with ROUTE_BUILDING:
                if not self.built.is_set():
                    t0 = time.perf_counter()
                    try:
                        routers = [build() for _, build in self._slots]
                        for (slot, _), router in zip(self._slots, routers, strict=True):
                            slot.include_router(router)
                        make_route_contexts(self._routes)
                    except Exception as exc:  # a bug: every request that needs them gets a 500 that says so
                        self.error = exc
                        log.exception("the late routes could not be built")
                    finally:
                        self.seconds = time.perf_counter() - t0
                        self.built.set()
                    log.info("late routes built in %.2f s", self.seconds)
        if self.error is not None:
            raise RuntimeError("the late routes could not be built") from self.error


class LateRoutesGate:
    """Builds the late routes (in the event loop's thread) before it lets
    through a request that no route in the table takes yet, or one for the
    API document (``document_path``); until they are in, every other
    request goes straight through. Outermost, so a request it holds takes
    no slot of :class:`api.admission.AdmissionLimit`."""

    def __init__(self, app: ASGIApp, late: LateRoutes, routes: list[BaseRoute], document_path: str | None):
        self.app, self.late, self.routes, self.document_path = app, late, routes, document_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self.late.built.is_set() and not self._taken(scope):
            self.late.build()  # raises (a 500) if building them failed
        await self.app(scope, receive, send)

    def _taken(self, scope: Scope) -> bool:
        """Whether a route already in the table takes the request (its first
        full match, as the router finds it), the API document's aside."""
        for route in self.routes:
            match, _ = route.matches(scope)
            if match == Match.FULL:
                return getattr(route, "path", None) != self.document_path
        return False


class LateRoutedAPI(DocumentedAPI):
    """The app whose late routes (module docstring) are built after the
    first page when it is served. Read in-process, it is whole: ``routes``,
    ``url_path_for`` and the API document build the late routes first."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.late_routes = LateRoutes(self.router.routes)

    @property
    def routes(self) -> list[BaseRoute]:
        self.late_routes.build()
        return super().routes

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        self.late_routes.build()
        return super().url_path_for(name, **path_params)

    def openapi(self) -> dict[str, Any]:
        self.late_routes.build()
        return super().openapi()
