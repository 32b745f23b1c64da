"""Hand-made cases with known answers for every rule of the engagement-gap
analysis (docs/analysis.md, from #last-engagement to #reasons)."""

from __future__ import annotations

import math
from datetime import timedelta

import pandas as pd
import pytest

from geo.analysis import GapParams, compute_gaps
from geo.errors import InvalidInput
from geo.reasons import distance_label


def run(s, params: GapParams | None = None) -> pd.DataFrame:
    return (
        compute_gaps(s.inputs(), params or s.PARAMS, computed_at=s.COMPUTED_AT).with_reasons().set_index("community_id")
    )


def v_track(s, apex):
    """A track whose only point nearest to HOME is its vertex ``apex``."""
    return [s.at(apex, 45, 3000), apex, s.at(apex, 135, 3000)]


def test_patrol_exactly_at_the_radius_covers_and_one_metre_beyond_does_not(scenario):
    s = scenario()
    c = s.community()
    far = s.community(s.at(s.HOME, 0, 50_000))
    s.patrol(v_track(s, s.at(s.HOME, 90, 5000)), s.ts(s.AS_OF - timedelta(days=3)))
    s.patrol(v_track(s, s.at(s.at(s.HOME, 0, 50_000), 90, 5001)), s.ts(s.AS_OF - timedelta(days=1)))
    t = run(s)
    assert t.loc[c, "days_since_engagement"] == 3
    assert t.loc[c, "last_engagement_kind"] == "patrol"
    assert pd.isna(t.loc[far, "days_since_engagement"])


def test_patrol_covers_through_a_segment_not_only_its_vertices(scenario):
    s = scenario()
    c = s.community()
    east = s.at(s.HOME, 90, 4000)
    s.patrol([s.at(east, 0, 9000), s.at(east, 180, 9000)], s.ts(s.AS_OF - timedelta(days=10)))
    assert run(s).loc[c, "days_since_engagement"] == 10


def test_patrol_coverage_m_overrides_the_default_radius(scenario):
    s = scenario()
    c1 = s.community()
    c2 = s.community(s.at(s.HOME, 0, 100_000))
    s.patrol(v_track(s, s.at(s.HOME, 90, 7000)), s.ts(s.AS_OF - timedelta(days=2)), coverage_m=8000)
    s.patrol(v_track(s, s.at(s.at(s.HOME, 0, 100_000), 90, 4000)), s.ts(s.AS_OF - timedelta(days=2)), coverage_m=3000)
    t = run(s)
    assert t.loc[c1, "days_since_engagement"] == 2
    assert pd.isna(t.loc[c2, "days_since_engagement"])


def test_most_recent_patrol_wins_and_patrols_after_as_of_are_ignored(scenario):
    s = scenario()
    c = s.community()
    old = s.patrol(v_track(s, s.at(s.HOME, 90, 1000)), s.ts(s.AS_OF - timedelta(days=40)))
    late = s.patrol(v_track(s, s.at(s.HOME, 90, 1000)), s.ts(s.AS_OF, hour=23))
    s.patrol(v_track(s, s.at(s.HOME, 90, 1000)), s.ts(s.AS_OF + timedelta(days=1), hour=0))
    t = run(s)
    assert (t.loc[c, "last_engagement_id"], t.loc[c, "days_since_engagement"]) == (late, 0)
    t = run(s, s.PARAMS.with_(as_of=s.AS_OF - timedelta(days=1)))
    assert (t.loc[c, "last_engagement_id"], t.loc[c, "days_since_engagement"]) == (old, 39)


def test_engagements_count_when_linked_anywhere_or_unlinked_within_the_radius(scenario):
    s = scenario()
    linked = s.community()
    near = s.community(s.at(s.HOME, 0, 30_000))
    outside = s.community(s.at(s.HOME, 0, 60_000))
    e1 = s.engagement(s.at(s.HOME, 180, 40_000), s.ts(s.AS_OF - timedelta(days=5)), community_id=linked)
    e2 = s.engagement(s.at(s.at(s.HOME, 0, 30_000), 90, 2000), s.ts(s.AS_OF - timedelta(days=6)))
    s.engagement(s.at(s.at(s.HOME, 0, 60_000), 90, 2100), s.ts(s.AS_OF - timedelta(days=7)))
    t = run(s)
    assert (t.loc[linked, "last_engagement_kind"], t.loc[linked, "last_engagement_id"]) == ("engagement", e1)
    assert (t.loc[near, "last_engagement_id"], t.loc[near, "days_since_engagement"]) == (e2, 6)
    assert pd.isna(t.loc[outside, "days_since_engagement"])


def test_qip_counts_only_in_progress_or_completed_with_its_latest_date_not_after_as_of(scenario):
    s = scenario()
    proposed = s.community()
    done = s.community(s.at(s.HOME, 0, 50_000))
    running = s.community(s.at(s.HOME, 0, 100_000))
    s.qip(s.at(s.HOME, 90, 3000), "proposed", s.AS_OF - timedelta(days=20), s.AS_OF - timedelta(days=10))
    q2 = s.qip(
        s.at(s.at(s.HOME, 0, 50_000), 90, 3000), "completed", s.AS_OF - timedelta(days=90), s.AS_OF - timedelta(days=30)
    )
    q3 = s.qip(
        s.at(s.at(s.HOME, 0, 100_000), 90, 3000),
        "in_progress",
        s.AS_OF - timedelta(days=15),
        s.AS_OF + timedelta(days=60),
    )
    t = run(s)
    assert pd.isna(t.loc[proposed, "days_since_engagement"])
    assert (
        t.loc[done, "last_engagement_kind"],
        t.loc[done, "last_engagement_id"],
        t.loc[done, "days_since_engagement"],
    ) == ("qip", q2, 30)
    assert (t.loc[running, "last_engagement_id"], t.loc[running, "days_since_engagement"]) == (q3, 15)


def test_pressure_counts_the_window_with_recency_decay_including_as_of_and_excluding_after(scenario):
    s = scenario()
    c = s.community()
    near = s.at(s.HOME, 45, 9000)
    s.incident(near, s.AS_OF, fatalities=0)  # on as_of: weight 1
    s.incident(near, s.AS_OF - timedelta(days=30), fatalities=2)  # one half-life: 3 · 0.5
    s.incident(near, s.AS_OF - timedelta(days=89), fatalities=1)  # last day of the window
    s.incident(near, s.AS_OF - timedelta(days=90), fatalities=5)  # just outside the window
    s.incident(near, s.AS_OF + timedelta(days=1), fatalities=5)  # after as_of
    s.incident(s.at(s.HOME, 45, 10_050), s.AS_OF, fatalities=7)  # beyond 10 km
    t = run(s)
    assert t.loc[c, "incidents_window"] == 3
    assert t.loc[c, "fatalities_window"] == 3
    assert t.loc[c, "pressure"] == pytest.approx(1 + 1.5 + 2 * math.exp(-89 / 30 * math.log(2)))


def test_region_precision_incidents_are_excluded_from_pressure_unless_asked(scenario):
    s = scenario()
    c = s.community()
    s.incident(s.at(s.HOME, 0, 1000), s.AS_OF, fatalities=4, geo_precision=3)
    t = run(s)
    assert (t.loc[c, "incidents_window"], t.loc[c, "fatalities_window"], t.loc[c, "pressure"]) == (1, 4, 0.0)
    assert not t.loc[c, "under_engaged"]
    t = run(s, s.PARAMS.with_(include_region_precision=True))
    assert t.loc[c, "pressure"] == pytest.approx(5.0)
    assert t.loc[c, "under_engaged"]


def test_gap_score_parts_for_a_never_engaged_community(scenario):
    s = scenario()
    c = s.community(population=99)
    s.site(s.at(s.HOME, 270, 50_000))
    s.site(s.at(s.HOME, 270, 20_000), active_to=s.AS_OF - timedelta(days=1))  # closed: ignored
    s.site(s.at(s.HOME, 270, 10_000), active_from=s.AS_OF + timedelta(days=1))  # not yet open
    s.incident(s.at(s.HOME, 0, 500), s.AS_OF - timedelta(days=30), fatalities=1)
    r = run(s).loc[c]
    assert pd.isna(r["days_since_engagement"]) and r["staleness"] == 1.0
    assert r["distance_to_site_m"] == pytest.approx(50_000, abs=0.01)
    assert r["population_factor"] == pytest.approx(3.0)
    assert r["remoteness_factor"] == pytest.approx(2.0)
    assert r["pressure"] == pytest.approx(1.0) and r["pressure_norm"] == 1.0
    assert r["gap_score"] == pytest.approx(6.0)
    assert r["under_engaged"] and r["rank"] == 1
    assert r["reasons"] == [
        "no patrol within 5 km, engagement within 2 km or QIP within 5 km on record",
        "1 incident, 1 death within 10 km in 90 days",
        "50 km from the nearest mission site",
    ]


def test_staleness_caps_and_under_engaged_threshold(scenario):
    s = scenario()
    fresh = s.community()
    stale = s.community(s.at(s.HOME, 0, 100_000))
    ancient = s.community(s.at(s.HOME, 0, 200_000))
    for cid, days in ((fresh, 59), (stale, 60), (ancient, 400)):
        where = s.rows["communities"][cid - 1]
        here = (where["lon"], where["lat"])
        s.engagement(here, s.ts(s.AS_OF - timedelta(days=days)), community_id=cid)
        s.incident(here, s.AS_OF)
    t = run(s)
    assert not t.loc[fresh, "under_engaged"] and t.loc[stale, "under_engaged"]
    assert t.loc[fresh, "staleness"] == pytest.approx(59 / 180)
    assert t.loc[ancient, "staleness"] == 1.0
    assert list(t.sort_values("rank").index) == [ancient, stale, fresh]
    assert (
        t.loc[stale, "reasons"][0]
        == f"60 days since the last engagement (engagement 2 on {(s.AS_OF - timedelta(days=60)).isoformat()})"
    )


def test_ties_rank_by_community_id_and_zero_pressure_scores_zero(scenario):
    s = scenario()
    ids = [s.community(s.at(s.HOME, 0, 100_000 * k)) for k in range(4)]
    s.incident(s.at(s.HOME, 0, 100_000 * 2), s.AS_OF)
    s.incident(s.at(s.HOME, 0, 100_000 * 3), s.AS_OF)
    t = run(s)
    assert list(t.sort_values("rank").index) == [ids[2], ids[3], ids[0], ids[1]]
    assert t.loc[ids[0], "gap_score"] == 0.0 and not t.loc[ids[0], "under_engaged"]


def test_empty_tables_and_no_sites(scenario):
    s = scenario()
    c = s.community()
    r = run(s).loc[c]
    assert r["pressure"] == 0 and pd.isna(r["distance_to_site_m"]) and r["remoteness_factor"] == 1.0
    assert r["reasons"][2] == "no active mission site on record"


@pytest.mark.parametrize(
    "field,value",
    [
        ("patrol_radius_m", 0),
        ("incident_radius_m", 200_000),
        ("window_days", 0),
        ("half_life_days", -1),
        ("cap_days", 0),
        ("min_days", -1),
        ("remoteness_scale_m", 5e-324),  # the fuzzing's find: an infinite remoteness factor
        ("remoteness_scale_m", 999.0),
    ],
)
def test_bad_parameters_name_the_field(field, value, scenario):
    with pytest.raises(InvalidInput) as e:
        GapParams(as_of=scenario.AS_OF, **{field: value})
    assert e.value.field == field


def test_no_communities_gives_an_empty_ranking(scenario):
    from geo.analysis import RESULT_COLUMNS, GapInputs

    t = compute_gaps(GapInputs(), scenario.PARAMS, computed_at=scenario.COMPUTED_AT).table
    assert len(t) == 0 and list(t.columns) == list(RESULT_COLUMNS)


@pytest.mark.parametrize(
    ("metres", "label"),
    [
        (0, "0 m"),
        (849.6, "850 m"),
        (999.4, "999 m"),
        (999.6, "1 km"),
        (1234, "1.23 km"),
        (12_499, "12.5 km"),
        (20_000, "20 km"),
        (99_949, "99.9 km"),
        (99_951, "100 km"),
        (123_456, "123 km"),
        (1_230_000, "1 230 km"),
        (20_003_931, "20 004 km"),
    ],
)
def test_distances_read_at_any_magnitude(metres, label):
    """docs/analysis.md#reasons: metres below 1 km, three significant digits
    to 100 km, whole kilometres grouped by thousands above (never "1.23e+03 km")."""
    assert distance_label(metres) == label


def test_a_far_site_reads_in_whole_kilometres(scenario):
    s = scenario()
    c = s.community()
    s.site(s.at(s.HOME, 90, 1_230_000))
    assert run(s).loc[c, "reasons"][2] == "1 230 km from the nearest mission site"


def test_the_patrol_radius_quoted_is_the_one_that_applied(scenario):
    """A never-engaged community: the reason quotes the patrols' own
    coverage_m when they have one (not the default 5 km), and their range when
    they differ — a patrol 3 km away with a 2 km coverage did not pass
    "within 5 km" of it as far as the analysis is concerned."""
    s = scenario()
    c = s.community()
    s.patrol(v_track(s, s.at(s.HOME, 90, 3000)), s.ts(s.AS_OF - timedelta(days=2)), coverage_m=2000)
    s.patrol(v_track(s, s.at(s.HOME, 0, 60_000)), s.ts(s.AS_OF - timedelta(days=2)), coverage_m=2000)
    t = run(s)
    assert pd.isna(t.loc[c, "days_since_engagement"])
    assert t.loc[c, "reasons"][0] == "no patrol within 2 km, engagement within 2 km or QIP within 5 km on record"
    s.patrol(v_track(s, s.at(s.HOME, 180, 60_000)), s.ts(s.AS_OF - timedelta(days=1)))  # the default: 5 km
    s.patrol(v_track(s, s.at(s.HOME, 270, 60_000)), s.ts(s.AS_OF - timedelta(days=1)), coverage_m=12_500)
    s.patrol(v_track(s, s.at(s.HOME, 270, 4000)), s.ts(s.AS_OF + timedelta(days=1)), coverage_m=100)  # after as_of
    assert run(s).loc[c, "reasons"][0] == (
        "no patrol within its coverage radius (2 km to 12.5 km), engagement within 2 km or QIP within 5 km on record"
    )
    assert run(s, s.PARAMS.with_(patrol_radius_m=850)).loc[c, "reasons"][0] == (
        "no patrol within its coverage radius (850 m to 12.5 km), engagement within 2 km or QIP within 5 km on record"
    )
