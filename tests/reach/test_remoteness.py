"""Remoteness as travel time in the engagement-gap analysis
(docs/analysis.md#remoteness): hours from the nearest active site checked
against scipy's Dijkstra, the factor, unreachable communities and their
reasons; the ranking changes as expected when a ferry is removed; the
caches stay never stale; the travel-time API and the map's overlay."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
import shapely
from geoalchemy2.shape import from_shape
from pyproj import Transformer
from rasterio.io import MemoryFile
from sqlalchemy import delete
from sqlalchemy.orm import Session

from geo.analysis import cache as gap_cache
from geo.analysis import compute_gaps, gaps_from_db
from geo.analysis.cache import cached_gaps
from geo.models import Community, Crossing, Incident, Road, Site, Waterway
from geo.reach import cache as reach_cache
from geo.reach import speeds as S
from geo.reach.baseline import reference_minutes
from geo.reach.friction import Network, build_friction
from geo.reach.grid import metric_grid, to_grid_xy
from geo.reach.products import classify
from geo.reach.travel import travel_surface
from geo.reasons import hours_label


class World:
    """A site; A, B and D east of it on its bank; C north, across a river
    that runs west-east 7 km north of the site; a ferry 20 km west. Each
    community has one incident of the same weight 1 km from it (nothing
    else), so the gap scores differ only by remoteness."""

    def __init__(self, scenario, home):
        s = self.s = scenario()
        self.home = home
        at = s.at
        self.points = {
            "A": at(home, 90, 10_000),
            "B": at(home, 90, 30_000),
            "C": at(home, 0, 15_000),
            "D": at(home, 90, 60_000),
        }
        self.ids = {name: s.community(p, name=name) for name, p in self.points.items()}
        self.site = s.site(home)
        for p in self.points.values():
            s.incident(at(p, 180, 1000), s.AS_OF - timedelta(days=2), fatalities=1)
        west, east = at(home, 270, 60_000)[0], at(home, 90, 90_000)[0]
        river_lat = at(home, 0, 7000)[1]
        # The river runs past both ends of the grid, so nothing walks round it.
        self.river = shapely.LineString([(at(home, 270, 150_000)[0], river_lat), (at(home, 90, 200_000)[0], river_lat)])
        self.ferry = (at(home, 270, 20_000)[0], river_lat)
        self.box = (west, at(home, 180, 20_000)[1], east, at(home, 0, 40_000)[1])

    def network(self, ferry: bool) -> Network:
        return Network(
            waterways=pd.DataFrame({"geometry": [self.river], "kind": ["river"], "seasonal": [False]}),
            crossings=pd.DataFrame(
                {"lon": [self.ferry[0]], "lat": [self.ferry[1]], "kind": ["ferry"], "seasonal": [False]}
            )
            if ferry
            else Network().crossings,
        )


@pytest.fixture
def world(scenario):
    return World(scenario, scenario.HOME)


def _surface(world, ferry=True, season="dry"):
    grid = metric_grid(world.box, 1000.0, margin_m=0)
    friction = build_friction(grid, world.network(ferry), season)
    lon, lat = world.home
    return travel_surface(grid, friction, [world.site], [lon], [lat], season=season, friction_source="test"), friction


def _gaps(world, ferry=True, only=None, **params):
    surface, friction = _surface(world, ferry)
    inputs = world.s.inputs()
    inputs.travel = surface
    p = world.s.PARAMS.with_(remoteness="travel_time", season="dry", **params)
    table = compute_gaps(inputs, p, computed_at=world.s.COMPUTED_AT, only=only).with_reasons()
    return table.set_index("name"), surface, friction


def test_hours_are_dijkstras_and_the_factor_is_one_plus_hours_over_the_scale(world):
    t, surface, friction = _gaps(world)
    grid = surface.grid
    sx, sy = to_grid_xy(grid, [world.home[0]], [world.home[1]])
    sr, sc, _ = grid.cell_of(sx, sy)
    reference, _ = reference_minutes(friction, grid.cell_size, sr, sc)
    for name, (lon, lat) in world.points.items():
        x, y = to_grid_xy(grid, [lon], [lat])
        r, c, _ = grid.cell_of(x, y)
        assert t.loc[name, "travel_hours"] == pytest.approx(reference[r[0], c[0]] / 60, rel=1e-9)
        assert t.loc[name, "remoteness_factor"] == pytest.approx(1 + t.loc[name, "travel_hours"] / 6.0)
        assert t.loc[name, "travel_site_id"] == world.site and not t.loc[name, "unreachable"]
        assert t.loc[name, "travel_season"] == "dry"
    # Walking 3 km/h in a straight line is a lower bound; the river detour via the ferry costs C hours more.
    assert t.loc["A", "travel_hours"] == pytest.approx(10 / S.DEFAULT_OFFROAD_KMH, rel=0.03)
    assert t.loc["C", "travel_hours"] > 15 / S.DEFAULT_OFFROAD_KMH + 5
    assert t.loc["D", "travel_hours"] > t.loc["C", "travel_hours"] > t.loc["B", "travel_hours"]
    assert list(t.sort_values("rank").index) == ["D", "C", "B", "A"]
    assert t.loc["C", "reasons"][2] == (
        f"{hours_label(t.loc['C', 'travel_hours'])} from the nearest mission site in the dry season "
        "(15 km in a straight line)"
    )
    assert _gaps(world, remoteness_hours=3.0)[0].loc["A", "remoteness_factor"] == pytest.approx(
        1 + t.loc["A", "travel_hours"] / 3.0
    )


def test_unreachable_communities_take_the_largest_factor_of_the_ranked_set(world):
    t, _, _ = _gaps(world, ferry=False)
    assert t.loc["C", "unreachable"] and np.isnan(t.loc["C", "travel_hours"]) and pd.isna(t.loc["C", "travel_site_id"])
    assert t.loc["C", "remoteness_factor"] == t.loc["D", "remoteness_factor"]
    assert t.loc["C", "reasons"][2] == (
        "no mission site can be reached over land in the dry season "
        "(no road, crossing or passable ground joins it; 15 km in a straight line)"
    )
    subset, _, _ = _gaps(world, ferry=False, only=[world.ids["A"], world.ids["B"], world.ids["C"]])
    assert subset.loc["C", "remoteness_factor"] == subset.loc["B", "remoteness_factor"]
    alone, _, _ = _gaps(world, ferry=False, only=[world.ids["C"]])
    assert alone.loc["C", "remoteness_factor"] == 1.0


def test_hours_are_said_the_way_planners_say_them():
    assert [hours_label(h) for h in (0.01, 0.58, 1.0, 1.26, 7.2, 9.8, 14.4)] == [
        "about 5 min",
        "about 35 min",
        "about 1 h",
        "about 1.5 h",
        "about 7 h",
        "about 10 h",
        "about 14 h",
    ]


def _store(world, session, ferry=True):
    ids = world.s.store(session)
    session.add(Waterway(name="river", kind="river", geom=from_shape(shapely.MultiLineString([world.river]), 4326)))
    crossing = None
    if ferry:
        crossing = Crossing(name="bac", kind="ferry", geom=from_shape(shapely.Point(world.ferry), 4326))
        session.add(crossing)
    session.flush()
    return ids, crossing


def test_removing_the_ferry_moves_the_community_behind_the_river_up(world, session):
    ids, ferry = _store(world, session)
    by_db = {v: k for k, v in {n: ids["communities"][i] for n, i in world.ids.items()}.items()}
    params = world.s.PARAMS.with_(remoteness="travel_time", season="dry")

    def ranked():
        t = gaps_from_db(session, params, computed_at=world.s.COMPUTED_AT).with_reasons()
        return t.assign(name=t["community_id"].map(by_db)).set_index("name")

    before = ranked()
    assert list(before.sort_values("rank").index) == ["D", "C", "B", "A"] and not before["unreachable"].any()
    distance_before = gaps_from_db(session, world.s.PARAMS, computed_at=world.s.COMPUTED_AT).with_reasons()
    session.delete(ferry)
    session.flush()
    after = ranked()
    assert after.loc["C", "unreachable"] and after.loc["C", "rank"] == 1 and before.loc["C", "rank"] == 2
    assert after.loc["C", "remoteness_factor"] == after.loc["D", "remoteness_factor"]
    assert "can be reached" in after.loc["C", "reasons"][2]
    for name in "ABD":  # the others keep their hours
        assert after.loc[name, "travel_hours"] == pytest.approx(before.loc[name, "travel_hours"])
    distance_after = gaps_from_db(session, world.s.PARAMS, computed_at=world.s.COMPUTED_AT).with_reasons()
    pd.testing.assert_frame_equal(distance_before, distance_after)  # distance does not know rivers


@pytest.fixture
def committed(engine, scenario):
    """The world stored and committed at (-40, -30) (South Atlantic: no other test's data), removed afterwards."""
    w = World(scenario, (-40.0, -30.0))
    with Session(engine) as s:
        ids, ferry = _store(w, s)
        s.commit()
        made = {"ferry": ferry.id, **ids}
    gap_cache.clear()
    reach_cache.FRICTION.clear()
    reach_cache.TRAVEL.clear()
    yield w, made
    with Session(engine) as s:
        s.execute(delete(Incident).where(Incident.id.in_(made["incidents"].values())))
        s.execute(delete(Community).where(Community.id.in_(made["communities"].values())))
        s.execute(delete(Site).where(Site.id.in_(made["sites"].values())))
        s.execute(delete(Waterway).where(Waterway.name == "river"))
        s.execute(delete(Crossing).where(Crossing.name == "bac"))
        s.execute(delete(Road).where(Road.name == "cache-test"))
        s.commit()
    gap_cache.clear()


def test_cached_results_see_a_removed_ferry_and_ignore_roads_when_remoteness_is_distance(engine, committed):
    world, made = committed
    travel = world.s.PARAMS.with_(remoteness="travel_time", season="dry")
    c = made["communities"][world.ids["C"]]
    with Session(engine) as s:
        first = cached_gaps(s, travel).table.set_index("community_id")
        distance = cached_gaps(s, world.s.PARAMS).with_reasons()
    assert not first.loc[c, "unreachable"]
    with Session(engine) as w:
        w.execute(delete(Crossing).where(Crossing.id == made["ferry"]))
        w.add(
            Road(
                name="cache-test",
                highway="track",
                geom=from_shape(shapely.MultiLineString([[(-41, -31), (-41.1, -31.1)]]), 4326),
            )
        )
        w.commit()
    full_before = gap_cache.STATS["full"]
    hits_before = gap_cache.STATS["hit"]
    with Session(engine) as s:
        cached = cached_gaps(s, travel).with_reasons()
        fresh = gaps_from_db(s, travel, computed_at=world.s.COMPUTED_AT).with_reasons()
        assert cached.set_index("community_id").loc[c, "unreachable"]
        pd.testing.assert_frame_equal(cached.drop(columns="reasons"), fresh.drop(columns="reasons"))
        assert list(cached["reasons"]) == list(fresh["reasons"])
        assert gap_cache.STATS["full"] == full_before + 1
        again = cached_gaps(s, world.s.PARAMS).with_reasons()  # distance: the road and the ferry change nothing
        assert gap_cache.STATS["hit"] == hits_before + 1
        pd.testing.assert_frame_equal(again, distance)
        hits = reach_cache.STATS["travel:hit"]
        cached_gaps(s, travel)
        assert reach_cache.STATS["travel:hit"] >= hits  # nothing new: no travel recomputation


def test_gap_api_takes_remoteness_and_season(client, viewer, world, session):
    _store(world, session)
    r = client.get(
        "/api/v1/analysis/engagement-gaps",
        params={"as_of": world.s.AS_OF.isoformat(), "remoteness": "travel_time", "season": "rainy"},
        headers=viewer,
    )
    assert r.status_code == 200, r.text
    props = [f["properties"] for f in r.json()["features"]]
    assert all(p["travel_hours"] > 0 and p["travel_season"] == "rainy" for p in props)
    assert all("in the rainy season" in p["reasons"][2] for p in props)
    auto = client.get(
        "/api/v1/analysis/engagement-gaps",
        params={"as_of": world.s.AS_OF.isoformat(), "remoteness": "travel_time"},  # 30 June: rainy (May–October)
        headers=viewer,
    ).json()["features"]
    assert {f["properties"]["travel_season"] for f in auto} == {"rainy"}
    for name, value in (("remoteness", "by_air"), ("season", "monsoon"), ("remoteness_hours", "0")):
        bad = client.get("/api/v1/analysis/engagement-gaps", params={name: value}, headers=viewer)
        assert bad.status_code == 422 and bad.json()["field"] == name


def test_travel_time_api_json_geotiff_and_the_overlay(client, viewer, world, session):
    ids, _ = _store(world, session)
    day = {"as_of": world.s.AS_OF.isoformat(), "season": "dry"}
    fc = client.get("/api/v1/analysis/travel-time", params=day, headers=viewer)
    assert fc.status_code == 200 and fc.headers["content-type"] == "application/geo+json"
    body = fc.json()
    assert body["season"] == "dry" and body["sites"] == [ids["sites"][world.site]] and body["cell_size_m"] == 1000
    hours = {f["properties"]["name"]: f["properties"]["travel_hours"] for f in body["features"]}
    gaps = gaps_from_db(
        session, world.s.PARAMS.with_(remoteness="travel_time", season="dry"), computed_at=world.s.COMPUTED_AT
    )
    assert hours == pytest.approx(
        dict(zip(gaps.table["name"], gaps.table["travel_hours"], strict=True)), abs=1e-4
    )  # 4 decimals
    tif = client.get("/api/v1/analysis/travel-time", params={**day, "format": "geotiff"}, headers=viewer)
    assert tif.status_code == 200 and tif.headers["content-type"] == "image/tiff"
    with MemoryFile(tif.content) as mem, mem.open() as ds:
        assert ds.nodata == -1 and "laea" in ds.crs.to_proj4() and ds.res == (1000.0, 1000.0)
        lon, lat = world.points["C"]
        value = next(ds.sample([to_grid_xy_crs(ds.crs, lon, lat)]))[0]
        assert value == pytest.approx(hours["C"], rel=1e-5)
        assert ds.tags()["season"] == "dry" and ds.tags()["units"] == "hours"
    png = client.get("/map/travel-time.png", params=day, headers=viewer)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    west, south, east, north = map(float, png.headers["X-Image-Bounds"].split(","))
    assert west < world.home[0] < east and south < world.home[1] < north
    with MemoryFile(png.content) as mem, mem.open() as ds:
        assert ds.count == 4 and ds.read(4).max() > 0
    one = client.get("/api/v1/analysis/travel-time", params={**day, "site": 987654}, headers=viewer)
    assert one.status_code == 404 and one.json()["field"] == "site"
    huge = client.get("/api/v1/analysis/travel-time", params={**day, "site": 2**63}, headers=viewer)
    assert huge.status_code == 422 and huge.json()["field"] == "site"  # beyond the ids' bigint
    slow = client.get("/api/v1/analysis/travel-time", params={**day, "road_speed": "primary=fast"}, headers=viewer)
    assert slow.status_code == 422 and slow.json()["field"] == "road_speed"
    assert client.get("/api/v1/analysis/travel-time", params=day).status_code == 401


def to_grid_xy_crs(crs, lon, lat):
    return Transformer.from_crs("EPSG:4326", crs.to_wkt(), always_xy=True).transform(lon, lat)


def test_the_overlay_classes_are_the_legend_s():
    # A value equal to a class's upper bound is in that class, as the map's legend colours points (v ≤ upper).
    assert classify(np.array([0.0, 1.0, 1.01, 2.0, 7.9, 16.0, 16.5, np.inf])).tolist() == [0, 0, 1, 1, 3, 4, 5, 6]
