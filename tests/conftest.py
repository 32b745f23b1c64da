"""Test fixtures: a real PostGIS started by the suite itself (DESIGN §8).

The suite runs its own embedded cluster under ``PEACEMAP_TEST_DATA_DIR``
(default ``.peacemap/test``), separate from the one ``make run`` uses, and
creates a fresh database for each run. If the cluster cannot be started the
suite fails loudly: nothing is skipped.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy.orm import Session

from geo.cluster import LocalCluster
from geo.config import PROJECT_ROOT
from geo.db import make_engine, migrate

SHARED_DATA = (PROJECT_ROOT.parent / "shared" / "data").resolve()
TEST_DATA_DIR = Path(os.environ.get("PEACEMAP_TEST_DATA_DIR", PROJECT_ROOT / ".peacemap" / "test"))
TEST_DB = "peacemap_test"


@pytest.fixture(scope="session")
def cluster() -> LocalCluster:
    c = LocalCluster(TEST_DATA_DIR, fast=True)
    c.up()
    return c


@pytest.fixture(scope="session")
def db_url(cluster: LocalCluster) -> str:
    """A fresh, migrated database for this test run."""
    url = cluster.create_database(TEST_DB)
    migrate(url)
    return url


@pytest.fixture(scope="session")
def engine(db_url: str):
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine):
    """A session whose every commit is rolled back after the test."""
    conn = engine.connect()
    outer = conn.begin()
    s = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield s
    finally:
        s.close()
        outer.rollback()
        conn.close()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"the shared data folder is missing: {SHARED_DATA}")
    return SHARED_DATA


# Hypothesis profiles: "default" (make test) and "thorough" (make test-thorough,
# or HYPOTHESIS_PROFILE=thorough). Deadlines off: example times vary with the
# machine's load; the property tests bound their own sizes.
settings.register_profile("default", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
