"""The app served for real, inside this process: uvicorn in a background
thread on a free 127.0.0.1 port, plus the headless Chromium settings used
to open its pages.

The browser tests (``tests/frontend``) and the map benchmark
(``bench/map.py``) both drive the real app through a real browser; this is
the one place that knows how to start that server and that browser, so the
two measure the same thing. It is also how a script embeds ``peacemap``::

    from api.app import create_app
    from api.live import LiveServer

    server = LiveServer(create_app())
    try:
        ...  # talk to server.url
    finally:
        server.close()

A thread is enough when the client does not hold the GIL while it waits
(browsers, httpx). A client that does (GDAL's OAPIF driver) needs the app in
a child process instead, as ``tests/api/test_ogc.py`` runs it.
"""

from __future__ import annotations

import socket
import sys
import threading
import time

import uvicorn

# Debian's chromium (scripts/system-deps.sh installs it), driven by Playwright.
CHROMIUM = "/usr/bin/chromium"
# Headless, no sandbox (containers and CI run as root), no GPU, and no
# background requests of its own, so every request it makes is the page's.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
START_TIMEOUT_S = 30


def server_command(*where: str) -> list[str]:
    """The command line serving the app in a child process (uvicorn, the
    app factory, warnings only), listening ``where`` (``"--port", "8000"``
    or ``"--fd", "3"``): what the benchmarks start when a client holds the GIL
    or a fresh process is the point (a cold start)."""
    return [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", *where, "--log-level", "warning"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """``app`` served by uvicorn in a daemon thread on a free 127.0.0.1
    port; ``url`` is its base URL. The constructor returns once the server
    accepts connections (or raises ``RuntimeError`` after
    ``START_TIMEOUT_S``); ``close`` stops it."""

    def __init__(self, app):
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"the app did not start on {self.url}")
            time.sleep(0.05)

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
