"""Cold start (bench/README.md, "Cold start"): what a server does before its
first page, checked on the real app — which libraries building it imports,
when the routes the page does not need are built (api/late_routes.py) and
how a request for one of them is answered before that, and when the
engagement-gap warm-up begins (api/warmup.py). The times themselves are
measured by ``bench/gaps.py --parts cold``."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from starlette.routing import NoMatchFound

from api.app import create_app
from api.late_routes import LateRoutes
from api.settings import ApiSettings
from geo.analysis import cache
from geo.config import PROJECT_ROOT

# Imported only by the routes that use them: GDAL's readers and writers (rasters, reach, GeoPackage
# and vector imports), geopandas (the basemap's Natural Earth file), and the analysis' compiled
# kernels and scipy (the first analysis).
NOT_AT_START = {"rasterio", "pyogrio", "geopandas", "numba", "scipy"}
# The routers built after the first page (api.assembly.routers: Late).
LATE_MODULES = {f"api.routers.{name}" for name in ("keys", "ogc", "export", "imports", "rasters")}


def test_building_the_app_imports_neither_gdal_nor_the_compiled_kernels_nor_the_late_routers():
    code = (
        "import gc, json, sys; from api.app import create_app; create_app(); "
        "print(json.dumps([sorted(sys.modules), gc.isenabled(), gc.get_freeze_count()]))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    names, collecting, frozen = json.loads(out.stdout)
    modules = set(names)
    loaded = {name.partition(".")[0] for name in modules}
    assert "api.assembly" in modules and "folium" in loaded  # the app (and its page) really were built
    assert loaded & NOT_AT_START == set()
    assert modules & LATE_MODULES == set()
    # The import's objects are out of the collector's sight (api/app.py), and the collector runs again.
    assert collecting and frozen > 100_000


def test_a_request_for_a_route_not_built_yet_is_answered_as_once_it_is(db_url, serve):
    # No page comes, and the late routes wait for one (warm_wait_s): each request below finds them not built.
    server = serve(db_url, public_read=True, warm_wait_s=600)
    assert not server.app.late_routes.built.is_set()
    for name in ("ogc_landing", "keys", "incidents-create", "export_gpkg"):
        with pytest.raises(NoMatchFound):
            server.app.router.url_path_for(name)  # the route table as served (app.url_path_for would build them)
    whole = create_app(ApiSettings(public_read=True), db_url=db_url).openapi()  # in-process: built first

    def get(method_path: str) -> httpx.Response:
        method, path = method_path.split(" ")
        return httpx.request(method, f"{server.url}{path}", timeout=60)

    asked = ["GET /ogc", "GET /openapi.json", "POST /api/v1/incidents", "GET /api/v1/keys", "GET /no/such/route"]
    with ThreadPoolExecutor(len(asked)) as pool:  # all at once, none of them 404 for a route not built yet
        landing, document, create, keys, unknown = pool.map(get, asked)
    assert server.app.late_routes.built.is_set()
    assert landing.status_code == 200
    links = {link["rel"]: link["href"] for link in landing.json()["links"]}
    assert links["conformance"] == f"{server.url}/ogc/conformance"
    assert document.status_code == 200 and document.json() == whole  # the whole API document, never a part
    assert len(whole["paths"]) > 60 and "/api/v1/keys" in whole["paths"] and "/ogc" in whole["paths"]
    assert create.status_code == 401 and create.json()["code"] == "unauthorized"  # a write needs a key (not 405)
    assert keys.status_code == 401
    assert unknown.status_code == 404


def test_the_late_routes_are_built_once_the_first_map_page_is_sent(db_url, serve, monkeypatch, wait_for):
    seen: list[bool] = []
    real_build = LateRoutes.build

    def build(self):  # a spy: records whether the page was sent when the build began, then builds for real
        if not self.built.is_set():
            seen.append(server.app.state.page_served.is_set())
        real_build(self)

    monkeypatch.setattr(LateRoutes, "build", build)
    server = serve(db_url, public_read=True, warm_wait_s=600)
    layer = httpx.get(f"{server.url}/api/v1/incidents", params={"limit": 1}, timeout=60)  # a route the map reads
    assert layer.status_code == 200 and not server.app.late_routes.built.is_set()
    page = httpx.get(f"{server.url}/map", timeout=60)
    assert page.status_code == 200 and page.text.rstrip().endswith("</html>")
    wait_for(lambda: server.app.late_routes.built.is_set(), "the late routes to be built")
    assert seen == [True]  # built once, after the page was sent
    assert httpx.get(f"{server.url}/ogc/conformance", timeout=60).status_code == 200


def test_the_warm_up_begins_once_the_first_map_page_is_sent(db_url, serve, monkeypatch, wait_for):
    seen: list[bool] = []
    real_warm = cache.warm

    def warm(engine, params):  # a spy: records whether the page was sent, then warms for real
        seen.append(server.app.state.page_served.is_set())
        real_warm(engine, params)

    monkeypatch.setattr(cache, "warm", warm)
    server = serve(db_url, public_read=True, warm_analysis=True, warm_wait_s=600)
    assert server.app.state.warmup.is_alive() and seen == []
    page = httpx.get(f"{server.url}/map", timeout=60)
    assert page.status_code == 200 and page.text.rstrip().endswith("</html>")
    wait_for(lambda: not server.app.state.warmup.is_alive(), "the warm-up to end")
    assert seen and all(seen)  # every parameter set was warmed after the page, none beside it


def test_the_warm_up_begins_without_a_page_after_warm_wait_s(db_url, serve, wait_for):
    server = serve(db_url, public_read=True, warm_analysis=True, warm_wait_s=0)
    wait_for(lambda: not server.app.state.warmup.is_alive(), "the warm-up to end without any request")
    assert not server.app.state.page_served.is_set()
    gaps = httpx.get(f"{server.url}/api/v1/analysis/engagement-gaps", timeout=60)
    assert gaps.status_code == 200  # warmed: no 503 warming_up
