"""Every operation of ``/openapi.json`` fuzzed with schemathesis
(:mod:`api.fuzz`): a seeded subset of at least 1 000 valid and invalid
requests as a viewer, an editor, an admin and without a key (public read off
and on), against the real app served by uvicorn over a database of its own
holding the demo at a small scale. No answer may be a 5xx or differ from the
document (status, content type, body), and every 400/422 names its field.
``bench/fuzz.py`` runs the same with 10 000 cases and more.

A route added later is fuzzed here without a word; when it fails, the
report names the operation, the caller, the check and a ``curl`` that
reproduces it. The last test shows that each check catches what it is for.
"""

from __future__ import annotations

import pytest
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel

from api.app import create_app
from api.errors import error_body
from api.fuzz import CHECKS, Caller, fuzz, fuzz_target
from api.live import LiveServer
from api.settings import ApiSettings
from geo.db import migrate

FUZZ_DB = "peacemap_fuzz"
CASES = 1_000
SEED = 20261129


@pytest.fixture(scope="module")
def fuzzed(cluster):
    """The report of the fuzzing, and the operations and callers it was to cover."""
    url = cluster.create_database(FUZZ_DB)  # the fuzzing writes and deletes at will: a database of its own
    migrate(url)
    with fuzz_target(url) as (schema_url, callers):
        report = fuzz(schema_url, callers, cases=CASES, seed=SEED)
    operations = {f"{m.upper()} {p}" for p, ops in create_app(ApiSettings()).openapi()["paths"].items() for m in ops}
    return report, operations, callers


def test_every_operation_is_fuzzed_as_every_caller(fuzzed):
    report, operations, callers = fuzzed
    assert report.total >= CASES
    assert set(report.cases) == operations
    assert set(report.callers) == {c.name for c in callers}
    assert {s for s in report.statuses if s < 300} >= {200, 201, 204}  # valid requests got through
    assert {401, 403, 404, 422, 400} <= set(report.statuses)


def test_no_answer_is_a_server_error_or_differs_from_the_document(fuzzed):
    report, _, _ = fuzzed
    assert not report.findings, report.describe()
    assert not [s for s in report.statuses if s >= 500]


class Shape(BaseModel):
    name: str


def _faulty_app(db_url: str):
    """The real app plus one route per kind of fault, for the test below only."""
    app = create_app(ApiSettings(public_read=True), db_url=db_url)

    @app.get("/probe/crash")
    def crash():
        return {"x": [1][2]}

    @app.get("/probe/teapot")
    def teapot():
        return JSONResponse(error_body("I am a teapot", "teapot"), status_code=418)

    @app.get("/probe/text")
    def text():
        return PlainTextResponse("not JSON")

    @app.get("/probe/shape", response_model=Shape)
    def shape():
        return JSONResponse({"title": 1})

    @app.get("/probe/fieldless")
    def fieldless(n: int = 0):
        return JSONResponse(error_body("something is wrong", "invalid"), status_code=422)

    return app


def test_each_check_catches_what_it_is_for(db_url):
    server = LiveServer(_faulty_app(db_url))
    try:
        report = fuzz(
            f"{server.url}/openapi.json",
            [Caller("anonymous", server.url)],
            cases=10,
            seed=SEED,
            select=lambda label: "/probe/" in label,
        )
    finally:
        server.close()
    caught = {(f.operation, f.check) for f in report.findings.values()}
    assert caught == {
        ("GET /probe/crash", "not_a_server_error"),
        ("GET /probe/crash", "status_code_conformance"),
        ("GET /probe/teapot", "status_code_conformance"),
        ("GET /probe/text", "content_type_conformance"),
        ("GET /probe/shape", "response_schema_conformance"),
        ("GET /probe/fieldless", "error_names_field"),
    }, report.describe()
    assert {check for _, check in caught} == set(CHECKS)
