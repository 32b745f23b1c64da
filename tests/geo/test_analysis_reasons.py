"""The reasons of a whole ranking are written column-wise
(``geo.analysis.reasons.explained`` / ``reasons_for``); every sentence must
be exactly what ``reasons.text`` writes for that reason alone, in every
language, and the reasons themselves what the per-row rules give
(docs/analysis.md#reasons)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.analysis import GapParams
from geo.analysis.reasons import explained, explanations, reasons_for
from geo.i18n import translator
from geo.reasons import text

# Distances around every boundary of the label rule (1 km, 100 km, thousands)
# and ordinary ones.
DISTANCES = st.one_of(
    st.sampled_from([0.0, 0.4, 0.5, 1.5, 999.4, 999.5, 1000.0, 9995.0, 99_949.0, 99_950.0, 100_000.0, 1_234_567.0]),
    st.floats(0, 2_000_000, allow_nan=False),
    st.just(float("nan")),
)


@st.composite
def tables(draw):
    n = draw(st.integers(1, 40))
    engaged = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    days = np.array(draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)))  # 1: singular
    at = pd.Timestamp("2026-06-30", tz="UTC") - pd.to_timedelta(days, unit="D") + pd.Timedelta(hours=23)
    remote = draw(st.sampled_from(["distance", "travel_time"]))
    hours = np.array(draw(st.lists(st.floats(0, 30), min_size=n, max_size=n)))
    unreachable = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    table = pd.DataFrame(
        {
            "days_since_engagement": pd.arrays.IntegerArray(days.astype(np.int64), ~engaged),
            "last_engagement_at": pd.Series(at).where(engaged),
            "last_engagement_kind": np.where(
                engaged,
                np.array(
                    draw(st.lists(st.sampled_from(["patrol", "engagement", "qip"]), min_size=n, max_size=n)),
                    dtype=object,
                ),
                None,
            ),
            "last_engagement_id": pd.arrays.IntegerArray(np.arange(1, n + 1, dtype=np.int64) * 7919, ~engaged),
            "incidents_window": np.array(draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)), np.int64),
            "fatalities_window": np.array(draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)), np.int64),
            "distance_to_site_m": np.array(draw(st.lists(DISTANCES, min_size=n, max_size=n))),
            "travel_hours": np.where(unreachable, np.nan, hours),
            "unreachable": unreachable,
            "travel_season": np.full(n, draw(st.sampled_from(["dry", "rainy"])), dtype=object),
        }
    )
    params = GapParams(
        as_of=date(2026, 6, 30),
        remoteness=remote,
        patrol_radius_m=draw(st.sampled_from([850.0, 2000.0])),
        incident_radius_m=draw(st.sampled_from([1000.0, 10_000.0])),
    )
    radii = draw(st.sampled_from([None, (1500.0, 1500.0), (500.0, 12_500.0)]))
    return table, params, radii


@settings(max_examples=150, deadline=None)
@given(tables(), st.sampled_from(["en", "fr"]))
def test_column_wise_sentences_are_text_of_each_reason(case, lang):
    table, params, radii = case
    tr = translator(lang)
    reasons, sentences = explained(table, params, radii, tr)
    assert reasons == explanations(table, params, radii)
    assert len(reasons) == len(table) and all(len(r) == 3 for r in reasons)
    assert sentences == [[text(r, tr) for r in row] for row in reasons]
    assert reasons_for(reasons, tr) == sentences


def test_reasons_for_any_mix_of_codes_and_shapes():
    """Rows of different lengths, every code of other features (QIP siting,
    sole voice), a code given with two shapes of parameters."""
    rows = [
        [
            {"code": "qip_gap", "params": {"score": 0.123456, "rank": 3, "of": 12_000}},
            {"code": "qip_people", "params": {"people": 1_234_567}},
        ],
        [
            {
                "code": "qip_nearest",
                "params": {"absence_m": 5000.0, "title": "Well", "status": "in_progress", "distance_m": 7300.0},
            }
        ],
        [],
        [
            {"code": "sole_voice", "params": {"role": "local_authority", "engagements": 5, "since": "2026-01-02"}},
            {"code": "no_site", "params": {}},
            {"code": "travel_time", "params": {"hours": 0.4, "season": "dry", "straight_m": 12_345.0}},
            {"code": "travel_time", "params": {"hours": 14.2, "season": "rainy", "straight_m": 999.0}},
        ],
        [{"code": "unreachable", "params": {"season": "rainy", "straight_m": 250_000.0}}],
        [{"code": "never_engaged", "params": {"patrol_m": 2000.0, "engagement_m": 2000.0, "qip_m": 5000.0}}],
        [{"code": "never_engaged", "params": {"qip_m": 5000.0, "patrol_m": 900.0, "engagement_m": 2000.0}}],
    ]
    for lang in ("en", "fr"):
        tr = translator(lang)
        assert reasons_for(rows, tr) == [[text(r, tr) for r in row] for row in rows]
