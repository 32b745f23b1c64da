"""Coverage gaps (docs/analysis.md, "Coverage gaps"): the part of a boundary that no patrol of the
last ``days`` came within its coverage radius of — as polygons and as a
"days since last coverage" raster.

Buffers follow the tracks' geodesics on the ellipsoid. Each track is
densified along its geodesic segments (``pyproj.Geod``, points ≤ ``STEP_M``
apart) and cut into chunks of about ``CHUNK_M``; each chunk is buffered by
shapely in its own ellipsoidal azimuthal equidistant frame centred on the
chunk (x, y = distance × sin/cos azimuth from the centre by ``Geod.inv``;
back with ``Geod.fwd``). In that frame distances up to the ≤ 210 km that
matter are true to 1.8e-4 (its transverse scale is s / m(s) ≈ 1 + s²/6R²),
far less for small radii. The buffer's arcs use ``QUAD_SEGS`` segments per
quarter circle at a radius midway between the inscribed and circumscribed
ones (±0.027 %), and its edges are cut short enough (≈ √(8R·0.5 m / tan φ))
that a straight edge in Mercator or in lon/lat bows from the geodesic one
by less than ``EDGE_TOL_M``. So every buffer edge lies within
0.045 % of the radius + 0.5 m of the exact geodesic buffer (2.8 m at 5 km,
46 m at 100 km; measured: ≤ 0.027 % in tests/geo/test_analysis_coverage.py,
against exact distances at 80° N, across the antimeridian and along a
740 km segment). The Mercator buffers this replaces (scale at the track's
centroid, rhumb-line segments) erred there by 21 % to 100 % of the radius.
Chunks are unwrapped across ±180° and copied to the other side
when they cross it.

Polygons are then combined in EPSG:3395 (ellipsoidal Mercator), the CRS of
the raster, whose area of use ends short of the poles: a boundary must lie
within ±``MAX_ABS_LAT``° (else a 422 naming the boundary's field). Track
chunks whose buffer reaches beyond ±``POLE_LAT``° lie wholly beyond 84° and
are dropped (Mercator has no room for a disc around a pole). The raster
grid is in EPSG:3395 with cells of ``cell_size_m`` true metres at the
boundary's centre latitude.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import shapely
from affine import Affine
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from geo.analysis.load import area_filter, grown_bounds
from geo.analysis.metric import E2, GEOD, A, along_geodesics
from geo.analysis.params import MAX_DAYS, check, default
from geo.errors import InvalidInput
from geo.models import SRID, Patrol
from geo.window import DateWindow

MAX_CELLS = 4_000_000
QUAD_SEGS = 24
STEP_M = 10_000.0  # densification of the tracks' geodesics
CHUNK_M = 200_000.0  # track length buffered in one azimuthal equidistant frame
EDGE_TOL_M = 0.5  # a buffer edge, straight in Mercator or in lon/lat, bows from the geodesic by less
MAX_ABS_LAT = 84.0  # boundaries stay within EPSG:3395's area of use
POLE_LAT = 88.5  # chunks whose buffer reaches beyond cannot touch such a boundary (≤ 2.1° deep): dropped
M_PER_DEG = 110_574.0  # the shortest degree of latitude (at the equator)
NODATA = -1
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
    """Lon/lat geometries to EPSG:3395 (ellipsoidal Mercator).

    Parameters
    ----------
    geom : shapely.Geometry or array of them

    Returns
    -------
    The same, projected.
    """
    return shapely.transform(geom, lambda xy: mercator(xy[:, 0], xy[:, 1]))


def from_mercator(geom):
    """EPSG:3395 geometries back to lon/lat (the inverse of :func:`to_mercator`).

    Parameters
    ----------
    geom : shapely.Geometry or array of them

    Returns
    -------
    The same, in lon/lat.
    """
    return shapely.transform(geom, lambda xy: np.column_stack([np.degrees(xy[:, 0] / A), inverse_lat(xy[:, 1])]))


def geodesic_area_km2(geom) -> float:
    """Area on the WGS84 ellipsoid.

    Parameters
    ----------
    geom : shapely.Geometry or None
        In lon/lat.

    Returns
    -------
    float
        Square kilometres (0 for None or empty).
    """
    if geom is None or geom.is_empty:
        return 0.0
    return abs(GEOD.geometry_area_perimeter(geom)[0]) / 1e6


@dataclass
class CoverageInput:
    """Plain inputs: boundary and tracks in lon/lat, radius (m) and age (days before as_of) per track."""

    boundary: BaseGeometry
    tracks: np.ndarray
    radius_m: np.ndarray
    age_days: np.ndarray
    as_of: date
    days: int
    patrol_radius_m: float = default("patrol_radius_m")


def _densified(tracks) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Vertices of every part of the tracks, with points added along each
    geodesic segment so that none is longer than ``STEP_M``; the part of each
    point, its distance along the part, and the track of each part."""
    parts, owner = shapely.get_parts(np.asarray(tracks, dtype=object), return_index=True)
    xy, part = shapely.get_coordinates(parts, return_index=True)
    last = np.r_[part[1:] != part[:-1], True] if len(xy) else np.zeros(0, bool)
    seg = np.flatnonzero(~last)  # a segment starts at every vertex but a part's last
    pts, s, step, n, length = along_geodesics(xy[seg], xy[seg + 1], STEP_M)
    # Each segment's points but its end (the next segment's start), then every part's last vertex.
    keep = step < n[s]
    start = np.r_[0.0, np.cumsum(length)[:-1]]
    first_seg = np.r_[True, part[seg][1:] != part[seg][:-1]] if len(seg) else np.zeros(0, bool)
    start -= start[np.flatnonzero(first_seg)][np.cumsum(first_seg) - 1]  # from the part's start
    ends = np.flatnonzero(last)
    end_along = np.zeros(len(ends))
    has_seg = np.isin(part[ends], part[seg])
    end_along[has_seg] = (start + length)[np.searchsorted(part[seg], part[ends][has_seg], side="right") - 1]
    points = np.vstack([pts[keep], xy[ends]])
    along = np.r_[start[s[keep]] + length[s[keep]] * step[keep] / n[s[keep]], end_along]
    which = np.r_[part[seg][s[keep]], part[ends]]
    order = np.lexsort((along, which))  # parts in order, each along its length
    return points[order], which[order], along[order], owner


def _chunks(tracks) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The densified parts cut into chunks of about ``CHUNK_M`` (each segment
    goes to the chunk in which it starts; a chunk's last point is the next
    one's first): the points in chunk order, their distance along the part,
    the chunk of each point, and the track of each chunk. A one-point part is
    a one-point chunk."""
    pts, part, along, owner = _densified(tracks)
    n = len(pts)
    seg = np.flatnonzero(part[:-1] == part[1:]) if n else np.zeros(0, np.int64)
    k = np.floor(along[seg] / CHUNK_M)
    new = np.r_[True, (part[seg][1:] != part[seg][:-1]) | (k[1:] != k[:-1])] if len(seg) else np.zeros(0, bool)
    seg_chunk = np.cumsum(new) - 1
    last = np.r_[np.flatnonzero(new)[1:] - 1, len(seg) - 1] if len(seg) else np.zeros(0, np.int64)
    has_seg = np.zeros(len(owner), bool)
    has_seg[part[seg]] = True
    lone = np.flatnonzero(~has_seg[part])  # the point of a one-point part
    point = np.r_[seg, seg[last] + 1, lone]
    chunk = np.r_[seg_chunk, seg_chunk[last], len(last) + np.arange(len(lone))]
    order = np.lexsort((point, chunk))
    chunk_part = np.r_[part[seg[new]], part[lone]]
    return pts[point[order]], along[point[order]], chunk[order], owner[chunk_part]


def _shifted(dx: float):
    """A coordinate transform moving every x by ``dx`` (one turn of Mercator)."""

    def move(xy: np.ndarray) -> np.ndarray:
        return xy + np.array([dx, 0.0])

    return move


def _buffers(inp: CoverageInput) -> tuple[np.ndarray, np.ndarray]:
    """Each track's geodesic buffer as polygons in EPSG:3395 (one or more per
    track, see the module docstring), and the track of each polygon."""
    none = np.array([], dtype=object), np.zeros(0, np.int64)
    if len(inp.tracks) == 0:
        return none
    pts, along, chunk, track = _chunks(inp.tracks)
    radius = np.asarray(inp.radius_m, float)[track]
    first = np.r_[0, np.flatnonzero(np.diff(chunk)) + 1]
    # Centre: the point nearest the middle of the chunk's length (≤ CHUNK_M / 2 + STEP_M from any of it).
    middle = (along[first] + np.maximum.reduceat(along, first)) / 2
    off = np.abs(along - middle[chunk])
    centre = pts[np.lexsort((off, chunk))[first]]
    c = centre[chunk]
    az, _, dist = GEOD.inv(c[:, 0], c[:, 1], pts[:, 0], pts[:, 1])
    az, dist = np.atleast_1d(az), np.atleast_1d(dist)
    reach_deg = (radius + np.maximum.reduceat(dist, first)) / M_PER_DEG
    keep = np.abs(centre[:, 1]) + reach_deg < POLE_LAT
    if not keep.any():
        return none
    xy = dist[:, None] * np.column_stack([np.sin(np.radians(az)), np.cos(np.radians(az))])
    lone = np.bincount(chunk) == 1  # a one-point chunk (a one-vertex track) is a zero-length line
    take = np.sort(np.r_[np.flatnonzero(keep[chunk]), first[keep & lone]])
    lines = shapely.linestrings(xy[take], indices=chunk[take])[keep]
    half_step = np.pi / (4 * QUAD_SEGS)  # half the angle between buffer vertices on an arc
    bufs = shapely.buffer(lines, radius[keep] * 2 / (1 + np.cos(half_step)), quad_segs=QUAD_SEGS)
    # Edges become straight in Mercator: short enough that a geodesic edge bows out of the
    # straight one by < EDGE_TOL_M (≈ L²·tan φ / 8R).
    tan = np.tan(np.radians(np.minimum(np.abs(centre[keep, 1]) + reach_deg[keep], POLE_LAT)))
    bufs = shapely.segmentize(bufs, np.sqrt(8 * A * EDGE_TOL_M / np.maximum(tan, 1e-3)))
    ids = np.flatnonzero(keep)
    xy, poly = shapely.get_coordinates(bufs, return_index=True)
    c = centre[ids[poly]]
    lon, lat, _ = GEOD.fwd(c[:, 0], c[:, 1], np.degrees(np.arctan2(xy[:, 0], xy[:, 1])), np.hypot(xy[:, 0], xy[:, 1]))
    lon = c[:, 0] + (np.atleast_1d(lon) - c[:, 0] + 180) % 360 - 180  # continuous across ±180°
    bufs = shapely.set_coordinates(bufs, mercator(lon, lat))
    owner = track[ids]
    # A buffer across ±180° is also drawn shifted by one turn, so that either side is covered.
    minx, maxx = shapely.bounds(bufs)[:, 0], shapely.bounds(bufs)[:, 2]
    for side, shift in ((maxx > np.pi * A, -2 * np.pi * A), (minx < -np.pi * A, 2 * np.pi * A)):
        if side.any():
            moved = shapely.transform(bufs[side], _shifted(shift))
            bufs, owner = np.concatenate([bufs, moved]), np.concatenate([owner, owner[side]])
    return bufs, owner


def uncovered(inp: CoverageInput) -> shapely.Geometry:
    """The part of the boundary no track's buffer covers.

    Parameters
    ----------
    inp : CoverageInput

    Returns
    -------
    shapely.Geometry
        In lon/lat (possibly empty).
    """
    area = to_mercator(inp.boundary)
    bufs, _ = _buffers(inp)
    if len(bufs):
        area = shapely.difference(area, shapely.union_all(bufs))
    return from_mercator(area)


def days_raster(inp: CoverageInput, cell_size_m: float) -> tuple[np.ndarray, Affine]:
    """Days since the last coverage, per cell.

    Parameters
    ----------
    inp : CoverageInput
    cell_size_m : float
        True metres at the boundary's centre latitude.

    Returns
    -------
    tuple of (numpy.ndarray, rasterio.Affine)
        An int16 grid (``days``: not covered in the window; ``NODATA``
        outside the boundary) and its EPSG:3395 transform.
    """
    from rasterio.features import geometry_mask, rasterize

    minx, miny, maxx, maxy = inp.boundary.bounds
    centre_lat = (miny + maxy) / 2
    step = cell_size_m * float(scale(centre_lat))
    (x0, y0), (x1, y1) = mercator([minx, maxx], [miny, maxy])
    width, height = max(1, int(np.ceil((x1 - x0) / step))), max(1, int(np.ceil((y1 - y0) / step)))
    if width * height > MAX_CELLS:
        raise InvalidInput(
            f"cell_size_m is too small for this boundary: {width}×{height} cells exceeds "
            f"{MAX_CELLS:,}; use at least {cell_size_m * np.sqrt(width * height / MAX_CELLS):.0f}",
            field="cell_size_m",
        )
    transform = Affine(step, 0, x0, 0, -step, y0 + height * step)
    grid = np.full((height, width), inp.days, dtype=np.int16)
    bufs, track = _buffers(inp)
    if len(bufs):
        age = np.asarray(inp.age_days)[track]
        order = np.argsort(-age, kind="stable")  # oldest first: the newest overwrite
        shapes = ((bufs[i], int(age[i])) for i in order)
        grid = rasterize(shapes, out_shape=grid.shape, transform=transform, fill=inp.days, dtype="int16")
    outside = geometry_mask([to_mercator(inp.boundary)], out_shape=grid.shape, transform=transform)
    grid[outside] = NODATA
    return grid, transform


def geotiff_bytes(grid: np.ndarray, transform: Affine, tags: dict) -> bytes:
    """A grid of :func:`days_raster` as a deflated GeoTIFF file.

    Parameters
    ----------
    grid : numpy.ndarray of int16
    transform : rasterio.Affine
    tags : dict
        Written as GeoTIFF metadata tags.

    Returns
    -------
    bytes
    """
    from rasterio.io import MemoryFile

    with MemoryFile() as mem:
        with mem.open(
            driver="GTiff",
            width=grid.shape[1],
            height=grid.shape[0],
            count=1,
            dtype="int16",
            crs="EPSG:3395",
            transform=transform,
            nodata=NODATA,
            compress="deflate",
        ) as ds:
            ds.write(grid, 1)
            ds.set_band_description(1, "days since last patrol coverage")
            ds.update_tags(**{k: str(v) for k, v in tags.items()})
        return mem.read()


def _near_boxes(boundary, reach_m: float) -> list[tuple[float, float, float, float]]:
    """Lon/lat boxes holding every track that can come within ``reach_m`` of
    the boundary: its grown envelope, and the part of it beyond ±180° wrapped
    to the other side."""
    minx, miny, maxx, maxy = boundary.bounds
    box = grown_bounds(minx, miny, maxx, maxy, reach_m)
    dlon = -grown_bounds(0.0, miny, 0.0, maxy, reach_m)[0]
    boxes = [box]
    if minx - dlon < -180:
        boxes.append((minx - dlon + 360, box[1], 180.0, box[3]))
    if maxx + dlon > 180:
        boxes.append((-180.0, box[1], maxx + dlon - 360, box[3]))
    return boxes


def load_coverage(
    session: Session,
    *,
    as_of: date,
    days: int = 30,
    bbox=None,
    admin_area: int | None = None,
    patrol_radius_m: float = default("patrol_radius_m"),
) -> CoverageInput:
    """The boundary and the patrols that ended in the ``days`` days up to
    ``as_of`` (``DateWindow.ending(as_of, days)``) near it, across ±180° too.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    as_of : datetime.date
        The last day counted (the caller's "today" by default).
    days : int
        1 … 3650.
    bbox : tuple of 4 float, optional
        The boundary as a lon/lat box …
    admin_area : int, optional
        … or an admin area id (one of the two is needed).
    patrol_radius_m : float
        Coverage radius of patrols without ``coverage_m``.

    Returns
    -------
    CoverageInput

    Raises
    ------
    InvalidInput
        A bad parameter, no boundary, or a boundary beyond ±``MAX_ABS_LAT``°
        (the raster is World Mercator).
    """
    if not (1 <= days <= MAX_DAYS):
        raise InvalidInput(f"days must be between 1 and {MAX_DAYS}", field="days")
    check("patrol_radius_m", patrol_radius_m)
    boundary = area_filter(session, bbox=bbox, admin_area=admin_area)
    if boundary is None:
        raise InvalidInput("give a boundary: admin_area or bbox", field="bbox")
    _, miny, _, maxy = boundary.bounds
    if max(abs(miny), abs(maxy)) > MAX_ABS_LAT:
        raise InvalidInput(
            f"coverage gaps are mapped in World Mercator (EPSG:3395): the boundary must lie between "
            f"{MAX_ABS_LAT:g}° S and {MAX_ABS_LAT:g}° N",
            field="admin_area" if bbox is None else "bbox",
        )
    window = DateWindow.ending(as_of, days)
    start = datetime.combine(window.start, time.min, tzinfo=UTC)
    cutoff = datetime.combine(window.end + timedelta(days=1), time.min, tzinfo=UTC)
    reach = max(patrol_radius_m, session.scalar(select(func.max(Patrol.coverage_m))) or 0)
    rows = session.execute(
        select(func.ST_AsBinary(Patrol.geom), Patrol.coverage_m, Patrol.ended_at).where(
            Patrol.ended_at >= start,
            Patrol.ended_at < cutoff,
            or_(*(Patrol.geom.op("&&")(func.ST_MakeEnvelope(*box, SRID)) for box in _near_boxes(boundary, reach))),
        )
    ).all()
    tracks = np.array([shapely.from_wkb(bytes(r[0])) for r in rows], dtype=object)
    radius = np.array([patrol_radius_m if r[1] is None else r[1] for r in rows], dtype=float)
    age = np.array([(as_of - r[2].astimezone(UTC).date()).days for r in rows], dtype=np.int64)
    return CoverageInput(boundary, tracks, radius, age, as_of, days, patrol_radius_m)


def coverage_feature_collection(inp: CoverageInput, gap, *, computed_at: datetime) -> dict:
    """The uncovered area as a GeoJSON FeatureCollection with its figures.

    Parameters
    ----------
    inp : CoverageInput
    gap : shapely.Geometry
        As made by :func:`uncovered`.
    computed_at : datetime
        When the caller asked (reported in the body).

    Returns
    -------
    dict
        One feature (``uncovered``; null geometry when all is covered),
        ``parameters`` and ``computed_at``.
    """
    total = geodesic_area_km2(inp.boundary)
    gap_km2 = geodesic_area_km2(gap)
    props = {
        "boundary_area_km2": round(total, 3),
        "uncovered_area_km2": round(gap_km2, 3),
        "uncovered_share": round(gap_km2 / total, 6) if total else None,
        "patrols_considered": len(inp.tracks),
    }
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "uncovered",
                "geometry": None if gap.is_empty else shapely.geometry.mapping(gap),
                "properties": props,
            }
        ],
        "parameters": {"as_of": inp.as_of.isoformat(), "days": inp.days, "patrol_radius_m": inp.patrol_radius_m},
        "computed_at": computed_at.isoformat(),
    }
