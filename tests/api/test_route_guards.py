"""Every route of the app, called without a key and with each role, answers
as its rule says: writes (POST, PATCH, PUT, DELETE) need an editor key, key
management an admin key, reads a viewer key (none when public read is on).
A route added without a guard fails here; the few routes that are open on
purpose are listed below, each with its reason.

"Refused" is 401 without a key and 403 with too weak a key; "let through" is
any other answer (a 404 for a made-up id or a 422 for an empty body still
shows the guard passed)."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import iter_route_contexts

from api.app import create_app
from api.settings import ApiSettings

WRITES = {"POST", "PATCH", "PUT", "DELETE"}
ADMIN_PREFIX = "/api/v1/keys"
OPEN = {  # (method, path) → why it needs no key
    ("GET", "/healthz"): "liveness probe for process supervisors; says nothing about the data",
    ("GET", "/readyz"): "readiness probe for load balancers; says only whether the database answers",
    ("GET", "/map"): "page shell without data; the browser fetches every layer with the user's key",
    ("GET", "/qips/plot"): "page shell without data; the browser fetches and saves with the user's key",
    ("GET", "/static/{path:path}"): "the pages' scripts, styles and map libraries",
    ("GET", "/favicon.ico"): "the pages' tab icon, which browsers ask for without the page's key",
    ("GET", "/openapi.json"): "the API's description, so clients can be generated before holding a key",
    ("GET", "/docs"): "the API's description, rendered",
    ("GET", "/docs/oauth2-redirect"): "part of the rendered API description",
    ("GET", "/redoc"): "the API's description, rendered",
}
# A value for each path parameter (an unknown parameter fails the test: add it here).
PATH_VALUES = {
    "fid": "987654321",
    "name": "no-such-key",
    "collection_id": "incidents",
    "feature_id": "987654321",
    "path": "js/peacemap.js",
    "area_id": "987654321",
    "raster_id": "987654321",
    "z": "3",
    "x": "4",
    "y": "3",
}


def _routes() -> list[tuple[str, str]]:
    app = create_app(ApiSettings())
    out = []
    for route in iter_route_contexts(app.routes):
        for method in sorted((route.methods or set()) - {"HEAD"}):
            out.append((method, route.path))
    return out


ROUTES = _routes()


def required_role(method: str, path: str) -> str | None:
    if (method, path) in OPEN:
        return None
    if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
        return "admin"
    return "editor" if method in WRITES else "viewer"


def _url(path: str) -> str:
    def value(m: re.Match) -> str:
        assert m[1] in PATH_VALUES, f"no test value for path parameter {m[1]!r}: add one to PATH_VALUES"
        return PATH_VALUES[m[1]]

    return re.sub(r"\{(\w+)(?::\w+)?\}", value, path)


def _call(client, method: str, path: str, headers: dict | None = None) -> int:
    body = {"json": {}} if method in WRITES else {}
    return client.request(method, _url(path), headers=headers or {}, **body).status_code


def test_the_app_has_the_routes_this_test_expects():
    assert len(ROUTES) > 60
    assert set(OPEN) <= set(ROUTES), set(OPEN) - set(ROUTES)  # no stale exception
    assert {m for m, _ in ROUTES} <= {"GET", *WRITES}


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_each_route_asks_for_its_role(client, public_client, viewer, editor, admin, method, path):
    role = required_role(method, path)
    anonymous, as_viewer, as_editor = (_call(client, method, path, h) for h in (None, viewer, editor))
    if role is None:
        assert anonymous not in (401, 403), OPEN[(method, path)]
        return
    assert anonymous == 401, f"{method} {path} answered {anonymous} without a key"
    if role == "viewer":
        assert as_viewer not in (401, 403)
        assert _call(public_client, method, path) not in (401, 403), "public read opens every read"
        return
    assert as_viewer == 403, f"{method} {path} let a viewer through ({as_viewer})"
    assert _call(public_client, method, path) == 401, "public read never opens a write or the keys"
    if role == "editor":
        assert as_editor not in (401, 403)
        return
    assert as_editor == 403, f"{method} {path} let an editor through ({as_editor})"
    assert _call(client, method, path, admin) not in (401, 403)
