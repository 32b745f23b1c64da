"""The database stops and starts again under a client creating rows: while
it is down every request is a prompt 503 with ``Retry-After``, the service
recovers by itself when it is back, and every create it acknowledged is
stored. A real stop/start of the suite's own cluster; the cluster is up
again (and the suite's engine usable) whatever happens in the test."""

from __future__ import annotations

import threading
import uuid

import httpx
import psycopg
from sqlalchemy import text

from geo.db import libpq_url

# Generous: a request that waited this long would mean the service stalls
# (the old pool waited 30 s per request); the down database refuses at once.
CLIENT_TIMEOUT_S = 10


def _feature(source: str, i: int) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [19.0, 5.0 + i * 1e-5]},
        "properties": {
            "occurred_on": "2024-05-01",
            "event_type": "protest",
            "fatalities": 0,
            "source": source,
            "source_id": str(i),
        },
    }


class CreateLoop(threading.Thread):
    """POSTs incidents back to back, recording ``(phase, status, body, retry_after)``."""

    def __init__(self, url: str, headers: dict, source: str):
        super().__init__(daemon=True)
        self.url, self.headers, self.source = url, headers, source
        self.phase = "before"
        self.results: list[tuple] = []
        self.stop = threading.Event()

    def run(self):
        with httpx.Client(base_url=self.url, headers=self.headers, timeout=CLIENT_TIMEOUT_S) as http:
            i = 0
            while not self.stop.is_set():
                phase = self.phase
                try:
                    r = http.post("/api/v1/incidents", json=_feature(self.source, i))
                    self.results.append((phase, r.status_code, r.json(), r.headers.get("Retry-After")))
                except httpx.TimeoutException:
                    self.results.append((phase, "timeout", None, None))
                i += 1

    def count(self, phase: str, status) -> int:
        return sum(1 for p, s, _, _ in list(self.results) if p == phase and s == status)


def test_database_restart_under_writes(cluster, live_db_url, engine, serve, committed_key, wait_for):
    server = serve(live_db_url)
    source = f"restart-{uuid.uuid4().hex}"
    loop = CreateLoop(server.url, committed_key(live_db_url, "editor"), source)
    loop.start()
    try:
        wait_for(lambda: loop.count("before", 201) >= 5, "creates before the stop")
        loop.phase = "stopping"
        cluster.down()
        loop.phase = "down"
        wait_for(lambda: loop.count("down", 503) >= 5, "503s while the database is down")
        loop.phase = "starting"
        cluster.up()
        loop.phase = "after"
        wait_for(lambda: loop.count("after", 201) >= 5, "creates after the restart (recovery by itself)")
    finally:
        loop.stop.set()
        loop.join(CLIENT_TIMEOUT_S * 2)
        cluster.up()  # no-op when it is up: the rest of the suite needs its database

    statuses = {s for _, s, _, _ in loop.results}
    assert statuses <= {201, 503}, statuses  # never a 500, never a stall
    down = [r for r in loop.results if r[0] == "down"]
    assert down and all(s == 503 and int(ra) >= 1 and body["code"] == "database_unavailable" for _, s, body, ra in down)
    acknowledged = {body["id"] for _, s, body, _ in loop.results if s == 201}
    with psycopg.connect(libpq_url(live_db_url)) as c:
        present = {r[0] for r in c.execute("SELECT id FROM incidents WHERE source = %s", (source,))}
    assert acknowledged <= present and len(acknowledged) >= 10
    with engine.connect() as conn:  # the suite's own engine still works
        assert conn.scalar(text("SELECT 1")) == 1
