"""The intervals of docs/politics.md#statistics against hand computation and scipy."""

from __future__ import annotations

import math

import pytest
from scipy.stats import binomtest, poisson_means_test

from geo.politics.stats import newcombe, rate_ratio, wilson


def test_rate_ratio_estimate_and_interval_are_the_conditional_binomial_ones():
    # 18 incidents in 240 days after, 6 in 365 days before.
    r = rate_ratio(18, 240, 6, 365)
    assert r.estimate == pytest.approx((18 / 240) / (6 / 365))
    # scipy's exact (Clopper-Pearson) interval of the share after, mapped to a rate ratio by hand.
    ci = binomtest(18, 24).proportion_ci(confidence_level=0.95, method="exact")

    def to_ratio(p: float) -> float:
        return p / (1 - p) * 365 / 240

    assert (r.low, r.high) == pytest.approx((to_ratio(ci.low), to_ratio(ci.high)), rel=1e-9)
    assert r.p_value == pytest.approx(binomtest(18, 24, 240 / 605).pvalue)
    assert r.low > 1  # the rise is beyond chance
    # Another test of the same question (the E-test) agrees that it is.
    assert poisson_means_test(18, 240, 6, 365).pvalue < 0.01


def test_rate_ratio_limits_in_closed_form():
    # No incident before: no finite estimate or upper end; the lower end is (α/2)^(1/n) on the share.
    r = rate_ratio(5, 100, 0, 100)
    share_low = 0.025 ** (1 / 5)
    assert r.estimate is None and r.high is None
    assert r.low == pytest.approx(share_low / (1 - share_low))
    # No incident after: the lower end is 0, the upper end from 1 − (α/2)^(1/n).
    r = rate_ratio(0, 100, 4, 50)
    share_high = 1 - 0.025 ** (1 / 4)
    assert r.estimate == 0 and r.low == 0
    assert r.high == pytest.approx(share_high / (1 - share_high) * 50 / 100)
    assert rate_ratio(0, 10, 0, 10).estimate is None
    # Equal rates: the interval holds 1 and the tests see nothing.
    r = rate_ratio(30, 100, 30, 100)
    assert r.estimate == 1 and r.low < 1 < r.high and r.p_value == pytest.approx(1.0)
    assert poisson_means_test(30, 100, 30, 100).pvalue > 0.5


@pytest.mark.parametrize(("k", "n"), [(0, 10), (3, 10), (62, 100), (41, 150), (150, 150)])
def test_wilson_is_scipys_wilson_interval(k, n):
    low, high = wilson(k / n, n)
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert (low, high) == pytest.approx((ci.low, ci.high), abs=1e-12)


def test_newcombe_matches_the_published_example():
    # Newcombe (1998), Statistics in Medicine 17:873, example (a): 56/70 − 48/80, method 10: 0.0524 to 0.3339.
    low, high = newcombe(48 / 80, 80, 56 / 70, 70)
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)
    # A fall: the whole interval below 0.
    low, high = newcombe(0.62, 300, 0.41, 300)
    assert high < 0 and low < 0.41 - 0.62 < high
    assert math.isclose(newcombe(0.5, 100, 0.5, 100)[0], -newcombe(0.5, 100, 0.5, 100)[1])
