"""Property tests: the analysis against an independent brute-force reference
on random scenarios over the whole WGS84 domain — the tropics, ±60–85°, at
and around the poles, across the antimeridian — with up to 300 patrols
(several search batches; the first batch is also lowered to 1–5 patrols),
multi-part tracks, segments of hundreds of kilometres, one-vertex tracks,
``coverage_m`` overrides, sites with active dates, equal timestamps, ids in
random order and rows in random order.

The reference (tests/geo/geodesic_reference.py) measures every pair with
``pyproj.Geod`` and the distance to a track by golden-section search along
each geodesic segment; it shares no code with geo/analysis. It computes every
output column and its own ranking; the numbers quoted in the reasons are
checked against it too. A scenario with a distance within a micrometre of a
radius (where the reference cannot decide) is discarded.

Profiles: ``default`` (``make test``) and ``thorough`` (2 000 examples,
``make test-thorough`` or ``HYPOTHESIS_PROFILE=thorough``), see
tests/conftest.py."""

from __future__ import annotations

import math
import re
from contextlib import contextmanager
from datetime import timedelta
from itertools import pairwise
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, event, given, note
from hypothesis import strategies as st

from geo.analysis import GapParams, compute_gaps, tracks
from tests.geo.geodesic_reference import dist, segment_distance, track_segments

TOL = 0.001  # "within r" means distance ≤ r + 1 mm (geo.analysis.metric.TOL_M)
UNDECIDABLE = 1e-6  # the reference's own error is far below this
KIND_ORDER = {"patrol": 0, "engagement": 1, "qip": 2}  # on equal timestamps the first kind wins

REGIONS = {
    "tropics": (st.floats(12, 26), st.floats(-10, 10)),
    "north": (st.floats(-180, 180), st.floats(60, 85)),
    "south": (st.floats(-180, 180), st.floats(-85, -60)),
    "north pole": (st.floats(-180, 180), st.one_of(st.just(90.0), st.floats(89.5, 90))),
    "south pole": (st.floats(-180, 180), st.one_of(st.just(-90.0), st.floats(-90, -89.5))),
    "antimeridian": (st.one_of(st.floats(179.5, 180), st.floats(-180, -179.5)), st.floats(-70, 70)),
}
RADII = st.sampled_from([2_000.0, 5_000.0, 10_000.0])
# Offsets from a community: anywhere near, or exactly at a rule's radius.
offset = st.tuples(st.floats(0, 360), st.one_of(st.floats(0, 14_000), RADII))


@st.composite
def track(draw, S, home):
    """A (multi-)line near ``home``: parts of 1–4 vertices (a one-vertex part
    is a zero-length line), segments of metres to hundreds of kilometres."""
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        az, d = draw(offset)
        line = [S.at(home, az, d)]
        if draw(st.booleans()):  # a pass across the radial line: its nearest point lies mid-segment
            half = draw(st.one_of(st.floats(10, 15_000), st.floats(100_000, 400_000)))
            line = [S.at(line[0], az + 90, half), S.at(line[0], az - 90, half)]
        for _ in range(draw(st.integers(0, 2))):
            step = draw(st.one_of(st.floats(1, 15_000), st.floats(50_000, 800_000)))
            line.append(S.at(line[-1], draw(st.floats(0, 360)), step))
        if len(line) == 1:
            line.append(line[0])
        parts.append(line)
    return parts


@st.composite
def scenarios(draw, S):
    """A random scenario built with the scenario class ``S`` (the ``scenario`` fixture)."""
    s = S()
    region = draw(st.sampled_from(sorted(REGIONS)))
    event(f"region: {region}")
    lon, lat = REGIONS[region]
    origin = (draw(lon), draw(lat))
    spread = draw(st.sampled_from([20_000.0, 300_000.0, 750_000.0]))
    n = draw(st.integers(1, 6))
    rnd = draw(st.randoms(use_true_random=False))
    ids = iter(rnd.sample(range(1, 1_000_000), 2000))  # every row's id, in random order
    homes = [S.at(origin, draw(st.floats(0, 360)), draw(st.floats(0, spread))) for _ in range(n)]
    community_ids = [next(ids) for _ in homes]
    for cid, where in zip(community_ids, homes, strict=True):
        s.community(where, population=draw(st.one_of(st.none(), st.integers(0, 100_000))), id=cid)
    near = st.sampled_from(homes)
    day = st.one_of(st.integers(-3, 95), st.sampled_from([0, 1, 89, 90]))
    for _ in range(draw(st.integers(0, 12))):
        az, d = draw(offset)
        s.incident(
            S.at(draw(near), az, d),
            S.AS_OF - timedelta(days=draw(day)),
            fatalities=draw(st.integers(0, 20)),
            geo_precision=draw(st.integers(1, 3)),
            id=next(ids),
        )
    # Few patrols, or more than the first search batch; few distinct end times, so ties are common.
    n_patrols = draw(st.one_of(st.integers(0, 12), st.integers(65, 300)))
    many = n_patrols > 12
    event(f"patrols: {'more than a first batch' if many else 'up to 12'}")
    for _ in range(n_patrols):
        home = draw(near)
        if many:  # one straight two-vertex pass: keeps big examples quick
            az, d = draw(offset)
            parts = [[S.at(home, az, d), S.at(S.at(home, az, d), draw(st.floats(0, 360)), draw(st.floats(0, 20_000)))]]
        else:
            parts = draw(track(S, home))
        ended = S.ts(S.AS_OF - timedelta(days=draw(st.integers(-2, 40))), hour=draw(st.sampled_from([0, 0, 12, 23])))
        s.patrol(parts, ended, draw(st.one_of(st.none(), st.sampled_from([1_000.0, 8_000.0, 30_000.0]))), id=next(ids))
    for _ in range(draw(st.integers(0, 6))):
        az, d = draw(offset)
        linked = draw(st.one_of(st.none(), st.sampled_from(community_ids)))
        when = S.ts(S.AS_OF - timedelta(days=draw(st.integers(-2, 300))), hour=draw(st.sampled_from([0, 12])))
        s.engagement(S.at(draw(near), az, d), when, linked, id=next(ids))
    for _ in range(draw(st.integers(0, 3))):
        az, d = draw(offset)
        start = S.AS_OF - timedelta(days=draw(st.integers(-30, 200)))
        s.qip(
            S.at(draw(near), az, d),
            draw(st.sampled_from(["proposed", "in_progress", "completed", "cancelled"])),
            start,
            start + timedelta(days=draw(st.integers(0, 120))),
            id=next(ids),
        )
    when = st.one_of(st.none(), st.integers(-5, 5).map(lambda k: S.AS_OF + timedelta(days=k)))
    sites = []
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["near", "away", "same"] if sites else ["near", "away"]))
        if kind == "same":  # two sites at one place: the nearest is the smaller id
            where = sites[-1]
        elif kind == "near":
            az, d = draw(offset)
            where = S.at(draw(near), az, d)
        else:
            where = S.at(origin, draw(st.floats(0, 360)), draw(st.floats(0, spread)))
        sites.append(where)
        s.site(where, draw(when), draw(when), id=next(ids))
    for table in s.rows.values():  # rows in random order
        rnd.shuffle(table)
    return s


def within(d: np.ndarray, r: float) -> np.ndarray:
    """Distance ≤ r + TOL; discards the example if a distance is too close to call."""
    undecidable = (np.abs(d - (r + TOL)) <= UNDECIDABLE).any()
    if undecidable:
        event("discarded: a distance within a micrometre of a radius")
    assume(not undecidable)
    return d <= r + TOL


def patrol_coverage(inp, p: GapParams) -> dict:
    """Community id → the (ended_at, id) of every patrol whose track passes within its radius."""
    com, pat = inp.communities, inp.patrols
    rows = []
    for k, pt in enumerate(pat.itertuples()):
        seg = track_segments(pt.geometry)
        rows += [(k, *sg) for sg in seg]
    out = {cid: [] for cid in com["id"]}
    if not rows:
        return out
    rows = np.array(rows)
    i = np.repeat(np.arange(len(com)), len(rows))
    j = np.tile(np.arange(len(rows)), len(com))
    radius = np.where(np.isnan(pat["coverage_m"].to_numpy(float)), p.patrol_radius_m, pat["coverage_m"].to_numpy(float))
    r = radius[rows[j, 0].astype(int)]
    d = segment_distance(
        com["lon"].to_numpy(float)[i],
        com["lat"].to_numpy(float)[i],
        rows[j, 1],
        rows[j, 2],
        rows[j, 3],
        rows[j, 4],
        upto=r.max() + 1,
    )
    hit = within(d, r)
    for ci, k in set(zip(i[hit].tolist(), rows[j[hit], 0].astype(int).tolist(), strict=True)):
        out[com["id"].iloc[ci]].append((pat["ended_at"].iloc[k], int(pat["id"].iloc[k])))
    return out


def brute_force(inp, p: GapParams) -> dict:
    """Every output column, per community id, by direct enumeration."""
    as_of = pd.Timestamp(p.as_of)
    cutoff = (as_of + pd.Timedelta(days=1)).tz_localize("UTC")
    covered = patrol_coverage(inp, p)
    out = []
    for c in inp.communities.itertuples():
        # Last engagement: (timestamp, kind order reversed so that patrol wins ties, id).
        cands = [(t, 2, pid, "patrol") for t, pid in covered[c.id] if t < cutoff]
        e = inp.engagements
        e_near = within(dist(c.lon, c.lat, e["lon"].to_numpy(float), e["lat"].to_numpy(float)), p.engagement_radius_m)
        for row, ok in zip(e.itertuples(), e_near, strict=True):
            if row.occurred_at < cutoff and (ok or row.community_id == c.id):
                cands.append((row.occurred_at, 1, int(row.id), "engagement"))
        q = inp.qips
        q_near = within(dist(c.lon, c.lat, q["lon"].to_numpy(float), q["lat"].to_numpy(float)), p.qip_radius_m)
        for row, ok in zip(q.itertuples(), q_near, strict=True):
            days = [d for d in (row.start_on, row.end_on) if pd.notna(d) and d <= as_of]
            if ok and days and row.status in ("in_progress", "completed"):
                cands.append((max(days).tz_localize("UTC"), 0, int(row.id), "qip"))
        best = max(cands, key=lambda x: (x[0], x[1], x[2])) if cands else None
        days_since = None if best is None else (as_of.date() - best[0].date()).days

        inc = inp.incidents
        i_near = within(dist(c.lon, c.lat, inc["lon"].to_numpy(float), inc["lat"].to_numpy(float)), p.incident_radius_m)
        count = deaths = 0
        pressure = 0.0
        for row, ok in zip(inc.itertuples(), i_near, strict=True):
            age = (as_of - row.occurred_on).days
            if ok and 0 <= age < p.window_days:
                count, deaths = count + 1, deaths + row.fatalities
                if row.geo_precision != 3 or p.include_region_precision:
                    pressure += (1 + row.fatalities) * 0.5 ** (age / p.half_life_days)

        site_d, site_id = math.nan, None
        for row in inp.sites.itertuples():
            active = (pd.isna(row.active_from) or row.active_from <= as_of) and (
                pd.isna(row.active_to) or row.active_to >= as_of
            )
            if active:
                d = float(dist(c.lon, c.lat, row.lon, row.lat))
                if site_id is None or (d, row.id) < (site_d, site_id):
                    site_d, site_id = d, int(row.id)
        pop = 0.0 if pd.isna(c.population) else float(c.population)
        out.append(
            {
                "community_id": c.id,
                "days_since_engagement": days_since,
                "last_engagement_kind": None if best is None else best[3],
                "last_engagement_id": None if best is None else best[2],
                "last_engagement_day": None if best is None else best[0].date(),
                "incidents_window": count,
                "fatalities_window": deaths,
                "pressure": pressure,
                "staleness": 1.0 if days_since is None else min(days_since, p.cap_days) / p.cap_days,
                "population_factor": 1 + math.log10(1 + pop),
                "distance_to_site_m": site_d,
                "nearest_site_id": site_id,
                "remoteness_factor": 1 + (0.0 if math.isnan(site_d) else site_d) / p.remoteness_scale_m,
                "under_engaged": (days_since is None or days_since >= p.min_days) and pressure > 0,
            }
        )
    top = max((o["pressure"] for o in out), default=0.0)
    for o in out:
        o["pressure_norm"] = o["pressure"] / top if top > 0 else 0.0
        o["gap_score"] = o["pressure_norm"] * o["staleness"] * o["population_factor"] * o["remoteness_factor"]
    out.sort(key=lambda o: (-o["gap_score"], o["community_id"]))
    return {o["community_id"]: SimpleNamespace(rank=k, **o) for k, o in enumerate(out, start=1)}


def _numbers(text: str) -> list[float]:
    return [float(x.replace(",", "")) for x in re.findall(r"\d[\d,]*(?:\.\d+)?(?:e[+-]?\d+)?", text)]


def _metres(text: str) -> list[float]:
    return [
        float(v.replace(",", "").replace("\u202f", "").replace(" ", "")) * (1000 if unit == "km" else 1)
        for v, unit in re.findall(r"(\d[\d,\u202f ]*(?:\.\d+)?(?:e[+-]?\d+)?)\s*(km|m)\b", text)
    ]


def check_reasons(reasons: list[str], ref) -> None:
    """The numbers a planner reads: days, kind and id, date; incidents and
    deaths; the distance to the nearest site (to its printed precision)."""
    engagement, violence, remoteness = reasons
    if ref.days_since_engagement is not None:
        nums = _numbers(engagement)
        assert ref.days_since_engagement in nums and ref.last_engagement_id in nums
        assert ref.last_engagement_day.isoformat() in engagement
    if ref.incidents_window:
        assert {ref.incidents_window, ref.fatalities_window} <= set(_numbers(violence))
    if math.isnan(ref.distance_to_site_m):
        assert not _metres(remoteness)
    else:
        (shown,) = _metres(remoteness)
        assert abs(shown - ref.distance_to_site_m) <= max(0.5, 0.006 * ref.distance_to_site_m)


def opt(v):
    """None for a missing value (NA, NaN, NaT), else the value."""
    return None if pd.isna(v) else v


@contextmanager
def first_batch(n: int):
    """Lower the track search's first batch (read at each call of
    ``tracks.last_patrol``) so that few patrols span many batches."""
    saved, tracks.FIRST_BATCH = tracks.FIRST_BATCH, n
    try:
        yield
    finally:
        tracks.FIRST_BATCH = saved


@given(data=st.data(), include_region=st.booleans(), batch=st.sampled_from([1, 2, 5, tracks.FIRST_BATCH]))
def test_every_column_matches_the_brute_force_reference(scenario, data, include_region, batch):
    s = data.draw(scenarios(scenario), label="scenario")
    p = scenario.PARAMS.with_(include_region_precision=include_region)
    inp = s.inputs()
    with first_batch(batch):
        got = compute_gaps(inp, p, computed_at=scenario.COMPUTED_AT).with_reasons().set_index("community_id")
    ref = brute_force(inp, p)
    note(f"first batch {batch}; {len(inp.patrols)} patrols")
    assert sorted(got.index) == sorted(ref)
    for cid, row in got.iterrows():
        want = ref[cid]
        note(f"community {cid}: got {row.to_dict()}\nwant {vars(want)}")
        assert opt(row.days_since_engagement) == want.days_since_engagement
        assert opt(row.last_engagement_kind) == want.last_engagement_kind
        assert opt(row.last_engagement_id) == want.last_engagement_id
        if want.last_engagement_day is not None:
            assert row.last_engagement_at.date() == want.last_engagement_day
        assert (row.incidents_window, row.fatalities_window) == (want.incidents_window, want.fatalities_window)
        assert row.pressure == pytest.approx(want.pressure, rel=1e-12, abs=1e-300)
        assert row.pressure_norm == pytest.approx(want.pressure_norm, rel=1e-12, abs=1e-300)
        assert row.staleness == want.staleness
        assert row.population_factor == pytest.approx(want.population_factor, rel=1e-15)
        if math.isnan(want.distance_to_site_m):
            assert math.isnan(row.distance_to_site_m) and pd.isna(row.nearest_site_id)
        else:
            assert row.distance_to_site_m == pytest.approx(want.distance_to_site_m, abs=1e-6)
            assert row.nearest_site_id == want.nearest_site_id
        assert row.remoteness_factor == pytest.approx(want.remoteness_factor, rel=1e-12)
        assert row.gap_score == pytest.approx(want.gap_score, rel=1e-12, abs=1e-300)
        assert bool(row.under_engaged) == bool(want.under_engaged)
        check_reasons(row.reasons, want)
    # The ranking: the reference's own order (score descending, ties by id),
    # except between scores that differ by float rounding only.
    score = {cid: r.gap_score for cid, r in ref.items()}
    ours = list(got.sort_values("rank").index)
    assert list(got.sort_values("rank")["rank"]) == list(range(1, len(got) + 1))
    for a, b in pairwise(ours):
        if score[a] == score[b]:
            assert a < b
        else:
            assert score[a] > score[b] or abs(score[a] - score[b]) <= 1e-12 * max(score[a], score[b])
    values = sorted(score.values())
    if all(x == y or abs(x - y) > 1e-12 * max(x, y) for x, y in pairwise(values)):
        assert all(got.loc[cid, "rank"] == r.rank for cid, r in ref.items())
