"""Coverage gaps (DESIGN §5.5): polygons and the days-since-coverage raster,
on hand-made tracks with known geometry."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
import shapely
from rasterio.io import MemoryFile
from rasterio.warp import transform as reproject

from pyproj import Transformer

from geo.analysis.coverage import (NODATA, CoverageInput, days_raster, geodesic_area_km2, geotiff_bytes, inverse_lat,
                                   load_coverage, mercator, uncovered)
from geo.errors import InvalidInput
from tests.geo.analysis_scenarios import AS_OF, HOME, OCEAN, OCEAN_BOX, Scenario, at, store, ts

BOX = shapely.box(HOME[0] - 0.5, HOME[1] - 0.5, HOME[0] + 0.5, HOME[1] + 0.5)
NS_TRACK = shapely.MultiLineString([[(HOME[0], HOME[1] - 0.6), (HOME[0], HOME[1] + 0.6)]])


def test_mercator_is_epsg_3395_and_inverts():
    rng = np.random.default_rng(7)
    lon, lat = rng.uniform(-170, 170, 500), rng.uniform(-75, 75, 500)
    x, y = Transformer.from_crs(4326, 3395, always_xy=True).transform(lon, lat)
    xy = mercator(lon, lat)
    assert np.abs(xy[:, 0] - x).max() < 1e-3 and np.abs(xy[:, 1] - y).max() < 1e-3
    assert np.abs(inverse_lat(xy[:, 1]) - lat).max() < 1e-9


def _input(tracks, radius, age, boundary=BOX, days=30):
    return CoverageInput(boundary, np.array(tracks, dtype=object), np.array(radius, float), np.array(age), AS_OF, days)


def test_uncovered_polygon_excludes_the_patrol_corridor_to_the_metre():
    gap = uncovered(_input([NS_TRACK], [5000], [3]))
    assert not gap.contains(shapely.Point(at(HOME, 90, 4990)))
    assert gap.contains(shapely.Point(at(HOME, 90, 5010)))
    assert gap.contains(shapely.Point(at(HOME, 270, 5010)))
    height_km = 110.6  # 1° of latitude at 6° N
    expected = geodesic_area_km2(BOX) - 10 * height_km
    assert geodesic_area_km2(gap) == pytest.approx(expected, rel=0.005)


def test_no_patrols_leaves_the_whole_boundary_uncovered():
    gap = uncovered(_input([], [], []))
    assert geodesic_area_km2(gap) == pytest.approx(geodesic_area_km2(BOX), rel=1e-6)


def test_raster_holds_days_since_last_coverage_newest_wins_and_nodata_outside():
    tri = shapely.Polygon([(HOME[0] - 0.5, HOME[1] - 0.5), (HOME[0] + 0.5, HOME[1] - 0.5), (HOME[0], HOME[1] + 0.5)])
    inp = _input([NS_TRACK, NS_TRACK, shapely.MultiLineString([[at(HOME, 90, 20_000), at(at(HOME, 90, 20_000), 0, 100)]])],
                 [5000, 5000, 2000], [3, 10, 12], boundary=tri)
    grid, transform = days_raster(inp, 1000)
    data = geotiff_bytes(grid, transform, {"as_of": AS_OF})
    with MemoryFile(data) as mem, mem.open() as ds:
        assert ds.count == 1 and ds.crs.to_epsg() == 3395 and ds.nodata == NODATA
        band = ds.read(1)

        def value(lon, lat):
            x, y = reproject("EPSG:4326", "EPSG:3395", [lon], [lat])
            r, c = ds.index(x[0], y[0])
            return band[r, c]

        assert value(*HOME) == 3
        assert value(*at(HOME, 90, 20_000)) == 12
        assert value(*at(at(HOME, 180, 30_000), 90, 25_000)) == 30
        assert value(HOME[0] - 0.45, HOME[1] + 0.45) == NODATA
        assert abs(ds.res[0] / 1000 - 1 / np.cos(np.radians(HOME[1]))) < 0.01


def test_raster_refuses_too_many_cells():
    with pytest.raises(InvalidInput) as e:
        days_raster(_input([], [], []), 10)
    assert e.value.field == "cell_size_m"


def test_loader_keeps_the_window_and_coverage_m(session):
    s = Scenario()
    s.patrol([at(OCEAN, 0, 1000), at(OCEAN, 0, 2000)], ts(AS_OF - timedelta(days=29)), coverage_m=700)
    s.patrol([at(OCEAN, 0, 1000), at(OCEAN, 0, 2000)], ts(AS_OF - timedelta(days=30)))
    s.patrol([at(OCEAN, 0, 1000), at(OCEAN, 0, 2000)], ts(AS_OF + timedelta(days=1), hour=0))
    store(session, s)
    inp = load_coverage(session, days=30, as_of=AS_OF, bbox=OCEAN_BOX)
    assert list(inp.age_days) == [29] and list(inp.radius_m) == [700]
    with pytest.raises(InvalidInput) as e:
        load_coverage(session, days=30, as_of=AS_OF)
    assert e.value.field == "bbox"
