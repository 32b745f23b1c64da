"""Vector tiles of the map's layers (``geo.serving.tiles``): for each tiled
layer ``L`` (derived from the registry and the tile declarations),
``/tiles/L/{z}/{x}/{y}.mvt`` (route ``L-tiles``) and its TileJSON
``/tiles/L.json`` (route ``L-tilejson``), which QGIS ("Vector Tiles" →
"New Generic Connection", or the TileJSON URL) and Leaflet.VectorGrid read.

Same keys and roles as every read; sensitive fields only for editors and
admins. Tiles of a dated layer take ``start``/``end`` (on its date), and
every tile takes a CQL2 ``filter`` on the layer's queryables, as the OGC
items do. Each tile carries an ``ETag`` made of the data's version (the
analysis change log or the table's last write, see ``geo.serving.tiles``),
the layer, the tile, the parameters and the reader's role, and
``Cache-Control: no-cache``: a client keeps the tile and revalidates it, and
a tile whose data did not change is a 304 without being made again. The
server keeps the tiles it made under the same ETag (``geo.serving.tile_cache``,
``tile_cache_mb`` per process), for the layers whose version is the change
log's: a tile asked for again, by any client, costs one query of the version.

One round trip a tile: the tiles draw from the feature pages' pool
(``api.deps.get_read_session``: autocommit, no pre-ping, no parallel plans),
and a tile neither the client nor the cache holds is made together with its
version in one statement — in autocommit one snapshot, so the ETag is the
version the tile was made from. The version alone is asked for first only
where a hit is expected (the tile of the version requests saw last is held).
The communities' tiles stay on the main pool, whose engine keeps the
analysis cache their gap figures come from.

No ``from __future__ import annotations``: the endpoints are made per layer.
"""

import gzip
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlalchemy.orm import Session

from api.deps import SessionDep, Viewer, get_read_session, get_session, run_unit_of_work
from api.params import Interval, interval_query
from api.responses import BINARY, responses
from geo import repository
from geo.io.export_collections import resource_extent
from geo.resources import REGISTRY
from geo.serving.cql import filter_clause, parse_filter
from geo.serving.point_tiles import PointTiles, make_tile
from geo.serving.queryables import queryables
from geo.serving.tile_cache import TileCache
from geo.serving.tiles import (
    BUFFER,
    EXTENT,
    GAP_FIELDS,
    MAX_ZOOM,
    TILES,
    Tile,
    cacheable,
    data_version,
    etag,
    serial_plans,
    tile_and_version,
    tile_names,
    tiled_layers,
    version_and_own_writes,
)

MVT = "application/vnd.mapbox-vector-tile"
# Tiles are compressed here, once per made tile (and kept compressed), not by the app's GZip
# middleware on every response: its level 9 took 0.8 s for a 1 MB tile of points, level 1 takes
# 53 ms for a body 6 % larger (bench/README.md, vector tiles).
GZIP_LEVEL = 1
CACHE = "no-cache"  # keep, but revalidate with the ETag: tiles are never stale
_TYPES = {"INTEGER": "Number", "BIGINT": "Number", "SMALLINT": "Number", "FLOAT": "Number", "BOOLEAN": "Boolean"}

router = APIRouter(prefix="/tiles", tags=["vector tiles"])
Filter = Annotated[str | None, Query(alias="filter", description="a CQL2-text filter on the layer's queryables")]
Zoom = Annotated[int, Path(ge=0, le=MAX_ZOOM, description="zoom level")]
# Below 2**z at zoom z (checked by geo.serving.tiles.Tile, 422 naming it).
Column = Annotated[int, Path(ge=0, le=2**MAX_ZOOM - 1, description="tile column, 0 at the west edge")]
Row = Annotated[int, Path(ge=0, le=2**MAX_ZOOM - 1, description="tile row, 0 at the north edge")]


def _accepts_gzip(request: Request) -> bool:
    """Whether the client takes a gzip body (``Accept-Encoding``, without ``gzip;q=0``)."""
    for part in request.headers.get("accept-encoding", "").split(","):
        coding, _, q = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*"):
            return q.strip().replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def _field_type(column) -> str:
    return _TYPES.get(type(column.type).__name__.upper(), "String")


def _tile_route(name: str) -> None:
    spec, tile_spec = REGISTRY[name], TILES[name]
    on = f"on {spec.date_field}" if spec.date_field else "(not available: no date)"
    # The tile pool of the feature pages (autocommit, no pre-ping: api.deps.get_read_session), but
    # for the gap figures' layer: the analysis cache is kept per engine, on the main one.
    reads = not tile_spec.gap_scores
    Reads = Annotated[Session, Depends(get_read_session if reads else get_session, scope="function")]
    Window = Annotated[Interval, Depends(interval_query(f"earliest {on}, ISO 8601", f"latest {on}, inclusive"))]

    @router.get(
        f"/{name}/{{z}}/{{x}}/{{y}}.mvt",
        name=f"{name}-tiles",
        summary=f"{spec.title}: a Mapbox vector tile",
        response_class=Response,
        responses=responses(
            media={MVT: BINARY}, empty={304: "the tile did not change since the ETag sent in If-None-Match"}
        ),
        response_description="the tile (empty where no feature)",
    )
    async def tile(
        z: Zoom,
        x: Column,
        y: Row,
        request: Request,
        session: Reads,
        principal: Viewer,
        when: Window,
        filter_: Filter = None,
    ) -> Response:
        """Async, with the database part in one thread hop (``run_unit_of_work``)."""
        where = Tile(z, x, y)
        editor = principal.has("editor")
        clauses = repository.where_clauses(spec, start=when.start, end=when.end)
        if filter_ is not None:
            clauses.append(filter_clause(parse_filter(filter_, "cql2-text"), queryables(spec, editor)))
        gz = _accepts_gzip(request)
        cache: TileCache | None = request.app.state.tile_cache if cacheable(name) else None
        held = [t.strip() for t in request.headers.get("if-none-match", "").split(",") if t.strip()]

        def tagged(version: str) -> dict[str, str]:
            tag = etag(name, z, x, y, when, filter_, editor, version, "gzip" if gz else "identity")
            headers = {"ETag": tag, "Cache-Control": CACHE, "Vary": "Authorization, Accept-Encoding"}
            return {**headers, "Content-Encoding": "gzip"} if gz else headers

        def unchanged(headers: dict[str, str]) -> Response:
            return Response(status_code=304, headers={k: v for k, v in headers.items() if k != "Content-Encoding"})

        def from_memory(guess: str | None) -> Response | None:
            """The tile from the layer's rows in memory (``geo.serving.point_tiles``),
            where they are loaded and were current when requests last looked (None:
            the SQL path). One statement: the version, which the rows must equal
            (after a refresh, they are the latest; the ETag is theirs)."""
            store: PointTiles = request.app.state.point_tiles
            state = store.state(name, request.app.state.engine) if filter_ is None else None
            if state is None or cache is None or guess != state.version:
                return None
            version, own = version_and_own_writes(session, name)
            headers = tagged(version)
            cache.see(name, version)
            if headers["ETag"] in held:
                return unchanged(headers)
            if (kept := cache.get(name, version, headers["ETag"])) is not None:
                return Response(kept, media_type=MVT, headers=headers)
            if own:
                return None
            if state.version != version and (state := store.refresh(name, request.app.state.engine)) is None:
                return None
            headers = tagged(state.version)
            cache.see(name, state.version)
            if headers["ETag"] in held:
                return unchanged(headers)
            names = tile_names(name, z, editor)
            bounds = where.lonlat_bounds(margin=BUFFER / EXTENT)
            data = make_tile(
                state, name, z, x, y, bounds, names, extent=EXTENT, buffer=BUFFER, start=when.start, end=when.end
            )
            body = gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0) if gz else data
            cache.put(name, state.version, headers["ETag"], body)
            return Response(body, media_type=MVT, headers=headers)

        def answer() -> Response:
            # Ask for the version alone only where a hit is expected: the client or the cache
            # holds the tile of the version requests saw last. Otherwise make the tile and read
            # its version in one statement (one snapshot: the ETag is the version it was made from).
            guess = cache.current(name) if cache is not None else None
            if tile_spec.resident and (made := from_memory(guess)) is not None:
                return made
            if cache is None:
                probe = bool(held)
            elif guess is None:
                probe = False
            else:
                expected = tagged(guess)["ETag"]
                probe = expected in held or cache.holds(name, guess, expected)
            if probe:
                headers = tagged(version := data_version(session, name))
                if headers["ETag"] in held:
                    return unchanged(headers)
                if cache is not None and (kept := cache.get(name, version, headers["ETag"])) is not None:
                    return Response(kept, media_type=MVT, headers=headers)
            elif not reads:
                serial_plans(session)
            data, version = tile_and_version(session, name, where, clauses, include_sensitive=editor)
            if tile_spec.resident and filter_ is None:
                request.app.state.point_tiles.catch_up(name, request.app.state.engine, version)
            headers = tagged(version)
            if cache is not None:
                cache.see(name, version)
            if headers["ETag"] in held:
                return unchanged(headers)
            body = gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0) if gz else data
            if cache is not None:
                cache.put(name, version, headers["ETag"], body)
            return Response(body, media_type=MVT, headers=headers)

        return await run_unit_of_work(session, answer)

    @router.get(f"/{name}.json", name=f"{name}-tilejson", summary=f"{spec.title}: TileJSON")
    def tilejson(request: Request, session: SessionDep, principal: Viewer) -> dict:
        template = str(request.url_for(f"{name}-tiles", z=0, x=0, y=0)).replace("/0/0/0.mvt", "/{z}/{x}/{y}.mvt")
        cols = [spec.column("id"), *(spec.column(p) for p in tile_spec.properties or ())]
        visible = {c.name for c in repository.property_columns(spec, principal.has("editor"))}
        # Fields carried only from the detail zoom say so in their description (TileJSON's field values
        # are free text; a client that reads them as types — QGIS and Leaflet read the tiles' own — sees
        # the type first): the wide tiles hold fewer properties (TileSpec.wide).
        every = {"id", *(tile_spec.wide if tile_spec.wide is not None else (c.name for c in cols))}
        item = str(request.url_for(f"{name}-get", fid=0)).removesuffix("/0") + "/{id}"
        later = f", in tiles from zoom {tile_spec.detail_zoom} (below it, read the feature by id: {item})"
        fields = {
            c.name: _field_type(c) + ("" if c.name in every else later)
            for c in cols
            if c.name in visible or c.name == "id"
        }
        if tile_spec.gap_scores:
            fields.update(GAP_FIELDS)
        extent = resource_extent(session, spec).bbox
        return {
            "tilejson": "3.0.0",
            "name": name,
            "description": spec.description,
            "tiles": [template],
            "minzoom": 0,
            "maxzoom": MAX_ZOOM,
            "bounds": list(extent) if extent else [-180, -85.0511, 180, 85.0511],
            "vector_layers": [
                {"id": name, "description": spec.title, "fields": fields, "minzoom": 0, "maxzoom": MAX_ZOOM}
            ],
            "extent": EXTENT,
        }


for _name in tiled_layers():
    _tile_route(_name)
