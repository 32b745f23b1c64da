"""Every CSV the product writes escapes text a spreadsheet would run as a
formula (OWASP "CSV injection": a leading ``'``), keeps numbers numbers, and
the generic importer reads its own exports back unchanged."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from geo.analysis import gaps_from_db
from geo.analysis.export import select_rows, to_csv
from geo.io.export import features_to_csv
from geo.io.formats import import_file
from geo.models import Incident

# What OWASP lists as formula starts, as attackers write them.
FORMULAS = [
    '=HYPERLINK("http://evil.example","x")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3",
    "\tcmd",
    "\rcmd",
    "'=already quoted once",
]


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _feature(i: int, text: str, lon: float = -8.0) -> dict:
    return {
        "type": "Feature",
        "id": i,
        "geometry": {"type": "Point", "coordinates": [lon, 12.6]},
        "properties": {"id": i, "actor1": text, "fatalities": -5, "parties": [text, "b"]},
    }


def test_feature_csv_escapes_formulas_in_text_cells_only():
    feats = [_feature(i, t) for i, t in enumerate(FORMULAS)]
    rows = _rows("".join(features_to_csv(feats, ["actor1", "fatalities", "parties"], geometry="lonlat")))
    assert [r["actor1"] for r in rows] == ["'" + t for t in FORMULAS]
    assert [r["parties"] for r in rows] == ["'" + t + ";b" for t in FORMULAS]
    assert {r["lon"] for r in rows} == {"-8.0"}  # a negative longitude is a number, not text
    assert {r["fatalities"] for r in rows} == {"-5"}
    plain = _rows("".join(features_to_csv([_feature(1, "Anti-Balaka")], ["actor1"], geometry="wkt")))
    assert plain[0]["actor1"] == "Anti-Balaka" and plain[0]["wkt"] == "POINT (-8 12.6)"


def test_analysis_csv_escapes_community_names_and_keeps_coordinates_numeric(session, scenario):
    s = scenario()
    for i, name in enumerate(FORMULAS):
        s.community(s.at(s.OCEAN, 45 * i, 1000 * (i + 1)), name=name)
    s.incident(s.OCEAN, s.AS_OF - timedelta(days=3), fatalities=2)
    s.store(session)
    result = gaps_from_db(session, s.PARAMS, computed_at=s.COMPUTED_AT, bbox=s.OCEAN_BOX)
    rows = _rows(to_csv(result, select_rows(result)))
    assert sorted(r["name"] for r in rows) == sorted("'" + t for t in FORMULAS)
    assert all(float(r["lon"]) < 0 and float(r["lat"]) < 0 for r in rows)
    assert all(not r["lon"].startswith("'") and not r["gap_score"].startswith("'") for r in rows)


def test_rejects_csv_escapes_ids_from_the_file(session, tmp_path):
    path = tmp_path / "incidents.csv"
    path.write_text(
        "source_id,occurred_on,event_type,longitude,latitude\n"
        '"=HYPERLINK(""http://evil.example"",""x"")",2024-01-01,not_a_type,18.5,4.4\n',
        encoding="utf-8",
    )
    report = import_file(session, "incidents", path)
    assert report.rejected == 1
    out = tmp_path / "rejects.csv"
    report.write_rejects(out)
    row = _rows(out.read_text(encoding="utf-8"))[0]
    assert row["source_id"] == '\'=HYPERLINK("http://evil.example","x")'


@pytest.mark.parametrize("stored", [t for t in FORMULAS if t[0] not in "\t\r"] + ["'plain apostrophe", "-7"])
def test_generic_importer_reads_its_own_csv_export_back_unchanged(session, tmp_path, stored):
    # Text with a leading tab or CR cannot be stored (importers and the API strip whitespace).
    feats = [
        {
            "type": "Feature",
            "id": 1,
            "geometry": {"type": "Point", "coordinates": [-8.0, 12.6]},
            "properties": {
                "source": "trip",
                "source_id": stored,
                "occurred_on": "2024-01-01",
                "event_type": "battle",
                "actor1": stored,
                "notes": stored,
            },
        }
    ]
    path = tmp_path / "incidents.csv"
    path.write_text(
        "".join(features_to_csv(feats, ["source", "source_id", "occurred_on", "event_type", "actor1", "notes"])),
        encoding="utf-8",
    )
    report = import_file(session, "incidents", path)
    assert (report.imported, report.rejected) == (1, 0), report.rejects
    row = session.execute(
        select(Incident.source_id, Incident.actor1, Incident.notes).where(Incident.source == "trip")
    ).one()
    assert tuple(row) == (stored, stored, stored)
