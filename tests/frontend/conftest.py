"""Browser-test fixtures: a committed demo database of its own, the real app
served by uvicorn on a free 127.0.0.1 port, and headless Debian Chromium
driven by Playwright (DESIGN §8)."""

from __future__ import annotations

import socket
import threading
import time
from datetime import date
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import sync_playwright
from sqlalchemy.orm import Session

from api.app import create_app
from api.settings import ApiSettings
from frontend import VENDOR_DIR
from geo.db import make_engine, migrate
from geo.demo import load_demo
from geo.keys import create_key

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DEMO_END = date(2024, 6, 30)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """uvicorn in a thread, stopped by ``close``."""

    def __init__(self, app):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser_db_url(cluster) -> str:
    """A committed database (the browser sees only committed rows) with the demo scenario."""
    if not (VENDOR_DIR / "leaflet" / "leaflet.js").is_file():
        pytest.fail(f"map assets missing in {VENDOR_DIR}: run `make assets` (frontend/install_assets.sh)")
    url = cluster.create_database("peacemap_browser")
    migrate(url)
    engine = make_engine(url)
    try:
        load_demo(engine, scale=0.002, seed=11, end=DEMO_END)
    finally:
        engine.dispose()
    return url


def _make_key(url: str, name: str, role: str) -> str:
    engine = make_engine(url)
    try:
        with Session(engine) as session, session.begin():
            return create_key(session, name, role)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def editor_key(browser_db_url) -> str:
    return _make_key(browser_db_url, "browser-editor", "editor")


@pytest.fixture(scope="session")
def viewer_key(browser_db_url) -> str:
    return _make_key(browser_db_url, "browser-viewer", "viewer")


@pytest.fixture(scope="session")
def live_app(browser_db_url):
    app = create_app(ApiSettings(public_read=True), db_url=browser_db_url)
    server = LiveServer(app)
    server.app = app
    yield server
    server.close()


@pytest.fixture(scope="session")
def browser():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = context.new_page()
    pg.external_requests = []
    pg.on("request", lambda r: None if r.url.startswith("http://127.0.0.1") else pg.external_requests.append(r.url))
    yield pg
    context.close()


def wait_ready(pg, timeout: float = 20_000) -> None:
    """Every layer that is on has finished loading. (Predicates are functions:
    a string expression would be eval'd in the page, which its CSP forbids.)"""
    pg.wait_for_function("() => document.documentElement.dataset.pmReady === '1'", timeout=timeout)
