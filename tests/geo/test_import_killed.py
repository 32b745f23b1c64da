"""An import killed mid-file leaves nothing behind: ``peacemap import`` (a
real process) on a generated UCDP GED file of several chunks is SIGKILLed
once it has loaded a whole chunk and is loading the next, and the database
holds no row of the file (nor its audit row) — the file is one transaction
(one savepoint in it), never committed chunk by chunk."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg
import pytest

from geo.config import PROJECT_ROOT
from geo.db import libpq_url, migrate
from geo.io.sources import CSV_CHUNK

PEACEMAP = Path(sys.executable).with_name("peacemap")
DB = "peacemap_test_import_killed"
CHUNKS = 3


@pytest.fixture(scope="module")
def killed_db(cluster):
    url = cluster.create_database(DB)
    migrate(url)
    yield url
    cluster.drop_database(DB)


def ged_csv(path: Path, rows: int) -> None:
    """A valid UCDP GED CSV of ``rows`` events in the Central African Republic."""
    rng = np.random.default_rng(5)
    pd.DataFrame(
        {
            "id": np.arange(1, rows + 1),
            "type_of_violence": rng.integers(1, 4, rows),
            "side_a": "Government of Central African Republic",
            "side_b": "UPC",
            "where_prec": 1,
            "where_coordinates": "somewhere",
            "latitude": rng.uniform(4, 8, rows).round(4),
            "longitude": rng.uniform(16, 22, rows).round(4),
            "date_prec": 1,
            "date_start": "2021-03-01",
            "date_end": "2021-03-01",
            "deaths_civilians": 0,
            "best": rng.integers(0, 5, rows),
        }
    ).to_csv(path, index=False)


def test_import_killed_mid_file_leaves_nothing(killed_db, tmp_path, wait_for):
    ged = tmp_path / "ged_big.csv"
    ged_csv(ged, CHUNKS * CSV_CHUNK)
    with psycopg.connect(libpq_url(killed_db), autocommit=True) as watch:

        def scalar(sql):
            return watch.execute(sql).fetchone()[0]

        seq = scalar("SELECT pg_get_serial_sequence('incidents', 'id')")
        env = {**os.environ, "PEACEMAP_DATABASE_URL": killed_db}
        proc = subprocess.Popen(
            [str(PEACEMAP), "import", "ucdp", str(ged)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            # Sequence values are visible outside the transaction: past one
            # chunk means a whole chunk is in the table and the next is loading.
            wait_for(
                lambda: proc.poll() is not None or scalar(f"SELECT last_value FROM {seq}") > CSV_CHUNK,
                "the import to load its first chunk",
                timeout_s=300,
            )
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.kill()
            proc.wait()
        assert proc.returncode == -signal.SIGKILL, f"the import ended before it was killed: {proc.stderr.read()!r}"
        assert scalar(f"SELECT last_value FROM {seq}") < CHUNKS * CSV_CHUNK  # it was killed mid-file

        # The server notices a dead client only when it next talks to it; a
        # transaction can commit only on the client's COMMIT, so ending the
        # orphaned backend now changes nothing but the wait.
        watch.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        wait_for(
            lambda: scalar(
                "SELECT count(*) = 0 FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ),
            "the killed import's backend to end",
            timeout_s=300,
        )
        assert scalar("SELECT count(*) FROM incidents") == 0
        assert scalar("SELECT count(*) FROM audit_log") == 0
