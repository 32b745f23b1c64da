"""The first ``/map`` goes first.

A server does work in the background at its start — the engagement-gap
warm-up (:mod:`api.warmup`), the routes the page does not need
(:mod:`api.late_routes`) — which would share the interpreter (the GIL, on
two cores) with the first page and slow it (bench/README.md, "Cold start").
Each waits here: until the first page has been sent (the page sets
``app.state.page_served`` once its response is out; ``page_started`` when it
begins), or ``wait_s`` after the start when no page has begun by then — a
page begun is let finish first, up to ``PAGE_MAX_S``
(``PEACEMAP_WARM_WAIT_S``: about what a first page takes on a quiet machine,
so a visitor who comes later does not find that work not yet begun).
"""

from __future__ import annotations

import threading

PAGE_MAX_S = 30.0  # the longest to wait for a first page already begun (one that fails never sets the event)


def wait_for_first_page(page_started: threading.Event, page_served: threading.Event, wait_s: float) -> None:
    """Return once the first page has been sent, or ``wait_s`` has passed with no page begun."""
    if not page_served.wait(wait_s) and page_started.is_set():
        page_served.wait(PAGE_MAX_S)  # a first page is being made (slowly: a loaded machine): it goes first
