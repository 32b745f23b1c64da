"""Admission control: at most ``limit`` requests are handled at once; one
more waits up to ``wait_s`` for a slot and is then answered 503 with
``Retry-After``.

Why: sync endpoints run on a threadpool whose queue has no bound and no
timeout, and behind it the connection pool makes a request wait up to its
timeout. Unbounded, an overload turned into every request waiting ~30 s and
then failing with 500. With the gate, a handled request finds a thread and
a connection at once (``concurrency`` ≤ threads ≤ connections, see
``api.settings``), and the excess is told within ``wait_s`` to come back.
The liveness probe is never held back.
"""

from __future__ import annotations

import json

import anyio

from api.errors import RETRY_AFTER_S, error_body

EXEMPT = frozenset({"/healthz"})


class AdmissionLimit:
    """Pure ASGI middleware (streams pass through untouched)."""

    def __init__(self, app, limit: int, wait_s: float):
        self.app = app
        self.limit = limit
        self.wait_s = wait_s
        self._slots: anyio.Semaphore | None = None  # made in the server's event loop
        self.rejected = 0

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] in EXEMPT:
            await self.app(scope, receive, send)
            return
        if self._slots is None:
            self._slots = anyio.Semaphore(self.limit)
        admitted = False
        with anyio.move_on_after(self.wait_s):
            await self._slots.acquire()
            admitted = True
        if not admitted:
            self.rejected += 1
            await _busy(send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self._slots.release()


async def _busy(send) -> None:
    body = json.dumps(
        error_body(f"the server is handling its maximum of requests; retry in {RETRY_AFTER_S} s", "overloaded")
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(RETRY_AFTER_S).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
