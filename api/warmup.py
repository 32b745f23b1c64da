"""Cold start: warm the engagement-gap cache in the background at start.

The map's communities layer asks for the engagement gaps as of the map's
default window end (the latest incident day); the API's default is today.
Without warming, the first such request after a start waits for one full
analysis on the request path (seconds at mission scale). Here the lifespan
marks both parameter sets as warming (so a request for them is answered
503 + ``Retry-After`` at once instead of waiting, and the page retries — see
``frontend/static/js/peacemap.js``) and computes them in a daemon thread;
the page itself and every other layer are served meanwhile.

The thread starts computing once the first ``/map`` page has been sent, or
``warm_wait_s`` after the start when no page has begun by then
(:mod:`api.first_page`). On two cores
the warm-up running beside the first page (numba's and scipy's imports, the
resident inputs' read, all holding the GIL in turn with the page's thread)
made that page 1.6–2.7 s instead of 0.45 s alone (bench/README.md,
"Cold start"); the first visitor sees the map first, and its gaps layer
follows as it did (503 ``warming_up``, then the layer). ``warm_wait_s`` is
short (0.5 s): about what a first page takes on a quiet machine (0.2–0.45 s),
so a visitor who comes later does not find a warm-up that has not started —
with 2 s, a page opened a second or two after the start waited that much
longer for its communities layer (tests/frontend/test_map_page.py's bound).
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.first_page import wait_for_first_page
from api.routers.pages import default_window
from geo.analysis import GapParams, cache
from layers.communities import REMOTENESS

log = logging.getLogger("peacemap.warmup")


def default_params(session: Session) -> list[GapParams]:
    """The parameter sets a first visitor asks for: the map's communities
    layer (remoteness as travel time), its choropleth's (the default
    parameters as of the map's day), then the API's default."""
    end = default_window(session, None, None).end
    params = [GapParams(as_of=end, remoteness=REMOTENESS), GapParams(as_of=end)]
    if GapParams() not in params:
        params.append(GapParams())
    return params


def start(
    engine: Engine, page_started: threading.Event, page_served: threading.Event, wait_s: float
) -> threading.Thread | None:
    """Mark the default parameter sets as warming and compute them in a
    daemon thread (returned), once ``page_served`` is set, or ``wait_s``
    seconds have passed with no page begun (``page_started``; a page begun
    is waited for: :func:`api.first_page.wait_for_first_page`). A database
    that cannot be read now only means no warming: the first request
    computes instead."""
    try:
        with Session(engine) as session:
            params = default_params(session)
    except Exception:  # the service must start even when the database is not there yet
        log.warning("engagement-gap warm-up skipped: the database could not be read", exc_info=True)
        return None
    for p in params:
        cache.mark_warming(engine, p)
    thread = threading.Thread(
        target=_warm, args=(engine, params, page_started, page_served, wait_s), name="peacemap-warmup", daemon=True
    )
    thread.start()
    return thread


def _warm(
    engine: Engine, params: list[GapParams], page_started: threading.Event, page_served: threading.Event, wait_s: float
) -> None:
    wait_for_first_page(page_started, page_served, wait_s)
    for p in params:
        t0 = time.perf_counter()
        try:
            cache.warm(engine, p)
        except Exception:  # logged; the first request for these parameters computes instead
            log.warning("engagement-gap warm-up for as_of %s failed", p.as_of, exc_info=True)
        else:
            log.info("engagement gaps as of %s warmed in %.1f s", p.as_of, time.perf_counter() - t0)
