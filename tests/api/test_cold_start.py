"""Cold start (bench/README.md, "Cold start"): what a server does before its
first page, checked on the real app — which libraries building it imports,
and when the engagement-gap warm-up begins (api/warmup.py). The times
themselves are measured by ``bench/gaps.py --parts cold``."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx

from geo.analysis import cache
from geo.config import PROJECT_ROOT

# Imported only by the routes that use them: GDAL's readers and writers (rasters, reach, GeoPackage
# and vector imports), geopandas (the basemap's Natural Earth file), and the analysis' compiled
# kernels and scipy (the first analysis).
NOT_AT_START = {"rasterio", "pyogrio", "geopandas", "numba", "scipy"}


def test_building_the_app_imports_neither_gdal_nor_the_compiled_kernels():
    code = "import json, sys; from api.app import create_app; create_app(); print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    loaded = {name.partition(".")[0] for name in json.loads(out.stdout)}
    assert "api.app" in json.loads(out.stdout) and "folium" in loaded  # the app (and its page) really were built
    assert loaded & NOT_AT_START == set()


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
