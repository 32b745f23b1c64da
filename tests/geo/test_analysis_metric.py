"""The distance machinery: Mercator only finds candidates, decisions are
geodesic. Bounds the planar estimate's error and checks the searches against
brute-force geodesic distances over multi-UTM-zone extents up to 1 500 km."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod, Transformer

from geo.analysis.metric import BAND, Points, inverse_lat, mercator, nearest, pairs_within, scale

GEOD = Geod(ellps="WGS84")
RNG = np.random.default_rng(7)


def test_mercator_is_epsg_3395_and_inverts():
    lon, lat = RNG.uniform(-170, 170, 500), RNG.uniform(-75, 75, 500)
    x, y = Transformer.from_crs(4326, 3395, always_xy=True).transform(lon, lat)
    xy = mercator(lon, lat)
    assert np.abs(xy[:, 0] - x).max() < 1e-3 and np.abs(xy[:, 1] - y).max() < 1e-3
    assert np.abs(inverse_lat(xy[:, 1]) - lat).max() < 1e-9


@pytest.mark.parametrize("max_lat", [15, 40, 60])
def test_scale_corrected_planar_distance_is_within_a_quarter_of_the_band(max_lat):
    """The planar estimate decides pairs outside ±BAND, so its error must stay well inside it."""
    n = 20_000
    lon1, lat1 = RNG.uniform(10, 24, n), RNG.uniform(-max_lat, max_lat, n)
    az, dist = RNG.uniform(0, 360, n), RNG.uniform(10, 100_000, n)
    lon2, lat2, _ = GEOD.fwd(lon1, lat1, az, dist)
    a, b = mercator(lon1, lat1), mercator(lon2, lat2)
    est = np.hypot(*(a - b).T) / ((scale(lat1) + scale(lat2)) / 2)  # as pairs_within and the track search do
    rel = np.abs(est - dist) / dist
    assert rel.max() < BAND / 4


def _extent(n, width_km=1500):
    """Random points over a width_km × width_km square across UTM zones 33–36."""
    lon0, lat0 = 14.0, -2.0
    dlon = width_km * 1000 / 111_320 / np.cos(np.radians(lat0 + 7))
    return RNG.uniform(lon0, lon0 + dlon, n), RNG.uniform(lat0, lat0 + width_km * 1000 / 110_574, n)


def _brute_pairs(a_lon, a_lat, b_lon, b_lat, r):
    i, j = np.meshgrid(np.arange(len(a_lon)), np.arange(len(b_lon)), indexing="ij")
    d = GEOD.inv(a_lon[i.ravel()], a_lat[i.ravel()], b_lon[j.ravel()], b_lat[j.ravel()])[2]
    keep = d <= r + 0.001
    return set(zip(i.ravel()[keep].tolist(), j.ravel()[keep].tolist(), strict=True))


def test_pairs_within_equals_brute_force_geodesic_including_points_at_the_radius():
    r = 60_000.0
    a_lon, a_lat = _extent(300)
    b_lon, b_lat = _extent(600)
    # 100 points placed exactly at the radius, and 100 just (5 cm) beyond it.
    src = RNG.integers(0, 300, 200)
    extra_lon, extra_lat, _ = GEOD.fwd(
        a_lon[src], a_lat[src], RNG.uniform(0, 360, 200), np.r_[np.full(100, r), np.full(100, r + 0.05)]
    )
    b_lon, b_lat = np.r_[b_lon, extra_lon], np.r_[b_lat, extra_lat]
    i, j = pairs_within(Points(a_lon, a_lat), Points(b_lon, b_lat), r)
    got = set(zip(i.tolist(), j.tolist(), strict=True))
    assert got == _brute_pairs(a_lon, a_lat, b_lon, b_lat, r)
    assert {(int(s), 600 + k) for k, s in enumerate(src[:100])} <= got
    assert not {(int(s), 700 + k) for k, s in enumerate(src[100:])} & got


def test_nearest_site_distance_is_geodesic_across_1500_km():
    a_lon, a_lat = _extent(400)
    s_lon, s_lat = _extent(40)
    idx, dist = nearest(Points(a_lon, a_lat), Points(s_lon, s_lat))
    d = GEOD.inv(np.repeat(a_lon, 40), np.repeat(a_lat, 40), np.tile(s_lon, 400), np.tile(s_lat, 400))[2].reshape(
        400, 40
    )
    assert np.array_equal(idx, d.argmin(axis=1))
    assert np.allclose(dist, d.min(axis=1), rtol=0, atol=1e-6)
