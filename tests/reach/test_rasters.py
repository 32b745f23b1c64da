"""The raster catalogue: a checked file is kept as a Cloud-Optimized GeoTIFF
with its georeference and provenance; a bad one is refused naming the field
and leaves nothing behind; the API lists, serves, takes uploads and deletes;
the GeoPackage export carries the rasters; OGC's landing page links them."""

from __future__ import annotations

import hashlib
import sqlite3

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin
from sqlalchemy import func, select

from geo.db import migrate
from geo.errors import InvalidInput
from geo.io.export import export_layers, write_geopackage
from geo.models import Raster
from geo.rasters import catalogue
from geo.rasters.export import write_raster_tables


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_map_friction_surface_is_kept_as_a_cog_with_its_georeference(session, tmp_path, raster_folder, map_friction):
    path, values = map_friction(tmp_path / "2020_motorized_friction_surface.geotiff")
    entry = catalogue.store(session, path, "friction", provenance="MAP 2019 (synthetic test file)", who="test")
    row = session.get(Raster, entry["id"])
    assert (row.kind, row.units, row.width, row.height, row.dtype, row.nodata) == (
        "friction",
        "minutes_per_metre",
        60,
        40,
        "float32",
        -9999.0,
    )
    assert entry["epsg"] == 4326 and row.transform == [17.0, 1 / 120, 0.0, 5.0, 0.0, -1 / 120]
    assert entry["bbox"] == pytest.approx([17.0, 5.0 - 40 / 120, 17.0 + 60 / 120, 5.0])
    assert (row.source_file, row.source_checksum, row.created_by) == (path.name, _sha(path), "test")
    stored = raster_folder / row.file
    assert row.file == f"friction-{row.checksum[:16]}.tif" and _sha(stored) == row.checksum
    with rasterio.open(stored) as ds:
        assert ds.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
        assert ds.profile["compress"] == "deflate" and ds.crs.to_epsg() == 4326 and ds.nodata == -9999.0
        assert np.array_equal(ds.read(1), values)
    # The same content again reuses the file; the catalogue keeps both rows (the newest is current).
    again = catalogue.store(session, path, "friction")
    assert again["file"] == entry["file"] and catalogue.current(session, "friction").id == again["id"]


def test_real_modis_land_cover_and_population_densities_are_accepted(
    session, real_data, tmp_path, raster_folder, write_tif
):
    lc = catalogue.store(session, real_data / "modis_landcover_igbp_2019_caf_sw.tif", "landcover")
    assert (lc["units"], lc["width"], lc["height"]) == ("igbp_class", 19, 13)
    dens = write_tif(
        tmp_path / "density.tif", np.full((4, 4), 85_000.0, np.float32), transform=from_origin(18, 5, 0.1, 0.1)
    )
    assert catalogue.store(session, dens, "population", units="people_per_km2")["units"] == "people_per_km2"


def _refused(session, path, kind, field, words, raster_folder, **kw):
    before = session.scalar(select(func.count()).select_from(Raster))
    with pytest.raises(InvalidInput) as err:
        catalogue.store(session, path, kind, **kw)
    assert err.value.field == field, err.value.message
    for w in words:
        assert w in err.value.message, err.value.message
    assert session.scalar(select(func.count()).select_from(Raster)) == before
    assert not raster_folder.exists() or not any(raster_folder.iterdir())


GEO = from_origin(17.0, 5.0, 0.01, 0.01)


@pytest.mark.parametrize(
    ("kind", "values", "kw", "field", "words"),
    [
        ("friction", np.full((3, 3), -0.01, np.float32), {}, "values", ["minutes per metre"]),
        ("friction", np.zeros((3, 3), np.float32), {}, "values", ["faster than 200 km/h"]),
        ("friction", np.full((3, 3), 12.0, np.float32), {}, "values", ["above the plausible maximum"]),  # min/km
        ("friction", np.full((3, 3), -9999.0, np.float32), {"nodata": -9999.0}, "values", ["no valid cell"]),
        ("population", np.full((3, 3), -1.0, np.float32), {}, "values", ["negative"]),
        ("population", np.full((3, 3), 5e9, np.float32), {}, "values", ["people per km²"]),  # 0.01° cells ≈ 1.2 km²
        ("landcover", np.array([[1, 2], [42, 9]], np.uint8), {}, "values", ["outside the IGBP legend", "42"]),
        ("landcover", np.array([[1.5, 2.0]], np.float32), {}, "values", ["non-integer"]),
    ],
)
def test_absurd_values_are_refused(session, tmp_path, raster_folder, write_tif, kind, values, kw, field, words):
    path = write_tif(tmp_path / f"{kind}.tif", values, transform=GEO, **kw)
    _refused(session, path, kind, field, words, raster_folder)


def test_files_without_crs_georeference_or_with_a_wrong_crs_are_refused(session, tmp_path, raster_folder, write_tif):
    a = np.full((3, 3), 0.02, np.float32)
    _refused(
        session,
        write_tif(tmp_path / "nocrs.tif", a, crs=None, transform=GEO),
        "friction",
        "crs",
        ["no coordinate"],
        raster_folder,
    )
    _refused(
        session, write_tif(tmp_path / "nogeo.tif", a), "friction", "transform", ["not georeferenced"], raster_folder
    )
    # UTM metres labelled as degrees.
    metres = from_origin(500_000, 600_000, 1000, 1000)
    _refused(
        session,
        write_tif(tmp_path / "wrong.tif", a, transform=metres),
        "friction",
        "crs",
        ["CRS is probably wrong"],
        raster_folder,
    )
    # The same metres in their own CRS are fine.
    ok = write_tif(tmp_path / "utm.tif", a, crs="EPSG:32634", transform=metres)
    assert catalogue.store(session, ok, "friction")["bbox"][0] == pytest.approx(21.0, abs=0.01)


def test_not_a_raster_several_bands_and_bad_kind_or_units(session, tmp_path, raster_folder, write_tif):
    text = tmp_path / "notes.tif"
    text.write_text("not a raster", encoding="utf-8")
    _refused(session, text, "friction", "file", ["cannot read notes.tif"], raster_folder)
    two = write_tif(tmp_path / "two.tif", np.full((2, 3, 3), 0.02, np.float32), transform=GEO)
    _refused(session, two, "friction", "file", ["2 bands"], raster_folder)
    one = write_tif(tmp_path / "one.tif", np.full((3, 3), 0.02, np.float32), transform=GEO)
    _refused(session, one, "elevation", "kind", ["friction, population, landcover"], raster_folder)
    _refused(session, one, "friction", "units", ["minutes_per_metre"], raster_folder, units="people_per_km2")


def test_api_upload_list_get_download_and_delete(client, editor, viewer, tmp_path, raster_folder, map_friction):
    path, _ = map_friction(tmp_path / "friction.tif")
    with open(path, "rb") as fh:
        up = client.post(
            "/api/v1/rasters", params={"kind": "friction"}, files={"file": ("friction.tif", fh)}, headers=editor
        )
    assert up.status_code == 201, up.text
    body = up.json()
    assert body["kind"] == "friction" and body["source_file"] == "friction.tif"
    listed = client.get("/api/v1/rasters", headers=viewer).json()["rasters"]
    assert [r["id"] for r in listed] == [body["id"]]
    got = client.get(f"/api/v1/rasters/{body['id']}", headers=viewer).json()
    enclosure = next(link["href"] for link in got["links"] if link["rel"] == "enclosure")
    cog = client.get(enclosure, headers=viewer)
    assert cog.status_code == 200 and cog.headers["content-type"].startswith("image/tiff")
    assert hashlib.sha256(cog.content).hexdigest() == body["checksum"]
    landing = client.get("/ogc", headers=viewer).json()["links"]
    assert any(link["rel"] == "enclosure" and link["href"] == enclosure for link in landing)
    assert client.delete(f"/api/v1/rasters/{body['id']}", headers=viewer).status_code == 403
    assert client.delete(f"/api/v1/rasters/{body['id']}", headers=editor).status_code == 204
    gone = client.get(f"/api/v1/rasters/{body['id']}", headers=viewer)
    assert gone.status_code == 404 and gone.json()["field"] == "id"
    huge = client.get(f"/api/v1/rasters/{2**63}", headers=viewer)
    assert huge.status_code == 422 and huge.json()["field"] == "raster_id"  # beyond the ids' bigint


def test_api_refuses_bad_files_keys_and_oversize_uploads(
    client, make_client, editor, viewer, tmp_path, raster_folder, write_tif
):
    bad = write_tif(tmp_path / "bad.tif", np.full((3, 3), 0.02, np.float32), crs=None, transform=GEO)
    with open(bad, "rb") as fh:
        r = client.post("/api/v1/rasters", params={"kind": "friction"}, files={"file": ("bad.tif", fh)}, headers=editor)
    assert r.status_code == 422 and r.json()["field"] == "crs" and "code" in r.json()
    with open(bad, "rb") as fh:
        assert (
            client.post(
                "/api/v1/rasters", params={"kind": "friction"}, files={"file": ("bad.tif", fh)}, headers=viewer
            ).status_code
            == 403
        )
        assert (
            client.post("/api/v1/rasters", params={"kind": "friction"}, files={"file": ("bad.tif", fh)}).status_code
            == 401
        )
    r = client.post("/api/v1/rasters", params={"kind": "elevation"}, files={"file": ("bad.tif", b"x")}, headers=editor)
    assert r.status_code == 422 and r.json()["field"] == "kind"
    r = client.post("/api/v1/rasters", params={"kind": "friction"}, headers=editor)
    assert r.status_code == 422 and r.json()["field"] == "file"
    with make_client(max_upload_mb=0.001) as small:
        big = small.post(
            "/api/v1/rasters", params={"kind": "friction"}, files={"file": ("big.tif", b"0" * 5000)}, headers=editor
        )
    assert big.status_code == 413
    assert client.get("/api/v1/rasters", headers=viewer).json()["rasters"] == []


def test_the_geopackage_export_carries_each_raster_cut_to_the_bbox(session, tmp_path, raster_folder, map_friction):
    path, values = map_friction(tmp_path / "friction.tif")
    entry = catalogue.store(session, path, "friction")
    gpkg = tmp_path / "export.gpkg"
    write_geopackage(session, gpkg, export_layers(include_sensitive=False, include_gaps=False))
    written = write_raster_tables(session, gpkg)
    table = f"raster_friction_{entry['id']}"
    assert written == {table: values.size}
    with rasterio.open(f"GPKG:{gpkg}:{table}") as ds:
        assert ds.nodata == -9999.0 and ds.crs.to_epsg() == 4326
        assert ds.transform.almost_equals(from_origin(17.0, 5.0, 1 / 120, 1 / 120))
        assert np.array_equal(ds.read(1), values)
    with sqlite3.connect(gpkg) as db:
        kinds = dict(db.execute("SELECT table_name, data_type FROM gpkg_contents").fetchall())
    assert kinds[table] == "2d-gridded-coverage" and kinds["roads"] == "features"
    # Cut to a box: whole cells around it, and the exported table reads back into the catalogue.
    cut = tmp_path / "cut.gpkg"
    write_geopackage(session, cut, export_layers(include_sensitive=False, include_gaps=False))
    box = (17.105, 4.805, 17.195, 4.895)  # columns 12.6…23.4 and rows 12.6…23.4 of the 1/120° grid
    assert write_raster_tables(session, cut, bbox=box)[table] == 12 * 12  # cells 12…23 both ways
    with rasterio.open(f"GPKG:{cut}:{table}") as ds:
        assert np.array_equal(ds.read(1), values[12:24, 12:24])
    back = catalogue.store(session, cut, "friction", layer=table)
    assert (back["width"], back["height"], back["source_file"]) == (12, 12, f"cut.gpkg:{table}")
    assert write_raster_tables(session, cut, bbox=(40.0, 0.0, 41.0, 1.0)) == {}  # outside: left out


def test_cli_import_friction_prints_what_was_kept(cluster, tmp_path, map_friction, run_cli):
    url = cluster.create_database("peacemap_test_raster_cli")
    try:
        migrate(url)
        path, _ = map_friction(tmp_path / "friction.tif")
        folder = tmp_path / "cli-rasters"
        done = run_cli(url, "import", "friction", str(path), env={"PEACEMAP_RASTER_DIR": str(folder)})
        assert done.returncode == 0, done.stderr
        assert "friction raster 1 from friction.tif: 60 × 40 cells, minutes_per_metre, EPSG:4326" in done.stdout
        assert len(list(folder.glob("friction-*.tif"))) == 1
        bad = run_cli(url, "import", "landcover", str(path), env={"PEACEMAP_RASTER_DIR": str(folder)})
        assert bad.returncode != 0 and "non-integer" in bad.stderr
    finally:
        cluster.drop_database("peacemap_test_raster_cli")
