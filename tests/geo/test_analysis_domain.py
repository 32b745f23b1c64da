"""The analysis is exact on the whole WGS84 domain: at and near the poles,
across the antimeridian, at any radius up to 100 km, with long geodesic
segments, and with ties broken by id whatever the row order. Each case was a
wrong answer or a crash of the Mercator search it replaced (issue 9)."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from geo.analysis import GapParams, compute_gaps, grid, kernels, metric, tracks

GEOD = Geod(ellps="WGS84")
RNG = np.random.default_rng(9)


def run(s, params: GapParams | None = None) -> pd.DataFrame:
    return compute_gaps(s.inputs(), params or s.PARAMS, computed_at=s.COMPUTED_AT).table.set_index("community_id")


def test_an_incident_at_the_pole_counts_and_breaks_nothing(scenario):
    s = scenario()
    home = s.community()
    polar = s.community((45.0, 89.95))  # 5.6 km from the pole
    s.incident((123.0, 90.0), scenario.AS_OF, fatalities=2)
    s.incident(scenario.at(scenario.HOME, 10, 3000), scenario.AS_OF)
    t = run(s)
    assert t.loc[polar, "incidents_window"] == 1 and t.loc[polar, "fatalities_window"] == 2
    assert t.loc[home, "incidents_window"] == 1


def test_a_community_at_the_pole_is_covered_by_a_patrol_over_the_pole(scenario):
    s = scenario()
    pole = s.community((18.0, 90.0))
    off = s.community((90.0, 89.97))  # 3.3 km from the pole, 3.3 km from a track along meridians 0/180
    far = s.community((90.0, 89.9))  # 11 km from that track
    s.community()
    s.patrol([(0.0, 89.9), (180.0, 89.9)], scenario.ts(scenario.AS_OF - timedelta(days=2)))  # 22 km, through the pole
    s.patrol(
        [scenario.at(scenario.HOME, 90, 1000), scenario.at(scenario.HOME, 90, 2000)],
        scenario.ts(scenario.AS_OF - timedelta(days=1)),
    )
    t = run(s)
    assert t.loc[pole, "days_since_engagement"] == 2
    assert t.loc[off, "days_since_engagement"] == 2
    assert pd.isna(t.loc[far, "days_since_engagement"])


def test_within_at_latitude_85_and_100_km_is_geodesic(scenario):
    s = scenario()
    c = s.community((10.0, 85.0))
    for az in (0, 90, 180, 270):
        s.incident(scenario.at((10.0, 85.0), az, 99_990), scenario.AS_OF)  # within
        s.incident(scenario.at((10.0, 85.0), az, 100_300), scenario.AS_OF)  # 300 m beyond
    t = run(s, scenario.PARAMS.with_(incident_radius_m=100_000))
    assert t.loc[c, "incidents_window"] == 4


def test_across_the_antimeridian_points_and_tracks_are_near_not_a_world_apart(scenario):
    s = scenario()
    east = s.community((179.99, 0.0))
    middle = s.community((0.0, 1.0))
    on_track = s.community((180.0, 1.02))  # 2.2 km north of a track across ±180°
    s.incident((-179.99, 0.0), scenario.AS_OF)  # 2.2 km from ``east``
    s.engagement((-179.995, 0.0), scenario.ts(scenario.AS_OF - timedelta(days=4)))
    s.patrol(
        [(179.9, 1.0), (-179.9, 1.0)], scenario.ts(scenario.AS_OF - timedelta(days=3))
    )  # 22 km, not around the world
    s.site((-179.5, 0.0))
    t = run(s)
    assert t.loc[east, "incidents_window"] == 1
    assert (t.loc[east, "last_engagement_kind"], t.loc[east, "days_since_engagement"]) == ("engagement", 4)
    assert t.loc[on_track, "days_since_engagement"] == 3
    assert pd.isna(t.loc[middle, "days_since_engagement"])
    d = GEOD.inv(179.99, 0.0, -179.5, 0.0)[2]
    assert t.loc[east, "distance_to_site_m"] == pytest.approx(d, abs=1e-6) and d < 60_000


def test_nearest_site_re_measures_every_candidate_that_could_be_nearer(scenario):
    s = scenario()
    here = (22.0, 45.0)
    c = s.community(here)
    north = s.site(scenario.at(here, 0, 300_000))
    for k in range(8):
        s.site(scenario.at(here, 176 + k, 301_000))
    r = run(s).loc[c]
    assert r["nearest_site_id"] == north
    assert r["distance_to_site_m"] == pytest.approx(300_000, abs=1e-6)


def test_nearest_equals_brute_force_on_rings_of_almost_equal_distances_at_any_latitude():
    """Sites on a ring ~300 km around each community, distances differing by
    centimetres in every direction: the chord order differs from the geodesic
    order (the ellipsoid curves more along meridians), so the exact search
    must re-measure beyond its first guesses."""
    lat = np.r_[RNG.uniform(-90, 90, 30), 90.0, -90.0, 89.999, 0.0]
    lon = RNG.uniform(-180, 180, len(lat))
    n_ring = 12
    src = np.repeat(np.arange(len(lat)), n_ring)
    s_lon, s_lat, _ = GEOD.fwd(
        lon[src], lat[src], RNG.uniform(0, 360, len(src)), 300_000 + RNG.uniform(-0.3, 0.3, len(src))
    )
    s_lon, s_lat = np.r_[s_lon, s_lon[:5]], np.r_[s_lat, s_lat[:5]]  # exact duplicates: ties by id
    ids = RNG.permutation(len(s_lon)) + 100
    idx, dist = metric.nearest(metric.Points(lon, lat), metric.Points(s_lon, s_lat), ids)
    d = GEOD.inv(
        np.repeat(lon, len(s_lon)), np.repeat(lat, len(s_lon)), np.tile(s_lon, len(lon)), np.tile(s_lat, len(lon))
    )[2].reshape(len(lon), -1)
    best = d.min(axis=1)
    want = [min(np.flatnonzero(row == b), key=lambda j: ids[j]) for row, b in zip(d, best, strict=True)]
    assert np.array_equal(idx, want)
    assert np.array_equal(dist, best)


def test_a_740_km_segment_is_a_geodesic_not_a_rhumb_line(scenario):
    a = (20.0, 5.0)
    b = scenario.at(a, 80, 740_000)
    mid_lon, mid_lat, back = GEOD.fwd(a[0], a[1], 80, 370_000)
    heading = back + 180  # the geodesic's azimuth at its midpoint
    s = scenario()
    near = s.community(scenario.at((mid_lon, mid_lat), heading - 90, 4_700))  # poleward side
    near_s = s.community(scenario.at((mid_lon, mid_lat), heading + 90, 4_990))
    far = s.community(scenario.at((mid_lon, mid_lat), heading - 90, 5_010))
    s.patrol([a, b], scenario.ts(scenario.AS_OF - timedelta(days=6)))
    t = run(s)
    assert t.loc[near, "days_since_engagement"] == 6 and t.loc[near_s, "days_since_engagement"] == 6
    assert pd.isna(t.loc[far, "days_since_engagement"])


def test_a_multi_part_track_over_the_pole_and_the_antimeridian_is_exact_against_dense_sampling():
    """Random communities around long, multi-part tracks at high latitude and
    across ±180°: covered exactly when a 1 m geodesic sampling of the track
    comes within the radius (ambiguous only within a centimetre of it)."""
    parts = [
        [(170.0, 80.0), (-170.0, 84.0), (10.0, 88.0)],
        [(179.5, -60.0), (-179.5, -61.0)],
        [(0.0, 89.99), (120.0, 89.99), (-120.0, 89.5)],
    ]
    geom = shapely.MultiLineString(parts)
    dense = []  # per segment: points every ≤ 200 m along its geodesic
    for part in parts:
        for (x0, y0), (x1, y1) in pairwise(part):
            n = int(GEOD.inv(x0, y0, x1, y1)[2] // 200) + 1
            dense.append(np.array([(x0, y0), *GEOD.npts(x0, y0, x1, y1, n), (x1, y1)]))
    every = np.vstack(dense)
    # Communities 0–12 km off the track in any direction.
    pick = RNG.integers(0, len(every), 400)
    c_lon, c_lat, _ = GEOD.fwd(every[pick, 0], every[pick, 1], RNG.uniform(0, 360, 400), RNG.uniform(0, 12_000, 400))
    radius = 5_000.0
    got = tracks.last_patrol(metric.Points(c_lon, c_lat), [geom], np.array([1]), np.array([radius]))

    def brute(lon, lat):
        """The distance is convex along each segment: its minimum lies next to
        the nearest 200 m sample, where a 1 m sampling finds it to 0.1 mm."""
        best = np.inf
        for seg in dense:
            d = GEOD.inv(np.full(len(seg), lon), np.full(len(seg), lat), seg[:, 0], seg[:, 1])[2]
            k = int(np.argmin(d))
            for j in (k - 1, k + 1):
                if 0 <= j < len(seg):
                    (x0, y0), (x1, y1) = seg[k], seg[j]
                    fine = np.array(GEOD.npts(x0, y0, x1, y1, 200))
                    d = np.r_[d, GEOD.inv(np.full(200, lon), np.full(200, lat), fine[:, 0], fine[:, 1])[2]]
            best = min(best, d.min())
        return best

    ref = np.array([brute(x, y) for x, y in zip(c_lon, c_lat, strict=True)])
    sure = np.abs(ref - radius) > 0.001
    assert sure.sum() > 350
    assert np.array_equal((got == 0)[sure], (ref <= radius)[sure])
    assert (ref <= radius).sum() > 50 and (ref > radius).sum() > 50


def test_arc_within_is_exact_in_the_band_at_any_latitude(scenario):
    """The geodesic minimisation along an arc, on points placed within 3 m of
    the radius, at every latitude including the poles. The reference is the
    construction: P is ``off`` metres from Q along the geodesic perpendicular
    to the arc at Q, so that is its distance to the arc's geodesic (first
    variation), or, when Q lies beyond the arc, the nearer end is nearest
    (the distance is convex along the arc)."""
    n = 400
    a_lat = np.r_[RNG.uniform(-90, 90, n - 4), 90.0, -90.0, 89.9999, 0.0]
    a_lon = RNG.uniform(-180, 180, n)
    az = RNG.uniform(0, 360, n)
    length = np.r_[RNG.uniform(0, 20_000, n - 10), np.zeros(10)]
    b_lon, b_lat, _ = GEOD.fwd(a_lon, a_lat, az, length)
    u = RNG.uniform(-0.3, 1.3, n) * length
    q_lon, q_lat, back = GEOD.fwd(a_lon, a_lat, az, u)
    side = np.where(RNG.uniform(size=n) < 0.5, 90, -90)
    r = RNG.uniform(100, 100_000, n)
    off = r + RNG.uniform(-3, 3, n)
    p_lon, p_lat, _ = GEOD.fwd(q_lon, q_lat, back + 180 + side, off)
    got = tracks.arc_within(p_lon, p_lat, np.column_stack([a_lon, a_lat]), np.column_stack([b_lon, b_lat]), r)
    ends = np.minimum(GEOD.inv(p_lon, p_lat, a_lon, a_lat)[2], GEOD.inv(p_lon, p_lat, b_lon, b_lat)[2])
    ref = np.where((u >= 0) & (u <= length), off, ends)
    sure = np.abs(ref - r) > 1e-6
    assert sure.sum() > 390 and 100 < (ref <= r).sum() < 300
    assert np.array_equal(got[sure], (ref <= r)[sure])


def _far_north(points_lon, points_lat):
    return np.r_[points_lon, 10.0], np.r_[points_lat, 89.0]


def test_one_far_north_community_does_not_widen_anyone_elses_point_search():
    c_lon, c_lat = RNG.uniform(14, 30, 2000), RNG.uniform(-5, 10, 2000)
    e_lon, e_lat = RNG.uniform(14, 30, 20_000), RNG.uniform(-5, 10, 20_000)
    events = metric.Points(e_lon, e_lat)
    i0, j0, _ = metric.candidates(metric.Points(c_lon, c_lat), events, 10_000)
    i1, j1, _ = metric.candidates(metric.Points(*_far_north(c_lon, c_lat)), events, 10_000)
    pairs_far_north = set(zip(i1.tolist(), j1.tolist(), strict=True))
    assert pairs_far_north == set(zip(i0.tolist(), j0.tolist(), strict=True))  # row 2000 has none
    # Every candidate is truly near: the chord filter admits nothing beyond r + 1 mm.
    d = GEOD.inv(c_lon[i0], c_lat[i0], e_lon[j0], e_lat[j0])[2]
    assert d.max() <= 10_000.001 + 1.1 * metric.chord_gap(10_000.0)


def test_one_far_north_community_or_one_wide_patrol_does_not_widen_anyone_elses_track_search(scenario):
    """The segment search is sized per segment (its own patrol's radius and
    sag) on a column grid sized for the typical radius: adding a community
    near the pole and giving one patrol a 100 km radius changes neither the
    grid nor any other (community, segment) decision the kernel makes."""
    c_lon, c_lat = RNG.uniform(14, 30, 2000), RNG.uniform(-5, 10, 2000)
    start = np.column_stack([RNG.uniform(14, 30, 5000), RNG.uniform(-5, 10, 5000)])
    lines = [
        shapely.MultiLineString([[tuple(p), scenario.at(p, RNG.uniform(0, 360), RNG.uniform(100, 30_000))]])
        for p in start
    ]
    frame = grid.mission_frame(metric.ecef(c_lon, c_lat))
    track_set = tracks.TrackSet.from_geometries(lines, frame)
    oldest_last = np.arange(len(lines), dtype=np.int64)[::-1]  # patrol 0 is searched last

    def search(lon, lat, radius):
        g = grid.ColumnGrid.build(grid.in_frame(metric.ecef(lon, lat), frame), 1.6 * 5_000.0)
        rank, band = kernels.last_covering(
            g.u0,
            g.v0,
            g.cell,
            g.nu,
            g.nv,
            g.starts,
            g.x,
            g.y,
            g.z,
            g.columns_of(),
            np.ones(len(g), bool),
            track_set.xyz,
            track_set.seg_a,
            track_set.seg_b,
            track_set.sag,
            track_set.segments,
            track_set.box,
            track_set.patrol_sag,
            oldest_last,
            radius + metric.TOL_M,
            64,
        )
        by_point = np.empty_like(rank)
        by_point[g.order] = rank
        triples = {(int(g.order[m]), int(sg), int(r)) for m, sg, r in band.tolist()}
        return g.cell, by_point, triples

    radius = np.full(len(lines), 5_000.0)
    cell0, rank0, band0 = search(c_lon, c_lat, radius)
    wide = radius.copy()
    wide[0] = 100_000.0  # one patrol with coverage_m = 100 km
    cell1, rank1, band1 = search(*_far_north(c_lon, c_lat), wide)
    last = len(lines) - 1  # the wide patrol's rank
    assert cell1 == cell0
    assert rank1[2000] == -1 and not any(p == 2000 for p, _, _ in band1)
    others = rank1[:2000] != last
    assert np.array_equal(rank1[:2000][others], rank0[others])
    assert {t for t in band1 if t[2] != last} == {t for t in band0 if t[2] != last}
    assert (rank1[:2000] == last).sum() > (rank0 == last).sum()  # the wide radius does reach further


def test_equal_ended_at_is_broken_by_the_larger_id_whatever_the_row_order(scenario):
    """Many patrols end at the same midnight (date-only imports): the largest
    id wins, in every row order and across the search's batches."""
    s = scenario()
    c = s.community()
    ended = scenario.ts(scenario.AS_OF - timedelta(days=1), hour=0)
    track = [scenario.at(scenario.HOME, 90, 1000), scenario.at(scenario.HOME, 0, 1000)]
    ids = RNG.permutation(np.arange(1, 301)) * 3
    for pid in ids:
        s.patrol(track, ended, id=int(pid))
    s.patrol(track, ended - pd.Timedelta(seconds=1), id=10_000)  # a larger id, but earlier
    inp = s.inputs()
    for _ in range(5):
        inp.patrols = inp.patrols.sample(frac=1, random_state=int(RNG.integers(1 << 30))).reset_index(drop=True)
        t = compute_gaps(inp, scenario.PARAMS, computed_at=scenario.COMPUTED_AT).table.set_index("community_id")
        assert t.loc[c, "last_engagement_id"] == ids.max()
        geoms, ended_ns = inp.patrols["geometry"].to_numpy(), inp.patrols["ended_at"].astype("int64").to_numpy()
        for first_batch in (1, 7, 64):
            hit = tracks.last_patrol(
                metric.Points([scenario.HOME[0]], [scenario.HOME[1]]),
                geoms,
                ended_ns,
                np.full(len(geoms), 5000.0),
                inp.patrols["id"].to_numpy(),
                first_batch=first_batch,
            )
            assert inp.patrols["id"].iloc[hit[0]] == ids.max()


def test_a_nearly_antipodal_segment_is_searched_along_its_whole_geodesic(scenario):
    """A 19 900 km segment (chord > 2/κ): its pieces are found and measured."""
    a, b = (10.0, 0.5), (-170.2, -0.4)
    az, _, length = GEOD.inv(*a, *b)
    assert length > 19_800_000
    quarter_lon, quarter_lat, back = GEOD.fwd(*a, az, length / 4)
    near = scenario.at((quarter_lon, quarter_lat), back + 180 + 90, 4_000)
    far = scenario.at((quarter_lon, quarter_lat), back + 180 + 90, 6_000)
    # With 20 more short tracks elsewhere, the batch goes through the occupancy grid.
    others = [shapely.MultiLineString([[(60.0 + k, 30.0), (60.0 + k, 30.1)]]) for k in range(20)]
    hit = tracks.last_patrol(
        metric.Points([near[0], far[0]], [near[1], far[1]]),
        [shapely.MultiLineString([[a, b]]), *others],
        np.r_[1, np.zeros(20)],
        np.full(21, 5_000.0),
    )
    assert list(hit) == [0, -1]
