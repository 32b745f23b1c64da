"""Travel times against an independent shortest path on the same grid
(scipy's Dijkstra on the 8-connected graph, geo/reach/baseline.py), on small
rasters: random frictions with nodata cells, a river with one crossing, the
rainy-season closure of an earth track; and the friction surface's own rules
checked by hand (docs/reach.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer
from scipy.sparse.csgraph import dijkstra

from geo.reach import speeds as S
from geo.reach.baseline import grid_graph, reference_minutes
from geo.reach.friction import Network, build_friction, close_corners
from geo.reach.grid import metric_grid
from geo.reach.travel import cost_distance, travel_surface

CELL = 1000.0
BOX = (18.0, 4.0, 18.2, 4.2)  # ~22 × 22 km around Bangui's latitude


def _assert_nearest_start(friction, minutes, start, rows, cols):
    """Each cell's start is *a* nearest one: its own distance equals the minimum (ties may go either way)."""
    each = dijkstra(grid_graph(friction, CELL), indices=rows * friction.shape[1] + cols)
    flat = start.ravel()
    reached = flat >= 0
    own = each[flat[reached], np.flatnonzero(reached)]
    assert np.allclose(own, minutes.ravel()[reached], rtol=1e-9)
    assert (np.isinf(minutes.ravel()) == ~reached).all()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_frictions_with_nodata_equal_dijkstra(seed):
    rng = np.random.default_rng(seed)
    friction = rng.uniform(0.0008, 0.05, (37, 53))
    friction[rng.random(friction.shape) < 0.15] = np.inf  # nodata / water
    friction[10, :] = np.inf  # a wall with one gap
    friction[10, 40] = 0.01
    free = np.argwhere(np.isfinite(friction))
    picks = free[rng.choice(len(free), 6, replace=False)]
    rows, cols = picks[:, 0], picks[:, 1]
    minutes, start = cost_distance(friction, CELL, rows, cols)
    ref, _ = reference_minutes(friction, CELL, rows, cols)
    assert (np.isinf(minutes) == np.isinf(ref)).all()
    fin = np.isfinite(ref)
    assert np.allclose(minutes[fin], ref[fin], rtol=1e-9, atol=0)
    _assert_nearest_start(friction, minutes, start, rows, cols)
    assert (start[rows, cols] == np.arange(len(rows))).all()


def _lonlat(grid, xy):
    """Grid-CRS points → lon/lat (to place test features exactly on cells)."""
    t = Transformer.from_crs(grid.crs.to_wkt(), "EPSG:4326", always_xy=True)
    x, y = np.asarray(xy, float).T
    return np.column_stack(t.transform(x, y))


def _centre(grid, row, col):
    return grid.transform.c + (col + 0.5) * CELL, grid.transform.f - (row + 0.5) * CELL


def _network(grid, *, roads=(), rivers=(), crossings=()):
    def line(cells):
        return shapely.LineString(_lonlat(grid, [_centre(grid, r, c) for r, c in cells]))

    return Network(
        roads=pd.DataFrame(
            {
                "geometry": [line(r["cells"]) for r in roads],
                "highway": [r["highway"] for r in roads],
                "surface": [r.get("surface") for r in roads],
                "bridge": [r.get("bridge", False) for r in roads],
            },
            columns=["geometry", "highway", "surface", "bridge"],
        ),
        waterways=pd.DataFrame(
            {
                "geometry": [line(r["cells"]) for r in rivers],
                "kind": [r.get("kind", "river") for r in rivers],
                "seasonal": [r.get("seasonal", False) for r in rivers],
            },
            columns=["geometry", "kind", "seasonal"],
        ),
        crossings=pd.DataFrame(
            {
                "lon": [_lonlat(grid, [_centre(grid, *c["cell"])])[0, 0] for c in crossings],
                "lat": [_lonlat(grid, [_centre(grid, *c["cell"])])[0, 1] for c in crossings],
                "kind": [c["kind"] for c in crossings],
                "seasonal": [c.get("seasonal", False) for c in crossings],
            },
            columns=["lon", "lat", "kind", "seasonal"],
        ),
    )


@pytest.fixture(scope="module")
def grid():
    g = metric_grid(BOX, CELL, margin_m=0)
    assert g.cell_size == CELL and g.shape == (24, 24)
    return g


def test_a_river_is_crossed_only_at_its_one_ferry(grid):
    river = {"cells": [(11, 0), (11, 23)]}
    ferry = {"cell": (11, 4), "kind": "ferry"}
    walk = S.friction_of(S.DEFAULT_OFFROAD_KMH)
    with_ferry = build_friction(grid, _network(grid, rivers=[river], crossings=[ferry]), "dry")
    without = build_friction(grid, _network(grid, rivers=[river]), "dry")
    assert np.isinf(without[11]).all() and np.isinf(with_ferry[11, 8:]).all()
    # The ferry opens the river cells within 1.5 km: its own and one on each side.
    assert np.flatnonzero(np.isfinite(with_ferry[11])).tolist() == [3, 4, 5]
    assert with_ferry[11, 4] == pytest.approx(S.friction_of(S.CROSSING_KMH["ferry"]))
    assert with_ferry[0, 0] == pytest.approx(walk)
    rows, cols = np.array([2]), np.array([18])
    for friction in (with_ferry, without):
        minutes, _ = cost_distance(friction, CELL, rows, cols)
        ref, _ = reference_minutes(friction, CELL, rows, cols)
        assert (np.isinf(minutes) == np.isinf(ref)).all()
        fin = np.isfinite(ref)
        assert np.allclose(minutes[fin], ref[fin], rtol=1e-9)
    minutes, _ = cost_distance(with_ferry, CELL, rows, cols)
    across = minutes[20, 18]
    straight = 18 * CELL * walk  # the same 18 cells if the river were not there
    assert np.isfinite(across) and across > straight + 60  # a detour of more than an hour via the ferry
    assert np.isinf(cost_distance(without, CELL, rows, cols)[0][20, 18])


def test_the_rainy_season_closes_an_earth_track_and_slows_a_paved_road(grid):
    track = {"cells": [(5, 2), (5, 20)], "highway": "track", "surface": "earth"}
    road = {"cells": [(15, 2), (15, 20)], "highway": "primary", "surface": "paved"}
    net = _network(grid, roads=[track, road])
    dry, rainy = build_friction(grid, net, "dry"), build_friction(grid, net, "rainy")
    rows, cols = np.array([5, 15]), np.array([2, 2])
    for friction in (dry, rainy):
        minutes, _ = cost_distance(friction, CELL, rows, cols)
        ref, _ = reference_minutes(friction, CELL, rows, cols)
        assert np.allclose(minutes, ref, rtol=1e-9)
    # By hand, from each line's west end alone: 18 cells at its speed (60 / (1000 · km/h) minutes per metre).
    track_dry, _ = cost_distance(dry, CELL, rows[:1], cols[:1])
    track_rainy, _ = cost_distance(rainy, CELL, rows[:1], cols[:1])
    assert track_dry[5, 20] == pytest.approx(18 * CELL * 60 / (1000 * 25 * 0.5))  # earth track: 12.5 km/h
    assert track_rainy[5, 20] == pytest.approx(18 * CELL * 60 / (1000 * 3.0 * 0.8))  # closed: walking 2.4 km/h
    road_dry, _ = cost_distance(dry, CELL, rows[1:], cols[1:])
    road_rainy, _ = cost_distance(rainy, CELL, rows[1:], cols[1:])
    assert road_dry[15, 20] == pytest.approx(18 * CELL * 60 / (1000 * 70))
    assert road_rainy[15, 20] == pytest.approx(18 * CELL * 60 / (1000 * 70 * 0.9))


def test_a_bridge_road_crosses_and_a_seasonal_ford_closes(grid):
    river = {"cells": [(11, 0), (11, 23)]}
    bridge = {"cells": [(3, 15), (20, 15)], "highway": "secondary", "surface": "paved", "bridge": True}
    ford = {"cell": (11, 4), "kind": "ford", "seasonal": True}
    net = _network(grid, roads=[bridge], rivers=[river], crossings=[ford])
    dry, rainy = build_friction(grid, net, "dry"), build_friction(grid, net, "rainy")
    assert np.isfinite(dry[11, 15]) and np.isfinite(rainy[11, 15])  # the bridge carries its road
    assert dry[11, 15] == pytest.approx(S.friction_of(55.0))
    assert np.isfinite(dry[11, 4]) and np.isinf(rainy[11, 4])  # the ford is closed at high water
    seasonal_river = _network(grid, rivers=[{**river, "seasonal": True}])
    assert np.isfinite(build_friction(grid, seasonal_river, "dry")[11]).all()
    assert np.isinf(build_friction(grid, seasonal_river, "rainy")[11]).all()


def test_a_diagonal_river_has_no_corner_gap():
    barrier = np.eye(6, dtype=bool)
    closed = close_corners(barrier)
    friction = np.where(closed, np.inf, 0.02)
    minutes, _ = cost_distance(friction, CELL, np.array([5]), np.array([0]))
    assert np.isinf(minutes[0, 5])  # across the diagonal
    assert np.isfinite(cost_distance(np.where(barrier, np.inf, 0.02), CELL, np.array([5]), np.array([0]))[0][0, 5])


def test_land_cover_sets_walking_speed_and_water_blocks(grid):
    landcover = np.full(grid.shape, 2.0)  # evergreen broadleaf forest: 1.5 km/h
    landcover[:, 12:] = 10.0  # grassland: 4 km/h
    landcover[:, 11] = 0.0  # water
    landcover[0, 0] = np.nan  # no data: the default
    f = build_friction(grid, Network(), "dry", landcover=landcover)
    assert f[5, 5] == pytest.approx(S.friction_of(1.5)) and f[5, 15] == pytest.approx(S.friction_of(4.0))
    assert np.isinf(f[:, 11]).all() and f[0, 0] == pytest.approx(S.friction_of(S.DEFAULT_OFFROAD_KMH))
    faster = build_friction(grid, Network(), "dry", landcover=landcover, speeds=S.Speeds(offroad_kmh={2: 3.0}))
    assert faster[5, 5] == pytest.approx(S.friction_of(3.0))


def test_the_surface_reports_sites_and_places_on_water(grid):
    river = {"cells": [(11, 0), (11, 23)]}
    friction = build_friction(
        grid, _network(grid, rivers=[river], crossings=[{"cell": (11, 20), "kind": "bridge"}]), "dry"
    )
    west_site, east_site = _lonlat(grid, [_centre(grid, 2, 2), _centre(grid, 20, 20)])
    on_river = _lonlat(grid, [_centre(grid, 11, 2)])[0]  # a riverbank site: starts from its nearest dry cell
    surf = travel_surface(
        grid,
        friction,
        [7, 9, 11],
        [west_site[0], east_site[0], on_river[0]],
        [west_site[1], east_site[1], on_river[1]],
        season="dry",
        friction_source="built",
    )
    assert list(surf.site_ids) == [7, 9, 11]
    hours, site = surf.at([west_site[0], east_site[0], on_river[0]], [west_site[1], east_site[1], on_river[1]])
    assert list(site[:2]) == [7, 9] and hours[0] == 0 and hours[1] == 0
    assert site[2] == 11 and hours[2] < CELL * 1.5 * S.friction_of(3.0) / 60  # a neighbour's time, under 1.5 cells
    far = _lonlat(grid, [(grid.bounds[2] + 5e4, grid.bounds[3])])[0]
    h, s = surf.at([far[0]], [far[1]])
    assert np.isinf(h[0]) and s[0] == -1
