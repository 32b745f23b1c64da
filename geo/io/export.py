"""Exports for offline field offices and other tools (README, "Data formats").

One GeoPackage holds every resource as its own layer plus the latest
engagement-gap result. Layers are built as Arrow tables whose schema comes
from the model columns, so an empty table still yields a layer with the
right geometry type and typed fields. Rows stream from a server-side cursor
in batches; nothing holds a whole table in memory. Read, release, write:
the batches are spooled to Arrow IPC files (a plain copy) and the
connection is given back before GDAL writes the GeoPackage, the slow part.

The CSV and GeoJSON encoders work on the GeoJSON-shaped feature dicts the
repository returns, so list endpoints and the command line encode the same
thing.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow as pa
import shapely
from shapely.geometry import Point
from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    Select,
    SmallInteger,
    and_,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Session

from geo.db import release
from geo.errors import InvalidInput
from geo.io.spreadsheet import escape_cell
from geo.models import SRID
from geo.repository import (
    audit_read,
    audited_reader,
    feature_from_row,
    property_columns,
    select_features,
    where_clauses,
)
from geo.resources import REGISTRY, ResourceSpec

GAPS_LAYER = "engagement_gaps"
CSV_GEOMETRY = ("wkt", "lonlat")
_BATCH = 50_000


def _arrow_type(sa_type) -> pa.DataType:
    if isinstance(sa_type, ARRAY):
        return pa.list_(pa.int64() if isinstance(sa_type.item_type, Integer) else pa.string())
    if isinstance(sa_type, Boolean):
        return pa.bool_()
    if isinstance(sa_type, BigInteger):
        return pa.int64()
    if isinstance(sa_type, (Integer, SmallInteger)):
        return pa.int32()
    if isinstance(sa_type, Float):
        return pa.float64()
    if isinstance(sa_type, DateTime):
        return pa.timestamp("us", tz="UTC")
    if isinstance(sa_type, Date):
        return pa.date32()
    return pa.string()  # String, Text, JSONB (as JSON text)


@dataclass
class Layer:
    """One GeoPackage layer: its Arrow schema (the geometry is the WKB column
    ``geom``; a layer whose ``geometry_type`` is None is a table without
    geometry) and a function of the session yielding its record batches."""

    name: str
    geometry_type: str | None
    schema: pa.Schema
    batches: Callable[[Session], Iterator[pa.RecordBatch]]


def columns_schema(columns: Sequence, geometry: bool = True) -> pa.Schema:
    fields = [pa.field(c.name, _arrow_type(c.type)) for c in columns]
    return pa.schema([*fields, pa.field("geom", pa.binary())] if geometry else fields)


def _column_values(col, values: list) -> list:
    if isinstance(col.type, JSONB):
        return [None if v is None else json.dumps(v, sort_keys=True) for v in values]
    return values


def _query_batches(session: Session, stmt: Select, columns: Sequence, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    """Rows of ``stmt`` (the columns, then WKB when the schema has ``geom``) from a server-side cursor."""
    for rows in session.execute(stmt.execution_options(yield_per=_BATCH)).partitions():
        cols = list(zip(*rows, strict=True))
        arrays = [
            pa.array(_column_values(c, list(v)), type=f.type) for c, v, f in zip(columns, cols, schema, strict=False)
        ]
        if "geom" in schema.names:
            arrays.append(pa.array([bytes(g) for g in cols[-1]], type=pa.binary()))
        yield pa.RecordBatch.from_arrays(arrays, schema=schema)


def resource_layer(
    spec: ResourceSpec,
    *,
    include_sensitive: bool,
    bbox: tuple[float, float, float, float] | None = None,
    start: date | datetime | None = None,
    end: date | datetime | None = None,
    filters: dict[str, Any] | None = None,
    reader: str | None = None,
) -> Layer:
    """The layer of one resource with the API's filters (start/end are
    ignored for resources without a date, so one export can cover all; a
    bbox selects no row of a resource without geometry). Reading personal
    data needs a ``reader``, recorded with the ids written
    (``geo.repository.audit_read``)."""
    audited_reader(spec, include_sensitive=include_sensitive, reader=reader)  # refused here, before a file is begun
    has_date, geometry = spec.date_field is not None, spec.has_geometry
    clauses = where_clauses(
        spec,
        bbox=bbox,
        start=start if has_date else None,
        end=end if has_date else None,
        filters=filters,
        bbox_selects_none=True,
    )
    cols = property_columns(spec, include_sensitive)
    stmt = select(*cols, *([func.ST_AsBinary(spec.model.geom)] if geometry else [])).order_by(spec.model.id)
    if clauses:
        stmt = stmt.where(and_(*clauses))
    schema = columns_schema(cols, geometry)

    def batches(session: Session) -> Iterator[pa.RecordBatch]:
        ids: list[int] = []
        for batch in _query_batches(session, stmt, cols, schema):
            ids += batch.column("id").to_numpy().tolist()
            yield batch
        audit_read(session, spec, ids, include_sensitive=include_sensitive, reader=reader, via="GeoPackage export")

    return Layer(spec.table, spec.ogr_geometry_type, schema, batches)


def gaps_layer(bbox: tuple[float, float, float, float] | None = None) -> Layer:
    """The engagement-gap result computed now with the default parameters (as
    the analysis API does), ranked, on the community points."""
    from geo.io.export_gaps import GAPS_SCHEMA, current_gaps, gaps_batch

    return Layer(GAPS_LAYER, "Point", GAPS_SCHEMA, lambda session: iter([gaps_batch(current_gaps(session, bbox))]))


def derived_layers(bbox: tuple[float, float, float, float] | None = None) -> list[Layer]:
    """The analysis results of ``geo.io.derived`` (who was heard…), computed now."""
    from geo.io.derived import DERIVED

    return [Layer(d.layer, d.geometry_type, d.schema, partial(d.batches, bbox=bbox)) for d in DERIVED.values()]


def areas_layer(bbox: tuple[float, float, float, float] | None = None) -> Layer:
    """The admin areas with their pressure, engagement and reach figures (docs/reach.md#per-area)."""
    from geo.io.export_areas import AREAS_LAYER, AREAS_SCHEMA, areas_batch

    return Layer(AREAS_LAYER, "MultiPolygon", AREAS_SCHEMA, lambda session: iter([areas_batch(session, bbox)]))


def export_layers(
    *,
    include_sensitive: bool,
    resources: Sequence[str] | None = None,
    include_gaps: bool = True,
    bbox: tuple[float, float, float, float] | None = None,
    start: date | datetime | None = None,
    end: date | datetime | None = None,
    reader: str | None = None,
) -> list[Layer]:
    names = list(resources) if resources else list(REGISTRY)
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        raise InvalidInput(f"unknown resource {unknown[0]!r}; one of {', '.join(REGISTRY)}", field="resources")
    layers = [
        resource_layer(REGISTRY[n], include_sensitive=include_sensitive, bbox=bbox, start=start, end=end, reader=reader)
        for n in names
    ]
    if include_gaps:  # the analysis results: engagement gaps, admin area figures, who was heard
        layers += [gaps_layer(bbox), areas_layer(bbox), *derived_layers(bbox)]
    return layers


def write_geopackage(session: Session, path: str | Path, layers: Iterable[Layer]) -> dict[str, int]:
    """Write ``layers`` into one new GeoPackage at ``path``; returns rows per layer.

    Every layer is read first, into Arrow IPC files in a temporary
    directory; then ``session``'s transaction is ended (:func:`geo.db.release`),
    so no database connection is held while GDAL writes the file."""
    import pyogrio  # here, not at the top: a server starts without it (bench/README.md, "Cold start")

    path = Path(path)
    path.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="peacemap-export-") as tmp:
        spooled = []
        for i, layer in enumerate(layers):
            spool = Path(tmp) / f"{i}.arrows"
            counts[layer.name] = 0
            with pa.OSFile(str(spool), "wb") as sink, pa.ipc.new_file(sink, layer.schema) as writer:
                for batch in layer.batches(session):
                    writer.write_batch(batch)
                    counts[layer.name] += batch.num_rows
            spooled.append((layer, spool))
        release(session)
        for layer, spool in spooled:
            geometry: dict[str, Any] = (
                {"geometry_name": "geom", "geometry_type": layer.geometry_type, "crs": f"EPSG:{SRID}"}
                if layer.geometry_type
                else {}  # a table without geometry
            )
            with pa.memory_map(str(spool)) as source:
                stored = pa.ipc.open_file(source)
                reader = pa.RecordBatchReader.from_batches(
                    layer.schema, (stored.get_batch(i) for i in range(stored.num_record_batches))
                )
                pyogrio.write_arrow(reader, path, layer=layer.name, driver="GPKG", append=path.exists(), **geometry)
    return counts


# --- encoders for feature dicts (list endpoints, command line) ---------------


def iter_features(
    session: Session,
    spec: ResourceSpec,
    *,
    include_sensitive: bool,
    bbox: tuple[float, float, float, float] | None = None,
    start: date | datetime | None = None,
    end: date | datetime | None = None,
    filters: dict[str, Any] | None = None,
    reader: str | None = None,
) -> Iterator[dict]:
    """Every matching feature, as the list API shapes it, streamed by id
    (personal data needs a ``reader``, see ``geo.repository.audit_read``)."""
    clauses = where_clauses(spec, bbox=bbox, start=start, end=end, filters=filters)
    stmt, cols = select_features(spec, clauses, include_sensitive)
    ids: list[int] = []
    for row in session.execute(stmt.order_by(spec.model.id).execution_options(yield_per=_BATCH // 10)):
        feature = feature_from_row(row, cols)
        ids.append(feature["id"])
        yield feature
    audit_read(session, spec, ids, include_sensitive=include_sensitive, reader=reader, via="export (command line)")


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return escape_cell(";".join(str(v) for v in value))
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return escape_cell(value)


def csv_header(property_names: Sequence[str], geometry: str = "wkt") -> list[str]:
    if geometry not in CSV_GEOMETRY:
        raise InvalidInput(f"geometry must be one of {', '.join(CSV_GEOMETRY)}", field="geometry")
    geo_cols = ["wkt"] if geometry == "wkt" else ["lon", "lat"]
    return ["id", *[n for n in property_names if n != "id"], *geo_cols]


def features_to_csv(features: Iterable[dict], property_names: Sequence[str], geometry: str = "wkt") -> Iterator[str]:
    """CSV text chunks: one row per feature, the geometry as WKT or, for
    points, as ``lon``/``lat`` columns (other types get their centroid).
    Arrays are joined with ``;``; empty cells are nulls; text a spreadsheet
    would run as a formula is escaped (:mod:`geo.io.spreadsheet`)."""
    header = csv_header(property_names, geometry)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")  # RFC 4180: a CR inside a cell gets quoted
    writer.writerow(header)
    names = header[1 : len(header) - (1 if geometry == "wkt" else 2)]
    for i, feat in enumerate(features):
        props = feat.get("properties") or {}
        shape = shapely.from_geojson(json.dumps(feat["geometry"])) if feat.get("geometry") else None
        if geometry == "wkt":
            geo = [shapely.to_wkt(shape, rounding_precision=-1) if shape is not None else ""]
        else:
            pt = shape if shape is None or isinstance(shape, Point) else shape.centroid
            geo = ["", ""] if pt is None else [repr(pt.x), repr(pt.y)]
        writer.writerow([feat.get("id", props.get("id")), *[_csv_cell(props.get(n)) for n in names], *geo])
        if i % 1000 == 999:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def features_to_geojson(features: Iterable[dict], **members: Any) -> Iterator[str]:
    """A FeatureCollection as text chunks, features streamed one by one;
    ``members`` (e.g. numberMatched) go before the features."""
    head = {"type": "FeatureCollection", **members}
    yield json.dumps(head)[:-1] + ', "features": ['
    for i, feat in enumerate(features):
        yield ("," if i else "") + json.dumps(feat, separators=(",", ":"))
    yield "]}"
