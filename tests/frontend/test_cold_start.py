"""Cold start: right after a server starts, ``/map`` and every other layer
load while the engagement-gap analysis is still warming in the background;
the communities layer says it is warming up and appears once it is ready.

The analysis is made slow for real: a connection of the test holds an
ACCESS EXCLUSIVE lock on ``patrols`` (which the analysis reads and nothing
else on the default map does) from before the server starts until the
test releases it."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.browser
DB = "peacemap_test_cold_start"
OTHER_LAYERS = ("admin-areas", "agreements", "incidents", "qips", "sites")


@pytest.fixture(scope="module")
def cold_db(cluster, demo_database):
    """The demo in a database no server of this process has analysed yet."""
    yield demo_database(DB)
    cluster.drop_database(DB)


def test_map_loads_while_the_analysis_warms_and_communities_follow(
    cold_db, serve, lock_table, page, wait_ready, wait_for, artifacts
):
    lock = lock_table(cold_db, "patrols")
    server = serve(cold_db, public_read=True, warm_analysis=True)
    wait_for(lambda: lock.waiting() >= 1, "the warm-up to wait for the patrols")

    gaps = httpx.get(f"{server.url}/api/v1/analysis/engagement-gaps", timeout=30)
    assert gaps.status_code == 503 and gaps.json()["code"] == "warming_up" and int(gaps.headers["Retry-After"]) >= 1

    page.goto(f"{server.url}/map")
    page.wait_for_function(
        "keys => keys.every(k => peacemap.layers[k].loads >= 1)"
        " && peacemap.layers.communities.waiting === 'warming_up'",
        arg=list(OTHER_LAYERS),
        timeout=60_000,
    )
    for key in OTHER_LAYERS:
        assert page.evaluate(f"peacemap.layers[{key!r}].error") is None, key
    assert page.evaluate("peacemap.layers.communities.loads") == 0
    assert page.evaluate("pmProbe.ready") is False  # not ready without communities
    assert "warming up" in page.locator('[data-count="communities"]').inner_text()
    page.screenshot(path=str(artifacts / "map_cold_start_warming.png"))

    lock.release()
    wait_ready(page, timeout=60_000)
    state = page.evaluate(
        "(() => { const s = peacemap.layers.communities;"
        " return {loads: s.loads, returned: s.returned, error: s.error, waiting: s.waiting}; })()"
    )
    assert state["loads"] >= 1 and state["returned"] > 0 and state["error"] is None and state["waiting"] is None
    # The warm-up computes the map's set first, then the choropleth's and the API's default (api/warmup.py):
    # the map being ready says nothing of the later sets, so wait for the warm-up itself (a liveness bound).
    warmup = server.app.state.warmup
    warmup.join(timeout=60)
    assert not warmup.is_alive()
    assert httpx.get(f"{server.url}/api/v1/analysis/engagement-gaps", timeout=30).status_code == 200
