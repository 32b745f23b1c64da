"""``GET /api/v1/export.gpkg`` and ``?f=geojson|csv`` on the list endpoints:
real files, opened with pyogrio and read back with the importer."""

from __future__ import annotations

import csv
import io

import pyogrio
import pytest
import shapely

from geo.io.derived import DERIVED
from geo.io.formats import import_file
from geo.resources import REGISTRY

LAYERS = [
    *(s.table for s in REGISTRY.values()),
    "engagement_gaps",
    "admin_area_figures",
    *(d.layer for d in DERIVED.values()),
]


@pytest.fixture
def samples(session, insert_samples):
    counts = insert_samples(session)
    session.commit()
    return counts


def _gpkg(client, tmp_path, name="x.gpkg", **params):
    r = client.get("/api/v1/export.gpkg", params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/geopackage+sqlite3"
    assert "attachment" in r.headers["content-disposition"] and ".gpkg" in r.headers["content-disposition"]
    path = tmp_path / name
    path.write_bytes(r.content)
    return path


def test_export_gpkg_has_every_layer_and_row(public_client, samples, tmp_path):
    path = _gpkg(public_client, tmp_path)
    listed = [name for name, _ in pyogrio.list_layers(path)]
    spatial = [name for name, geometry_type in pyogrio.list_layers(path) if geometry_type]
    assert sorted(listed) == sorted(LAYERS)
    assert spatial == [name for name in LAYERS if name in spatial]  # GDAL lists tables without geometry last
    for layer in LAYERS:
        assert pyogrio.read_info(path, layer=layer)["features"] == samples[layer]
    assert "notes" not in pyogrio.read_info(path, layer="incidents")["fields"]  # anonymous reader


def test_export_gpkg_for_an_editor_carries_sensitive_fields(client, editor, samples, tmp_path):
    r = client.get("/api/v1/export.gpkg", headers=editor, params={"resources": "incidents", "gaps": "false"})
    assert r.status_code == 200
    path = tmp_path / "e.gpkg"
    path.write_bytes(r.content)
    assert [n for n, _ in pyogrio.list_layers(path)] == ["incidents"]
    df = pyogrio.read_dataframe(path, layer="incidents")
    assert sorted(df["notes"]) == [f"confidential source note {i}" for i in range(3)]


def test_export_gpkg_filters_like_the_list(public_client, samples, tmp_path):
    params = {"bbox": "15.0,5.0,15.8,7.0", "start": "2024-03-02"}
    path = _gpkg(public_client, tmp_path, **params)
    listed = public_client.get("/api/v1/incidents", params=params).json()
    df = pyogrio.read_dataframe(path, layer="incidents")
    assert sorted(df["id"]) == sorted(f["id"] for f in listed["features"]) and len(df) == listed["numberMatched"] >= 1
    assert pyogrio.read_info(path, layer="communities")["features"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"bbox": "1,2,3"}, "bbox"),
        ({"start": "March"}, "start"),
        ({"resources": "incident"}, "resources"),
        ({"start": "2024-03-09", "end": "2024-03-01"}, "end"),
    ],
)
def test_export_gpkg_bad_input_is_422_naming_the_field(public_client, samples, params, field):
    r = public_client.get("/api/v1/export.gpkg", params=params)
    assert r.status_code == 422 and r.json()["field"] == field


def test_export_gpkg_needs_a_key(client, viewer):
    assert client.get("/api/v1/export.gpkg").status_code == 401
    assert client.get("/api/v1/export.gpkg", headers=viewer).status_code == 200


def test_list_as_geojson_is_the_same_collection(public_client, samples):
    plain = public_client.get("/api/v1/patrols", params={"limit": 2}).json()
    r = public_client.get("/api/v1/patrols", params={"limit": 2, "f": "geojson"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    assert "patrols.geojson" in r.headers["content-disposition"]
    got = r.json()
    assert {**got, "links": None} == {**plain, "links": None} and plain["numberReturned"] == 2
    assert next(link["href"] for link in got["links"] if link["rel"] == "next").count("f=geojson") == 1


def test_list_as_csv_with_wkt_or_lonlat(public_client, samples):
    r = public_client.get("/api/v1/agreements", params={"f": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    feats = public_client.get("/api/v1/agreements").json()["features"]
    assert [int(x["id"]) for x in rows] == [f["id"] for f in feats]
    for row, feat in zip(rows, feats, strict=True):
        assert shapely.from_wkt(row["wkt"]).equals(shapely.geometry.shape(feat["geometry"]))
        assert row["parties"] == ";".join(feat["properties"]["parties"])
    r = public_client.get(
        "/api/v1/incidents", params={"f": "csv", "csv_geometry": "lonlat", "event_type": "cattle_raid"}
    )
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 3 and set(rows[0]) >= {"lon", "lat", "occurred_on", "fatalities"} and "notes" not in rows[0]


def test_empty_csv_still_has_the_header(public_client, samples):
    r = public_client.get("/api/v1/qips", params={"f": "csv", "bbox": "100,10,101,11"})
    assert r.status_code == 200
    header = r.text.splitlines()
    assert len(header) == 1 and header[0].startswith("id,") and header[0].endswith(",wkt")


def test_bad_format_is_422_naming_f(public_client):
    r = public_client.get("/api/v1/qips", params={"f": "xlsx"})
    assert r.status_code == 422 and r.json()["field"] == "f"


def test_editor_csv_reimports_unchanged(client, editor, samples, session, tmp_path):
    """The CSV an editor downloads carries source/source_id, so importing it
    updates the same rows and leaves every value as it was."""
    for name in ("incidents", "agreements", "engagements", "qips"):
        before = client.get(f"/api/v1/{name}", headers=editor).json()["features"]
        path = tmp_path / f"{name}.csv"
        path.write_text(client.get(f"/api/v1/{name}", headers=editor, params={"f": "csv"}).text)
        report = import_file(session, name, path)
        assert report.updated == len(before) and not report.rejected, report.summary()
        after = client.get(f"/api/v1/{name}", headers=editor).json()["features"]

        def strip(fs):
            return [{**f, "properties": {k: v for k, v in f["properties"].items() if k != "updated_at"}} for f in fs]

        assert strip(after) == strip(before)


FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3"]


def test_list_csv_escapes_spreadsheet_formulas_and_reimports_them_unchanged(client, editor, session, tmp_path):
    for i, text in enumerate(FORMULAS):
        feature = {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [-8.0 - i / 10, 12.6]},
            "properties": {
                "occurred_on": "2024-01-01",
                "event_type": "battle",
                "actor1": text,
                "notes": text,
                "location_name": text,
                "source": "inj",
                "source_id": text,
            },
        }
        assert client.post("/api/v1/incidents", json=feature, headers=editor).status_code == 201
    before = client.get("/api/v1/incidents", headers=editor).json()["features"]
    r = client.get("/api/v1/incidents", headers=editor, params={"f": "csv", "csv_geometry": "lonlat"})
    rows = list(csv.DictReader(io.StringIO(r.text)))
    for row in rows:
        assert row["actor1"] in ["'" + t for t in FORMULAS]
        assert row["notes"] == row["location_name"] == row["source_id"] == row["actor1"]
        assert float(row["lon"]) < 0 and not row["lon"].startswith("'")  # numbers stay numbers
        assert row["fatalities"] == "0"
    path = tmp_path / "incidents.csv"
    path.write_text(client.get("/api/v1/incidents", headers=editor, params={"f": "csv"}).text)
    report = import_file(session, "incidents", path)
    assert report.updated == len(FORMULAS) and not report.rejected, report.rejects
    after = client.get("/api/v1/incidents", headers=editor).json()["features"]
    assert [f["properties"]["actor1"] for f in after] == [f["properties"]["actor1"] for f in before]
    assert sorted(f["properties"]["actor1"] for f in after) == sorted(FORMULAS)
