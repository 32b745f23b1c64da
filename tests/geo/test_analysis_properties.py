"""Property tests: the fast analysis against a plain brute-force computation
(every pair measured with pyproj.Geod; tracks densified every 5 m) on random
scenarios spread over up to 1 500 km across several UTM zones.

Track distances in the reference are approximate by a few millimetres, so a
patrol counts as "surely in" below r·(1 − 1e-4) and "possibly in" below
r·(1 + 1e-4); the fast answer must lie between the two."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Geod

from geo.analysis import GapParams, compute_gaps

GEOD = Geod(ellps="WGS84")
EPS = 1e-4

radial = st.tuples(st.floats(0, 360), st.one_of(st.floats(0, 12_000), st.sampled_from([2000.0, 5000.0, 10_000.0])))


@st.composite
def scenarios(draw, scenario):
    s = scenario()
    origin = (draw(st.floats(12, 26)), draw(st.floats(-10, 10)))
    n = draw(st.integers(1, 6))
    homes = []
    for _ in range(n):
        where = s.at(origin, draw(st.floats(0, 360)), draw(st.floats(0, 750_000)))
        homes.append(where)
        s.community(where, population=draw(st.one_of(st.none(), st.integers(0, 100_000))))
    pick = st.integers(0, n - 1)
    for _ in range(draw(st.integers(0, 12))):
        az, d = draw(radial)
        s.incident(
            s.at(homes[draw(pick)], az, d),
            s.AS_OF - timedelta(days=draw(st.one_of(st.integers(-3, 95), st.sampled_from([0, 1, 89, 90])))),
            fatalities=draw(st.integers(0, 20)),
            geo_precision=draw(st.integers(1, 3)),
        )
    for _ in range(draw(st.integers(0, 5))):
        az, d = draw(radial)
        track = [s.at(homes[draw(pick)], az, d)]
        if draw(st.booleans()):  # a pass across the radial line: its nearest point lies mid-segment
            half = draw(st.floats(10, 15_000))
            track = [s.at(track[0], az + 90, half), s.at(track[0], az - 90, half)]
        for _ in range(draw(st.integers(0, 3))):
            track.append(s.at(track[-1], draw(st.floats(0, 360)), draw(st.floats(10, 15_000))))
        if len(track) == 1:
            track.append(track[0])
        cov = draw(st.one_of(st.none(), st.sampled_from([1000.0, 8000.0])))
        s.patrol(track, s.ts(s.AS_OF - timedelta(days=draw(st.integers(-2, 200))), hour=draw(st.integers(0, 23))), cov)
    for _ in range(draw(st.integers(0, 5))):
        az, d = draw(radial)
        linked = draw(st.one_of(st.none(), st.integers(1, n)))
        s.engagement(
            s.at(homes[draw(pick)], az, d),
            s.ts(s.AS_OF - timedelta(days=draw(st.integers(-2, 300))), hour=draw(st.integers(0, 23))),
            linked,
        )
    for _ in range(draw(st.integers(0, 3))):
        az, d = draw(radial)
        start = s.AS_OF - timedelta(days=draw(st.integers(-30, 200)))
        s.qip(
            s.at(homes[draw(pick)], az, d),
            draw(st.sampled_from(["proposed", "in_progress", "completed", "cancelled"])),
            start,
            start + timedelta(days=draw(st.integers(0, 120))),
        )
    for _ in range(draw(st.integers(0, 3))):
        s.site(s.at(origin, draw(st.floats(0, 360)), draw(st.floats(0, 750_000))))
    return s


def _dist(lon, lat, other_lon, other_lat):
    return GEOD.inv(np.full(len(other_lon), lon), np.full(len(other_lon), lat), other_lon, other_lat)[2]


def _track_distance(lon, lat, geom) -> float:
    pts = []
    for line in geom.geoms:
        xy = np.asarray(line.coords)
        for a, b in pairwise(xy):
            steps = int(GEOD.inv(a[0], a[1], b[0], b[1])[2] // 5) + 2  # ≤ 5 m apart
            pts.append(a + np.linspace(0, 1, steps)[:, None] * (b - a))
    pts = np.vstack(pts)
    return float(_dist(lon, lat, pts[:, 0], pts[:, 1]).min())


def brute_force(s, p: GapParams, slack: float):
    """Per community id: (last-engagement day, kind) with patrol radii scaled by
    ``1 + slack``, plus counts, fatalities, pressure and distance to a site."""
    inp = s.inputs()
    as_of = pd.Timestamp(p.as_of)
    cutoff = (as_of + pd.Timedelta(days=1)).tz_localize("UTC")
    out = {}
    for c in inp.communities.itertuples():
        best = (pd.Timestamp.min.tz_localize("UTC"), None)
        for pt in inp.patrols.itertuples():
            r = p.patrol_radius_m if np.isnan(pt.coverage_m) else pt.coverage_m
            if pt.ended_at < cutoff and _track_distance(c.lon, c.lat, pt.geometry) <= r * (1 + slack) + 0.001:
                best = max(best, (pt.ended_at, "patrol"))
        e_dist = _dist(c.lon, c.lat, inp.engagements.lon.to_numpy(float), inp.engagements.lat.to_numpy(float))
        for e, d in zip(inp.engagements.itertuples(), e_dist, strict=True):
            near = d <= p.engagement_radius_m + 0.001
            if e.occurred_at < cutoff and (near or e.community_id == c.id):
                best = max(best, (e.occurred_at, "engagement")) if e.occurred_at > best[0] else best
        for q in inp.qips.itertuples():
            days = [d for d in (q.start_on, q.end_on) if pd.notna(d) and d <= as_of]
            near = _dist(c.lon, c.lat, [q.lon], [q.lat])[0] <= p.qip_radius_m + 0.001
            if q.status in ("in_progress", "completed") and days and near:
                when = max(days).tz_localize("UTC")
                best = max(best, (when, "qip")) if when > best[0] else best
        days_since = None if best[1] is None else (as_of.date() - best[0].date()).days
        count = deaths = 0
        pressure = 0.0
        i_dist = _dist(c.lon, c.lat, inp.incidents.lon.to_numpy(float), inp.incidents.lat.to_numpy(float))
        for i, d in zip(inp.incidents.itertuples(), i_dist, strict=True):
            age = (as_of - i.occurred_on).days
            if 0 <= age < p.window_days and d <= p.incident_radius_m + 0.001:
                count, deaths = count + 1, deaths + i.fatalities
                if i.geo_precision != 3 or p.include_region_precision:
                    pressure += (1 + i.fatalities) * 0.5 ** (age / p.half_life_days)
        site = (
            _dist(c.lon, c.lat, inp.sites.lon.to_numpy(), inp.sites.lat.to_numpy()).min() if len(inp.sites) else np.nan
        )
        out[c.id] = {
            "days": days_since,
            "kind": best[1],
            "count": count,
            "deaths": deaths,
            "pressure": pressure,
            "site": site,
        }
    return out


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), include_region=st.booleans())
def test_fast_analysis_matches_brute_force(scenario, data, include_region):
    s = data.draw(scenarios(scenario), label="scenario")
    p = s.PARAMS.with_(include_region_precision=include_region)
    got = compute_gaps(s.inputs(), p, computed_at=s.COMPUTED_AT).table.set_index("community_id")
    lo, hi = brute_force(s, p, -EPS), brute_force(s, p, EPS)
    for cid, row in got.iterrows():
        days = None if pd.isna(row.days_since_engagement) else int(row.days_since_engagement)
        if lo[cid]["days"] == hi[cid]["days"]:
            assert days == lo[cid]["days"]
            assert (None if pd.isna(row.last_engagement_kind) else row.last_engagement_kind) == lo[cid]["kind"]
        else:  # a patrol at the radius, within the reference's own error
            assert days in (lo[cid]["days"], hi[cid]["days"])
        ref = lo[cid]
        assert (row.incidents_window, row.fatalities_window) == (ref["count"], ref["deaths"])
        assert row.pressure == pytest.approx(ref["pressure"], rel=1e-9, abs=1e-12)
        if np.isnan(ref["site"]):
            assert np.isnan(row.distance_to_site_m)
        else:
            assert row.distance_to_site_m == pytest.approx(ref["site"], abs=1e-6)
        staleness = 1.0 if days is None else min(days, p.cap_days) / p.cap_days
        assert row.under_engaged == ((days is None or days >= p.min_days) and ref["pressure"] > 0)
        assert row.staleness == pytest.approx(staleness)
    ranked = got.sort_values("rank")
    keys = list(zip(-ranked.gap_score.round(12), ranked.index, strict=True))
    assert keys == sorted(keys)
