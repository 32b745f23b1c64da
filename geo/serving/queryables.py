"""OGC API Features Part 3 queryables: the properties a CQL2 filter (and
``sortby``) may name, with their JSON Schema, derived from the resource's
columns and their rules (``geo.columns``) through the same value types the
API validates with (``geo.resources.schema.value_type``). Sensitive fields
are queryable only by those who may read them: a viewer filtering on
``notes`` could otherwise learn what the notes say."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field, TypeAdapter
from sqlalchemy import Column

from geo.errors import InvalidInput
from geo.resources import ResourceSpec
from geo.resources.schema import value_type

GEOMETRY = "geometry"  # the name CQL2 and OGC clients use for the primary geometry
_FORMATS = {
    "POINT": "point",
    "MULTIPOINT": "multipoint",
    "LINESTRING": "linestring",
    "MULTILINESTRING": "multilinestring",
    "POLYGON": "polygon",
    "MULTIPOLYGON": "multipolygon",
}


@dataclass(frozen=True)
class Queryables:
    """The queryable columns of one resource for one reader, by name."""

    spec: ResourceSpec
    columns: dict[str, Column]

    @property
    def has_geometry(self) -> bool:
        return GEOMETRY in self.columns

    def column(self, name: str, field: str = "filter") -> Column:
        col = self.columns.get(name)
        if col is None:
            raise InvalidInput(
                f"{name!r} is not a queryable of {self.spec.name}; one of {', '.join(self.columns)}", field=field
            )
        return col


def queryables(spec: ResourceSpec, include_sensitive: bool) -> Queryables:
    cols: dict[str, Column] = {c.name: c for c in spec.columns if include_sensitive or c.name not in spec.sensitive}
    if "geom" in spec.model.__table__.c:
        cols[GEOMETRY] = spec.column("geom")
    return Queryables(spec, cols)


def _schema(column: Column) -> dict[str, Any]:
    typ, limits = value_type(column)
    schema = TypeAdapter(Annotated[typ, Field(**limits)] if limits else typ).json_schema()
    if column.doc:
        schema["description"] = column.doc
    return schema


def _geometry_schema(spec: ResourceSpec) -> dict[str, Any]:
    kinds = [_FORMATS.get(k, "any") for k in spec.geometry_kinds]
    fmt = f"geometry-{kinds[0]}" if len(kinds) == 1 else "geometry-any"
    return {"title": "geometry", "format": fmt, "x-ogc-role": "primary-geometry"}


def queryables_schema(q: Queryables, schema_id: str) -> dict[str, Any]:
    """The ``/queryables`` document (a JSON Schema, draft 2020-12)."""
    props = {
        name: (_geometry_schema(q.spec) if name == GEOMETRY else {"title": name, **_schema(col)})
        for name, col in q.columns.items()
    }
    if "id" in props:
        props["id"]["x-ogc-role"] = "id"
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": schema_id,
        "type": "object",
        "title": q.spec.title,
        "properties": props,
        "additionalProperties": False,
    }
