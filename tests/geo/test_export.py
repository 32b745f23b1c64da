"""GeoPackage export: every layer present and typed, every value read back
equal to the database row, sensitive fields only when asked for."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pandas as pd
import pyogrio
import pytest
import shapely
from shapely.geometry import Point
from sqlalchemy import delete, select

from geo import models
from geo.analysis import GapParams, gaps_from_db
from geo.analysis.export import PROPERTY_COLUMNS
from geo.io.export import GAPS_LAYER, export_layers, features_to_csv, features_to_geojson, write_geopackage
from geo.repository import list_features
from geo.resources import REGISTRY


def _db_value(v):
    """Database value → what a GeoPackage reader returns for it."""
    if isinstance(v, list):
        return v
    if isinstance(v, dict):
        return json.loads(json.dumps(v, sort_keys=True))
    return v


def _gpkg_value(v):
    import numpy as np

    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT or v is pd.NA:
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return list(v)
    return v


@pytest.fixture
def samples(session, insert_samples):
    return insert_samples(session)


def test_geopackage_has_every_layer_with_every_value(session, samples, tmp_path):
    path = tmp_path / "peacemap.gpkg"
    counts = write_geopackage(session, path, export_layers(include_sensitive=True, reader="test"))
    assert counts == samples
    layers = dict(pyogrio.list_layers(path))
    assert layers == {
        "incidents": "Point",
        "agreements": "Unknown",
        "patrols": "MultiLineString",
        "engagements": "Point",
        "qips": "Point",
        "communities": "Point",
        "sites": "Point",
        "admin_areas": "MultiPolygon",
        "interlocutors": None,
        "perceptions": "Point",
        "roads": "MultiLineString",
        "waterways": "Unknown",
        "crossings": "Point",
        GAPS_LAYER: "Point",
        "admin_area_figures": "MultiPolygon",
        "constituencies_by_area": "MultiPolygon",
        "constituencies_by_community": "Point",
    }
    for spec in REGISTRY.values():
        table = spec.model.__table__
        db_rows = session.execute(select(table).order_by(table.c.id)).mappings().all()
        df = pyogrio.read_dataframe(path, layer=spec.table)
        assert len(df) == len(db_rows) == samples[spec.table]
        for row, (_, rec) in zip(db_rows, df.iterrows(), strict=True):
            for col in table.columns:
                if col.name == "geom":
                    assert shapely.equals_exact(rec.geometry, shapely.from_wkb(bytes(row["geom"].data)), 0)
                    assert rec.geometry.wkb == shapely.from_wkb(bytes(row["geom"].data)).wkb
                    continue
                got, want = _gpkg_value(rec[col.name]), _db_value(row[col.name])
                if isinstance(want, date) and not isinstance(want, datetime):
                    got = got.date() if got is not None else None
                if isinstance(want, datetime):
                    # GeoPackage keeps milliseconds; the domain times here are whole seconds.
                    assert got is not None and abs((got - want).total_seconds()) < 1e-3, col.name
                    continue
                assert got == want, f"{spec.table}.{col.name}: {got!r} != {want!r}"


def test_engagement_gap_layer_is_the_current_result(session, samples, tmp_path):
    path = tmp_path / "gaps.gpkg"
    write_geopackage(session, path, export_layers(include_sensitive=False, resources=["communities"]))
    df = pyogrio.read_dataframe(path, layer=GAPS_LAYER)
    result = gaps_from_db(session, GapParams(), computed_at=datetime.now(UTC))
    want = result.with_reasons()
    assert len(df) == len(want) == samples[GAPS_LAYER]
    for (_, got), (_, row) in zip(df.iterrows(), want.iterrows(), strict=True):
        assert (got.geometry.x, got.geometry.y) == (row["lon"], row["lat"])
        for name in PROPERTY_COLUMNS:
            g, w = _gpkg_value(got[name]), _gpkg_value(row[name])
            if name == "reasons":
                assert list(g) == list(w) and w
            elif name == "explanation":  # codes and parameters, as JSON text
                assert json.loads(g) == w and w
            elif name == "last_engagement_at":
                assert g == w or abs((g - w).total_seconds()) < 1e-3
            else:
                assert g == w or (g is None and pd.isna(w)), name
    assert list(df["rank"]) == sorted(df["rank"])
    assert df["as_of"].iloc[0].date() == result.params.as_of


def test_sensitive_fields_are_left_out_unless_asked(session, samples, tmp_path):
    path = tmp_path / "public.gpkg"
    write_geopackage(session, path, export_layers(include_sensitive=False, resources=["incidents"], include_gaps=False))
    fields = set(pyogrio.read_info(path, layer="incidents")["fields"])
    assert {"notes", "source", "source_id"}.isdisjoint(fields)
    assert {"occurred_on", "fatalities", "event_type"} <= fields


def test_empty_tables_still_give_typed_layers(session, samples, tmp_path):
    session.execute(delete(models.Qip))
    path = tmp_path / "empty.gpkg"
    # A bbox far from every row empties the other layers too.
    write_geopackage(
        session, path, export_layers(include_sensitive=True, bbox=(100.0, 10.0, 101.0, 11.0), reader="test")
    )
    # every resource, the gap result, the area figures, who was heard by area and by community
    assert len(pyogrio.list_layers(path)) == len(REGISTRY) + 4
    for spec in REGISTRY.values():
        info = pyogrio.read_info(path, layer=spec.table)
        assert info["features"] == 0
        expected = [c.name for c in spec.model.__table__.columns if c.name != "geom"] + [k.prop for k in spec.links]
        assert list(info["fields"]) == expected
    info = pyogrio.read_info(path, layer="qips")
    dtypes = dict(zip(info["fields"], info["dtypes"], strict=True))
    assert info["geometry_type"] == "Point"
    assert dtypes["start_on"] == "datetime64[D]" and dtypes["budget_usd"] == "float64"
    assert dtypes["beneficiaries"] == "int32" and dtypes["title"] == "object"


def test_filters_match_the_list_api(session, samples, tmp_path):
    spec = REGISTRY["incidents"]
    bbox, start = (15.0, 5.0, 15.8, 7.0), date(2024, 3, 2)
    api = list_features(session, spec, bbox=bbox, start=start, limit=1000)
    path = tmp_path / "filtered.gpkg"
    counts = write_geopackage(session, path, export_layers(include_sensitive=False, bbox=bbox, start=start))
    df = pyogrio.read_dataframe(path, layer="incidents")
    assert api.matched == counts["incidents"] == len(df) >= 1
    assert sorted(df["id"]) == sorted(f["id"] for f in api.features)
    assert counts["admin_areas"] == 0 and counts["communities"] == 0  # bbox applies to every layer


def test_unknown_resource_names_the_field(session):
    from geo.errors import InvalidInput

    with pytest.raises(InvalidInput) as err:
        export_layers(include_sensitive=False, resources=["incident"])
    assert err.value.field == "resources" and "incidents" in err.value.message


def test_personal_data_without_a_reader_is_refused_before_a_file_is_begun(session):
    """An export with the interlocutors' names must say who reads them (the
    audit log); without a reader it is refused when the layers are built,
    not halfway through writing the GeoPackage."""
    with pytest.raises(ValueError, match="interlocutors: personal data read without naming the reader"):
        export_layers(include_sensitive=True, include_gaps=False)
    export_layers(include_sensitive=False, include_gaps=False)  # no names: nobody to record


def test_csv_encoder_wkt_and_lonlat(session, samples):
    page = list_features(session, REGISTRY["agreements"], limit=10, include_sensitive=True)
    names = list(page.features[0]["properties"])
    text = "".join(features_to_csv(page.features, names, geometry="wkt"))
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 2 and rows[0]["parties"] == "Peuls;Agriculteurs de Kouki"
    assert shapely.from_wkt(rows[1]["wkt"]).equals(Point(20.65, 8.41))
    assert rows[1]["signed_on"] == "" and rows[1]["facilitated_by"] == ""
    inc = list_features(session, REGISTRY["incidents"], limit=10).features
    rows = list(csv.DictReader(io.StringIO("".join(features_to_csv(inc, list(inc[0]["properties"]), "lonlat")))))
    assert [(float(r["lon"]), float(r["lat"])) for r in rows] == [tuple(f["geometry"]["coordinates"]) for f in inc]
    assert rows[1]["civilian_targeting"] == "true" and "notes" not in rows[0]


def test_geojson_encoder_streams_a_valid_collection(session, samples):
    feats = list_features(session, REGISTRY["patrols"], limit=10).features
    doc = json.loads("".join(features_to_geojson(iter(feats), numberMatched=3)))
    assert doc["type"] == "FeatureCollection" and doc["numberMatched"] == 3 and doc["features"] == feats
    assert json.loads("".join(features_to_geojson([]))) == {"type": "FeatureCollection", "features": []}
