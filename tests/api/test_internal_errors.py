"""What a library says about a failure (PostgreSQL, GDAL, a traceback) is
logged with the request id and never sent; the client gets a plain sentence,
the field where one is at fault, and the id to quote."""

from __future__ import annotations

import io
import logging
from datetime import date

import pytest
from fastapi.testclient import TestClient
from geoalchemy2.shape import from_shape
from shapely.geometry import Point

from api.app import create_app
from api.deps import SessionDep
from api.settings import ApiSettings
from geo.models import Community, Incident

POINT = {"type": "Point", "coordinates": [20.0, 6.0]}
# Words only PostgreSQL, psycopg or GDAL would use.
INTERNAL = ("integer out of range", "PostgreSQL", "sqlite", "SELECT", "gpkg_", "/tmp", "vsizip", "psycopg")


def _public(body: dict) -> str:
    text = str(body)
    for word in INTERNAL:
        assert word not in text, (word, text)
    return text


def _logged(caplog, rid: str) -> str:
    lines = [r.getMessage() for r in caplog.records if r.name == "peacemap.api" and rid in r.getMessage()]
    assert lines, [r.getMessage() for r in caplog.records]
    return " ".join(lines)


def _unchecked_writes(app) -> None:
    """Routes that store values without the API's checks, added for these
    tests only: the stand-in for a check the edge might lack, so what the
    database itself refuses is still seen through the error handlers."""

    @app.post("/unchecked/community")
    def community(session: SessionDep):
        session.add(Community(name="x", kind="village", population=3_000_000_000, geom=from_shape(Point(20, 6), 4326)))
        session.flush()

    @app.post("/unchecked/incident")
    def incident(session: SessionDep):
        session.add(
            Incident(
                occurred_on=date(2024, 1, 1), event_type="battle", actor1="a\x00b", geom=from_shape(Point(20, 6), 4326)
            )
        )
        session.flush()


def test_database_refusals_are_plain_and_logged_with_the_request_id(client, editor, session, caplog, count):
    caplog.set_level(logging.WARNING, "peacemap.api")
    _unchecked_writes(client.app)
    r = client.post("/unchecked/community", headers={**editor, "X-Request-ID": "probe-1"})
    assert r.status_code == 422 and r.headers["X-Request-ID"] == "probe-1"
    body = r.json()
    _public(body)
    assert body["detail"].startswith("a number is out of range") and body["request_id"] == "probe-1"
    assert "integer out of range" in _logged(caplog, "probe-1")

    r = client.post("/unchecked/incident", headers=editor)
    assert r.status_code == 422
    _public(r.json())
    assert "NUL character" in r.json()["detail"]
    assert "PostgreSQL text fields cannot contain NUL" in _logged(caplog, r.headers["X-Request-ID"])
    assert count(session, Community) == count(session, Incident) == 0


def test_values_the_database_would_refuse_are_refused_at_the_edge_naming_the_field(client, editor, session, count):
    """An integer beyond its column's type and a text holding NUL never reach
    the database through the API: a 422 names the property."""
    for resource, properties, field in [
        ("communities", {"name": "x", "kind": "village", "population": 3_000_000_000}, "properties.population"),
        ("incidents", {"occurred_on": "2024-01-01", "event_type": "battle", "actor1": "a\x00b"}, "properties.actor1"),
    ]:
        r = client.post(
            f"/api/v1/{resource}", headers=editor, json={"type": "Feature", "geometry": POINT, "properties": properties}
        )
        assert r.status_code == 422 and r.json()["field"] == field, r.json()
        assert "request_id" not in r.json()  # nothing went as far as the database
    assert count(session, Community) == count(session, Incident) == 0


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_a_non_finite_number_is_reported_as_such(client, editor, value):
    body = (
        '{"type": "Feature", "geometry": {"type": "Point", "coordinates": [20, 6]}, '
        f'"properties": {{"title": "t", "sector": "water", "budget_usd": {value}}}}}'
    )
    r = client.post("/api/v1/qips", content=body, headers={**editor, "Content-Type": "application/json"})
    assert r.status_code == 422
    assert (r.json()["field"], r.json()["errors"][0]["message"]) == ("properties.budget_usd", "must be a finite number")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("x.gpkg", b"SQLite format 3\x00" + b"garbage" * 20),
        ("x.geojson", b'{"type": "FeatureCollection", "features": [{"type": "Feature"'),
        ("x.zip", b"PK\x03\x04garbage"),
    ],
)
def test_unreadable_vector_files_do_not_echo_gdal(client, editor, caplog, name, content):
    caplog.set_level(logging.WARNING, "peacemap.api")
    r = client.post("/api/v1/incidents/import", files={"file": (name, io.BytesIO(content))}, headers=editor)
    assert r.status_code == 422 and r.json()["field"] == "file"
    assert _public(r.json()) and f"cannot read {name} as a vector file" in r.json()["detail"]
    assert "peacemap-upload" not in _logged(caplog, r.headers["X-Request-ID"])  # the server's temp folder


def test_readiness_does_not_echo_the_driver(caplog):
    caplog.set_level(logging.WARNING, "peacemap.api")
    app = create_app(ApiSettings(), db_url="postgresql+psycopg://nobody@127.0.0.1:9/nothing")
    with TestClient(app) as c:
        r = c.get("/readyz")
    assert r.status_code == 503 and r.json() == {
        "status": "unavailable",
        "detail": "the database is not reachable (see the server log)",
    }
    assert any("127.0.0.1" in rec.getMessage() for rec in caplog.records if rec.name == "peacemap.api")


def test_an_unexpected_error_is_a_500_with_the_request_id_only(db_url, caplog):
    app = create_app(ApiSettings(), db_url=db_url)

    @app.get("/boom")  # a route with a bug, added for this test only
    def boom():
        return {"x": [1][2]}

    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/boom", headers={"X-Request-ID": "bad id\nwith a newline"})
    rid = r.headers["X-Request-ID"]
    assert r.status_code == 500 and rid != "bad id\nwith a newline" and len(rid) == 32
    assert r.json() == {
        "detail": f"internal error; quote request id {rid} to the operators",
        "code": "internal",
        "request_id": rid,
    }
    record = next(rec for rec in caplog.records if rec.name == "peacemap.api" and rid in rec.getMessage())
    assert record.exc_info and record.exc_info[0] is IndexError
