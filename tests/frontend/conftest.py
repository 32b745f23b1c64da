"""Browser-test fixtures: a committed demo database of its own, the real app
served by uvicorn on a free 127.0.0.1 port (:class:`api.live.LiveServer`),
and headless Debian Chromium driven by Playwright."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from sqlalchemy.orm import Session

from api.app import create_app
from api.live import CHROMIUM, CHROMIUM_ARGS, LiveServer
from api.settings import ApiSettings
from frontend import VENDOR_DIR
from geo.db import make_engine, migrate
from geo.demo import load_demo
from geo.keys import create_key

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
PROBE = Path(__file__).with_name("probe.js")  # the tests' listener for the map's events
DEMO_END = date(2024, 6, 30)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where the browser tests leave their screenshots (``tests/artifacts``)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def demo_end() -> date:
    """The last day of the demo scenario the browser database holds."""
    return DEMO_END


@pytest.fixture(scope="session")
def demo_database(cluster):
    """``demo_database(name)``: a new committed database (the browser sees only
    committed rows) holding the browser tests' demo scenario; its URL."""

    def make(name: str) -> str:
        if not (VENDOR_DIR / "leaflet" / "leaflet.js").is_file():
            pytest.fail(f"map assets missing in {VENDOR_DIR}: run `make assets` (frontend/install_assets.sh)")
        url = cluster.create_database(name)
        migrate(url)
        engine = make_engine(url)
        try:
            load_demo(engine, scale=0.002, seed=11, end=DEMO_END)
        finally:
            engine.dispose()
        return url

    return make


@pytest.fixture(scope="session")
def browser_db_url(demo_database) -> str:
    """The database of the session's live app (:func:`live_app`)."""
    return demo_database("peacemap_browser")


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
    yield server
    server.close()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.add_init_script(path=str(PROBE))
    pg = context.new_page()
    pg.external_requests = []
    pg.on("request", lambda r: None if r.url.startswith("http://127.0.0.1") else pg.external_requests.append(r.url))
    yield pg
    context.close()


def _wait_ready(pg, timeout: float = 20_000) -> None:
    """Every layer that is on has finished loading (as ``probe.js`` saw it).
    (Predicates are functions: a string expression would be eval'd in the
    page, which its CSP forbids.)"""
    pg.wait_for_function("() => window.pmProbe && pmProbe.ready", timeout=timeout)


@pytest.fixture(scope="session")
def wait_ready():
    """``wait_ready(page)``: returns once every layer that is on has finished loading."""
    return _wait_ready


def _place(pg, lon: float, lat: float) -> None:
    pg.fill("#pm-place input[name=lat]", str(lat))
    pg.fill("#pm-place input[name=lon]", str(lon))
    pg.click("#pm-place button")
    pg.locator("#pm-nearby-counts li[data-nearby=qips]").wait_for()


@pytest.fixture(scope="session")
def place():
    """``place(page, lon, lat)``: put the QIP form's site there and wait for the nearby counts."""
    return _place
