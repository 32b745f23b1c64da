"""The coordinate reference systems features are served in (OGC API Features
Part 2): CRS84 (longitude, latitude: the default), EPSG:4326 (latitude,
longitude — the axis order its definition states, which Part 2 asks servers
to honour), Web Mercator and the UTM zones of the missions' areas (32633–32636
north, 32733–32736 south: Central African Republic, South Sudan, DR Congo,
Sudan and their neighbours). Storage stays EPSG:4326 in lon/lat order; the
constant side of a query (a bbox) and the output geometries are transformed
in SQL with ``ST_Transform`` (PostGIS's PROJ), never the stored rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, func

from geo.errors import InvalidInput

CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/"


@dataclass(frozen=True)
class Crs:
    """One offered CRS: its URI, PostGIS SRID, whether its first axis is
    latitude (EPSG:4326), and the decimals worth writing (7 ≈ 1 cm in degrees,
    2 = 1 cm in metres)."""

    uri: str
    srid: int
    lat_first: bool
    decimals: int

    @property
    def geographic(self) -> bool:
        return self.srid == 4326


CRS84 = Crs(CRS84_URI, 4326, False, 7)
EPSG4326 = Crs(f"{EPSG_URI}4326", 4326, True, 7)
UTM_ZONES = (32633, 32634, 32635, 32636, 32733, 32734, 32735, 32736)
OFFERED: tuple[Crs, ...] = (
    CRS84,
    EPSG4326,
    Crs(f"{EPSG_URI}3857", 3857, False, 2),
    *(Crs(f"{EPSG_URI}{code}", code, False, 2) for code in UTM_ZONES),
)
BY_URI = {c.uri: c for c in OFFERED}


def parse_crs(value: str | None, field: str) -> Crs:
    """A CRS URI of :data:`OFFERED` (also as a safe CURIE ``[EPSG:3857]`` or
    ``[OGC:CRS84]``); CRS84 when absent; 400 naming ``field`` otherwise."""
    if value is None or value == "":
        return CRS84
    uri = value.strip()
    if uri.startswith("[") and uri.endswith("]"):
        authority, _, code = uri[1:-1].partition(":")
        uri = (
            CRS84_URI if (authority, code) == ("OGC", "CRS84") else f"{EPSG_URI}{code}" if authority == "EPSG" else uri
        )
    crs = BY_URI.get(uri)
    if crs is None:
        raise InvalidInput(f"{field} {value!r} is not offered; one of {', '.join(BY_URI)}", field=field)
    return crs


Box = tuple[float, float, float, float]
N = TypeVar("N", float, ColumnElement[float])

# A projected bbox becomes, in lon/lat, a shape with slightly curved sides:
# its outline is densified (this many points a side) before ST_Transform and
# the envelope of the result widened by MARGIN_DEG (~11 m), so the index test
# is a superset; the exact test then runs in the bbox's own CRS.
DENSIFY = 64
MARGIN_DEG = 1e-4


def lonlat_box(values: tuple[N, N, N, N], crs: Crs) -> tuple[N, N, N, N]:
    """A geographic bbox as minlon,minlat,maxlon,maxlat whatever the CRS's axis order."""
    if crs.lat_first:
        miny, minx, maxy, maxx = values
        return minx, miny, maxx, maxy
    return values


def bbox_clause(geom, values: tuple[Any, Any, Any, Any], crs: Crs):
    """``geom`` (stored EPSG:4326) intersects the bbox ``values`` (numbers, or
    SQL expressions such as bound parameters) given in ``crs``.

    Geographic: the envelope is the constant side (the GiST index is used).
    Projected: an index prefilter on the transformed, densified outline, then
    the exact test with the feature transformed to the bbox's CRS."""
    if crs.geographic:
        return func.ST_Intersects(geom, func.ST_MakeEnvelope(*lonlat_box(values, crs), 4326))
    minx, miny, maxx, maxy = values
    envelope = func.ST_MakeEnvelope(minx, miny, maxx, maxy, crs.srid)
    # In SQL, so that the numbers may be bound parameters (geo.serving.pages); 1 for a box of no size.
    step = func.coalesce(func.nullif(func.greatest(maxx - minx, maxy - miny), 0), DENSIFY) / DENSIFY
    outline = func.ST_Expand(func.ST_Envelope(func.ST_Transform(func.ST_Segmentize(envelope, step), 4326)), MARGIN_DEG)
    return and_(geom.op("&&")(outline), func.ST_Intersects(func.ST_Transform(geom, crs.srid), envelope))


def output_geometry(geom, crs: Crs):
    """``geom`` as written in ``crs`` (EPSG:4326: latitude first)."""
    if crs.geographic:
        return func.ST_FlipCoordinates(geom) if crs.lat_first else geom
    return func.ST_Transform(geom, crs.srid)
