"""The distance machinery: 3-D chords only find candidates, decisions are
geodesic. Checks the bound of the chord's shortfall and the searches against
brute-force geodesic distances over multi-UTM-zone extents up to 1 500 km
and over the whole globe."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod, Transformer

from geo.analysis.metric import KAPPA, Points, chord_gap, ecef, nearest, pairs_within

GEOD = Geod(ellps="WGS84")
RNG = np.random.default_rng(7)


def test_ecef_is_pyprojs_geocentric_crs_at_every_latitude():
    lon, lat = RNG.uniform(-180, 180, 2000), np.r_[RNG.uniform(-90, 90, 1996), 90, -90, 0, 89.999999]
    x, y, z = Transformer.from_crs(4326, 4978, always_xy=True).transform(lon, lat, np.zeros(len(lon)))
    assert np.abs(ecef(lon, lat) - np.column_stack([x, y, z])).max() < 1e-6


def test_the_chord_falls_short_of_the_geodesic_by_at_most_chord_gap():
    """chord ≤ geodesic ≤ chord + chord_gap(geodesic), at every latitude and
    azimuth up to 100 km, and the bound is tight (meridians at the equator)."""
    n = 50_000
    lon1, lat1 = RNG.uniform(-180, 180, n), RNG.uniform(-90, 90, n)
    az, dist = RNG.uniform(0, 360, n), RNG.uniform(1, 100_000, n)
    lon2, lat2, _ = GEOD.fwd(lon1, lat1, az, dist)
    chord = np.linalg.norm(ecef(lon1, lat1) - ecef(lon2, lat2), axis=1)
    short = dist - chord
    assert short.min() > -1e-7
    assert (short <= chord_gap(dist) + 1e-7).all()
    lon2, lat2, _ = GEOD.fwd(np.zeros(3), np.zeros(3), np.zeros(3), np.full(3, 100_000.0))
    worst = 100_000.0 - np.linalg.norm(ecef(0, 0) - ecef(lon2[:1], lat2[:1]))
    assert worst == pytest.approx(chord_gap(100_000.0), rel=1e-3)
    assert pytest.approx(1 / 6_335_439.327, rel=1e-9) == KAPPA


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


def test_pairs_within_and_nearest_equal_brute_force_over_the_globe_and_at_the_poles():
    n = 600
    lat = np.r_[RNG.uniform(-90, 90, n), np.full(5, 90.0), np.full(5, -90.0)]
    lon = RNG.uniform(-180, 180, len(lat))
    near_lon, near_lat, _ = GEOD.fwd(lon, lat, RNG.uniform(0, 360, len(lat)), RNG.uniform(0, 120_000, len(lat)))
    a, b = Points(lon, lat), Points(near_lon, near_lat)
    for r in (1.0, 5_000.0, 100_000.0):
        i, j = pairs_within(a, b, r)
        assert set(zip(i.tolist(), j.tolist(), strict=True)) == _brute_pairs(lon, lat, near_lon, near_lat, r)
    idx, dist = nearest(a, b)
    d = GEOD.inv(
        np.repeat(lon, len(lat)), np.repeat(lat, len(lat)), np.tile(near_lon, len(lat)), np.tile(near_lat, len(lat))
    )[2].reshape(len(lat), -1)
    assert np.array_equal(dist, d.min(axis=1)) and np.array_equal(idx, d.argmin(axis=1))
