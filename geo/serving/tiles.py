"""Mapbox vector tiles of the map's layers, made by PostGIS (``ST_AsMVT``).

Which resources are tiled, and with which properties, is declared once in
:data:`TILES` (resource name → :class:`TileSpec`); every other fact — the
table, the geometry, the date column, the sensitive fields — comes from the
resource's spec in ``geo.resources.REGISTRY``. A resource without geometry
cannot be tiled (the declaration is checked at import).

Tiles are in the WebMercatorQuad grid (EPSG:3857, z/x/y as web maps count
them). The index prefilter is the tile envelope (with its buffer) in lon/lat,
computed in Python (:meth:`Tile.lonlat_bounds`): a Web Mercator rectangle is a
lon/lat rectangle, so the prefilter is exact.

Communities carry their engagement-gap figures (``gap_score``, ``rank``,
``under_engaged``) from the analysis cache (``geo.analysis.cache``, the
default parameters as of today, never stale): the cached table's rows inside
the tile are passed to the tile's query as arrays and joined by id.

The version of a tile's data (:func:`data_version`) makes the ETag: for the
tables the analysis change log covers (``analysis_changes``, migration
0002) it is the count and last id of that table's log rows, so every
committed write changes it, whatever order transactions commit in; for the
others (admin areas, agreements) the row count, the last id and the last
``updated_at`` (a delete changes the count, an insert the last id, an
update through the API or an import ``updated_at``).
"""

from __future__ import annotations

import functools
import hashlib
import math
from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Float,
    Integer,
    LargeBinary,
    Select,
    and_,
    bindparam,
    column,
    func,
    literal,
    select,
    true,
)
from sqlalchemy import table as table_clause
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from geo.errors import InvalidInput
from geo.repository import property_columns
from geo.resources import REGISTRY, ResourceSpec

EXTENT = 4096  # tile coordinate units, the MVT default
BUFFER = 64  # units drawn beyond the tile edge, so symbols at an edge are whole
MAX_ZOOM = 22
LOGGED_TABLES = ("incidents", "patrols", "engagements", "qips", "sites", "communities")  # migration 0002
GAP_FIELDS = {"gap_score": "Number", "rank": "Number", "under_engaged": "Boolean"}  # joined on community tiles
_HALF = 20037508.342789244  # half the Web Mercator world, metres
WEB_MERCATOR = func.ST_MakeEnvelope(-_HALF, -_HALF, _HALF, _HALF, 3857)  # ST_TileEnvelope's default bounds


@dataclass(frozen=True)
class TileSpec:
    """How one resource is tiled: the properties each feature carries (None:
    every property the reader may see), whether the engagement-gap figures
    are joined (communities), and, for a layer dense at wide zoom, the fewer
    properties its tiles carry below ``detail_zoom`` (``wide``: what the map
    draws with; a client reads the rest by id, ``/api/v1/{layer}/{id}``).
    Each feature is in its tiles at every zoom whatever the property list."""

    properties: tuple[str, ...] | None = None
    gap_scores: bool = False
    wide: tuple[str, ...] | None = None
    detail_zoom: int = 0
    resident: bool = False  # tiles made from rows kept in memory (geo.serving.point_tiles), not ST_AsMVT

    def names(self, z: int) -> tuple[str, ...] | None:
        """The properties of the tiles at zoom ``z`` (None: every visible one)."""
        return self.wide if self.wide is not None and z < self.detail_zoom else self.properties


TILES: dict[str, TileSpec] = {
    "incidents": TileSpec(
        (
            "occurred_on",
            "event_type",
            "sub_event_type",
            "actor1",
            "actor2",
            "fatalities",
            "civilian_targeting",
            "geo_precision",
            "location_name",
        ),
        # At wide zoom a tile holds thousands of incidents: only what the map's symbols are
        # drawn with (colour and size by fatalities); measured in bench/README.md (vector tiles).
        wide=("fatalities",),
        detail_zoom=10,
        # The densest layer: its tiles come from memory (geo.serving.point_tiles; bench/README.md, vector tiles).
        resident=True,
    ),
    "communities": TileSpec(("name", "kind", "population", "admin_area_id"), gap_scores=True),
    "patrols": TileSpec(("started_at", "ended_at", "patrol_type", "component", "unit", "coverage_m")),
    "admin-areas": TileSpec(("name", "level", "pcode", "country")),
    "agreements": TileSpec(("name", "signed_on", "status", "facilitated_by")),
}


def _check_declarations() -> None:
    for name, tile in TILES.items():
        spec = REGISTRY.get(name)
        if spec is None or "geom" not in spec.model.__table__.c:
            raise ValueError(f"tiles declared for {name!r}, which is not a resource with a geometry")
        known = {c.name for c in spec.columns}
        missing = [p for p in (*(tile.properties or ()), *(tile.wide or ())) if p not in known]
        if missing:
            raise ValueError(f"tiles of {name!r}: no column {', '.join(missing)}")
        if tile.resident and not (
            spec.geometry_kinds == ("POINT",) and tile.properties is not None and spec.table in LOGGED_TABLES
        ):
            raise ValueError(f"tiles of {name!r}: only a logged layer of points with listed properties is resident")


_check_declarations()


def tiled_layers() -> list[str]:
    """The tiled layers, in registry order."""
    return [name for name in REGISTRY if name in TILES]


@dataclass(frozen=True)
class Tile:
    z: int
    x: int
    y: int

    def __post_init__(self) -> None:
        if not 0 <= self.z <= MAX_ZOOM:
            raise InvalidInput(f"z must be 0..{MAX_ZOOM}", field="z")
        n = 2**self.z
        for name, v in (("x", self.x), ("y", self.y)):
            if not 0 <= v < n:
                raise InvalidInput(f"{name} must be 0..{n - 1} at zoom {self.z}", field=name)

    def lonlat_bounds(self, margin: float = 0.0) -> tuple[float, float, float, float]:
        """The tile (grown by ``margin`` tile widths) as minlon, minlat, maxlon, maxlat."""
        n = 2**self.z

        def lon(x: float) -> float:
            return x / n * 360.0 - 180.0

        def lat(y: float) -> float:
            return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))

        return (
            lon(self.x - margin),
            lat(min(n, self.y + 1 + margin)),
            lon(self.x + 1 + margin),
            lat(max(0, self.y - margin)),
        )


def _columns(spec: ResourceSpec, tile: TileSpec, z: int, include_sensitive: bool) -> list:
    visible = {c.name: c for c in property_columns(spec, include_sensitive)}
    names = tile.names(z)
    if names is None:
        names = tuple(visible)
    return [visible[n] for n in names if n in visible]


def _gap_rows(session: Session, tile: Tile) -> dict[str, np.ndarray]:
    """The cached engagement-gap rows of the communities in (and around) the tile."""
    from geo.analysis.cache import cached_gaps  # the analysis is loaded only when community tiles are asked for

    table = cached_gaps(session).table
    minx, miny, maxx, maxy = tile.lonlat_bounds(margin=BUFFER / EXTENT)
    inside = table["lon"].between(minx, maxx) & table["lat"].between(miny, maxy)
    rows = table.loc[inside]
    return {
        "ids": rows["community_id"].to_numpy(np.int64),
        "scores": rows["gap_score"].to_numpy(float),
        "ranks": rows["rank"].to_numpy(np.int64),
        "under": rows["under_engaged"].to_numpy(bool),
    }


EARTH_RADIUS = 6378137.0  # EPSG:3857's sphere (WGS 84's semi-major axis), metres


def web_mercator(spec: ResourceSpec, geom):
    """``geom`` in Web Mercator. For a layer of points, the spherical Mercator
    formulas (EPSG:3857's own: x = R·λ, y = R·ln tan(π/4 + φ/2)) in SQL
    arithmetic: ``ST_Transform`` through PROJ cost ~8 µs a point here, half of a
    dense tile's time (bench/README.md, vector tiles); the formulas agree with
    PROJ to well below a millimetre (tests/api/test_tiles.py checks every
    feature against pyproj). Latitudes are bounded at ±89.9° (the logarithm's
    domain); the tile prefilter keeps rows beyond ±85.06° out anyway. Other
    layers go through ``ST_Transform``."""
    if spec.geometry_kinds != ("POINT",):
        return func.ST_Transform(geom, 3857)
    lat = func.greatest(-89.9, func.least(89.9, func.ST_Y(geom)))
    y = EARTH_RADIUS * func.ln(func.tan(math.pi / 4 + func.radians(lat) / 2))
    return func.ST_SetSRID(func.ST_MakePoint(func.radians(func.ST_X(geom)) * EARTH_RADIUS, y), 3857)


# The tile's numbers go in as parameters of statements whose SQL expressions are built once per
# layer (functools.cache): building GeoAlchemy2/SQLAlchemy function expressions cost ~10 ms a tile,
# more than PostgreSQL took to make a small tile (bench/README.md, vector tiles).
_TILE_PARAMS = ("tile_z", "tile_x", "tile_y", "tile_w", "tile_s", "tile_e", "tile_n")


@functools.cache
def _tile_parts(name: str) -> tuple:
    """Layer ``name``'s MVT geometry and index prefilter, with the tile as parameters."""
    spec = REGISTRY[name]
    table = spec.model.__table__
    z, x, y = (bindparam(p, type_=Integer) for p in _TILE_PARAMS[:3])
    w, s, e, n = (bindparam(p, type_=Float) for p in _TILE_PARAMS[3:])
    envelope = func.ST_TileEnvelope(z, x, y)
    geom = func.ST_AsMVTGeom(web_mercator(spec, table.c.geom), envelope, EXTENT, BUFFER, True).label("geom")
    # The index prefilter: the tile and its buffer in lon/lat, computed in Python (a Web Mercator
    # rectangle is a lon/lat rectangle). ST_Transform of the tile envelope in SQL would be folded
    # at plan time through PROJ — ~20 ms a tile — and hid the index from the planner.
    prefilter = func.ST_Intersects(table.c.geom, func.ST_MakeEnvelope(w, s, e, n, 4326))
    return geom, prefilter


def tile_query(
    session: Session, name: str, tile: Tile, clauses: list, *, include_sensitive: bool
) -> tuple[Select, dict]:
    """The statement making the MVT of layer ``name`` (a key of :data:`TILES`)
    for ``tile``, features matching ``clauses``, and its parameters; the layer
    inside the tile is named ``name``. (``session``: the cached gap figures of
    community tiles.)"""
    spec, tile_spec = REGISTRY[name], TILES[name]
    table = spec.model.__table__
    geom, prefilter = _tile_parts(name)
    params = dict(zip(_TILE_PARAMS, (tile.z, tile.x, tile.y, *tile.lonlat_bounds(margin=BUFFER / EXTENT)), strict=True))
    cols = [table.c.id, *_columns(spec, tile_spec, tile.z, include_sensitive)]
    where = [prefilter, *clauses]  # ST_Intersects's index support estimates well; a bare && did not
    if tile_spec.gap_scores:
        gaps = _gap_rows(session, tile)
        g = (
            select(
                func.unnest(
                    bindparam("ids", gaps["ids"].tolist(), type_=ARRAY(BigInteger)),
                    bindparam("scores", gaps["scores"].tolist(), type_=ARRAY(Float)),
                    bindparam("ranks", gaps["ranks"].tolist(), type_=ARRAY(Integer)),
                    bindparam("under", gaps["under"].tolist(), type_=ARRAY(Boolean)),
                )
                .table_valued("community_id", "gap_score", "rank", "under_engaged")
                .render_derived()
            )
        ).subquery("g")
        rows = (
            select(geom, *cols, g.c.gap_score, g.c.rank, g.c.under_engaged)
            .select_from(table.outerjoin(g, g.c.community_id == table.c.id))
            .where(and_(true(), *where))
            .subquery("t")
        )
    else:
        rows = select(geom, *cols).where(and_(true(), *where)).subquery("t")
    # ``id`` stays a property (as in the GeoJSON): every client reads it, not all read MVT feature ids.
    mvt = func.ST_AsMVT(rows.table_valued(), literal(name), EXTENT, literal("geom"), type_=LargeBinary)
    return select(mvt).select_from(rows), params


def tile_and_version(
    session: Session, name: str, tile: Tile, clauses: list, *, include_sensitive: bool
) -> tuple[bytes, str]:
    """The tile and :func:`data_version` in one round trip (a request without
    ``If-None-Match`` needs both)."""
    query, params = tile_query(session, name, tile, clauses, include_sensitive=include_sensitive)
    both = select(query.scalar_subquery(), version_query(name).scalar_subquery())
    data, version = session.execute(both, params).one()
    return bytes(data or b""), _dated(name, version)


_LOG = table_clause("analysis_changes", column("id"), column("table_name"))


@functools.cache
def version_query(name: str) -> Select:
    """The statement reading :func:`data_version` (before :func:`_dated`)."""
    spec, tile_spec = REGISTRY[name], TILES[name]
    if tile_spec.gap_scores:  # the gap figures depend on every analysed table (and on the day: _dated)
        return select(func.concat(func.count(), ":", func.max(_LOG.c.id)))
    if spec.table in LOGGED_TABLES:
        log = select(func.concat(func.count(), ":", func.max(_LOG.c.id)))
        return log.where(_LOG.c.table_name == spec.table)
    table = spec.model.__table__
    return select(func.concat(func.count(), ":", func.max(table.c.id), ":", func.max(table.c.updated_at)))


def _dated(name: str, version: str) -> str:
    return f"{version}:{date.today().isoformat()}" if TILES[name].gap_scores else version


def cacheable(name: str) -> bool:
    """Whether layer ``name``'s version comes from the change log, which every
    write moves (so a server may keep its tiles: ``geo.serving.tile_cache``)."""
    return TILES[name].gap_scores or REGISTRY[name].table in LOGGED_TABLES


_SERIAL = func.set_config("max_parallel_workers_per_gather", "0", True)


def serial_plans(session: Session) -> None:
    """Plan the rest of the transaction without parallel workers. A tile is a
    few thousand index-found rows: PostgreSQL's parallel plans for them cost
    more in starting workers than they save (measured in bench/README.md, vector
    tiles), and on a small server the workers take the cores other requests need.
    (:func:`data_version` does the same in its own statement.)"""
    session.execute(select(_SERIAL))


def data_version(session: Session, name: str) -> str:
    """What changes whenever the data behind layer ``name``'s tiles changes (see the module docstring).
    The same statement plans the rest of the transaction as :func:`serial_plans` does: the tile, when
    it must be made, is the next statement, and needs no round trip of its own for that."""
    version, _ = session.execute(select(version_query(name).scalar_subquery(), _SERIAL)).one()
    return _dated(name, version)


def version_and_own_writes(session: Session, name: str) -> tuple[str, bool]:
    """:func:`data_version` and whether ``session``'s transaction wrote
    (then what it sees is not what a store kept from committed data holds),
    in one statement."""
    version, wrote = session.connection().exec_driver_sql(_version_sql(name)).one()
    return _dated(name, version), bool(wrote)


@functools.cache
def _version_sql(name: str) -> str:
    """:func:`version_and_own_writes`'s statement as SQL text, compiled once: building and
    compiling the expression took ~0.3 ms a request, several times PostgreSQL's work
    (bench/README.md, vector tiles)."""
    own = func.pg_current_xact_id_if_assigned().is_not(None)
    query = select(version_query(name).scalar_subquery(), own)
    return str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


def resident_columns(name: str) -> list:
    """The columns a resident layer keeps (:class:`TileSpec` ``resident``): every property its tiles carry."""
    spec, tile = REGISTRY[name], TILES[name]
    names = dict.fromkeys((*(tile.properties or ()), *(tile.wide or ())))
    return [spec.column(n) for n in names]


def tile_names(name: str, z: int, include_sensitive: bool) -> list[str]:
    """The properties (beyond ``id``) of layer ``name``'s tiles at zoom ``z``."""
    spec = REGISTRY[name]
    return [c.name for c in _columns(spec, TILES[name], z, include_sensitive)]


def etag(*parts: object) -> str:
    """A strong ETag of the parts (quoted, as HTTP wants it)."""
    return '"' + hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:32] + '"'
