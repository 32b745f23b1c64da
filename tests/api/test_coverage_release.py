"""The coverage-gap route computes its buffers with no database connection
checked out: it reads the patrols, gives the connection back, then
computes (``checkouts_during`` records the pool when the heavy step starts)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ApiSettings
from geo.analysis import coverage


def test_coverage_gaps_compute_with_no_connection_checked_out(db_url, checkouts_during):
    app = create_app(ApiSettings(public_read=True, warm_analysis=False), db_url=db_url)
    with TestClient(app) as client:
        seen = checkouts_during(coverage, "uncovered", app.state.engine)
        r = client.get("/api/v1/analysis/coverage-gaps", params={"bbox": "16,4,17,5", "as_of": "2024-06-30"})
    assert r.status_code == 200, r.text
    assert seen == [0]
