"""Roads, rivers and crossings from the files missions hold: OpenStreetMap /
HOT road exports (GeoJSON, GeoPackage, zipped Shapefile, GDAL's
``other_tags``), Natural Earth rivers and OSM ferry terminals (the real
extracts in tests/fixtures/real)."""

from __future__ import annotations

import json
import zipfile

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import LineString, Point, Polygon, shape
from sqlalchemy import select

from geo.io.formats import import_file
from geo.models import Crossing, Road, Waterway


def _rows(session, model, *cols):
    return {r[0]: r[1:] for r in session.execute(select(model.source_id, *cols)).all()}


def _geojson(path, features):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def _line(props, coords=((18.0, 4.0), (18.1, 4.1))):
    return {"type": "Feature", "properties": props, "geometry": {"type": "LineString", "coordinates": coords}}


def test_overpass_geojson_roads_fold_classes_and_surfaces(session, tmp_path, reasons):
    path = _geojson(
        tmp_path / "overpass.geojson",
        [
            _line({"@id": "way/1", "highway": "primary", "surface": "asphalt", "ref": "RN1", "name": "Route de Boali"}),
            _line({"@id": "way/2", "highway": "primary_link", "surface": "laterite"}),
            _line({"@id": "way/3", "highway": "track", "surface": "dirt;sand", "bridge": "viaduct"}),
            _line({"@id": "way/4", "highway": "footway", "surface": "paving_stones:30"}),  # unknown surface value
            _line({"@id": "way/5", "highway": "construction"}),  # not a road: skipped
            _line({"@id": "way/6", "name": "no tag"}),  # rejected
            _line({"@id": "way/7", "highway": "road", "bridge": "no"}),
        ],
    )
    report = import_file(session, "roads", path)
    assert report.format == "osm-roads"
    assert (report.inserted, report.skipped, report.rejected) == (5, 1, 1)
    assert reasons(report) == {6: [("highway", "no highway tag: not a road")]}
    got = _rows(session, Road, Road.source, Road.highway, Road.surface, Road.bridge, Road.ref, Road.name)
    assert got == {
        "way/1": ("openstreetmap", "primary", "paved", False, "RN1", "Route de Boali"),
        "way/2": ("openstreetmap", "primary", "gravel", False, None, None),
        "way/3": ("openstreetmap", "track", "earth", True, None, None),
        "way/4": ("openstreetmap", "path", None, False, None, None),
        "way/7": ("openstreetmap", "unclassified", None, False, None, None),
    }
    again = import_file(session, "roads", path)
    assert (again.inserted, again.updated) == (0, 5)


def test_hot_export_geopackage_and_geofabrik_shapefile(session, tmp_path):
    hot = gpd.GeoDataFrame(
        {
            "osm_id": [101, 102],
            "name": ["Avenue des Martyrs", None],
            "highway": ["secondary", "tertiary"],
            "surface": ["concrete", "ground"],
            "bridge": [None, "yes"],
        },
        geometry=[LineString([(18.5, 4.3), (18.6, 4.4)]), LineString([(18.6, 4.4), (18.7, 4.5)])],
        crs="EPSG:4326",
    )
    gpkg = tmp_path / "hotosm_caf_roads_lines.gpkg"
    hot.to_file(gpkg, layer="roads", driver="GPKG")
    report = import_file(session, "roads", gpkg)
    assert (report.format, report.inserted) == ("osm-roads", 2)
    assert _rows(session, Road, Road.highway, Road.surface, Road.bridge) == {
        "101": ("secondary", "paved", False),
        "102": ("tertiary", "earth", True),
    }
    # Geofabrik's shapefiles name the class fclass, with track grades; in UTM here, so they are reprojected.
    fab = gpd.GeoDataFrame(
        {"osm_id": ["201"], "fclass": ["track_grade3"], "name": ["piste"], "bridge": ["F"]},
        geometry=[LineString([(500000, 500000), (501000, 501000)])],
        crs="EPSG:32634",
    )
    folder = tmp_path / "gis_osm_roads"
    folder.mkdir()
    fab.to_file(folder / "gis_osm_roads_free_1.shp")
    archive = tmp_path / "gis_osm_roads.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in folder.iterdir():
            z.write(f, f.name)
    report = import_file(session, "roads", archive)
    assert (report.format, report.inserted, report.rejected) == ("osm-roads", 1, 0)
    highway, bridge, lon = session.execute(
        select(Road.highway, Road.bridge, Road.geom.ST_StartPoint().ST_X()).where(Road.source_id == "201")
    ).one()
    assert (highway, bridge) == ("track", False)
    assert abs(lon - 21.0) < 0.01  # 500 000 m east in UTM 34N is the central meridian, 21° E


def test_gdal_osm_lines_with_other_tags(session, tmp_path):
    frame = gpd.GeoDataFrame(
        {
            "osm_id": ["301", "302"],
            "name": ["Pont Sapéké", None],
            "highway": ["primary", None],
            "other_tags": ['"surface"=>"asphalt","bridge"=>"yes","lanes"=>"2"', '"highway"=>"secondary"'],
        },
        geometry=[LineString([(18.5, 4.3), (18.51, 4.31)]), LineString([(18.6, 4.4), (18.7, 4.5)])],
        crs="EPSG:4326",
    )
    path = tmp_path / "lines.gpkg"
    frame.to_file(path, driver="GPKG")
    report = import_file(session, "roads", path)
    assert report.inserted == 2
    assert _rows(session, Road, Road.highway, Road.surface, Road.bridge, Road.name) == {
        "301": ("primary", "paved", True, "Pont Sapéké"),
        "302": ("secondary", None, False, None),
    }


def test_natural_earth_rivers(session, real_data):
    path = real_data / "ne_10m_rivers_caf_sw.geojson"
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    report = import_file(session, "waterways", path)
    assert (report.format, report.inserted, report.rejected) == ("rivers", len(features), 0)
    got = _rows(session, Waterway, Waterway.source, Waterway.name, Waterway.kind, Waterway.seasonal)
    want = {
        str(f["properties"]["rivernum"]): (
            "naturalearth",
            f["properties"]["name"],
            {"River": "river", "Lake Centerline": "lake"}[f["properties"]["featurecla"]],
            False,
        )
        for f in features
    }
    assert got == want
    lengths = dict(session.execute(select(Waterway.source_id, Waterway.geom.ST_Length())).all())
    for f in features:
        assert abs(lengths[str(f["properties"]["rivernum"])] - shape(f["geometry"]).length) < 1e-9


def test_osm_water_lines_and_areas(session, tmp_path, reasons):
    square = [[18.0, 4.0], [18.1, 4.0], [18.1, 4.1], [18.0, 4.1], [18.0, 4.0]]
    path = _geojson(
        tmp_path / "water.geojson",
        [
            _line({"@id": "way/1", "waterway": "river", "name": "Mpoko"}),
            _line({"@id": "way/2", "waterway": "stream", "intermittent": "yes"}),
            _line({"@id": "way/3", "waterway": "ditch"}),  # skipped
            _line({"@id": "way/4", "highway": "primary"}),  # rejected: not water
            {
                "type": "Feature",
                "properties": {"@id": "way/5", "natural": "water", "water": "reservoir", "name": "Boali"},
                "geometry": {"type": "Polygon", "coordinates": [square]},
            },
            {
                "type": "Feature",
                "properties": {"@id": "way/6", "natural": "wetland"},
                "geometry": {"type": "Polygon", "coordinates": [square]},
            },
        ],
    )
    report = import_file(session, "waterways", path)
    assert (report.inserted, report.skipped, report.rejected) == (4, 1, 1)
    assert reasons(report)[4][0][0] == "waterway"
    assert _rows(session, Waterway, Waterway.kind, Waterway.seasonal, Waterway.geom.ST_GeometryType()) == {
        "way/1": ("river", False, "ST_MultiLineString"),
        "way/2": ("stream", True, "ST_MultiLineString"),
        "way/5": ("reservoir", False, "ST_MultiPolygon"),
        "way/6": ("wetland", False, "ST_MultiPolygon"),
    }


def test_osm_ferry_terminals_become_crossings(session, real_data):
    path = real_data / "osm_caf_ferry_terminals_2019_sw.geojson"
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    report = import_file(session, "crossings", path)
    assert (report.format, report.inserted, report.rejected) == ("osm-crossings", len(features), 0)
    got = _rows(session, Crossing, Crossing.source, Crossing.kind, Crossing.seasonal)
    assert got == {str(f["properties"]["osm_node_id"]): ("openstreetmap", "ferry", False) for f in features}


def test_an_amenities_file_yields_its_crossings_and_skips_the_rest(session, tmp_path):
    def point(props, xy=(18.0, 4.0)):
        return {"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": list(xy)}}

    path = _geojson(
        tmp_path / "amenities.geojson",
        [
            point({"osm_node_id": 1, "amenity": "school", "name": "École"}),
            point({"osm_node_id": 2, "amenity": "ferry_terminal", "name": "Bac de Zinga"}),
            point({"osm_node_id": 3, "ford": "yes"}),
            point({"osm_node_id": 4, "ford": "yes", "seasonal": "no"}),
            point({"osm_node_id": 5, "man_made": "bridge"}),
            point({"osm_node_id": 6, "highway": "ford"}),
        ],
    )
    report = import_file(session, "crossings", path)
    assert (report.inserted, report.skipped, report.rejected) == (5, 1, 0)
    assert _rows(session, Crossing, Crossing.kind, Crossing.seasonal, Crossing.name) == {
        "2": ("ferry", False, "Bac de Zinga"),
        "3": ("ford", True, None),
        "4": ("ford", False, None),
        "5": ("bridge", False, None),
        "6": ("ford", True, None),
    }


def test_a_polygon_crossing_or_area_road_is_rejected_with_its_geometry_reason(session, tmp_path, reasons):
    path = _geojson(
        tmp_path / "odd.geojson",
        [
            {
                "type": "Feature",
                "properties": {"osm_id": 9, "highway": "pedestrian"},
                "geometry": Polygon([(18, 4), (18.1, 4), (18.1, 4.1)]).__geo_interface__,
            }
        ],
    )
    report = import_file(session, "roads", path)
    assert report.inserted == 0 and reasons(report)[1][0][0] == "geometry"
    pt = tmp_path / "pt.gpkg"
    pyogrio.write_dataframe(
        gpd.GeoDataFrame({"osm_id": [1], "highway": ["primary"]}, geometry=[Point(18, 4)], crs="EPSG:4326"), pt
    )
    assert reasons(import_file(session, "roads", pt))[1][0][0] == "geometry"


@pytest.mark.parametrize("resource", ["roads", "waterways", "crossings"])
def test_an_upload_that_reads_as_no_rows_is_refused_naming_the_geometry(client, editor, resource):
    """What the fuzzing sent (a WebP header, read as a CSV without rows): each
    mapper takes an empty batch, then the file is refused for its missing
    geometry (a 500 from the crossings and rivers mappers before)."""
    webp = "RIFF\x1a\x00\x00\x00WEBPVP8L\x0e\x00\x00\x00/\x00\x00\x00\x00\x07\x10\x11\ufffd\x0fDD\ufffd\x03"
    r = client.post(f"/api/v1/{resource}/import", files={"file": ("file.webp", webp.encode())}, headers=editor)
    assert r.status_code == 422 and r.json()["field"] == "geometry", r.text
