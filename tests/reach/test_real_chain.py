"""The whole chain on real pieces (tests/fixtures/real, the south-west CAR
box): OpenStreetMap places as communities, Natural Earth rivers as
barriers, OpenStreetMap ferry terminals as crossings, MODIS land cover for
walking speeds, a mission site at Bangui — imported through the product's
own importers, then travel times checked against scipy's Dijkstra on the
surface the product built; and a Malaria Atlas Project-shaped friction
GeoTIFF, once imported, is the surface used."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pytest
import shapely
from geoalchemy2.shape import from_shape
from pyproj import Transformer
from rasterio.enums import Resampling
from rasterio.transform import from_origin
from sqlalchemy import delete, func, select

from geo.analysis import GapParams, gaps_from_db
from geo.analysis.load import site_origins
from geo.io.formats import import_file
from geo.models import Community, Crossing, Site
from geo.rasters import catalogue
from geo.rasters.grid import read_on_grid
from geo.rasters.legend import WATER
from geo.reach import speeds as S
from geo.reach.baseline import reference_minutes
from geo.reach.extent import mission_grid
from geo.reach.grid import to_grid_xy
from geo.reach.load import friction_surface, travel_to_sites

AS_OF = date(2026, 2, 1)  # dry season
BANGUI = (18.5582, 4.3947)


@pytest.fixture
def real_world(session, real_data, raster_folder):
    places = import_file(
        session, "communities", real_data / "osm_caf_places_2019_sw.geojson", mapping={"source_id": "osm_node_id"}
    )
    named = [
        f
        for f in json.loads((real_data / "osm_caf_places_2019_sw.geojson").read_text("utf-8"))["features"]
        if f["properties"]["name"]
    ]
    assert places.inserted == len(named)  # every named OSM place; the nameless are refused, naming the field
    rivers = import_file(session, "waterways", real_data / "ne_10m_rivers_caf_sw.geojson")
    ferries = import_file(session, "crossings", real_data / "osm_caf_ferry_terminals_2019_sw.geojson")
    assert rivers.inserted == 4 and ferries.inserted == 15
    catalogue.store(session, real_data / "modis_landcover_igbp_2019_caf_sw.tif", "landcover")
    session.add(Site(name="Bangui", kind="hq", geom=from_shape(shapely.Point(BANGUI), 4326)))
    session.flush()
    return session


def _site_cell(grid):
    x, y = to_grid_xy(grid, [BANGUI[0]], [BANGUI[1]])
    r, c, _ = grid.cell_of(x, y)
    return r, c


def test_real_places_rivers_ferries_and_land_cover(real_world):
    session = real_world
    surface = travel_to_sites(session, AS_OF, "auto", site_origins(session, AS_OF))
    grid = surface.grid
    assert surface.season == "dry" and "land cover" in surface.friction_source
    # Walking speeds follow the real land cover, cell by cell, away from water.
    classes = read_on_grid(catalogue.file_of(catalogue.current(session, "landcover")), grid, Resampling.nearest)
    ferries = session.execute(select(func.ST_X(Crossing.geom), func.ST_Y(Crossing.geom))).all()
    fx, fy = to_grid_xy(grid, [f[0] for f in ferries], [f[1] for f in ferries])
    cx = grid.transform.c + (np.arange(grid.width) + 0.5) * grid.cell_size
    cy = grid.transform.f - (np.arange(grid.height) + 0.5) * grid.cell_size
    near_ferry = np.zeros(grid.shape, bool)
    for x, y in zip(fx, fy, strict=True):
        near_ferry |= np.hypot(cx[None, :] - x, cy[:, None] - y) <= 2 * S.CROSSING_REACH_M
    land = np.isfinite(surface.friction) & np.isfinite(classes) & ~np.isin(classes, list(WATER)) & ~near_ferry
    codes = classes[land].astype(int)
    want = S.friction_of(np.array([S.OFFROAD_KMH[c] for c in codes]))  # no roads in these files: walking only
    assert np.allclose(surface.friction[land], want)
    ferry_speed = np.isclose(surface.friction, S.friction_of(S.CROSSING_KMH["ferry"])) & near_ferry
    assert ferry_speed.sum() >= 10  # river cells opened at the ferries
    # The rivers are barriers: the Ubangi's cells are impassable except around its ferries.
    assert (~np.isfinite(surface.friction)).sum() > 100
    # Travel times are scipy's Dijkstra on the same surface.
    r, c = _site_cell(grid)
    reference, _ = reference_minutes(surface.friction, grid.cell_size, r, c)
    fin = np.isfinite(reference)
    assert np.array_equal(fin, np.isfinite(surface.hours))
    assert np.allclose(surface.hours[fin], reference[fin] / 60, rtol=1e-9)
    # Every community has hours or is flagged, and the flags agree with the raster.
    t = gaps_from_db(session, GapParams(as_of=AS_OF, remoteness="travel_time"), computed_at=AS_OF).table
    assert len(t) == session.scalar(select(func.count()).select_from(Community))
    assert (t["travel_hours"].notna() ^ t["unreachable"]).all()
    bangui = t.sort_values("travel_hours").iloc[0]
    assert bangui["travel_hours"] < 0.5


def test_without_the_ferries_the_far_bank_is_cut_off(real_world):
    session = real_world
    origins = site_origins(session, AS_OF)
    with_ferries = travel_to_sites(session, AS_OF, "dry", origins)
    session.execute(delete(Crossing))
    session.flush()
    without = travel_to_sites(session, AS_OF, "dry", origins)
    before, after = with_ferries.hours, without.hours
    assert (after >= before - 1e-9).all()  # removing crossings never makes a trip shorter
    cut = np.isfinite(before) & ~np.isfinite(after)
    assert cut.sum() > 100  # cells across a river that only a ferry reached


def test_a_map_shaped_friction_surface_is_used_once_imported(session, tmp_path, raster_folder, write_tif, scenario):
    """MAP 2019: minutes per metre, EPSG:4326, float32, nodata -9999. A uniform
    0.02 min/m (3 km/h) here, so hours due east of the site are distance × 0.02 / 60."""
    s = scenario()
    home = (18.0, 4.5)
    east = s.at(home, 90, 30_000)
    s.community(east, name="east")
    s.site(home)
    s.store(session)
    friction = np.full((240, 360), 0.02, np.float32)
    friction[140:150, 100:140] = -9999.0  # nodata (water, in MAP's surfaces): lon 17.83–18.17, lat 4.25–4.33
    path = write_tif(
        tmp_path / "2020_walking_only_friction_surface.tif",
        friction,
        transform=from_origin(17.0, 5.5, 1 / 120, 1 / 120),
        nodata=-9999.0,
    )
    catalogue.store(session, path, "friction", provenance="Malaria Atlas Project 2019 shape (synthetic)")
    surface = travel_to_sites(session, s.AS_OF, "dry", site_origins(session, s.AS_OF))
    assert surface.friction_source.startswith("friction raster")
    grid = surface.grid
    inside = np.isfinite(surface.friction)
    assert np.allclose(surface.friction[inside], 0.02, rtol=1e-6)  # averaged onto the 1 km grid, still 0.02
    hours, _ = surface.at([east[0]], [east[1]])
    assert hours[0] == pytest.approx(30_000 * 0.02 / 60, rel=0.04)  # within a cell's crossing
    t = gaps_from_db(session, s.PARAMS.with_(remoteness="travel_time", season="rainy"), computed_at=s.COMPUTED_AT).table
    assert t["travel_hours"].iloc[0] == pytest.approx(hours[0])  # a loaded surface is used as it is in both seasons
    x, y = Transformer.from_crs("EPSG:4326", grid.crs.to_wkt(), always_xy=True).transform(18.0, 4.29)
    r, c, ok = grid.cell_of(np.array([x]), np.array([y]))
    assert ok[0] and np.isinf(surface.friction[r[0], c[0]])  # nodata is impassable
    assert friction_surface(session, mission_grid(session), "dry")[1] == surface.friction_source
