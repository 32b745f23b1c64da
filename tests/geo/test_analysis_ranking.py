"""The cache re-ranks after a write by moving only the rows whose score
changed (``geo.analysis.gaps.ranked``); the order must be exactly the one a
full sort gives: score descending, ties by id (docs/analysis.md#gap-score)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.analysis.gaps import ranked


def reference(score: np.ndarray, ids: np.ndarray) -> list[int]:
    """Sorted by Python's own sort of (-score, id) pairs."""
    return sorted(range(len(score)), key=lambda i: (-score[i], ids[i]))


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_moving_changed_rows_equals_a_full_sort(data):
    n = data.draw(st.integers(1, 300))
    levels = st.sampled_from([0.0, 0.25, 0.5, 1.0, 2.0])  # few values: many ties
    score = np.array(data.draw(st.lists(st.one_of(levels, st.floats(0, 3)), min_size=n, max_size=n)))
    ids = np.array(data.draw(st.permutations(range(1, 3 * n + 1)))[:n], np.int64)
    first = ranked(score, ids)
    assert first.order.tolist() == reference(score, ids)
    last = first
    for _ in range(3):
        changed = data.draw(st.lists(st.integers(0, n - 1), max_size=max(1, n // 15)))
        new = last.score.copy()
        for i in changed:
            new[i] = data.draw(st.one_of(levels, st.floats(0, 3)))
        last = ranked(new, ids, last)
        assert last.order.tolist() == reference(new, ids)
