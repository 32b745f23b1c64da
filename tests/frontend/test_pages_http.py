"""The page routes over HTTP: status codes, error fields, no data without a key."""

from __future__ import annotations

import json
import re

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, box

from geo.models import AdminArea


def test_map_page_is_html_with_local_assets_only(client):
    r = client.get("/map", params={"start": "2024-01-01", "end": "2024-03-31", "layers": "incidents,qips"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert '"start": "2024-01-01"' in r.text and '"end": "2024-03-31"' in r.text
    assert not re.search(r"(src|href)=\"https?://", r.text)
    for src in re.findall(r'(?:src|href)="(/static/[^"]+)"', r.text):
        assert client.get(src).status_code == 200, src


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"layers": "incidents,unicorns"}, 422, "layers"),
        ({"bbox": "1,2,3"}, 422, "bbox"),
        ({"start": "2024-05-01", "end": "2024-01-01"}, 422, "end"),
        ({"end": "not-a-date"}, 422, "end"),
        ({"admin_area": 987654321}, 404, "admin_area"),
    ],
)
def test_map_page_rejects_bad_parameters(client, params, status, field):
    r = client.get("/map", params=params)
    assert r.status_code == status
    assert r.json()["field"] == field


def test_map_page_zooms_to_an_admin_area(public_client, session):
    area = AdminArea(name="Zone", level=1, geom=from_shape(MultiPolygon([box(100.0, 0.0, 101.0, 1.0)]), 4326))
    session.add(area)
    session.commit()
    r = public_client.get("/map", params={"admin_area": area.id})
    assert r.status_code == 200
    assert "fitBounds([[0.0, 100.0], [1.0, 101.0]], {animate: false})" in r.text


def test_choropleth_needs_a_key_unless_public(client, public_client, viewer):
    assert client.get("/map/admin-areas").status_code == 401
    assert client.get("/map/admin-areas", headers=viewer).json()["type"] == "FeatureCollection"
    assert public_client.get("/map/admin-areas").status_code == 200
    assert public_client.get("/map/admin-areas", params={"bbox": "9,9,1,1"}).json()["field"] == "bbox"


def test_incident_grid_needs_a_view(public_client):
    assert public_client.get("/map/incident-grid").json()["field"] == "bbox"
    r = public_client.get("/map/incident-grid", params={"bbox": "10,0,30,12", "end": "2024-06-30"})
    assert r.status_code == 200 and r.json()["type"] == "FeatureCollection"


def test_qip_page_has_every_field_and_no_data(client):
    r = client.get("/qips/plot")
    assert r.status_code == 200
    for name in ("title", "sector", "budget_usd", "start_on", "end_on", "implementing_partner", "funded_by", "key"):
        assert f'name="{name}"' in r.text
    assert 'data-error="budget_usd"' in r.text
    assert "/static/js/qip_plot.js" in r.text


def test_static_files_stay_inside_the_static_folder(public_client):
    assert public_client.get("/static/js/peacemap.js").status_code == 200
    assert public_client.get("/static/../../pyproject.toml").status_code == 404
    assert public_client.get("/static/%2e%2e/%2e%2e/pyproject.toml").status_code == 404
    assert (
        public_client.get("/static/vendor/nothing.js")
        .json()["detail"]
        .endswith("(run `make assets` to fetch the map libraries)")
    )


def test_the_tab_icon_is_served_without_a_key(client):
    """Browsers ask every page's origin for /favicon.ico: a 404 there was a console error on each page."""
    r = client.get("/favicon.ico")  # ``client``: a server without public read, and no key
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/png"
    assert r.content.startswith(b"\x89PNG\r\n\x1a\n")


def test_pages_take_every_url_from_the_app_routes(client):
    """The URLs a page hands to the browser are the app's own routes, looked up by name."""
    from api.routers.pages import QIP_PLOT_ROUTES
    from frontend import STATIC_DIR
    from layers import ROUTE_NAMES

    app = client.app
    paths = {name: app.url_path_for(name) for name in {*ROUTE_NAMES, *QIP_PLOT_ROUTES}}  # each name exists
    html = client.get("/map").text
    specs = [json.loads(m) for m in re.findall(r"peacemap\.remoteLayer\(\w+, \w+, (\{.*\})\);", html)]
    assert specs and {s["url"] for s in specs} | {s["gridUrl"] for s in specs if s["gridUrl"]} <= set(paths.values())
    qip_page = client.get("/qips/plot").text
    config = json.loads(re.search(r"PEACEMAP_QIP = (\{.*\});", qip_page).group(1).replace("<\\/", "</"))
    assert config["urls"] == {name: paths[name] for name in QIP_PLOT_ROUTES}
    for script in (STATIC_DIR / "js").glob("*.js"):
        assert "/api/v1" not in script.read_text(), script.name


@pytest.fixture(scope="module")
def raw_server(db_url):
    """The app behind a real uvicorn, for requests no client library rewrites."""
    from api.app import create_app
    from api.live import LiveServer
    from api.settings import ApiSettings

    server = LiveServer(create_app(ApiSettings(public_read=True), db_url=db_url))
    yield server
    server.close()


def _raw_get(server, raw_path: str) -> tuple[int, bytes]:
    """GET with the path exactly as written (http.client sends it unchanged)."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", raw_path)
        res = conn.getresponse()
        return res.status, res.read()
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("raw", "seen"),
    [
        ("/static/../../pyproject.toml", "../../pyproject.toml"),
        ("/static/%2e%2e/%2e%2e/pyproject.toml", "../../pyproject.toml"),
        ("/static/..%2f..%2fpyproject.toml", "../../pyproject.toml"),
        ("/static/js/../../../pyproject.toml", "js/../../../pyproject.toml"),
        ("/static/%2e%2e%2f%2e%2e%2fgeo/config.py", "../../geo/config.py"),
        ("/static//etc/passwd", "/etc/passwd"),
        ("/static/%2fetc%2fpasswd", "/etc/passwd"),
    ],
)
def test_static_traversal_reaches_the_server_and_is_refused(raw_server, raw, seen):
    import json

    from frontend import STATIC_DIR

    assert (STATIC_DIR / seen).resolve().is_file()  # without the check the file would be served
    assert _raw_get(raw_server, "/static/js/peacemap.js")[0] == 200  # the raw client works
    status, body = _raw_get(raw_server, raw)
    assert status == 404, body[:200]
    error = json.loads(body)
    # The static route's own check answered (a routing miss has no field), with the path as the server saw it.
    assert (error["field"], error["detail"]) == ("path", f"no static file {seen!r}")
