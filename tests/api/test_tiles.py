"""Vector tiles (/tiles/{layer}/{z}/{x}/{y}.mvt) and their TileJSON.

Tiles are decoded by GDAL's MVT driver (independent of PostGIS's encoder);
which features belong in a tile is worked out here from the tile formulas of
the Web Mercator grid and pyproj, not from the code under test."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pyogrio
import pytest
import shapely
from geoalchemy2.shape import from_shape
from pyproj import Transformer
from sqlalchemy import event, func, literal_column, select, text

from geo.resources import REGISTRY
from geo.serving.tiles import BUFFER, EXTENT, TILES, web_mercator

MERCATOR = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
HALF = 20037508.342789244


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def tile_box_3857(z: int, x: int, y: int, grow: float = 0.0) -> tuple[float, float, float, float]:
    size = 2 * HALF / 2**z
    return (
        -HALF + (x - grow) * size,
        HALF - (y + 1 + grow) * size,
        -HALF + (x + 1 + grow) * size,
        HALF - (y - grow) * size,
    )


def decode(tmp_path, data: bytes, z: int, x: int, y: int, layer: str):
    path = tmp_path / str(z) / str(x) / f"{y}.pbf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return pyogrio.read_dataframe(path, layer=layer, CLIP="NO")  # keep what the tile holds in its buffer


def points_in(frame_xy: dict[int, tuple[float, float]], z: int, x: int, y: int) -> set[int]:
    minx, miny, maxx, maxy = tile_box_3857(z, x, y, grow=BUFFER / EXTENT)
    return {i for i, (px, py) in frame_xy.items() if minx <= px <= maxx and miny <= py <= maxy}


@pytest.fixture
def incidents_xy(session, insert_samples) -> dict[int, tuple[float, float]]:
    insert_samples(session, n=25)
    session.flush()
    rows = session.execute(text("SELECT id, ST_X(geom), ST_Y(geom) FROM incidents")).all()
    return {i: MERCATOR.transform(lon, lat) for i, lon, lat in rows}


@pytest.mark.parametrize("z", [6, 7, 8, 10])
def test_a_tile_holds_exactly_the_features_in_it(public_client, incidents_xy, tmp_path, z):
    x, y = tile_of(16.5, 6.6, z)
    r = public_client.get(f"/tiles/incidents/{z}/{x}/{y}.mvt")
    assert r.status_code == 200 and r.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    frame = decode(tmp_path, r.content, z, x, y, "incidents")
    want = points_in(incidents_xy, z, x, y)
    assert 0 < len(want) < len(incidents_xy)
    assert set(frame["id"]) == want
    unit = 2 * HALF / 2**z / EXTENT  # one tile coordinate unit, metres
    for fid, geom in zip(frame["id"], frame.geometry, strict=True):
        px, py = incidents_xy[fid]
        assert abs(geom.x - px) <= unit and abs(geom.y - py) <= unit
    # Below the detail zoom only what the map draws with (the rest is read by id), then every declared property
    # (a property null in every feature of the tile has no column in GDAL's reading).
    present = set(frame.columns) - {"mvt_id", "geometry", "id"}  # mvt_id: GDAL's feature id
    if z < 10:
        assert present == {"fatalities"}
    else:
        assert (
            {"occurred_on", "event_type", "fatalities", "location_name"}
            <= present
            <= set(TILES["incidents"].properties)
        )
    assert "notes" not in frame.columns


def test_tiles_take_the_date_window_and_a_filter(public_client, incidents_xy, tmp_path, session):
    z, (x, y) = 5, tile_of(16.5, 6.6, 5)
    params = {"start": "2024-03-05", "end": "2024-03-12", "filter": "fatalities >= 12"}
    frame = decode(
        tmp_path, public_client.get(f"/tiles/incidents/{z}/{x}/{y}.mvt", params=params).content, z, x, y, "incidents"
    )
    want = session.execute(
        text("SELECT id FROM incidents WHERE occurred_on BETWEEN :a AND :b AND fatalities >= 12"),
        {"a": date(2024, 3, 5), "b": date(2024, 3, 12)},
    ).scalars()
    assert sorted(frame["id"]) == sorted(set(want) & points_in(incidents_xy, z, x, y)) != []
    bad = public_client.get(f"/tiles/incidents/{z}/{x}/{y}.mvt", params={"filter": "notes = 'x'"})
    assert bad.status_code == 422 and bad.json()["field"] == "filter"


def test_etag_revalidates_and_changes_with_the_data(public_client, session, insert_samples, tmp_path):
    insert_samples(session, n=5)
    for layer in ("incidents", "admin-areas"):
        url = f"/tiles/{layer}/4/8/7.mvt"
        first = public_client.get(url)
        tag = first.headers["etag"]
        assert first.headers["cache-control"] == "no-cache" and tag.startswith('"')
        again = public_client.get(url, headers={"If-None-Match": tag})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
        # A write to the layer's table gives the tile a new version.
        model = REGISTRY[layer].model
        if layer == "incidents":
            row = model(
                occurred_on=date(2024, 3, 3), event_type="riot", geom=from_shape(shapely.Point(16, 6), srid=4326)
            )
        else:
            row = model(
                name="new area", level=1, geom=from_shape(shapely.MultiPolygon([shapely.box(15, 5, 16, 6)]), srid=4326)
            )
        session.add(row)
        session.flush()
        changed = public_client.get(url, headers={"If-None-Match": tag})
        assert changed.status_code == 200 and changed.headers["etag"] != tag
        assert public_client.get(url, headers={"If-None-Match": changed.headers["etag"]}).status_code == 304
        assert changed.headers["vary"] == "Authorization, Accept-Encoding"  # editors see other properties


def test_community_tiles_carry_the_gap_scores(public_client, session, insert_samples, tmp_path):
    insert_samples(session, n=12)
    ranked = public_client.get("/api/v1/analysis/engagement-gaps", params={"limit": 1000}).json()["features"]
    by_id = {f["id"]: f["properties"] for f in ranked}
    z, (x, y) = 5, tile_of(17.9, 5.2, 5)  # where the sample communities are
    frame = decode(tmp_path, public_client.get(f"/tiles/communities/{z}/{x}/{y}.mvt").content, z, x, y, "communities")
    assert len(frame) == 12
    for fid, score, rank in zip(frame["id"], frame["gap_score"], frame["rank"], strict=True):
        assert score == pytest.approx(by_id[fid]["gap_score"]) and rank == by_id[fid]["rank"]


def test_tilejson_describes_every_tiled_layer(public_client, insert_samples, session):
    insert_samples(session, n=3)
    for layer in TILES:
        doc = public_client.get(f"/tiles/{layer}.json").json()
        assert doc["tilejson"] == "3.0.0" and doc["tiles"] == [f"http://testserver/tiles/{layer}/{{z}}/{{x}}/{{y}}.mvt"]
        fields = doc["vector_layers"][0]["fields"]
        assert doc["vector_layers"][0]["id"] == layer and "id" in fields
        assert set(TILES[layer].properties) <= set(fields)
        assert len(doc["bounds"]) == 4
    assert public_client.get("/tiles/communities.json").json()["vector_layers"][0]["fields"]["gap_score"] == "Number"


def test_tilejson_says_which_fields_wide_tiles_leave_out(public_client, session, insert_samples, tmp_path):
    """Every field the TileJSON gives as a bare type is in the tiles at every zoom; the
    fields only detail tiles carry say from which zoom, and where to read them below it."""
    insert_samples(session, n=25)
    session.flush()
    fields = public_client.get("/tiles/incidents.json").json()["vector_layers"][0]["fields"]
    bare = {k for k, v in fields.items() if v in ("Number", "String", "Boolean")}
    assert bare == {"id", "fatalities"}
    for k in set(fields) - bare:
        assert fields[k].endswith(
            "in tiles from zoom 10 (below it, read the feature by id: http://testserver/api/v1/incidents/{id})"
        )
    for z in (6, 9, 10):
        x, y = tile_of(16.5, 6.6, z)
        frame = decode(tmp_path, public_client.get(f"/tiles/incidents/{z}/{x}/{y}.mvt").content, z, x, y, "incidents")
        present = set(frame.columns) - {"mvt_id", "geometry"}
        assert bare <= present and (present <= bare) == (z < 10)
        item = public_client.get(f"/api/v1/incidents/{frame['id'].iloc[0]}")
        assert item.status_code == 200


@pytest.mark.parametrize(
    ("path", "field"),
    [("/tiles/incidents/23/0/0.mvt", "z"), ("/tiles/incidents/3/8/0.mvt", "x"), ("/tiles/incidents/3/0/-1.mvt", "y")],
)
def test_tiles_outside_the_grid_are_refused(public_client, path, field):
    r = public_client.get(path)
    assert r.status_code == 422 and r.json()["field"] == field


def test_tiles_need_a_key_without_public_read(client, viewer):
    assert client.get("/tiles/incidents/0/0/0.mvt").status_code == 401
    assert client.get("/tiles/incidents.json").status_code == 401
    assert client.get("/tiles/incidents/0/0/0.mvt", headers=viewer).status_code == 200


def test_the_server_keeps_a_tile_until_a_write_changes_it(public_client, session, insert_samples, tmp_path):
    """The server's tile cache: a repeated tile is the kept one; an insert, an
    update and a delete each give the tile its new content at once."""
    insert_samples(session, n=25)
    session.flush()
    z, (x, y) = 8, tile_of(16.5, 6.6, 8)
    url = f"/tiles/incidents/{z}/{x}/{y}.mvt"
    kept = public_client.app.state.tile_cache

    def features() -> dict[int, int]:
        r = public_client.get(url)
        assert r.status_code == 200
        frame = decode(tmp_path, r.content, z, x, y, "incidents")
        return dict(zip(frame["id"], frame["fatalities"], strict=True))

    first = features()
    assert first and len(kept) == 1
    assert features() == first and len(kept) == 1  # asked again: the same tile, nothing new kept
    minlon, minlat, maxlon, maxlat = (16.5 - 0.01, 6.6 - 0.01, 16.5 + 0.01, 6.6 + 0.01)
    assert tile_of(minlon, minlat, z) == tile_of(maxlon, maxlat, z) == (x, y)
    new = REGISTRY["incidents"].model(
        occurred_on=date(2024, 3, 3),
        event_type="riot",
        fatalities=7,
        geom=from_shape(shapely.Point(16.5, 6.6), srid=4326),
    )
    session.add(new)
    session.flush()
    assert features() == {**first, new.id: 7}
    some = next(iter(first))
    session.execute(text("UPDATE incidents SET fatalities = 99 WHERE id = :i"), {"i": some})
    assert features() == {**first, new.id: 7, some: 99}
    session.execute(text("DELETE FROM incidents WHERE id = :i"), {"i": new.id})
    assert features() == {**first, some: 99}
    assert len(kept) == 1  # the tiles of older versions are dropped, not kept beside the new one


def test_a_tile_and_its_version_are_one_statement(public_client, session, engine, insert_samples):
    """A tile asked for the first time is made and its version read in one
    statement (one snapshot, so the ETag is the version the tile was made
    from); asked again, one statement reads the version and the kept tile is
    served. After a write, a tile kept under the old version costs the
    version and the new tile; then the next new tile is one statement again."""
    insert_samples(session, n=25)
    session.flush()
    z, (x, y) = 8, tile_of(16.5, 6.6, 8)
    sent: list[str] = []

    def selects(conn, cursor, statement, *rest) -> None:
        if statement.lstrip().upper().startswith("SELECT"):  # not the test session's SAVEPOINTs
            sent.append(statement)

    def get(tile: tuple[int, int], **headers: str) -> tuple[int, str, list[str]]:
        sent.clear()
        r = public_client.get(f"/tiles/incidents/{z}/{tile[0]}/{tile[1]}.mvt", headers=headers)
        return r.status_code, r.headers["etag"], ["ST_AsMVT" in s for s in sent]

    event.listen(engine, "before_cursor_execute", selects)
    try:
        status, tag, made = get((x, y))
        assert status == 200 and made == [True]
        assert get((x, y)) == (200, tag, [False])  # the kept tile, after reading its version
        assert get((x, y), **{"If-None-Match": tag}) == (304, tag, [False])
        assert get((x + 1, y))[::2] == (200, [True])
        session.add(
            REGISTRY["incidents"].model(
                occurred_on=date(2024, 3, 3), event_type="riot", geom=from_shape(shapely.Point(16.5, 6.6), srid=4326)
            )
        )
        session.flush()
        status, new_tag, made = get((x, y))
        assert status == 200 and new_tag != tag and made == [False, True]
        assert get((x, y + 1))[::2] == (200, [True])
        assert get((x, y)) == (200, new_tag, [False])
    finally:
        event.remove(engine, "before_cursor_execute", selects)


def test_points_go_to_web_mercator_as_proj_puts_them(session):
    """The points' Web Mercator in SQL arithmetic (geo.serving.tiles.web_mercator)
    against pyproj's EPSG:4326 → EPSG:3857, to a millimetre, from the equator to
    the edge of the Web Mercator world."""
    rng = np.random.default_rng(13)
    lons, lats = rng.uniform(-180, 180, 200), rng.uniform(-85.05, 85.05, 200)
    lats[:3] = (0.0, 85.0511, -85.0511)
    for lon, lat in zip(lons, lats, strict=True):
        point = func.ST_SetSRID(
            func.ST_MakePoint(literal_column(repr(float(lon))), literal_column(repr(float(lat)))), 4326
        )
        merc = web_mercator(REGISTRY["incidents"], point)
        x, y = session.execute(select(func.ST_X(merc), func.ST_Y(merc))).one()
        want = MERCATOR.transform(lon, lat)
        assert abs(x - want[0]) < 1e-3 and abs(y - want[1]) < 1e-3, (lon, lat)


def test_tiles_come_gzipped_to_clients_that_take_gzip(public_client, session, insert_samples):
    """The tile route compresses (once per made tile, kept compressed); a client
    without gzip gets the same tile as it is, under another ETag."""
    insert_samples(session, n=25)
    session.flush()
    z, (x, y) = 6, tile_of(16.5, 6.6, 6)
    url = f"/tiles/incidents/{z}/{x}/{y}.mvt"
    plain = public_client.get(url, headers={"Accept-Encoding": "identity"})
    for _ in range(2):  # made, then kept
        packed = public_client.get(url, headers={"Accept-Encoding": "gzip"})
        assert packed.headers["content-encoding"] == "gzip" and "content-encoding" not in plain.headers
        assert packed.content == plain.content and len(plain.content) > 100  # httpx undoes the gzip
        assert int(packed.headers["content-length"]) < len(plain.content)
        assert packed.headers["etag"] != plain.headers["etag"]
    again = public_client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["etag"]})
    assert again.status_code == 304 and "content-encoding" not in again.headers
    refused = public_client.get(url, headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers and refused.content == plain.content
