"""A 2xx means committed: the COMMIT happens before the response is sent,
so a COMMIT that fails reaches the client as an error, and a read right
after a create always finds the row. Against a live server over committed
data (``live_db_url``), since the suite's rolled-back sessions never commit."""

from __future__ import annotations

import itertools
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import psycopg
import pytest

from geo.db import libpq_url

PAIRS = 1000
WRITERS = 20


def incident(source: str, i: int, **props) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [18.5 + (i % 1000) * 1e-4, 4.4]},
        "properties": {
            "occurred_on": "2024-03-14",
            "event_type": "battle",
            "fatalities": 1,
            "actor1": f"actor {i}",
            "source": source,
            "source_id": str(i),
            **props,
        },
    }


def stored(url: str, source: str, **where) -> list[tuple]:
    sql = "SELECT id, fatalities FROM incidents WHERE source = %s" + "".join(f" AND {k} = %s" for k in where)
    with psycopg.connect(libpq_url(url), autocommit=True) as c:
        return c.execute(sql + " ORDER BY id", (source, *where.values())).fetchall()


@pytest.fixture
def deferred_fk(live_db_url):
    """Incidents whose ``fatalities`` is not in a small allow-list violate a
    foreign key checked only at COMMIT (``DEFERRABLE INITIALLY DEFERRED``):
    the INSERT and everything after it in the request succeed, the COMMIT fails."""
    with psycopg.connect(libpq_url(live_db_url), autocommit=True) as c:
        c.execute("CREATE TABLE test_allowed_fatalities (n integer PRIMARY KEY)")
        c.execute("INSERT INTO test_allowed_fatalities VALUES (0), (1), (2)")
        c.execute(
            "ALTER TABLE incidents ADD CONSTRAINT test_fatalities_allowed FOREIGN KEY (fatalities)"
            " REFERENCES test_allowed_fatalities (n) DEFERRABLE INITIALLY DEFERRED NOT VALID"
        )
    yield
    with psycopg.connect(libpq_url(live_db_url), autocommit=True) as c:
        c.execute("ALTER TABLE incidents DROP CONSTRAINT test_fatalities_allowed")
        c.execute("DROP TABLE test_allowed_fatalities")


def test_a_commit_that_fails_is_an_error_not_a_201(live_db_url, deferred_fk, serve, committed_key):
    server = serve(live_db_url)
    editor = committed_key(live_db_url, "editor")
    source = f"deferred-{uuid.uuid4().hex}"
    with httpx.Client(base_url=server.url, headers=editor, timeout=30) as http:
        ok = http.post("/api/v1/incidents", json=incident(source, 1, fatalities=2))
        refused = http.post("/api/v1/incidents", json=incident(source, 2, fatalities=7))
        audit_before = http.get("/api/v1/incidents", params={"limit": 1})  # the server still answers
    assert ok.status_code == 201, ok.text
    assert refused.status_code in (409, 422, 503), refused.text
    body = refused.json()
    assert (
        body["code"] in ("conflict", "invalid", "database_unavailable") and "test_fatalities_allowed" in body["detail"]
    )
    assert audit_before.status_code == 200
    assert stored(live_db_url, source) == [(ok.json()["id"], 2)]
    with psycopg.connect(libpq_url(live_db_url), autocommit=True) as c:  # nor its audit row
        audited = c.execute(
            "SELECT count(*) FROM audit_log WHERE after->'properties'->>'source' = %s", (source,)
        ).fetchone()[0]
    assert audited == 1


def test_every_create_reads_back_at_once_under_concurrency(live_db_url, serve, committed_key):
    server = serve(live_db_url)
    editor = committed_key(live_db_url, "editor")
    source = f"pairs-{uuid.uuid4().hex}"
    counter = itertools.count()

    def writer(_: int) -> list[tuple]:
        out = []
        with httpx.Client(base_url=server.url, headers=editor, timeout=60) as http:
            while (i := next(counter)) < PAIRS:
                created = http.post("/api/v1/incidents", json=incident(source, i))
                fid = created.json().get("id") if created.status_code == 201 else None
                read = http.get(f"/api/v1/incidents/{fid}") if fid else None
                out.append(
                    (
                        i,
                        created.status_code,
                        fid,
                        read.status_code if read else None,
                        read.json()["properties"]["source_id"]
                        if read is not None and read.status_code == 200
                        else None,
                    )
                )
        return out

    with ThreadPoolExecutor(WRITERS) as pool:
        results = [r for rs in pool.map(writer, range(WRITERS)) for r in rs]
    assert len(results) == PAIRS
    bad = [r for r in results if r[1] != 201 or r[3] != 200 or r[4] != str(r[0])]
    assert not bad, f"{len(bad)} of {PAIRS} create-then-read pairs failed, e.g. {bad[:5]}"
    assert len(stored(live_db_url, source)) == PAIRS
