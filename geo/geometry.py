"""Geometry checks shared by the API and the importers.

Everything stored is EPSG:4326, valid, non-empty, finite, within ±180/±90
and no larger than the vertex limit. Single parts are promoted to the table's
multi type so a client may send a Polygon for a MultiPolygon column.

The vertex limit is a deployment setting (``PEACEMAP_MAX_VERTICES``, held by
the API's settings, which ``geo`` cannot import). The API checks geometries
while pydantic parses the request body, where no argument can be passed, so
the limit travels in a context variable: the app sets it per request and the
``peacemap import`` command once; it defaults to :data:`DEFAULT_MAX_VERTICES`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import GeometryCollection, LineString, MultiLineString, MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from geo.errors import InvalidInput

SRID = 4326


@dataclass(frozen=True)
class GeometryKind:
    """A geometry type a column may store: its PostGIS name (what
    ``GeometryType(geom)`` answers), its OGR/GeoPackage name and the GeoJSON
    input types promoted to it."""

    stored: str
    ogr: str
    accepts: tuple[str, ...]


KINDS = {
    k.stored: k
    for k in (
        GeometryKind("POINT", "Point", ("Point",)),
        GeometryKind("MULTILINESTRING", "MultiLineString", ("LineString", "MultiLineString")),
        GeometryKind("MULTIPOLYGON", "MultiPolygon", ("Polygon", "MultiPolygon")),
    )
}

# About 4× the largest real admin boundary we hold (DR Congo's outline in Who's
# On First, 47 314 vertices; CAR's 28 872): room for finer boundary sources,
# while a million-point track or polygon is refused.
DEFAULT_MAX_VERTICES = 200_000
_VERTEX_LIMIT: ContextVar[int] = ContextVar("peacemap_max_vertices", default=DEFAULT_MAX_VERTICES)


def vertex_limit() -> int:
    """The vertices one feature may have here (see the module docstring)."""
    return _VERTEX_LIMIT.get()


@contextmanager
def limit_vertices(n: int) -> Iterator[None]:
    """Apply ``n`` as the vertex limit in this context (a request, a command)."""
    token = _VERTEX_LIMIT.set(n)
    try:
        yield
    finally:
        _VERTEX_LIMIT.reset(token)


def too_many_vertices(n: int, limit: int) -> str:
    """The reason a feature is refused, naming the limit and its setting."""
    return f"geometry has {n:,} vertices; at most {limit:,} are accepted per feature (PEACEMAP_MAX_VERTICES)"


def ogr_type(kinds: tuple[str, ...]) -> str:
    """The OGR geometry type of a layer holding ``kinds`` ("Unknown", i.e. any, for a mix)."""
    return KINDS[kinds[0]].ogr if len(kinds) == 1 else "Unknown"


def from_geojson(obj, field: str = "geometry") -> BaseGeometry:
    """Parse a GeoJSON geometry mapping and check it; raises InvalidInput naming ``field``."""
    if not isinstance(obj, dict) or "type" not in obj:
        raise InvalidInput("must be a GeoJSON geometry object with 'type' and 'coordinates'", field=field)
    try:
        geom = shape(obj)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        raise InvalidInput(f"malformed {obj.get('type')} coordinates: {exc}", field=f"{field}.coordinates") from None
    check(geom, field)
    return geom


def check(geom: BaseGeometry, field: str = "geometry") -> None:
    """Non-empty, within the vertex limit (checked first: validity is the costly
    part), finite, in range, valid."""
    if geom is None or geom.is_empty:
        raise InvalidInput("geometry is empty", field=field)
    n, limit = int(shapely.get_num_coordinates(geom)), vertex_limit()
    if n > limit:
        raise InvalidInput(too_many_vertices(n, limit), field=field)
    coords = shapely.get_coordinates(geom)
    if not np.isfinite(coords).all():
        raise InvalidInput("coordinates must be finite numbers (no NaN or infinity)", field=f"{field}.coordinates")
    lon, lat = coords[:, 0], coords[:, 1]
    if (np.abs(lat) > 90).any():
        bad = lat[np.abs(lat) > 90][0]
        raise InvalidInput(
            f"latitude {bad:g} is outside -90..90 (coordinates are [longitude, latitude] in EPSG:4326)",
            field=f"{field}.coordinates",
        )
    if (np.abs(lon) > 180).any():
        bad = lon[np.abs(lon) > 180][0]
        raise InvalidInput(f"longitude {bad:g} is outside -180..180", field=f"{field}.coordinates")
    if not geom.is_valid:
        reason = explain_validity(geom)
        raise InvalidInput(f"geometry is not valid: {reason}", field=field)


def accepted_types(kinds: tuple[str, ...]) -> list[str]:
    """The GeoJSON geometry types a table storing ``kinds`` accepts."""
    return [t for k in kinds for t in KINDS[k].accepts]


def conform(geom: BaseGeometry, kinds: tuple[str, ...], field: str = "geometry") -> BaseGeometry:
    """Check the geometry type against what the table stores, promoting single
    parts to multi where the table stores multi."""
    accepted = accepted_types(kinds)
    if geom.geom_type not in accepted:
        raise InvalidInput(
            f"geometry type {geom.geom_type} is not accepted here; use {' or '.join(accepted)}",
            field=f"{field}.type",
        )
    if isinstance(geom, Polygon) and "MULTIPOLYGON" in kinds:
        return MultiPolygon([geom])
    if isinstance(geom, LineString) and "MULTILINESTRING" in kinds:
        return MultiLineString([geom])
    return geom


def repair(geom: BaseGeometry, *, area_tolerance: float = 0.01) -> tuple[BaseGeometry | None, str | None]:
    """Repair an invalid polygonal geometry when that is safe: ``make_valid``
    keeps a polygonal result whose area is within ``area_tolerance`` of the
    original's. Returns (geometry or None, note)."""
    if geom.is_valid:
        return geom, None
    fixed = shapely.make_valid(geom)
    if isinstance(fixed, GeometryCollection):
        polys = [g for g in fixed.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        fixed = shapely.union_all(polys) if polys else fixed
    if fixed.geom_type not in ("Polygon", "MultiPolygon") or geom.geom_type not in ("Polygon", "MultiPolygon"):
        return None, f"not repaired ({explain_validity(geom)})"
    before = abs(shapely.area(shapely.buffer(geom, 0))) or 1e-12
    change = abs(fixed.area - before) / before
    if change > area_tolerance:
        return None, f"not repaired: the fix would change the area by {change:.1%} ({explain_validity(geom)})"
    return fixed, f"repaired ({explain_validity(geom)})"
