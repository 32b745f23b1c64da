"""Coverage gaps (DESIGN §5.5): the part of a boundary that no patrol of the
last ``days`` came within its coverage radius of — as polygons and as a
"days since last coverage" raster.

Geometry work happens in EPSG:3395 (ellipsoidal Mercator, conformal): each
track is buffered by its radius times the Mercator scale factor at the
track's mean latitude, so buffers are true-metre discs to within 0.1 % for
tracks spanning up to ~50 km of latitude (buffers use 16 segments per
quarter circle: chord error 0.12 %). The raster grid is in EPSG:3395 with
cells of ``cell_size_m`` true metres at the boundary's centre latitude.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import numpy as np
import shapely
from rasterio.transform import Affine
from pyproj import Geod
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.analysis.load import area_filter, grown_envelope
from geo.analysis.metric import A, E2, MAX_RADIUS_M
from geo.analysis.params import today
from geo.errors import InvalidInput
from geo.models import Patrol

MAX_CELLS = 4_000_000
QUAD_SEGS = 16
NODATA = -1
GEOD = Geod(ellps="WGS84")


E = np.sqrt(E2)


def mercator(lon, lat) -> np.ndarray:
    """EPSG:3395 (ellipsoidal Mercator) coordinates, shape (n, 2)."""
    lam = np.radians(np.asarray(lon, dtype=float))
    phi = np.radians(np.asarray(lat, dtype=float))
    s = np.sin(phi)
    y = A * (np.arctanh(s) - E * np.arctanh(E * s))
    return np.column_stack([A * lam, y])


def inverse_lat(y) -> np.ndarray:
    """Latitude (degrees) of EPSG:3395 northings, by fixed-point iteration."""
    t = np.exp(-np.asarray(y, dtype=float) / A)
    phi = np.pi / 2 - 2 * np.arctan(t)
    for _ in range(8):
        es = E * np.sin(phi)
        phi = np.pi / 2 - 2 * np.arctan(t * ((1 - es) / (1 + es)) ** (E / 2))
    return np.degrees(phi)


def scale(lat) -> np.ndarray:
    """Point scale factor of EPSG:3395 at latitude ``lat`` (degrees)."""
    phi = np.radians(np.asarray(lat, dtype=float))
    return np.sqrt(1 - E2 * np.sin(phi) ** 2) / np.cos(phi)


def to_mercator(geom):
    return shapely.transform(geom, lambda xy: mercator(xy[:, 0], xy[:, 1]))


def from_mercator(geom):
    return shapely.transform(geom, lambda xy: np.column_stack([np.degrees(xy[:, 0] / A), inverse_lat(xy[:, 1])]))


def geodesic_area_km2(geom) -> float:
    if geom is None or geom.is_empty:
        return 0.0
    return abs(GEOD.geometry_area_perimeter(geom)[0]) / 1e6


@dataclass
class CoverageInput:
    """Plain inputs: boundary and tracks in lon/lat, radius (m) and age (days before as_of) per track."""

    boundary: shapely.Geometry
    tracks: np.ndarray
    radius_m: np.ndarray
    age_days: np.ndarray
    as_of: date
    days: int
    patrol_radius_m: float = 5000.0


def _buffers(inp: CoverageInput) -> np.ndarray:
    if len(inp.tracks) == 0:
        return np.array([], dtype=object)
    merc = to_mercator(np.asarray(inp.tracks, dtype=object))
    lat = shapely.get_y(shapely.centroid(np.asarray(inp.tracks, dtype=object)))
    return shapely.buffer(merc, np.asarray(inp.radius_m, float) * scale(lat), quad_segs=QUAD_SEGS)


def uncovered(inp: CoverageInput) -> shapely.Geometry:
    """The uncovered part of the boundary, in lon/lat."""
    area = to_mercator(inp.boundary)
    bufs = _buffers(inp)
    if len(bufs):
        area = shapely.difference(area, shapely.union_all(bufs))
    return from_mercator(area)


def days_raster(inp: CoverageInput, cell_size_m: float) -> tuple[np.ndarray, Affine]:
    """int16 grid: days since last coverage (``days`` = not covered in the window), NODATA outside."""
    from rasterio.features import geometry_mask, rasterize

    minx, miny, maxx, maxy = inp.boundary.bounds
    centre_lat = (miny + maxy) / 2
    step = cell_size_m * float(scale(centre_lat))
    (x0, y0), (x1, y1) = mercator([minx, maxx], [miny, maxy])
    width, height = max(1, int(np.ceil((x1 - x0) / step))), max(1, int(np.ceil((y1 - y0) / step)))
    if width * height > MAX_CELLS:
        raise InvalidInput(f"cell_size_m is too small for this boundary: {width}×{height} cells exceeds "
                           f"{MAX_CELLS:,}; use at least {cell_size_m * np.sqrt(width * height / MAX_CELLS):.0f}",
                           field="cell_size_m")
    transform = Affine(step, 0, x0, 0, -step, y0 + height * step)
    grid = np.full((height, width), inp.days, dtype=np.int16)
    bufs = _buffers(inp)
    if len(bufs):
        order = np.argsort(-np.asarray(inp.age_days), kind="stable")  # oldest first: the newest overwrite
        shapes = ((bufs[i], int(inp.age_days[i])) for i in order)
        grid = rasterize(shapes, out_shape=grid.shape, transform=transform, fill=inp.days, dtype="int16")
    outside = geometry_mask([to_mercator(inp.boundary)], out_shape=grid.shape, transform=transform)
    grid[outside] = NODATA
    return grid, transform


def geotiff_bytes(grid: np.ndarray, transform: Affine, tags: dict) -> bytes:
    from rasterio.io import MemoryFile

    with MemoryFile() as mem:
        with mem.open(driver="GTiff", width=grid.shape[1], height=grid.shape[0], count=1, dtype="int16",
                      crs="EPSG:3395", transform=transform, nodata=NODATA, compress="deflate") as ds:
            ds.write(grid, 1)
            ds.set_band_description(1, "days since last patrol coverage")
            ds.update_tags(**{k: str(v) for k, v in tags.items()})
        return mem.read()


def load_coverage(session: Session, *, days: int = 30, as_of: date | None = None, bbox=None,
                  admin_area: int | None = None, patrol_radius_m: float = 5000.0) -> CoverageInput:
    """Patrols that ended in (as_of − days, as_of] near the boundary."""
    if not (1 <= days <= 3650):
        raise InvalidInput("days must be between 1 and 3650", field="days")
    if not (0 < patrol_radius_m <= MAX_RADIUS_M):
        raise InvalidInput(f"patrol_radius_m must be > 0 and ≤ {MAX_RADIUS_M:.0f}", field="patrol_radius_m")
    boundary = area_filter(session, bbox=bbox, admin_area=admin_area)
    if boundary is None:
        raise InvalidInput("give a boundary: admin_area or bbox", field="bbox")
    as_of = as_of or today()
    cutoff = datetime.combine(as_of + timedelta(days=1), time.min, tzinfo=timezone.utc)
    start = cutoff - timedelta(days=days)
    reach = max(patrol_radius_m, session.scalar(select(func.max(Patrol.coverage_m))) or 0)
    rows = session.execute(
        select(func.ST_AsBinary(Patrol.geom), Patrol.coverage_m, Patrol.ended_at)
        .where(Patrol.ended_at >= start, Patrol.ended_at < cutoff,
               Patrol.geom.op("&&")(grown_envelope(boundary, reach)))
    ).all()
    tracks = np.array([shapely.from_wkb(bytes(r[0])) for r in rows], dtype=object)
    radius = np.array([patrol_radius_m if r[1] is None else r[1] for r in rows], dtype=float)
    age = np.array([(as_of - r[2].astimezone(timezone.utc).date()).days for r in rows], dtype=np.int64)
    return CoverageInput(boundary, tracks, radius, age, as_of, days, patrol_radius_m)


def coverage_feature_collection(inp: CoverageInput, gap) -> dict:
    total = geodesic_area_km2(inp.boundary)
    gap_km2 = geodesic_area_km2(gap)
    props = {
        "boundary_area_km2": round(total, 3), "uncovered_area_km2": round(gap_km2, 3),
        "uncovered_share": round(gap_km2 / total, 6) if total else None,
        "patrols_considered": int(len(inp.tracks)),
    }
    return {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "id": "uncovered",
                      "geometry": None if gap.is_empty else shapely.geometry.mapping(gap), "properties": props}],
        "parameters": {"as_of": inp.as_of.isoformat(), "days": inp.days, "patrol_radius_m": inp.patrol_radius_m},
        "computed_at": datetime.now(timezone.utc).isoformat(),
    }
