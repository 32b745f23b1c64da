"""Incident tiles made from memory (geo.serving.point_tiles + geo.serving.mvt)
are PostGIS's tiles: both are decoded with mapbox-vector-tile and compared
feature for feature — ids, integer coordinates, properties — over many
tiles at z0–z14, with points on tile edges, in the buffer, beyond ±85°, on
the antimeridian, and after an insert, an update, a delete and a truncate.
The reference is ``ST_AsMVT``/``ST_AsMVTGeom`` (the tile route's SQL path).

The store reads committed data (it is shared by every request of a server),
so these tests commit their rows and delete them afterwards."""

from __future__ import annotations

import math
from datetime import date, timedelta

import mapbox_vector_tile
import numpy as np
import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from geo import vocab
from geo.serving.point_tiles import PointTiles, make_tile
from geo.serving.tiles import BUFFER, EXTENT, TILES, Tile, tile_names, tile_query

HALF = 20037508.342789244
DAY0 = date(2024, 1, 1)


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = min(n - 1, max(0, int((lon + 180) / 360 * n)))
    lat = max(-85.05, min(85.05, lat))
    y = min(n - 1, max(0, int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)))
    return x, y


def lonlat_of_tile_corner(z: int, x: float, y: float) -> tuple[float, float]:
    n = 2**z
    return x / n * 360 - 180, math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))


def features(data: bytes) -> dict[int, tuple[tuple[int, int], dict]]:
    """id → (integer coordinates, properties) of the incidents layer, decoded by mapbox-vector-tile."""
    if not data:
        return {}
    layers = mapbox_vector_tile.decode(data, default_options={"y_coord_down": True})
    assert set(layers) == {"incidents"}
    layer = layers["incidents"]
    assert layer["extent"] == EXTENT
    out = {}
    for f in layer["features"]:
        assert f["geometry"]["type"] == "Point"
        props = dict(f["properties"])
        fid = props.pop("id")
        assert fid not in out
        out[fid] = (tuple(f["geometry"]["coordinates"]), props)
    return out


def sample_points(rng: np.random.Generator) -> list[tuple[float, float]]:
    """Random points around the mission, and points placed where rounding and clipping decide."""
    pts = [(float(a), float(b)) for a, b in zip(rng.uniform(14, 19, 300), rng.uniform(4, 9, 300), strict=True)]
    for z in (3, 6, 8, 10, 12, 14):
        x, y = tile_of(16.5, 6.6, z)
        for fx, fy in ((0, 0), (1, 1), (0.5, 0), (0, 0.5), (1, 0.3)):  # on edges and corners of tiles
            pts.append(lonlat_of_tile_corner(z, x + fx, y + fy))
        for k in (BUFFER - 1, BUFFER, BUFFER + 1, BUFFER + 0.5, BUFFER - 0.5):  # around the buffer's edge
            pts.append(lonlat_of_tile_corner(z, x - k / EXTENT, y + 0.5))
            pts.append(lonlat_of_tile_corner(z, x + 1 + k / EXTENT, y + 0.5))
            pts.append(lonlat_of_tile_corner(z, x + 0.5, y - k / EXTENT))
        for k in np.linspace(0, 1, 41):  # half pixels, where rint rounds to even
            pts.append(lonlat_of_tile_corner(z, x + (10 + k) / EXTENT, y + (20.5 + k) / EXTENT))
    pts += [(180.0, 0.0), (-180.0, 0.0), (179.99999, 10.0), (-179.99999, -10.0), (180.0, 85.0511), (0.0, 85.0511)]
    pts += [(0.0, 85.06), (10.0, -85.06), (0.0, 89.0), (-5.0, -89.95), (0.0, 0.0), (45.0, 84.9)]
    return pts


def insert(conn, pts: list[tuple[float, float]], rng: np.random.Generator) -> list[int]:
    ids = []
    actors = ["Armed herders", "Groupe d'autodéfense", None, "Militia «Nord»", "x" * 250]
    for lon, lat in pts:
        ids.append(
            conn.execute(
                text(
                    "INSERT INTO incidents (occurred_on, event_type, sub_event_type, actor1, actor2, fatalities,"
                    " civilian_targeting, geo_precision, location_name, geom) VALUES (:d, :e, :se, :a1, :a2, :f,"
                    " :c, :g, :loc, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) RETURNING id"
                ),
                {
                    "d": DAY0 + timedelta(days=int(rng.integers(0, 120))),
                    "e": vocab.EVENT_TYPES[int(rng.integers(0, len(vocab.EVENT_TYPES)))],
                    "se": [None, "armed clash", "attack"][int(rng.integers(0, 3))],
                    "a1": actors[int(rng.integers(0, len(actors)))],
                    "a2": actors[int(rng.integers(0, len(actors)))],
                    "f": int(rng.choice([0, 0, 1, 2, 7, 150, 2**31 - 1])),
                    "c": bool(rng.integers(0, 2)),
                    "g": int(rng.integers(1, 4)),
                    "loc": [None, "Nana-Bakassa", "Bangui", ""][int(rng.integers(0, 4))],
                    "lon": lon,
                    "lat": lat,
                },
            ).scalar_one()
        )
    return ids


@pytest.fixture
def committed(engine):
    """Incidents committed (the store reads committed data), deleted after the test."""
    rng = np.random.default_rng(5)
    with engine.begin() as conn:
        assert conn.scalar(text("SELECT count(*) FROM incidents")) == 0
        insert(conn, sample_points(rng), rng)
    yield rng
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM incidents"))


def reference(engine, z: int, x: int, y: int, **window) -> bytes:
    """The tile PostGIS makes (the route's SQL path), in a snapshot of committed data."""
    from geo import repository
    from geo.resources import REGISTRY

    clauses = repository.where_clauses(REGISTRY["incidents"], **window)
    with Session(engine) as s:
        query, params = tile_query(s, "incidents", Tile(z, x, y), clauses, include_sensitive=False)
        return bytes(s.execute(query, params).scalar() or b"")


def from_memory(store: PointTiles, engine, z: int, x: int, y: int, **window) -> bytes:
    state = store.state("incidents", engine)
    assert state is not None
    tile = Tile(z, x, y)
    names = tile_names("incidents", z, False)
    return make_tile(
        state,
        "incidents",
        z,
        x,
        y,
        tile.lonlat_bounds(margin=BUFFER / EXTENT),
        names,
        extent=EXTENT,
        buffer=BUFFER,
        **window,
    )


def loaded(engine) -> PointTiles:
    store = PointTiles(256 * 2**20)
    assert store.state("incidents", engine) is None  # loading starts in the background
    store.wait()
    assert store.state("incidents", engine) is not None
    return store


def tiles_to_check(rng: np.random.Generator) -> list[tuple[int, int, int]]:
    out = set()
    for z in range(15):
        for lon, lat in [(16.5, 6.6), (180.0, 0.0), (-180.0, 0.0), (0.0, 85.0), (10.0, -85.0), (0.0, 0.0)]:
            x, y = tile_of(lon, lat, z)
            n = 2**z
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    if 0 <= x + dx < n and 0 <= y + dy < n:
                        out.add((z, x + dx, y + dy))
        for _ in range(4):
            lon, lat = float(rng.uniform(14, 19)), float(rng.uniform(4, 9))
            out.add((z, *tile_of(lon, lat, z)))
    return sorted(out)


def same_tiles(store: PointTiles, engine, rng: np.random.Generator) -> int:
    """Every tile to check equal from memory and from PostGIS; the features compared."""
    compared = 0
    for z, x, y in tiles_to_check(rng):
        want = features(reference(engine, z, x, y))
        got = features(from_memory(store, engine, z, x, y))
        assert got == want, (z, x, y, set(got) ^ set(want))
        compared += len(want)
    return compared


def test_tiles_from_memory_are_postgis_tiles(engine, committed):
    store = loaded(engine)
    assert same_tiles(store, engine, committed) > 5000
    # the properties: only fatalities below the detail zoom, every declared one from it
    z, (x, y) = 10, tile_of(16.5, 6.6, 10)
    detail = features(from_memory(store, engine, z, x, y))
    assert {k for _, p in detail.values() for k in p} == set(TILES["incidents"].properties or ())
    wide = features(from_memory(store, engine, 6, *tile_of(16.5, 6.6, 6)))
    assert {k for _, p in wide.values() for k in p} == {"fatalities"}
    # a date window (both ends counted)
    for window in ({"start": date(2024, 2, 1)}, {"end": date(2024, 2, 1)}, {"start": DAY0, "end": DAY0}):
        for z in (6, 9, 12):
            x, y = tile_of(16.5, 6.6, z)
            want = features(reference(engine, z, x, y, **window))
            assert features(from_memory(store, engine, z, x, y, **window)) == want and want


def test_tiles_from_memory_follow_every_write(engine, committed):
    """An insert, an update (moving a point and changing its properties), a
    delete and a truncate: after each, the refreshed store makes PostGIS's tiles."""
    store = loaded(engine)
    version = store.state("incidents", engine).version
    with engine.begin() as conn:
        new = insert(conn, [(16.5, 6.6), (16.51, 6.61)], committed)
    state = store.refresh("incidents", engine)
    assert state is not None and state.version != version
    same_tiles(store, engine, committed)
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE incidents SET fatalities = 3, actor1 = 'moved',"
                " geom = ST_SetSRID(ST_MakePoint(16.2, 6.1), 4326)"
                " WHERE id IN (SELECT id FROM incidents ORDER BY id LIMIT 40)"
            )
        )
        conn.execute(text("UPDATE incidents SET actor2 = NULL WHERE id = :i"), {"i": new[0]})
    assert store.refresh("incidents", engine) is not None
    same_tiles(store, engine, committed)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM incidents WHERE id = ANY(:ids)"), {"ids": new})
        conn.execute(text("DELETE FROM incidents WHERE id IN (SELECT id FROM incidents ORDER BY id DESC LIMIT 25)"))
    assert store.refresh("incidents", engine) is not None
    same_tiles(store, engine, committed)
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE incidents"))
        insert(conn, [(16.5, 6.6)], committed)
    assert store.refresh("incidents", engine) is None  # read again whole, in the background
    store.wait()
    state = store.state("incidents", engine)
    assert state is not None and len(state.main) + len(state.tail) == 1
    same_tiles(store, engine, committed)


def test_a_layer_over_the_memory_budget_stays_in_postgis(engine, committed, caplog):
    store = PointTiles(10_000)
    assert store.state("incidents", engine) is None
    store.wait()
    assert store.state("incidents", engine) is None and "PEACEMAP_TILE_MEMORY_MB" in store.refused["incidents"]
    assert "stay in PostGIS" in caplog.text


def test_the_route_serves_memory_tiles_in_one_statement(public_client, engine, committed):
    """Through the route: the same tile as PostGIS, one statement (the version),
    no ST_AsMVT; after a committed write the next tile holds it (never stale)."""
    z, (x, y) = 8, tile_of(16.5, 6.6, 8)
    url = f"/tiles/incidents/{z}/{x}/{y}.mvt"
    first = public_client.get(url)
    assert features(first.content) == features(reference(engine, z, x, y))
    public_client.app.state.point_tiles.wait()
    sent: list[str] = []

    def selects(conn, cursor, statement, *rest) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append(statement)

    app_engines = [public_client.app.state.engine]
    event.listen(engine, "before_cursor_execute", selects)
    try:
        for z2 in (6, 7, 9, 10, 12):
            x2, y2 = tile_of(16.5, 6.6, z2)
            sent.clear()
            r = public_client.get(f"/tiles/incidents/{z2}/{x2}/{y2}.mvt")
            assert len(sent) == 1 and "ST_AsMVT" not in sent[0]
            assert features(r.content) == features(reference(engine, z2, x2, y2))
    finally:
        event.remove(engine, "before_cursor_execute", selects)
    tag = public_client.get(url).headers["etag"]
    with engine.begin() as conn:
        (new,) = insert(conn, [(16.5, 6.6)], committed)
    after = public_client.get(url, headers={"If-None-Match": tag})
    assert after.status_code == 200 and after.headers["etag"] != tag
    got = features(after.content)
    assert new in got and got == features(reference(engine, z, x, y))
    assert app_engines  # the store reads through the app's own engine


@pytest.mark.parametrize("seed", range(12))
def test_the_encoder_writes_what_it_is_given(seed):
    """geo.serving.mvt alone, decoded by mapbox-vector-tile: every feature's
    coordinates and properties (ids that equal other columns' values, NULLs,
    negative and 5-byte integers, words shared by two columns), small tiles
    and big ones (the two ways varints are written)."""
    from geo.serving.mvt import Column, point_tile

    rng = np.random.default_rng(seed)
    n = int(rng.choice([1, 7, 90, 400, 3000]))
    x, y = rng.integers(-64, 4161, n), rng.integers(-64, 4161, n)
    words = ["a", "é", "Groupe «Nord»", ""]
    ids = rng.permutation(500 if n < 500 else 10**6)[:n]
    cols = [
        Column("id", "int", ids, distinct=True),
        Column("f", "int", rng.integers(-40, 2**34, n) // rng.choice([1, 2**28], n), rng.random(n) > 0.2),
        Column("s", "text", rng.integers(0, 4, n).astype(np.int32), None, words),
        Column("t", "text", rng.integers(0, 4, n).astype(np.int32), rng.random(n) > 0.5, words),
        Column("b", "bool", rng.random(n) > 0.5),
        Column("g", "int", rng.integers(0, 600, n)),
    ]
    layer = mapbox_vector_tile.decode(
        point_tile("incidents", EXTENT, x, y, cols), default_options={"y_coord_down": True}
    )
    got = layer["incidents"]["features"]
    assert len(got) == n
    for i, f in enumerate(got):
        want = {c.name: c.values[i] for c in cols if c.present is None or c.present[i]}
        want = {k: (words[v] if k in ("s", "t") else bool(v) if k == "b" else int(v)) for k, v in want.items()}
        assert f["geometry"]["coordinates"] == [x[i], y[i]] and f["properties"] == want
