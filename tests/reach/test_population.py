"""Population where nobody counted it (docs/reach.md#population) and reach
per admin area (docs/reach.md#per-area): raster people onto the grid keep
their total, catchments match a brute-force Voronoi-within-radius, a recorded
figure is never replaced, and the per-area figures match hand counts."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
import shapely
from geoalchemy2.shape import from_shape
from pyproj import Transformer
from rasterio.transform import from_origin

from geo.analysis import GapParams, gaps_from_db
from geo.analysis.areas import admin_area_figures
from geo.models import AdminArea, Community, Engagement, Site
from geo.rasters import catalogue
from geo.reach.extent import mission_grid
from geo.reach.grid import metric_grid
from geo.reach.population import catchment_estimates, people_on_grid
from geo.window import DateWindow

AS_OF = date(2026, 1, 15)  # dry season
WEST, NORTH, STEP = 20.0, 7.0, 1 / 120  # a WorldPop-shaped grid: 30 arc-seconds, EPSG:4326


def _centres(grid):
    rows, cols = np.mgrid[0 : grid.height, 0 : grid.width]
    x = grid.transform.c + (cols + 0.5) * grid.transform.a
    y = grid.transform.f + (rows + 0.5) * grid.transform.e
    return x, y


def test_catchments_are_voronoi_cells_within_the_radius():
    grid = metric_grid((20.0, 6.0, 20.3, 6.3), 1000.0, margin_m=0)
    rng = np.random.default_rng(4)
    people = rng.uniform(0, 50, grid.shape)
    people[:3, :] = np.nan  # no data
    t = Transformer.from_crs(grid.crs.to_wkt(), "EPSG:4326", always_xy=True)
    px = np.array([-6000.0, -2000.0, 7000.0, 30_000.0])  # the last is far off the grid: no catchment
    py = np.array([0.0, 1500.0, -4000.0, 0.0])
    lon, lat = t.transform(px, py)
    got = catchment_estimates(grid, people, lon, lat, radius_m=5000.0)
    x, y = _centres(grid)
    d = np.hypot(x[..., None] - px, y[..., None] - py)  # brute force: every cell to every point
    nearest = d.argmin(axis=-1)
    within = d.min(axis=-1) <= 5000.0
    want = [np.nansum(np.where(within & (nearest == k), people, np.nan)) for k in range(4)]
    assert got[:3] == pytest.approx(want[:3], rel=1e-9)
    assert np.isnan(got[3])


def test_raster_people_keep_their_total_on_the_grid(session, tmp_path, raster_folder, write_tif):
    counts = np.random.default_rng(5).uniform(0, 400, (30, 36)).astype(np.float32)
    path = write_tif(
        tmp_path / "caf_ppp_2020.tif", counts, transform=from_origin(WEST, NORTH, STEP, STEP), nodata=-99999.0
    )
    row = session.get(catalogue.Raster, catalogue.store(session, path, "population")["id"])
    for cell in (500.0, 1000.0, 5000.0):
        grid = metric_grid((WEST - 0.1, NORTH - 0.35, WEST + 0.4, NORTH + 0.1), cell, margin_m=0)
        got = np.nansum(people_on_grid(row, grid))
        # GDAL's sum resampling shares each source cell by overlap
        # (measured: exact at 500 m and 1 km, 0.09 % off at 5 km).
        assert got == pytest.approx(float(counts.sum(dtype=np.float64)), rel=1e-3)


def _world(session, tmp_path, write_tif, *, density: float | None):
    """An admin area (a 0.4° square) with a site, three communities and, when
    ``density`` is given, a uniform population raster of that many people per km²."""
    square = shapely.box(20.05, 6.55, 20.45, 6.95)
    area = AdminArea(name="Test", level=1, geom=from_shape(shapely.MultiPolygon([square]), 4326))
    session.add(area)
    session.flush()
    site = Site(name="FO", kind="field_office", geom=from_shape(shapely.Point(20.1, 6.6), 4326))
    near = Community(
        name="near", population=1000, admin_area_id=area.id, geom=from_shape(shapely.Point(20.12, 6.6), 4326)
    )
    far = Community(
        name="far", population=3000, admin_area_id=area.id, geom=from_shape(shapely.Point(20.44, 6.94), 4326)
    )
    blank = Community(
        name="blank", population=None, admin_area_id=area.id, geom=from_shape(shapely.Point(20.3, 6.8), 4326)
    )
    session.add_all([site, near, far, blank])
    session.flush()
    session.add(
        Engagement(
            occurred_at=f"{AS_OF - timedelta(days=10)}T10:00:00+00:00",
            kind="townhall",
            community_id=near.id,
            geom=from_shape(shapely.Point(20.12, 6.6), 4326),
        )
    )
    if density is not None:
        path = write_tif(
            tmp_path / "density.tif",
            np.full((72, 72), density, np.float32),
            transform=from_origin(WEST, NORTH, STEP, STEP),
        )
        catalogue.store(session, path, "population", units="people_per_km2")
    session.flush()
    return area, {"near": near.id, "far": far.id, "blank": blank.id}, square


def test_estimates_fill_only_missing_populations(session, tmp_path, raster_folder, write_tif):
    _, ids, _ = _world(session, tmp_path, write_tif, density=40.0)
    t = gaps_from_db(session, GapParams(as_of=AS_OF), computed_at=AS_OF).table.set_index("community_id")
    assert t.loc[ids["near"], "population"] == 1000 and not t.loc[ids["near"], "population_estimated"]
    assert t.loc[ids["far"], "population"] == 3000 and not t.loc[ids["far"], "population_estimated"]
    assert t.loc[ids["blank"], "population_estimated"]
    # "blank" is more than 10 km from the others: its catchment is the whole 5 km disc, ~78.5 km² at 40/km².
    assert t.loc[ids["blank"], "population"] == pytest.approx(40 * np.pi * 25, rel=0.06)
    assert t.loc[ids["blank"], "population_factor"] == pytest.approx(
        1 + np.log10(1 + t.loc[ids["blank"], "population"])
    )
    stored = session.get(Community, ids["blank"])
    assert stored.population is None  # nothing is written back


def test_area_figures_with_a_population_raster(session, tmp_path, raster_folder, write_tif):
    area, ids, square = _world(session, tmp_path, write_tif, density=40.0)
    fc = admin_area_figures(session, DateWindow.ending(AS_OF, 30), level=1, hours=6.0)
    props = next(f["properties"] for f in fc["features"] if f["id"] == area.id)
    grid = mission_grid(session)
    x, y = _centres(grid)
    lon, lat = Transformer.from_crs(grid.crs.to_wkt(), "EPSG:4326", always_xy=True).transform(x, y)
    cells = shapely.contains_xy(square, lon, lat)
    assert props["population_basis"] == "raster"
    assert props["people"] == pytest.approx(40 * cells.sum(), abs=1)  # 40 people in each 1 km² cell
    assert 0 < props["people_within_hours"] < props["people"]  # 6 h walking covers the site's corner only
    # Engaged: "near" (1 000) of near + far + blank's estimate.
    t = gaps_from_db(session, GapParams(as_of=AS_OF), computed_at=AS_OF).table.set_index("community_id")
    total = 1000 + 3000 + t.loc[ids["blank"], "population"]
    assert props["engaged_share"] == pytest.approx(1000 / total, abs=1e-4) and props["communities_engaged"] == 1


def test_area_figures_without_a_raster_use_recorded_populations(
    client, viewer, session, tmp_path, raster_folder, write_tif
):
    area, _, _ = _world(session, tmp_path, write_tif, density=None)
    r = client.get(
        "/api/v1/analysis/areas",
        params={"as_of": AS_OF.isoformat(), "days": 30, "hours": 6, "level": 1},
        headers=viewer,
    )
    assert r.status_code == 200, r.text
    props = next(f["properties"] for f in r.json()["features"] if f["id"] == area.id)
    assert props["population_basis"] == "communities" and props["people"] == 4000
    # "near" is 2.2 km from the site (under an hour on foot); "far" is ~57 km (about 19 h at 3 km/h).
    assert props["people_within_hours"] == 1000 and props["share_within_hours"] == 0.25
    assert props["engaged_share"] == 0.25 and props["engaged_people"] == 1000
    few = client.get(
        "/api/v1/analysis/areas", params={"as_of": AS_OF.isoformat(), "days": 5, "level": 1}, headers=viewer
    ).json()
    assert next(f["properties"] for f in few["features"] if f["id"] == area.id)["engaged_share"] == 0.0
    bad = client.get("/api/v1/analysis/areas", params={"hours": 0}, headers=viewer)
    assert bad.status_code == 422 and bad.json()["field"] == "hours"
