"""Overload and slow statements end in a prompt 503 with ``Retry-After``,
never a 500 after a long queue. The database is made slow for real: a
connection of the test holds an ACCESS EXCLUSIVE lock on a table, so every
request touching it waits (``lock_table``), and the test waits until the
server's requests are seen waiting in ``pg_stat_activity`` — no timings."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import psycopg

from geo.db import libpq_url


def _get(url: str, path: str, **kw) -> httpx.Response:
    with httpx.Client(base_url=url, timeout=60) as http:
        return http.get(path, **kw)


def _retry_later(r: httpx.Response, code: str) -> None:
    assert r.status_code == 503, r.text
    assert int(r.headers["Retry-After"]) >= 1
    assert r.json()["code"] == code and r.json()["detail"]


def test_requests_beyond_the_concurrency_limit_get_503_at_once(live_db_url, serve, lock_table, wait_for):
    server = serve(live_db_url, public_read=True, concurrency=2, queue_wait_s=0.2)
    lock = lock_table(live_db_url, "qips")
    with ThreadPoolExecutor(2) as pool:
        held = [pool.submit(_get, server.url, "/api/v1/qips") for _ in range(2)]
        wait_for(lambda: lock.waiting() == 2, "both admitted requests to wait on the lock")
        _retry_later(_get(server.url, "/api/v1/sites"), "overloaded")  # a third, on another table
        assert _get(server.url, "/healthz").status_code == 200  # the liveness probe is never held back
        lock.release()
        assert [f.result().status_code for f in held] == [200, 200], [f.result().text for f in held]
    assert _get(server.url, "/api/v1/sites").status_code == 200


def test_no_free_connection_is_a_503_not_a_30_s_wait(live_db_url, serve, lock_table, wait_for):
    server = serve(
        live_db_url, public_read=True, concurrency=4, db_pool_size=1, db_max_overflow=0, db_pool_timeout_s=0.2
    )
    lock = lock_table(live_db_url, "qips")
    with ThreadPoolExecutor(1) as pool:
        held = pool.submit(_get, server.url, "/api/v1/qips")  # holds the pool's only connection
        wait_for(lambda: lock.waiting() == 1, "the first request to wait on the lock")
        _retry_later(_get(server.url, "/api/v1/sites"), "overloaded")
        lock.release()
        assert held.result().status_code == 200


def test_a_statement_past_the_time_limit_is_a_503_that_says_what_to_do(live_db_url, serve, lock_table):
    server = serve(live_db_url, public_read=True, statement_timeout_s=0.3)
    lock = lock_table(live_db_url, "incidents")
    r = _get(server.url, "/api/v1/incidents")
    _retry_later(r, "timeout")
    assert "narrow" in r.json()["detail"] and "time limit" in r.json()["detail"]
    lock.release()
    assert _get(server.url, "/api/v1/incidents").status_code == 200


def test_analysis_reads_get_their_own_longer_bound(live_db_url, serve, lock_table, wait_for):
    server = serve(live_db_url, public_read=True, statement_timeout_s=0.3, analysis_timeout_s=600)
    lock = lock_table(live_db_url, "patrols")  # the analysis reads patrols; waits until released

    def waited_s() -> float:
        """How long (database clock) the longest lock wait of this database has lasted."""
        with psycopg.connect(libpq_url(live_db_url), autocommit=True) as c:
            return c.execute(
                "SELECT coalesce(max(extract(epoch FROM now() - query_start)), 0)"
                " FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock'"
            ).fetchone()[0]

    with ThreadPoolExecutor(1) as pool:
        gaps = pool.submit(_get, server.url, "/api/v1/analysis/engagement-gaps", params={"as_of": "2024-01-01"})
        wait_for(lambda: waited_s() > 3 * 0.3, "the analysis read to outlast the per-request bound")
        lock.release()
        assert gaps.result().status_code == 200, gaps.result().text


def test_serve_refuses_more_processes_than_the_database_has_connections_for(live_db_url, run_peacemap):
    """Processes whose pools could outgrow ``max_connections`` would work while quiet
    and fail under load: ``peacemap serve`` says so before it starts any."""
    with psycopg.connect(libpq_url(live_db_url)) as conn:
        slots = conn.execute(
            "SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int"
        ).fetchone()[0]
    each = 40 + 2 * 20  # the documented default budget: CONCURRENCY + 2 × DB_POOL_SIZE
    workers = slots // each + 1  # one process more than fit
    refused = run_peacemap(live_db_url, "serve", "--workers", str(workers), "--port", "1")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert f"may open {workers * each} database connections" in refused.stderr
    assert f"allows {slots}" in refused.stderr and "--workers" in refused.stderr
    assert "Traceback" not in refused.stderr
    # Smaller pools fit that many: the check then lets uvicorn start, which fails at once on port 1 (root
    # could bind it, so a taken-port check would be flaky: the refusal's message must be absent instead).
    fits = run_peacemap(
        live_db_url,
        "serve",
        "--workers",
        str(workers),
        "--port",
        "1",
        PEACEMAP_CONCURRENCY="2",
        PEACEMAP_DB_POOL_SIZE="1",
        PEACEMAP_HOST="256.0.0.1",
    )
    assert "database connections" not in fits.stderr
