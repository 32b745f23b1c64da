"""``peacemap maintain`` (``geo.maintenance``): each geometry table rewritten
in its spatial index's order, every row and value unchanged — checked on a
database of its own (CLUSTER rewrites the table; the suite's shared database
stays as it is)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from geo.config import PROJECT_ROOT
from geo.db import make_engine, migrate

PEACEMAP = Path(sys.executable).with_name("peacemap")
N = 10_000
BOX = "ST_MakeEnvelope(16, 4, 17, 5, 4326)"  # a ninth of the points' 3° × 3° square


@pytest.fixture(scope="module")
def scattered(cluster):
    """10 000 incidents at seeded random places, written in id order: their
    neighbours in space lie on blocks all over the table."""
    name = "peacemap_test_maintain"
    url = cluster.create_database(name)
    migrate(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("SELECT setseed(0.42)"))
        conn.execute(
            text(
                "INSERT INTO incidents (occurred_on, event_type, fatalities, location_name, geom) "
                "SELECT DATE '2025-01-01' + (i % 300), 'battle', i % 7, 'place ' || i, "
                "ST_SetSRID(ST_MakePoint(15 + 3 * random(), 3 + 3 * random()), 4326) "
                f"FROM generate_series(1, {N}) AS i"
            )
        )
    yield url, engine
    engine.dispose()
    cluster.drop_database(name)


def _rows(conn) -> list[tuple]:
    return conn.execute(
        text("SELECT id, occurred_on, fatalities, location_name, ST_AsEWKB(geom) FROM incidents ORDER BY id")
    ).all()


def _blocks_in_box(conn) -> tuple[int, int]:
    """The incidents in BOX and the number of heap blocks holding them."""
    return conn.execute(
        text(f"SELECT count(*), count(DISTINCT (ctid::text::point)[0]) FROM incidents WHERE ST_Intersects(geom, {BOX})")
    ).one()


def _run(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PEACEMAP_DATABASE_URL": url}
    return subprocess.run(
        [str(PEACEMAP), "maintain", *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_maintain_orders_the_rows_by_space_and_changes_none(scattered):
    url, engine = scattered
    with engine.connect() as conn:
        before, (in_box, blocks_before) = _rows(conn), _blocks_in_box(conn)
        table_blocks = conn.scalar(text("SELECT pg_relation_size('incidents') / 8192"))
    assert in_box > 300 and blocks_before > table_blocks / 2  # scattered: the box's rows on most blocks

    done = _run(url, "incidents")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("incidents") and f"{N:,} rows ordered by idx_incidents_geom" in done.stdout

    with engine.connect() as conn:
        assert _rows(conn) == before  # every row, id and value as it was
        again, blocks_after = _blocks_in_box(conn)
        clustered = conn.scalar(
            text("SELECT indisclustered FROM pg_index WHERE indexrelid = CAST('idx_incidents_geom' AS regclass)")
        )
    assert again == in_box and clustered
    # Neighbours now share blocks: the box's rows (a ninth of the table) on a few of them, not most.
    assert blocks_after < blocks_before / 3, (blocks_after, blocks_before, table_blocks)


def test_maintain_refuses_a_name_that_is_not_a_geometry_resource(scattered):
    url, _ = scattered
    for name in ("nonsense", "interlocutors"):
        out = _run(url, name)
        assert out.returncode == 2 and f"{name!r} is not a resource with a geometry" in out.stderr
        assert "incidents" in out.stderr and "Traceback" not in out.stderr
