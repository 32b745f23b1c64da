"""Any resource from a vector layer (or a CSV) with columns named like the
fields or mapped with ``--map``; the pipeline's all-or-nothing rules."""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta

import geopandas as gpd
import pytest
from shapely.geometry import Point, Polygon
from sqlalchemy import func, select

from geo.errors import InvalidInput
from geo.io import sources
from geo.io.formats import import_file
from geo.models import Agreement, Community, Incident, Qip


def _incidents(tmp_path, rows, crs="EPSG:4326", name="incidents.geojson"):
    frame = gpd.GeoDataFrame(rows, geometry=[r.pop("geometry") for r in rows], crs=crs)
    path = tmp_path / name
    frame.to_file(path)
    return path


def test_vector_incidents_checked_against_types_vocabularies_and_ranges(session, tmp_path, reasons):
    base = {
        "occurred_on": "2024-02-01",
        "event_type": "cattle_raid",
        "fatalities": 2,
        "geo_precision": 1,
        "civilian_targeting": "yes",
        "actor1": "Armed herders",
        "source": "field-report",
    }
    rows = [
        {**base, "source_id": "r1", "geometry": Point(17.45, 5.93, 410.0)},  # a GPS height is dropped
        {**base, "source_id": "r2", "event_type": "picnic", "geometry": Point(17.5, 5.9)},
        {**base, "source_id": "r3", "geo_precision": 7, "geometry": Point(17.5, 5.9)},
        {**base, "source_id": "r4", "occurred_on": "yesterday", "geometry": Point(17.5, 5.9)},
        {**base, "source_id": "r5", "actor1": "x" * 301, "geometry": Point(17.5, 5.9)},
        {**base, "source_id": "r6", "civilian_targeting": "perhaps", "geometry": Point(17.5, 5.9)},
        {**base, "source_id": "r7", "geometry": Polygon([(17, 5), (18, 5), (18, 6)])},
    ]
    report = import_file(session, "incidents", _incidents(tmp_path, rows))
    assert report.format == "generic" and report.imported == 1
    got = reasons(report)
    assert [got[i][0][0] for i in range(2, 8)] == [
        "event_type",
        "geo_precision",
        "occurred_on",
        "actor1",
        "civilian_targeting",
        "geometry",
    ]
    raid = session.scalars(select(Incident).where(Incident.source == "field-report")).one()
    assert (raid.source_id, raid.event_type, raid.fatalities, raid.civilian_targeting) == ("r1", "cattle_raid", 2, True)
    assert session.scalar(select(func.ST_AsText(Incident.geom)).where(Incident.id == raid.id)) == "POINT(17.45 5.93)"


def test_projected_layer_is_reprojected_to_wgs84(session, tmp_path):
    rows = [
        {
            "occurred_on": "2024-02-01",
            "event_type": "battle",
            "id": 1,
            "geometry": Point(500000, 1000000),
        },  # UTM 34N: 21°E, 9.0466°N
        {"occurred_on": "2024-02-01", "event_type": "duel", "id": 2, "geometry": Point(500000, 1000000)},
    ]
    path = _incidents(tmp_path, rows, crs="EPSG:32634", name="utm.gpkg")
    report = import_file(session, "incidents", path)
    assert report.imported == 1 and [(r.row, r.source_id) for r in report.rejects] == [(2, "2")]
    assert session.scalar(select(Incident.source_id)) == "1"
    lon, lat = session.execute(select(func.ST_X(Incident.geom), func.ST_Y(Incident.geom))).one()
    assert lon == pytest.approx(21.0, abs=1e-6) and lat == pytest.approx(9.04656, abs=1e-5)


def test_agreements_with_lists_polygons_and_points(session, tmp_path):
    frame = gpd.GeoDataFrame(
        {
            "name": ["Nana-Bakassa/Kouki cattle agreement", "Bria market truce"],
            "signed_on": ["2017-06-10", "2019-01-15"],
            "status": ["in_force", "violated"],
            "parties": [["Peuhl herders", "Kouki farmers"], ["FPRC", "anti-Balaka"]],
            "issues": ["cattle_taxation;freedom_of_movement", "freedom_of_movement"],
            "pax_id": ["2095", None],
        },
        geometry=[Polygon([(17, 7), (17.6, 7), (17.6, 7.4), (17, 7.4)]), Point(21.98, 6.53)],
        crs="EPSG:4326",
    )
    path = tmp_path / "agreements.geojson"
    frame.to_file(path)
    report = import_file(session, "agreements", path)
    assert (report.imported, report.rejected) == (2, 0)
    nana = session.scalars(select(Agreement).where(Agreement.pax_id == "2095")).one()
    assert nana.parties == ["Peuhl herders", "Kouki farmers"]
    assert nana.issues == ["cattle_taxation", "freedom_of_movement"]
    kinds = set(session.scalars(select(func.GeometryType(Agreement.geom))))
    assert kinds == {"MULTIPOLYGON", "POINT"}


def test_points_layer_with_map_option(session, real_data, count):
    places = real_data / "ne_10m_populated_places_caf.geojson"
    n = len(json.loads(places.read_text(encoding="utf-8"))["features"])
    report = import_file(
        session,
        "communities",
        places,
        mapping={"name": "NAME", "population": "POP_MAX", "source_id": "wof_id"},
        constants={"kind": "town", "source": "naturalearth"},
    )
    assert (report.imported, report.rejected) == (n, 0)
    assert count(session, Community, source="naturalearth", kind="town") == n


def test_bad_mapping_and_missing_required_fields_are_errors(session, real_data, count):
    places = real_data / "ne_10m_populated_places_caf.geojson"
    with pytest.raises(InvalidInput, match="no column 'NOPE'") as exc:
        import_file(session, "communities", places, mapping={"name": "NOPE"})
    assert exc.value.field == "map"
    with pytest.raises(InvalidInput, match=r"required field.*title.*sector") as exc:
        import_file(session, "qips", places)
    assert exc.value.field == "title"
    assert count(session, Qip) == 0


def test_unknown_foreign_key_is_rejected(session, tmp_path, reasons):
    path = tmp_path / "qips.csv"
    path.write_text(
        "id,title,sector,community_id,lon,lat\n1,Borehole,water,999999999,18.5,4.4\n"
        "2,Bridge,infrastructure,,18.6,4.5\n",
        encoding="utf-8",
    )
    report = import_file(session, "qips", path)
    assert report.imported == 1
    assert reasons(report)[2] == [("community_id", "community_id 999999999 does not exist in communities")]


def test_unparsable_row_late_in_the_file_leaves_nothing(session, tmp_path, monkeypatch, imports_dir, count):
    monkeypatch.setattr(sources, "CSV_CHUNK", 2)
    text = (imports_dir / "acled_current.csv").read_text(encoding="utf-8").splitlines()
    text.append('CEN9999,2023-05-20,2023,1,x,Battles,x,"unterminated,quote')
    path = tmp_path / "acled_truncated.csv"
    path.write_text("\n".join([*text[:6], "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v", *text[6:]]) + "\n")
    with pytest.raises(InvalidInput, match="cannot parse") as exc:
        import_file(session, "incidents", path)
    assert exc.value.field == "file"
    assert count(session, Incident) == 0


def test_rejects_csv_lists_every_rejected_row(session, tmp_path, imports_dir):
    report = import_file(session, "incidents", imports_dir / "ucdp_malformed.csv")
    out = tmp_path / "rejects.csv"
    report.write_rejects(out)
    with open(out, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == report.rejected and {"line", "field", "reason", "source_id"} == set(rows[0])
    assert {r["line"] for r in rows} == {"3", "4", "5", "6", "7", "8", "9", "10", "12"}
    assert next(r for r in rows if r["line"] == "7")["source_id"] == "9001"


def test_unknown_resource_and_format_mismatch(session, real_data):
    ged = real_data / "ged231_CAR_482_sample.geojson"
    with pytest.raises(InvalidInput) as exc:
        import_file(session, "villages", ged)
    assert exc.value.field == "resource"
    with pytest.raises(InvalidInput, match="holds incidents") as exc:
        import_file(session, "communities", ged, fmt="ucdp")
    assert exc.value.field == "format"


def test_dates_outside_the_supported_range_are_rejected_planned_ends_are_not(session, tmp_path, reasons):
    """The one date range (docs/analysis.md#supported-dates) rejects the row,
    naming the field; a planned end (a QIP's ``end_on``) may be in the future,
    a date of something that happened (``start_on`` is not one, ``occurred_on``
    is) may not be after tomorrow."""
    today = date.today()
    path = tmp_path / "qips.csv"
    rows = [
        ("1", "2024-01-10", str(today + timedelta(days=400))),  # planned end: stored
        ("2", "2024-01-10", "2101-01-01"),
        ("3", "1899-12-31", "2024-02-01"),
        ("4", "2024-01-10", "9999-12-31"),
        ("5", "1900-01-01", "2100-12-31"),  # the bounds: stored
    ]
    path.write_text(
        "id,title,sector,start_on,end_on,lon,lat\n"
        + "".join(f"{i},Borehole {i},water,{start},{end},18.5,4.4\n" for i, start, end in rows),
        encoding="utf-8",
    )
    report = import_file(session, "qips", path)
    assert report.imported == 2
    got = reasons(report)
    assert sorted(got) == [3, 4, 5]
    assert got[3] == [("end_on", "end_on '2101-01-01' is outside the supported dates 1900-01-01 … 2100-12-31")]
    assert got[4] == [("start_on", "start_on '1899-12-31' is outside the supported dates 1900-01-01 … 2100-12-31")]
    assert got[5] == [("end_on", "end_on '9999-12-31' is outside the supported dates 1900-01-01 … 2100-12-31")]
    stored = session.scalars(select(Qip.end_on).where(Qip.title.in_(["Borehole 1", "Borehole 5"]))).all()
    assert sorted(stored) == [today + timedelta(days=400), date(2100, 12, 31)]

    frame = gpd.GeoDataFrame(
        {
            "occurred_on": ["2024-02-01", str(today + timedelta(days=2)), "1899-12-31"],
            "event_type": ["battle"] * 3,
            "source_id": ["ok", "future", "old"],
        },
        geometry=[Point(17.5, 5.9)] * 3,
        crs="EPSG:4326",
    )
    incidents = tmp_path / "incidents.geojson"
    frame.to_file(incidents)
    report = import_file(session, "incidents", incidents)
    assert report.imported == 1
    got = reasons(report)
    assert got[2] == [
        (
            "occurred_on",
            f"occurred_on '{today + timedelta(days=2)}' is after tomorrow (it records something that happened)",
        )
    ]
    assert got[3] == [
        ("occurred_on", "occurred_on '1899-12-31' is outside the supported dates 1900-01-01 … 2100-12-31")
    ]
