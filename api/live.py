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
a child process instead: :class:`ChildServer` (the OGC tests, the benchmarks).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import uvicorn

from geo.config import PROJECT_ROOT

# Debian's chromium (scripts/system-deps.sh installs it), driven by Playwright.
CHROMIUM = "/usr/bin/chromium"
# Headless, no sandbox (containers and CI run as root), no GPU, and no
# background requests of its own, so every request it makes is the page's.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
START_TIMEOUT_S = 30


def server_command(*where: str, log_level: str = "warning") -> list[str]:
    """The command line serving the app in a child process (uvicorn, the app
    factory), listening ``where`` (``"--port", "8000"`` or ``"--fd", "3"``):
    what :class:`ChildServer` and the benchmarks start when a client holds
    the GIL or a fresh process is the point (a cold start)."""
    return [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", *where, "--log-level", log_level]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening_socket() -> socket.socket:
    """A TCP socket bound to a free 127.0.0.1 port, for a child uvicorn
    (``--fd``), with ``TCP_NODELAY`` set (Linux passes it on to the sockets
    it accepts). uvicorn opens an inherited descriptor as a Unix socket, so
    neither asyncio nor uvloop sets it: each response, written as headers
    then body, would wait for the client's delayed ACK (≈ 40 ms) — a floor of
    about 22 requests/s on one connection that ``peacemap serve`` (host and
    port) does not have (bench/README.md, "Feature serving")."""
    sock = socket.socket()
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


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


class ChildServer:
    """The app under uvicorn in a child process over the database ``db_url``,
    public read on, on a free 127.0.0.1 port (for clients that hold the GIL
    while they wait, such as GDAL, and for benchmarks, where the server must
    not share the client's interpreter). ``url`` is its base URL; the
    constructor returns once ``/healthz`` answers; ``log`` (a path) receives
    uvicorn's access log; ``close`` stops it. ``env`` adds settings; ``root``
    serves another checkout of the project (a benchmark's baseline, same run)."""

    def __init__(
        self,
        db_url: str,
        *,
        log: Path | None = None,
        env: dict[str, str] | None = None,
        root: Path = PROJECT_ROOT,
    ):
        self.sock = listening_socket()
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        settings = {"PEACEMAP_PUBLIC_READ": "true", "PEACEMAP_DATABASE_URL": db_url, **(env or {})}
        command = server_command("--fd", str(self.sock.fileno()), log_level="info" if log else "warning")
        with open(log or os.devnull, "w") as out:  # the child keeps its own copy of the handle
            self.proc = subprocess.Popen(
                command,
                env={**os.environ, **settings},
                stdout=out,
                stderr=subprocess.STDOUT,
                pass_fds=[self.sock.fileno()],
                cwd=root,
            )
        deadline = time.monotonic() + 2 * START_TIMEOUT_S
        while not self._healthy():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.close()
                raise RuntimeError(f"the app did not start on {self.url}")
            time.sleep(0.2)

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.sock.close()
