"""The application factory: :func:`create_app` (``uvicorn api.app:create_app
--factory``, ``peacemap serve``, the tests). The app itself — its routers in
order, middleware and lifespan — is put together in :mod:`api.assembly`.

The first call in a process imports the app's modules (the libraries' and
ours: about 340 000 objects that live as long as the process) with the
cyclic garbage collector paused, then moves them out of its sight
(``gc.freeze``). Its passes over them were about a fifth of a server's
start to the first ``/map``, and every later full pass — under the first
page's allocations, an analysis — walked them all again
(bench/README.md, "Cold start: late routes"). They are never garbage:
modules stay imported (what else lives at that moment is frozen too: at a
server's start, nothing else). The app built afterwards is collected as
usual (a process that makes many apps, like the tests, frees them).
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from api.settings import ApiSettings


def create_app(settings: ApiSettings | None = None, *, db_url: str | None = None) -> FastAPI:
    """The app with ``settings`` (default: the environment's) over ``db_url``
    (default: the configured database, read when it starts)."""
    return _assemble()(settings, db_url=db_url)


@functools.cache
def _assemble() -> Callable[..., FastAPI]:
    """:func:`api.assembly.assemble`, its modules imported once with the
    collector paused, then frozen (module docstring)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        from api.assembly import assemble
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
    return assemble
