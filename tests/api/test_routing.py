"""The shared request parameters (api/params.py) and the route names other
code relies on: paging takes its default and maximum from the app's
settings, OGC caps where the JSON API refuses, and every route the layers
and pages ask for by name resolves to its path."""

from __future__ import annotations

import pytest

from geo.resources import REGISTRY

N = 5


@pytest.fixture
def five_sites(client, editor):
    example = REGISTRY["sites"].example
    for i in range(N):
        feature = {**example, "properties": {**example["properties"], "name": f"site {i}"}}
        assert client.post("/api/v1/sites", json=feature, headers=editor).status_code == 201


def test_page_sizes_come_from_the_settings(make_client, five_sites):
    with make_client(public_read=True, default_limit=2, max_limit=3, ogc_default_limit=1) as small:
        assert small.get("/api/v1/sites").json()["numberReturned"] == 2
        assert small.get("/api/v1/sites", params={"limit": 3}).json()["numberReturned"] == 3
        refused = small.get("/api/v1/sites", params={"limit": 4})
        assert refused.status_code == 422 and refused.json()["field"] == "limit" and "3" in refused.json()["detail"]
        assert small.get("/api/v1/analysis/engagement-gaps", params={"limit": 4}).status_code == 422
        assert small.get("/ogc/collections/sites/items").json()["numberReturned"] == 1
        capped = small.get("/ogc/collections/sites/items", params={"limit": 4}).json()
        assert capped["numberReturned"] == 3 and capped["numberMatched"] == N


def test_the_defaults_are_the_documented_ones(make_client, five_sites):
    with make_client(public_read=True) as default:
        assert default.get("/api/v1/sites").json()["numberReturned"] == N  # under 100
        assert default.get("/api/v1/sites", params={"limit": 10_000}).status_code == 200
        assert default.get("/api/v1/sites", params={"limit": 10_001}).json()["field"] == "limit"
        assert default.get("/ogc/collections/sites/items", params={"limit": 50_000}).status_code == 200
        doc = default.get("/openapi.json").json()["paths"]
        limit = next(
            p for p in doc["/ogc/collections/{collection_id}/items"]["get"]["parameters"] if p["name"] == "limit"
        )
        assert (limit["schema"]["default"], limit["schema"]["maximum"]) == (10, 10_000)


@pytest.mark.parametrize(
    "name, params, path",
    [
        ("incidents-list", {}, "/api/v1/incidents"),
        ("admin-areas-list", {}, "/api/v1/admin-areas"),
        ("admin-areas-get", {"fid": "7"}, "/api/v1/admin-areas/7"),
        ("qips-import", {}, "/api/v1/qips/import"),
        ("engagement-gaps", {}, "/api/v1/analysis/engagement-gaps"),
        ("coverage-gaps", {}, "/api/v1/analysis/coverage-gaps"),
        ("map-admin-areas", {}, "/map/admin-areas"),
        ("map-incident-grid", {}, "/map/incident-grid"),
    ],
)
def test_routes_have_the_names_other_code_uses(client, name, params, path):
    assert client.app.url_path_for(name, **params) == path


@pytest.mark.parametrize(
    "path, params",
    [
        ("/api/v1/export.gpkg", {"bbox": "1,2,3"}),
        ("/api/v1/analysis/coverage-gaps", {"bbox": "10,0,5,1"}),
        ("/map/admin-areas", {"bbox": "a,b,c,d"}),
        ("/map/incident-grid", {"bbox": "1,95,2,96"}),
        ("/map/incident-grid", {}),
    ],
)
def test_every_route_refuses_a_bad_bbox_naming_it(public_client, path, params):
    r = public_client.get(path, params=params)
    assert r.status_code == 422 and r.json()["field"] == "bbox", r.text


@pytest.mark.parametrize("path", ["/healthz", "/api/v1/incidents", "/ogc/conformance", "/tiles/incidents.json"])
def test_a_parameter_without_a_name_is_refused_naming_the_pair(public_client, path):
    # Found by the fuzzing: "?=5" is no parameter the route defines, and its 400 names it as sent.
    r = public_client.get(f"{path}?=5")
    assert r.status_code == 400 and r.json()["field"] == "=5", r.text
    assert public_client.get(f"{path}?=").json()["field"] == "="


def test_a_path_or_method_the_service_lacks_says_what_was_asked_and_where_routes_are(public_client):
    missing = public_client.get("/api/v1/analysis/gaps", params={"limit": 3})
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert missing.json()["detail"] == (
        "no route GET /api/v1/analysis/gaps: the service's routes are listed at /docs (and /openapi.json)"
    )
    wrong = public_client.put("/api/v1/sites", json={})
    assert wrong.status_code == 405 and "GET" in wrong.headers["allow"]
    assert wrong.json()["detail"] == "/api/v1/sites does not take PUT: its methods are listed at /docs"
    # A domain 404 keeps its own message (it names the record, not the route).
    assert "sites" in public_client.get("/api/v1/sites/999999").json()["detail"]
