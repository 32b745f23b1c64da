"""Make input geometries fit a column: promote single parts to multi, and
repair invalid ones only when that is safe (same type, area kept within a
tolerance). Everything else — including a feature over the vertex limit
(:func:`geo.geometry.vertex_limit`) — is rejected with the reason; repairs are
reported."""

from __future__ import annotations

import numpy as np
import shapely

from geo.errors import InvalidInput
from geo.geometry import too_many_vertices, vertex_limit
from geo.io.fields import Batch
from geo.io.report import Repair

AREA_TOLERANCE = 0.01  # a repair may change a polygon's area by at most 1 %

_POLY = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)
_LINE = (shapely.GeometryType.LINESTRING, shapely.GeometryType.MULTILINESTRING)


def _polygonal(geom):
    """The polygonal part of a make_valid result, as one MultiPolygon (or None)."""
    parts = [g for g in shapely.get_parts(geom) if shapely.get_type_id(g) in _POLY]
    if not parts:
        return None
    flat = shapely.get_parts(np.array(parts, dtype=object))
    return shapely.multipolygons(list(flat))


def conform(b: Batch, geoms: np.ndarray | None, kinds: tuple[str, ...], repairs: list[Repair]) -> np.ndarray:
    """Fit ``geoms`` to the column's geometry ``kinds`` (``ResourceSpec.geometry_kinds``:
    POINT, MULTIPOLYGON, MULTILINESTRING, or several).

    Parameters
    ----------
    b : Batch
        The rows; unusable geometries are rejected on it.
    geoms : numpy.ndarray or None
        The batch's shapely geometries (None where missing).
    kinds : tuple of str
        The PostGIS geometry types the column stores.
    repairs : list of Repair
        Receives a note for every polygon repaired.

    Returns
    -------
    numpy.ndarray
        The geometries to store (promoted to multi, repaired, 2-D).
    """
    if geoms is None:
        raise InvalidInput("the layer has no geometry column", field="geometry")
    geoms = np.asarray(geoms, dtype=object).copy()
    b.reject(shapely.is_missing(geoms) | shapely.is_empty(geoms), "geometry", "geometry is missing or empty")
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    vertices, limit = shapely.get_num_coordinates(geoms), vertex_limit()  # before any costly check or repair
    b.reject(vertices > limit, "geometry", lambda i: too_many_vertices(int(vertices[i]), limit))
    bounds = np.full((len(geoms), 4), 0.0)
    bounds[present] = shapely.bounds(geoms[present])
    b.reject(~np.isfinite(bounds).all(axis=1), "geometry", "coordinates are NaN or infinite")
    with np.errstate(invalid="ignore"):
        lat_out = (bounds[:, 1] < -90) | (bounds[:, 3] > 90)
        lon_ok = (bounds[:, 0] >= -90) & (bounds[:, 2] <= 90)
    b.reject(
        lat_out & lon_ok,
        "geometry",
        "latitude outside ±90 while longitude is within ±90: coordinates look swapped (x must be longitude)",
    )
    b.reject(
        lat_out | (bounds[:, 0] < -180) | (bounds[:, 2] > 180),
        "geometry",
        "coordinates outside ±180/±90: is the layer in EPSG:4326 (or does it declare its CRS)?",
    )

    types = np.full(len(geoms), -1)
    types[b.ok] = shapely.get_type_id(geoms[b.ok])
    allowed = kinds
    simple = (types == shapely.GeometryType.POINT) if "POINT" in allowed else np.zeros(len(geoms), bool)
    for i in np.flatnonzero(b.ok & ~simple).tolist():
        g, t = geoms[i], types[i]
        if "POINT" in allowed and t == shapely.GeometryType.POINT:
            continue
        if "POINT" in allowed and t == shapely.GeometryType.MULTIPOINT and shapely.get_num_geometries(g) == 1:
            geoms[i] = shapely.get_geometry(g, 0)
            continue
        if "MULTIPOLYGON" in allowed and t in _POLY:
            geoms[i] = _fix_polygon(b, i, g, repairs)
            continue
        if "MULTILINESTRING" in allowed and t in _LINE:
            geoms[i] = _fix_line(b, i, g)
            continue
        _only(b, i, f"geometry is a {g.geom_type}, expected {' or '.join(allowed)}")
    keep = np.flatnonzero(b.ok)
    geoms[keep] = shapely.force_2d(geoms[keep])  # the columns are 2-D: GPS heights and measures go
    return geoms


def _only(b: Batch, i: int, reason: str) -> None:
    mask = np.zeros(len(b), bool)
    mask[i] = True
    b.reject(mask, "geometry", reason)


def _fix_polygon(b: Batch, i: int, g, repairs: list[Repair]):
    multi = shapely.multipolygons(shapely.get_parts(g)) if g.geom_type == "Polygon" else g
    if shapely.is_valid(multi):
        return multi
    why = shapely.is_valid_reason(multi)
    fixed = _polygonal(shapely.make_valid(multi))
    if fixed is None or not shapely.is_valid(fixed):
        _only(b, i, f"invalid geometry ({why}) that cannot be repaired into polygons")
        return g
    before, after = shapely.area(multi), shapely.area(fixed)
    change = abs(after - before) / before if before else float("inf")
    if change > AREA_TOLERANCE:
        _only(b, i, f"invalid geometry ({why}); the repair would change its area by {change:.1%}")
        return g
    repairs.append(Repair(int(b.rows[i]), f"repaired invalid polygon ({why}); area changed by {change:.3%}"))
    return fixed


def _fix_line(b: Batch, i: int, g):
    multi = shapely.multilinestrings(shapely.get_parts(g)) if g.geom_type == "LineString" else g
    if not shapely.is_valid(multi):
        _only(b, i, f"invalid line ({shapely.is_valid_reason(multi)}): a track needs at least 2 distinct points")
    return multi
