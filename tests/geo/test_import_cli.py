"""``peacemap import`` as a user runs it: a real process against its own
database in the test cluster (so the suite's shared database stays clean)."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from geo.config import PROJECT_ROOT
from geo.db import make_engine, migrate
from geo.models import Incident

PEACEMAP = Path(sys.executable).with_name("peacemap")


@pytest.fixture(scope="module")
def cli_db(cluster):
    url = cluster.create_database("peacemap_test_import_cli")
    migrate(url)
    yield url
    cluster.drop_database("peacemap_test_import_cli")


def _run(url, *args):
    env = {**os.environ, "PEACEMAP_DATABASE_URL": url}
    return subprocess.run(
        [str(PEACEMAP), "import", *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_ucdp_car_counts_add_up_and_deaths_are_kept(cli_db, real_data):
    ged = real_data / "ged231_CAR_482_sample.geojson"
    events = [f["properties"] for f in json.loads(ged.read_text(encoding="utf-8"))["features"]]
    done = _run(cli_db, "incidents", str(ged))
    assert done.returncode == 0, done.stderr
    m = re.search(r"read (\d+), imported (\d+) .* rejected (\d+)", done.stdout)
    assert m and int(m[1]) == len(events) and int(m[2]) + int(m[3]) == len(events)
    engine = make_engine(cli_db)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Incident)) == int(m[2])
        assert conn.scalar(select(func.sum(Incident.fatalities))) == sum(
            e["best"] for e in events
        )  # every GED row kept
    engine.dispose()


def test_rejects_file_dry_run_and_unreadable_file(cli_db, tmp_path, imports_dir):
    rejects = tmp_path / "rejects.csv"
    done = _run(cli_db, "ucdp", str(imports_dir / "ucdp_malformed.csv"), "--dry-run", "--rejects", str(rejects))
    assert done.returncode == 0, done.stderr
    assert "would import 2" in done.stdout and "line 3: date_start" in done.stderr
    with open(rejects, encoding="utf-8") as fh:
        assert len(list(csv.DictReader(fh))) == 9
    failed = _run(cli_db, "incidents", str(imports_dir / "empty.csv"))
    assert failed.returncode == 2 and "empty" in failed.stderr and "Traceback" not in failed.stderr
    bad = _run(cli_db, "incidents", str(imports_dir / "ucdp_malformed.csv"), "--map", "oops")
    assert bad.returncode == 2 and "FIELD=VALUE" in bad.stderr


def test_old_latin1_acled_export_imports_with_no_option_and_says_how_it_was_read(cli_db, acled_1252):
    done = _run(cli_db, "acled", str(acled_1252), "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "(acled, windows-1252 (detected))" in done.stdout and "would import 8" in done.stdout
    forced = _run(cli_db, "acled", str(acled_1252), "--dry-run", "--encoding", "utf-8")
    assert forced.returncode == 2 and "not utf-8 text" in forced.stderr


def test_vertex_limit_setting_applies_to_the_command(cli_db, tmp_path, write_gpx):
    path = tmp_path / "tracks.gpx"
    write_gpx(path, {"short": 30, "long": 31})
    env = {**os.environ, "PEACEMAP_DATABASE_URL": cli_db, "PEACEMAP_MAX_VERTICES": "30"}
    done = subprocess.run(
        [str(PEACEMAP), "import", "patrols", str(path), "--dry-run", "--set", "component=police"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "would import 1" in done.stdout and "rejected 1" in done.stdout
    assert "feature 2: geometry: geometry has 31 vertices; at most 30" in done.stderr
