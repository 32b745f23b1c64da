"""The reasons of a result are built only for the rows a caller reads
(``GapResult.explained``, kept by ``geo.analysis.reasons.Explainer``): any
rows, asked for in any order, any language, any number of times, must read
exactly what building every row at once gives (the codes of
``reasons.explanations`` over the whole table, each sentence ``reasons.text``
of its reason alone) — before and after writes that replace rows
(``geo.analysis.local.local_update``, the cache's incremental path), and a result handed out
before a write keeps the reasons of its own table (docs/analysis.md#reasons).
Through the cache with committed writes: tests/geo/test_analysis_cache.py."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
from hypothesis import given, note
from hypothesis import strategies as st

from geo.analysis import compute_gaps
from geo.analysis.gaps import GapResult, gap_state
from geo.analysis.local import local_update
from geo.analysis.reasons import explanations
from geo.analysis.tables import prepare
from geo.i18n import translator
from geo.reasons import text

LANGS = ("en", "fr")
# Per-community columns: a community whose columns differ between two inputs must be recomputed.
OWN_COLUMNS = [
    "population",
    "last_engagement_at",
    "last_engagement_kind",
    "last_engagement_id",
    "days_since_engagement",
    "incidents_window",
    "fatalities_window",
    "pressure",
    "distance_to_site_m",
    "nearest_site_id",
]


def full_build(result: GapResult, lang: str) -> dict[int, tuple[list, list]]:
    """Community id → (codes, sentences) of every row built at once, each
    sentence ``text`` of its reason alone, the sole-voice reason appended."""
    tr = translator(lang)
    codes = explanations(result.table, result.params, result.patrol_radii)
    out = {}
    for cid, row in zip(result.table["community_id"].tolist(), codes, strict=True):
        extra = result.sole_voices.get(cid)
        row = [*row, extra] if extra else row
        out[cid] = (row, [text(r, tr) for r in row])
    return out


def assert_reads_as_built_at_once(result: GapResult, rows: pd.DataFrame, lang: str) -> None:
    want = full_build(result, lang)
    codes, sentences = result.explained(rows, translator(lang))
    ids = rows["community_id"].tolist()
    assert codes == [want[c][0] for c in ids]
    assert sentences == [want[c][1] for c in ids]


@st.composite
def worlds(draw, scenario):
    s = scenario()
    home = s.HOME
    n = draw(st.integers(1, 14))
    for i in range(n):
        at = s.at(home, draw(st.floats(0, 359)), draw(st.floats(0, 25_000)))
        s.community(at, population=draw(st.sampled_from([None, 0, 40, 1500])), name=f"c{i}")
    for _ in range(draw(st.integers(0, 10))):
        at = s.at(home, draw(st.floats(0, 359)), draw(st.floats(0, 30_000)))
        s.incident(at, s.AS_OF - timedelta(days=draw(st.integers(0, 120))), fatalities=draw(st.integers(0, 3)))
    for _ in range(draw(st.integers(0, 4))):
        start = s.at(home, draw(st.floats(0, 359)), draw(st.floats(0, 25_000)))
        end = s.at(start, draw(st.floats(0, 359)), draw(st.floats(100, 6000)))
        ended = s.ts(s.AS_OF - timedelta(days=draw(st.integers(-2, 200))))
        s.patrol([start, end], ended, coverage_m=draw(st.sampled_from([None, 1500.0, 8000.0])))
    for _ in range(draw(st.integers(0, 3))):
        at = s.at(home, draw(st.floats(0, 359)), draw(st.floats(0, 25_000)))
        s.engagement(at, s.ts(s.AS_OF - timedelta(days=draw(st.integers(0, 400)))))
    if draw(st.booleans()):
        s.site(s.at(home, draw(st.floats(0, 359)), draw(st.floats(0, 60_000))))
    return s


def requests(n: int):
    """Some rows (positions, any order, repeats allowed) and a language, a few times."""
    rows = st.lists(st.integers(0, n - 1), max_size=n + 2)
    return st.lists(st.tuples(rows, st.sampled_from(LANGS)), min_size=1, max_size=5)


@given(data=st.data())
def test_any_rows_in_any_order_and_language_read_as_every_row_built_at_once(scenario, data):
    s = data.draw(worlds(scenario), label="world")
    p = s.PARAMS.with_(remoteness="distance")
    result = compute_gaps(s.inputs(), p, computed_at=s.COMPUTED_AT)
    n = len(result.table)
    voices = data.draw(st.sets(st.integers(0, n - 1)), label="sole voices at")
    result.sole_voices = {
        int(result.table["community_id"].iloc[i]): {
            "code": "sole_voice",
            "params": {"role": "traditional_leader", "engagements": 3 + i, "since": "2026-03-04"},
        }
        for i in voices
    }
    for positions, lang in data.draw(requests(n), label="requests"):
        assert_reads_as_built_at_once(result, result.table.iloc[positions], lang)
    for lang in LANGS:
        assert_reads_as_built_at_once(result, result.table, lang)


@given(data=st.data())
def test_rows_a_local_update_rewrites_are_built_again_and_the_others_kept(scenario, data):
    """``local_update`` with new inputs, for every community whose columns
    changed and any others: what the state's explainer reads afterwards
    equals a full build of the new inputs; a row built before that the
    update did not rewrite is not built again; the result handed out before
    the update still reads its own table's reasons."""
    s = data.draw(worlds(scenario), label="world")
    p = s.PARAMS.with_(remoteness="distance")
    old_tables = prepare(s.inputs())
    state = gap_state(old_tables, p)
    before = GapResult(state.table(), p, s.COMPUTED_AT, patrol_radii=state.patrol_radii, explainer=state.explainer)
    n = len(before.table)
    asked = data.draw(st.lists(st.integers(0, n - 1), max_size=n), label="read before the write")
    lang = data.draw(st.sampled_from(LANGS), label="language")
    old = dict(
        zip(
            before.table["community_id"].iloc[asked].tolist(),
            before.explained(before.table.iloc[asked], translator(lang))[0],
            strict=True,
        )
    )
    # the write: an incident, a patrol (perhaps with a new coverage radius) or an engagement
    kind = data.draw(st.sampled_from(["incident", "patrol", "engagement"]), label="write")
    at = s.at(s.HOME, data.draw(st.floats(0, 359)), data.draw(st.floats(0, 25_000)))
    if kind == "incident":
        s.incident(at, s.AS_OF - timedelta(days=data.draw(st.integers(0, 80))), fatalities=data.draw(st.integers(0, 5)))
    elif kind == "patrol":
        coverage = data.draw(st.sampled_from([None, 1500.0, 8000.0, 12_500.0]))
        s.patrol([at, s.at(at, 90, 2000)], s.ts(s.AS_OF - timedelta(days=5)), coverage_m=coverage)
    else:
        s.engagement(at, s.ts(s.AS_OF - timedelta(days=9)))
    new_tables = prepare(s.inputs())
    after = compute_gaps(new_tables, p, computed_at=s.COMPUTED_AT)
    mine = before.table.set_index("community_id")[OWN_COLUMNS].sort_index()
    theirs = after.table.set_index("community_id")[OWN_COLUMNS].sort_index()
    changed = [c for c in mine.index if not mine.loc[[c]].equals(theirs.loc[[c]])]
    extra = data.draw(st.sets(st.sampled_from(sorted(mine.index))), label="also recomputed")
    only = sorted(set(changed) | extra)
    note(f"changed {changed}, recomputed {only}")
    radii_before = state.patrol_radii
    written = {t: np.setdiff1d(new_tables[t].ids, old_tables[t].ids) for t in ("incidents", "patrols", "engagements")}
    local_update(state, new_tables, np.array(only, np.int64), {t: ids for t, ids in written.items() if len(ids)})
    now = GapResult(state.table(), p, s.COMPUTED_AT, patrol_radii=state.patrol_radii, explainer=state.explainer)
    pd.testing.assert_frame_equal(now.table, after.table)
    for positions, lang2 in data.draw(requests(n), label="requests after"):
        assert_reads_as_built_at_once(now, now.table.iloc[positions], lang2)
    rows = now.table[now.table["community_id"].isin(list(old))]
    new = dict(zip(rows["community_id"].tolist(), now.explained(rows, translator(lang))[0], strict=True))
    for cid, reasons in old.items():
        kept = cid not in only and state.patrol_radii == radii_before
        assert (new[cid] is reasons) == kept, cid
    assert_reads_as_built_at_once(now, now.table, lang)
    # the result of before the write still reads the reasons of its own rows
    for lang2 in LANGS:
        assert_reads_as_built_at_once(before, before.table, lang2)
