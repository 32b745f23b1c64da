"""Request limits enforced before the work: a body over ``max_body_mb`` is
413 before it is parsed; a feature over ``max_vertices`` is 422 naming the
limit on the API (POST, PATCH) and a rejected row in the importers."""

from __future__ import annotations

import math

import pytest

from api.settings import ApiSettings
from geo.geometry import DEFAULT_MAX_VERTICES, limit_vertices
from geo.io.formats import import_file
from geo.models import AdminArea, Patrol


def ring(n: int, lon: float = 20.0, lat: float = 6.0, r: float = 0.5) -> list[list[float]]:
    """A closed ring of ``n`` coordinates (``n - 1`` distinct points)."""
    pts = [
        [lon + r * math.cos(2 * math.pi * k / (n - 1)), lat + r * math.sin(2 * math.pi * k / (n - 1))]
        for k in range(n - 1)
    ]
    return [*pts, pts[0]]


def area(n: int) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring(n)]},
        "properties": {"name": f"ring of {n}", "level": 2},
    }


@pytest.fixture
def small(db_url, session, make_client):
    with make_client(max_vertices=100, max_body_mb=0.01) as c:
        yield c


def test_a_body_over_the_cap_is_413_before_it_is_parsed(client, editor, session):
    eleven_mb = b"[" * 11_000_000  # not JSON: parsing it first would answer 422
    r = client.post("/api/v1/incidents", content=eleven_mb, headers={**editor, "Content-Type": "application/json"})
    assert r.status_code == 413, r.text
    assert r.json()["code"] == "too_large" and r.json()["field"] == "body"
    assert "10 MB" in r.json()["detail"] and "PEACEMAP_MAX_BODY_MB" in r.json()["detail"]


def test_a_body_without_a_declared_length_is_counted_as_it_arrives(small, editor, session):
    def chunks():  # no Content-Length: sent chunked
        for _ in range(30):
            yield b" " * 1000

    r = small.post("/api/v1/incidents", content=chunks(), headers={**editor, "Content-Type": "application/json"})
    assert "content-length" not in {k.lower() for k in r.request.headers}
    assert r.status_code == 413 and r.json()["field"] == "body"
    assert small.post("/api/v1/admin-areas", json=area(50), headers=editor).status_code == 201  # 1.9 kB passes


def test_features_over_the_vertex_limit_are_422_naming_it(small, editor, session, count):
    r = small.post("/api/v1/admin-areas", json=area(101), headers=editor)
    assert r.status_code == 422 and r.json()["field"] == "geometry"
    assert "101 vertices" in r.json()["detail"] and "at most 100" in r.json()["detail"]
    assert "PEACEMAP_MAX_VERTICES" in r.json()["detail"]
    ok = small.post("/api/v1/admin-areas", json=area(100), headers=editor)
    assert ok.status_code == 201, ok.text
    fid = ok.json()["id"]
    patch = small.patch(f"/api/v1/admin-areas/{fid}", json={"geometry": area(101)["geometry"]}, headers=editor)
    assert patch.status_code == 422 and "at most 100" in patch.json()["detail"]
    points = ring(102)[:-1]  # 101 points in two parts: a multi-part track counts every part
    two = {"type": "MultiLineString", "coordinates": [points[:60], points[60:]]}
    r = small.post(
        "/api/v1/patrols",
        headers=editor,
        json={
            "type": "Feature",
            "geometry": two,
            "properties": {
                "started_at": "2024-01-01T06:00:00Z",
                "ended_at": "2024-01-01T09:00:00Z",
                "patrol_type": "foot",
                "component": "military",
            },
        },
    )
    assert r.status_code == 422 and "101 vertices" in r.json()["detail"] and "at most 100" in r.json()["detail"]
    assert count(session, AdminArea) == 1 and count(session, Patrol) == 0


def test_the_default_limit_holds_a_feature_at_the_limit_and_refuses_more(client, editor, session):
    """The default (about 4x the largest real boundary measured: DR Congo's
    outline in Who's On First, 47 314 vertices) takes a feature of exactly that
    many vertices, written at full precision under the default body cap, and
    refuses one more."""
    at_limit = client.post("/api/v1/admin-areas", json=area(DEFAULT_MAX_VERTICES), headers=editor)
    assert at_limit.status_code == 201, at_limit.text
    over = client.post("/api/v1/admin-areas", json=area(DEFAULT_MAX_VERTICES + 1), headers=editor)
    assert over.status_code == 422 and f"at most {DEFAULT_MAX_VERTICES:,}" in over.json()["detail"]
    assert ApiSettings().max_vertices == DEFAULT_MAX_VERTICES


def test_importers_reject_a_feature_over_the_vertex_limit_with_its_reason(session, tmp_path, count, write_gpx):
    path = tmp_path / "tracks.gpx"
    write_gpx(path, {"at the limit": 120, "one over": 121})
    with limit_vertices(120):
        report = import_file(session, "patrols", path, constants={"component": "military"})
    assert report.imported == 1 and report.rejected == 1
    (reject,) = report.rejects
    assert (reject.row, reject.field) == (2, "geometry")
    assert "121 vertices" in reject.reason and "at most 120" in reject.reason
    assert count(session, Patrol) == 1


def test_upload_uses_the_configured_vertex_limit(db_url, session, editor, tmp_path, make_client, write_gpx):
    path = tmp_path / "tracks.gpx"
    write_gpx(path, {"short": 40, "long": 60})
    with make_client(max_vertices=50) as c, open(path, "rb") as fh:
        r = c.post(
            "/api/v1/patrols/import",
            files={"file": ("tracks.gpx", fh)},
            headers=editor,
            params={"set": "component=military"},
        )
    assert r.status_code == 201, r.text
    assert (r.json()["imported"], r.json()["rejected"]) == (1, 1)
    assert "at most 50" in r.json()["rejects"][0]["reason"]
