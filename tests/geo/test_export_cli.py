"""``peacemap export`` as a user runs it (a real process against its own
database), and the round trip: the exported GeoPackage read back with the
importer (``peacemap import``'s code) restores every field and geometry."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyogrio
import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from geo import models
from geo.config import PROJECT_ROOT
from geo.db import make_engine, migrate
from geo.io.formats import import_file
from geo.resources import REGISTRY

PEACEMAP = Path(sys.executable).with_name("peacemap")
DB = "peacemap_test_export_cli"
IMPORT_ORDER = [
    "admin-areas",
    "sites",
    "communities",
    "interlocutors",
    "incidents",
    "agreements",
    "patrols",
    "engagements",
    "qips",
    "perceptions",
]
LEAVES = ["incidents", "agreements", "patrols", "engagements", "qips", "perceptions"]
NOT_COMPARED = {"id", "created_at", "updated_at", "created_by"}


@pytest.fixture(scope="module")
def cli_db(cluster, insert_samples):
    url = cluster.create_database(DB)
    migrate(url)
    engine = make_engine(url)
    with Session(engine) as s:
        counts = insert_samples(s, n=5)
        s.commit()
    yield url, counts, engine
    engine.dispose()
    cluster.drop_database(DB)


def _run(url, command, *args):
    env = {**os.environ, "PEACEMAP_DATABASE_URL": url}
    return subprocess.run(
        [str(PEACEMAP), command, *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def _snapshot(engine) -> dict[str, list[dict]]:
    """Every row of every resource (geometry as WKB hex, an engagement's interlocutors
    as the sorted ids of its link rows), keyed by source_id."""
    out = {}
    link = models.EngagementInterlocutor
    heard = (
        select(func.array_agg(link.interlocutor_id.distinct()))
        .where(link.engagement_id == models.Engagement.id)
        .scalar_subquery()
        .label("heard")
    )
    with engine.connect() as conn:
        for name, spec in REGISTRY.items():
            table = spec.model.__table__
            cols = [c for c in table.columns if c.name not in NOT_COMPARED and c.name != "geom"]
            if "geom" in table.c:
                cols.append(func.ST_AsHexEWKB(table.c.geom).label("geom"))
            if name == "engagements":
                cols.append(heard)
            rows = conn.execute(select(*cols).order_by(table.c.source_id)).mappings().all()
            out[name] = [dict(r) for r in rows]
    return out


def test_export_writes_every_layer_and_reports_counts(cli_db, tmp_path):
    url, counts, _ = cli_db
    path = tmp_path / "all.gpkg"
    done = _run(url, "export", "--format", "gpkg", str(path))
    assert done.returncode == 0, done.stderr
    assert (
        f"incidents {counts['incidents']}" in done.stdout
        and f"engagement_gaps {counts['engagement_gaps']}" in done.stdout
    )
    assert {name: pyogrio.read_info(path, layer=name)["features"] for name, _ in pyogrio.list_layers(path)} == counts


def test_export_geojson_and_csv_of_one_resource(cli_db, tmp_path):
    url, counts, _ = cli_db
    gj, cs = tmp_path / "q.geojson", tmp_path / "q.csv"
    assert _run(url, "export", "--format", "geojson", "--resource", "qips", str(gj)).returncode == 0
    doc = json.loads(gj.read_text())
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == counts["qips"]
    assert pyogrio.read_info(gj)["features"] == counts["qips"]  # GDAL reads it too
    done = _run(
        url, "export", "--format", "csv", "--resource", "incidents", "--public", "--start", "2024-03-03", str(cs)
    )
    assert done.returncode == 0, done.stderr
    lines = cs.read_text().splitlines()
    assert len(lines) == 1 + 3 and "notes" not in lines[0] and lines[0].endswith(",wkt")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "csv"], "exactly one --resource"),
        (["--bbox", "1,2"], "4 numbers"),
        (["--resource", "incident"], "Invalid value for '--resource'"),
        (["--start", "2024-13-01"], "not an ISO date"),
    ],
)
def test_export_bad_options_say_what_is_wrong(tmp_path, args, message):
    from click.testing import CliRunner

    from api.cli import main

    done = CliRunner().invoke(main, ["export", *args, str(tmp_path / "x.out")])
    assert done.exit_code == 2, done.output
    assert message in done.stderr and "Traceback" not in done.output
    assert not (tmp_path / "x.out").exists()


def test_geopackage_round_trip_through_the_importer_is_lossless(cli_db, tmp_path):
    url, counts, engine = cli_db
    before = _snapshot(engine)
    path = tmp_path / "trip.gpkg"
    assert _run(url, "export", str(path)).returncode == 0
    # Lose the leaf rows entirely and spoil the referenced ones in place (their ids must stay for the links).
    with engine.begin() as conn:
        for name in LEAVES:
            conn.execute(delete(REGISTRY[name].model))
        conn.execute(
            update(models.Community).values(
                name="spoilt", population=1, geom=func.ST_SetSRID(func.ST_MakePoint(0, 0), 4326)
            )
        )
        conn.execute(update(models.Site).values(kind="tob", active_from=None))
        conn.execute(update(models.AdminArea).values(pcode=None, level=5))
    assert _snapshot(engine) != before
    for name in IMPORT_ORDER:  # what `peacemap import NAME FILE` runs, in this process to keep the suite quick
        with Session(engine) as session:
            report = import_file(session, name, path)
            session.commit()
        assert report.imported == counts[REGISTRY[name].table] and not report.rejected, report.summary()
    after = _snapshot(engine)
    for name in REGISTRY:
        assert len(after[name]) == counts[REGISTRY[name].table]
        for got, want in zip(after[name], before[name], strict=True):
            assert got == want, name


def test_export_csv_escapes_spreadsheet_formulas(cli_db, tmp_path):
    url, _, engine = cli_db
    formula = '=HYPERLINK("http://evil.example","x")'
    with Session(engine) as s, s.begin():
        row = models.Incident(
            occurred_on="2024-01-02",
            event_type="battle",
            actor1=formula,
            source="inj",
            source_id="-1",
            geom=func.ST_SetSRID(func.ST_MakePoint(-8.0, 12.6), 4326),
        )
        s.add(row)
    try:
        out = tmp_path / "i.csv"
        done = _run(url, "export", "--format", "csv", "--resource", "incidents", "--csv-geometry", "lonlat", str(out))
        assert done.returncode == 0, done.stderr
        import csv

        with open(out, encoding="utf-8", newline="") as fh:
            got = next(r for r in csv.DictReader(fh) if r["source"] == "inj")
        assert (got["actor1"], got["source_id"], got["lon"]) == ("'" + formula, "'-1", "-8.0")
    finally:
        with engine.begin() as conn:
            conn.execute(delete(models.Incident).where(models.Incident.source == "inj"))
