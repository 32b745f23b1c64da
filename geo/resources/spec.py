"""What a resource is: :class:`ResourceSpec` holds only what its model cannot
say (title, description, date, filters, sensitive fields, an example, its map
layer); everything else — geometry kinds, OGR type, writable fields, the
properties schema, the filters' value types — is derived here from the
model's columns and their rules (``geo.columns``)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Column, Date, DateTime, Float, Integer, String, Table
from sqlalchemy.dialects.postgresql import ARRAY

from geo.columns import rule_of
from geo.geometry import ogr_type
from geo.models import READ_ONLY, Base, Feature, table_of
from geo.resources.schema import properties_model

OPS = ("eq", "ge", "le", "contains", "ilike")


@dataclass(frozen=True)
class Filter:
    """A list filter: query parameter ``param`` on ``column``.

    ``op``: ``eq`` (several values allowed on a vocabulary column), ``ge``,
    ``le``, ``contains`` (an array column holds the value) or ``ilike`` (part
    of a text, any case). The value's type and limits come from the column.
    """

    param: str
    column: str
    op: str
    description: str


@dataclass(frozen=True)
class Link:
    """A many-to-many link set through a list property of the resource.

    ``prop`` holds the ids of ``target`` (a resource name) rows; the pairs
    live in the link table ``model``, whose column ``own`` refers to this
    resource's id and ``other`` to the target's. Reads give the ids sorted;
    a write replaces the whole list (``geo.links``).
    """

    prop: str
    model: type[Base]
    own: str
    other: str
    target: str
    description: str
    max_items: int = 100


@dataclass(frozen=True)
class ResourceSpec:
    """One stored resource, declared once in its module of ``geo.resources``.

    ``name`` is the URL segment and OGC collection id; ``date_field`` the
    column ``start``/``end`` filter on (None: no date); ``sensitive`` the
    fields only editors and admins see; ``example`` a valid GeoJSON Feature
    (the OpenAPI example, and the completeness test posts it); ``layer`` the
    key of its map layer in ``layers.compose.LAYER_BUILDERS`` (None: not
    drawn); ``order`` its place in listings (OGC collections, GeoPackage
    layers, API sections); ``links`` its many-to-many list properties;
    ``audit_reads``: its sensitive fields are personal data, and every read
    of them (by an editor or admin) is written to the audit log.

    A model without a ``geom`` column is an attribute-only resource: its
    features have ``geometry: null`` (valid GeoJSON), its GeoPackage layer is
    a table without geometry, and ``bbox`` does not apply to it.
    """

    name: str
    model: type[Feature]
    title: str
    description: str
    date_field: str | None
    filters: tuple[Filter, ...]
    sensitive: tuple[str, ...]
    example: dict[str, Any]
    layer: str | None
    order: int
    links: tuple[Link, ...] = ()
    audit_reads: bool = False

    def __post_init__(self) -> None:
        problems = [*self._field_problems(), *self._filter_problems()]
        if problems:
            raise ValueError(f"resource {self.name!r}: " + "; ".join(problems))

    def _field_problems(self) -> list[str]:
        names = {c.name for c in self.columns}
        problems = [
            f"no column {n!r} for {what}"
            for what, n in [("date_field", self.date_field), *(("sensitive", s) for s in self.sensitive)]
            if n is not None and n not in names
        ]
        if self.date_field in names and not isinstance(self.column(self.date_field).type, (Date, DateTime)):
            problems.append(f"date_field {self.date_field!r} is not a date or time")
        if "geom" in self._table.c and not rule_of(self._table.c.geom).geometry_kinds:
            problems.append("the model's geom column is not built with geo.columns.geometry")
        problems += [
            f"date column {c.name!r} is not built with geo.columns.dated or not_before (the supported date range)"
            for c in self.columns
            if c.name not in READ_ONLY and isinstance(c.type, (Date, DateTime)) and rule_of(c).dates is None
        ]
        for link in self.links:
            if link.prop in names:
                problems.append(f"link {link.prop!r} has the name of a column")
            link_table = table_of(link.model)
            if {link.own, link.other} - set(link_table.c.keys()):
                problems.append(f"link {link.prop!r}: {link_table.name} has no column {link.own!r} or {link.other!r}")
        return problems

    def _filter_problems(self) -> list[str]:
        names = {c.name for c in self.columns}
        params = [f.param for f in self.filters]
        problems = [f"filter {p!r} is declared twice" for p in sorted(set(params)) if params.count(p) > 1]
        for f in self.filters:
            if f.column not in names:
                problems.append(f"filter {f.param!r}: no column {f.column!r}")
                continue
            column_type = self.column(f.column).type
            if f.op not in OPS:
                problems.append(f"filter {f.param!r}: op {f.op!r} is not one of {', '.join(OPS)}")
            elif (f.op == "contains") != isinstance(column_type, ARRAY):
                problems.append(f"filter {f.param!r}: 'contains' is the op for array columns, and only for them")
            elif f.op == "ilike" and not isinstance(column_type, String):
                problems.append(f"filter {f.param!r}: 'ilike' needs a text column")
            elif f.op in ("ge", "le") and not isinstance(column_type, (Integer, Float, Date, DateTime)):
                problems.append(f"filter {f.param!r}: {f.op!r} needs a number, date or time column")
        return problems

    @property
    def table(self) -> str:
        return str(self._table.name)  # a plain str: GDAL's bindings refuse SQLAlchemy's quoted_name

    @property
    def _table(self) -> Table:
        return table_of(self.model)

    @property
    def columns(self) -> list[Column]:
        """The property columns, in table order (every column but ``geom``)."""
        return [c for c in self._table.columns if c.name != "geom"]

    def column(self, name: str) -> Column:
        return self._table.c[name]

    @property
    def writable(self) -> list[str]:
        """Properties a client or an import may set."""
        return [c.name for c in self.columns if c.name not in READ_ONLY]

    @property
    def has_geometry(self) -> bool:
        """False for an attribute-only resource (no ``geom`` column)."""
        return "geom" in self._table.c

    @property
    def geometry_kinds(self) -> tuple[str, ...]:
        """What ``geom`` stores (PostGIS names); inputs are promoted to them (none without geometry)."""
        return rule_of(self._table.c.geom).geometry_kinds if self.has_geometry else ()

    @property
    def ogr_geometry_type(self) -> str | None:
        """The GeoPackage layer's geometry type (None: a table without geometry)."""
        return ogr_type(self.geometry_kinds) if self.has_geometry else None

    def link(self, prop: str) -> Link | None:
        return next((link for link in self.links if link.prop == prop), None)

    def filter(self, param: str) -> Filter | None:
        return next((f for f in self.filters if f.param == param), None)

    @cached_property
    def properties_model(self) -> type[BaseModel]:
        """The pydantic model of the properties a client sends (see ``geo.resources.schema``)."""
        return properties_model(self)
