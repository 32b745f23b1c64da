"""Every declared resource (``geo.resources.REGISTRY``) is complete: its CRUD
and import routes exist by name and method, its example is accepted and reads
back, its OGC collection answers, the generic importer reads what the exporter
writes, its GeoPackage layer has the stored geometry type and every column,
its table has every model column, and its map layer exists where it declares
one. A half-added resource fails here, naming the resource and the missing
piece. (What a resource needs is listed in README.md, "Adding a resource".)

The references are the running app's routes and API document, the migrated
database's catalog and the files the product writes, not the registry's own
derived values."""

from __future__ import annotations

import copy

import pyogrio
import pytest
from sqlalchemy import delete, inspect, select, text
from starlette.routing import NoMatchFound

from geo import repository
from geo.geometry import conform, from_geojson
from geo.io.export import export_layers, write_geopackage
from geo.io.formats import import_file
from geo.resources import REGISTRY
from layers.compose import LAYER_BUILDERS

NAMES = list(REGISTRY)
ROUTES = [
    ("list", "get", {}),
    ("get", "get", {"fid": "{fid}"}),
    ("create", "post", {}),
    ("update", "patch", {"fid": "{fid}"}),
    ("delete", "delete", {"fid": "{fid}"}),
    ("import", "post", {}),
]
# The column's PostGIS type modifier → the GeoPackage geometry type GDAL reports for the layer.
OGR_BY_TYPMOD = {
    "Point": "Point",
    "MultiLineString": "MultiLineString",
    "MultiPolygon": "MultiPolygon",
    "Geometry": "Unknown",
}
SERVER_SET = {"id", "created_at", "updated_at", "created_by"}


def _same(got, want) -> bool:
    if isinstance(want, str) and want.endswith("Z"):  # 2024-03-14T06:00:00Z comes back as +00:00
        return isinstance(got, str) and got.startswith(want[:19])
    return got == want


def test_the_registry_lists_every_resource_table(engine):
    """Every table with a source id (with or without a geometry column) is a declared resource (none forgotten)."""
    insp = inspect(engine)
    stored = {t for t in insp.get_table_names() if "source_id" in {c["name"] for c in insp.get_columns(t)}}
    declared = {spec.table for spec in REGISTRY.values()}
    assert stored == declared, f"tables without a declaration in geo/resources/: {sorted(stored - declared)}"


@pytest.mark.parametrize("name", NAMES)
def test_crud_and_import_routes_exist_by_name_and_method(client, name):
    document = client.app.openapi()["paths"]
    for suffix, method, params in ROUTES:
        route = f"{name}-{suffix}"
        try:
            path = client.app.url_path_for(route, **params)
        except NoMatchFound:
            pytest.fail(f"{name}: no route named {route!r}")
        assert method in document.get(path, {}), f"{name}: route {route} ({path}) does not answer {method.upper()}"


@pytest.mark.parametrize("name", NAMES)
def test_the_example_is_created_and_reads_back(client, editor, name):
    example = copy.deepcopy(REGISTRY[name].example)
    created = client.post(client.app.url_path_for(f"{name}-create"), json=example, headers=editor)
    assert created.status_code == 201, f"{name}: its example is refused: {created.text}"
    fid = created.json()["id"]
    got = client.get(client.app.url_path_for(f"{name}-get", fid=str(fid)), headers=editor)
    assert got.status_code == 200, f"{name}: the created example cannot be read back: {got.text}"
    props = got.json()["properties"]
    wrong = {k: (props.get(k), v) for k, v in example["properties"].items() if not _same(props.get(k), v)}
    assert not wrong, f"{name}: properties read back differently (got, sent): {wrong}"


@pytest.mark.parametrize("name", NAMES)
def test_the_ogc_collection_is_listed_and_its_items_answer(client, viewer, name):
    listed = [c["id"] for c in client.get("/ogc/collections", headers=viewer).json()["collections"]]
    assert name in listed, f"{name}: no OGC collection (listed: {listed})"
    items = client.get(f"/ogc/collections/{name}/items", params={"limit": 1}, headers=viewer)
    assert items.status_code == 200, f"{name}: OGC items answer {items.status_code}: {items.text}"
    assert items.json()["type"] == "FeatureCollection"


def _create_example(session, name: str) -> dict:
    spec = REGISTRY[name]
    example = copy.deepcopy(spec.example)
    props = spec.properties_model.model_validate(
        {**example["properties"], "source": "completeness", "source_id": f"{name}-1"}
    ).model_dump()
    geom = conform(from_geojson(example["geometry"]), spec.geometry_kinds) if example["geometry"] else None
    return repository.create_feature(session, spec, props, geom, who="completeness-test")


@pytest.mark.parametrize("name", NAMES)
def test_the_generic_importer_reads_a_one_row_export(session, tmp_path, name):
    spec = REGISTRY[name]
    before = _create_example(session, name)
    path = tmp_path / f"{spec.table}.gpkg"
    counts = write_geopackage(
        session,
        path,
        export_layers(include_sensitive=True, resources=[name], include_gaps=False, reader="completeness-test"),
    )
    assert counts == {spec.table: 1}, f"{name}: the export wrote {counts}"
    session.execute(delete(spec.model).where(spec.model.id == before["id"]))
    report = import_file(session, name, path, fmt="generic")
    assert (report.inserted, report.rejected) == (1, 0), (
        f"{name}: importing its own export: {report.summary()} {[(r.field, r.reason) for r in report.rejects]}"
    )
    new_id = session.scalar(select(spec.model.id).where(spec.model.source_id == f"{name}-1"))
    after = repository.get_feature(session, spec, new_id, include_sensitive=True, reader="completeness-test")
    changed = {
        k: (after["properties"][k], v)
        for k, v in before["properties"].items()
        if k not in SERVER_SET and after["properties"][k] != v
    }
    assert not changed, f"{name}: values changed through export and import (after, before): {changed}"
    assert after["geometry"] == before["geometry"], f"{name}: the geometry changed through export and import"


@pytest.mark.parametrize("name", NAMES)
def test_the_geopackage_layer_has_the_geometry_type_and_every_field(session, engine, tmp_path, name):
    spec = REGISTRY[name]
    path = tmp_path / "all.gpkg"
    write_geopackage(
        session, path, export_layers(include_sensitive=True, include_gaps=False, reader="completeness-test")
    )
    layers = dict(pyogrio.list_layers(path))
    assert spec.table in layers, f"{name}: no GeoPackage layer {spec.table!r} (layers: {sorted(layers)})"
    with engine.connect() as conn:
        stored = conn.execute(
            text(
                "SELECT postgis_typmod_type(atttypmod) FROM pg_attribute "
                "WHERE attrelid = CAST(:t AS regclass) AND attname = 'geom'"
            ),
            {"t": spec.table},
        ).scalar_one_or_none()  # no row: a table without geometry
        columns = [c["name"] for c in inspect(conn).get_columns(spec.table) if c["name"] != "geom"]
    info = pyogrio.read_info(path, layer=spec.table)
    assert info["geometry_type"] == (None if stored is None else OGR_BY_TYPMOD[stored]), (
        f"{name}: the GeoPackage layer is {info['geometry_type']}, the table stores {stored or 'no geometry'}"
    )
    missing = sorted(set(columns) - set(info["fields"]))
    assert not missing, f"{name}: the GeoPackage layer lacks the field(s) {missing}"


@pytest.mark.parametrize("name", NAMES)
def test_the_migrated_table_has_every_model_column(engine, name):
    spec = REGISTRY[name]
    insp = inspect(engine)
    assert insp.has_table(spec.table), f"{name}: no table {spec.table!r}: write its migration (alembic/versions/)"
    in_db = {c["name"] for c in insp.get_columns(spec.table)}
    missing = sorted({c.name for c in spec.model.__table__.columns} - in_db)
    assert not missing, f"{name}: table {spec.table} lacks the column(s) {missing}: add them in a migration"


@pytest.mark.parametrize("name", NAMES)
def test_the_declared_map_layer_exists(name):
    layer = REGISTRY[name].layer
    if layer is None:
        return  # not drawn on the map
    assert layer in LAYER_BUILDERS, (
        f"{name}: declares map layer {layer!r} but layers.compose.LAYER_BUILDERS has no such key"
    )
