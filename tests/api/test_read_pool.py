"""A feature page reads from its own pool (``api.deps.get_read_session``);
the caller's key is looked up on the main pool's session, whose transaction
then ends: a keyed page holds one connection at a time, so a process's
connections in use never exceed the requests it handles (api/settings.py)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.app import create_app
from api.routers import ogc
from api.settings import ApiSettings


def test_a_keyed_feature_page_holds_no_main_pool_connection_while_it_reads(db_url, committed_key, checkouts_during):
    app = create_app(ApiSettings(public_read=False, warm_analysis=False), db_url=db_url)
    headers = committed_key(db_url, "viewer")
    with TestClient(app) as client:
        seen = checkouts_during(ogc, "page_text", app.state.engine)
        r = client.get("/ogc/collections/incidents/items", params={"limit": 1}, headers=headers)
        assert r.status_code == 200, r.text
        assert client.get("/ogc/collections/incidents/items", params={"limit": 1}).status_code == 401
    assert seen == [0]  # the key's lookup gave its connection back before the page was read
