"""Coverage gaps (docs/analysis.md#coverage-gaps): polygons and the days-since-coverage raster,
on hand-made tracks with known geometry."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
import shapely
from rasterio.io import MemoryFile
from rasterio.warp import transform as reproject

from geo.analysis.coverage import (
    NODATA,
    CoverageInput,
    days_raster,
    geodesic_area_km2,
    geotiff_bytes,
    load_coverage,
    uncovered,
)
from geo.errors import InvalidInput


@pytest.fixture
def box(scenario):
    """A 1° square around HOME."""
    lon, lat = scenario.HOME
    return shapely.box(lon - 0.5, lat - 0.5, lon + 0.5, lat + 0.5)


@pytest.fixture
def ns_track(scenario):
    """A north–south track through HOME, past both edges of ``box``."""
    lon, lat = scenario.HOME
    return shapely.MultiLineString([[(lon, lat - 0.6), (lon, lat + 0.6)]])


@pytest.fixture
def make_input(scenario, box):
    """``make_input(tracks, radius, age, boundary=box, days=30)``: a :class:`CoverageInput` on AS_OF."""

    def _input(tracks, radius, age, boundary=None, days=30):
        return CoverageInput(
            box if boundary is None else boundary,
            np.array(tracks, dtype=object),
            np.array(radius, float),
            np.array(age),
            scenario.AS_OF,
            days,
        )

    return _input


def test_uncovered_polygon_excludes_the_patrol_corridor_to_the_metre(scenario, box, ns_track, make_input):
    home, at = scenario.HOME, scenario.at
    gap = uncovered(make_input([ns_track], [5000], [3]))
    assert not gap.contains(shapely.Point(at(home, 90, 4990)))
    assert gap.contains(shapely.Point(at(home, 90, 5010)))
    assert gap.contains(shapely.Point(at(home, 270, 5010)))
    height_km = 110.6  # 1° of latitude at 6° N
    expected = geodesic_area_km2(box) - 10 * height_km
    assert geodesic_area_km2(gap) == pytest.approx(expected, rel=0.005)


def test_no_patrols_leaves_the_whole_boundary_uncovered(box, make_input):
    gap = uncovered(make_input([], [], []))
    assert geodesic_area_km2(gap) == pytest.approx(geodesic_area_km2(box), rel=1e-6)


def test_raster_holds_days_since_last_coverage_newest_wins_and_nodata_outside(scenario, ns_track, make_input):
    home, at = scenario.HOME, scenario.at
    tri = shapely.Polygon([(home[0] - 0.5, home[1] - 0.5), (home[0] + 0.5, home[1] - 0.5), (home[0], home[1] + 0.5)])
    inp = make_input(
        [ns_track, ns_track, shapely.MultiLineString([[at(home, 90, 20_000), at(at(home, 90, 20_000), 0, 100)]])],
        [5000, 5000, 2000],
        [3, 10, 12],
        boundary=tri,
    )
    grid, transform = days_raster(inp, 1000)
    data = geotiff_bytes(grid, transform, {"as_of": scenario.AS_OF})
    with MemoryFile(data) as mem, mem.open() as ds:
        assert ds.count == 1 and ds.crs.to_epsg() == 3395 and ds.nodata == NODATA
        band = ds.read(1)

        def value(lon, lat):
            x, y = reproject("EPSG:4326", "EPSG:3395", [lon], [lat])
            r, c = ds.index(x[0], y[0])
            return band[r, c]

        assert value(*home) == 3
        assert value(*at(home, 90, 20_000)) == 12
        assert value(*at(at(home, 180, 30_000), 90, 25_000)) == 30
        assert value(home[0] - 0.45, home[1] + 0.45) == NODATA
        assert abs(ds.res[0] / 1000 - 1 / np.cos(np.radians(home[1]))) < 0.01


def test_raster_refuses_too_many_cells(make_input):
    with pytest.raises(InvalidInput) as e:
        days_raster(make_input([], [], []), 10)
    assert e.value.field == "cell_size_m"


def test_loader_keeps_the_window_and_coverage_m(session, scenario):
    s = scenario()
    s.patrol([s.at(s.OCEAN, 0, 1000), s.at(s.OCEAN, 0, 2000)], s.ts(s.AS_OF - timedelta(days=29)), coverage_m=700)
    s.patrol([s.at(s.OCEAN, 0, 1000), s.at(s.OCEAN, 0, 2000)], s.ts(s.AS_OF - timedelta(days=30)))
    s.patrol([s.at(s.OCEAN, 0, 1000), s.at(s.OCEAN, 0, 2000)], s.ts(s.AS_OF + timedelta(days=1), hour=0))
    s.store(session)
    inp = load_coverage(session, days=30, as_of=s.AS_OF, bbox=s.OCEAN_BOX)
    assert list(inp.age_days) == [29] and list(inp.radius_m) == [700]
    with pytest.raises(InvalidInput) as e:
        load_coverage(session, days=30, as_of=s.AS_OF)
    assert e.value.field == "bbox"
