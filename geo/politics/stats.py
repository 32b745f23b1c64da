"""The intervals the local-politics figures carry (docs/politics.md#statistics).

- :func:`rate_ratio`: incidents after / before an agreement as a ratio of
  Poisson rates, with the exact interval of the conditional binomial method:
  given ``n = k_after + k_before`` incidents, ``k_after`` is binomial with
  ``p = t_after·R / (t_after·R + t_before)``; the Clopper–Pearson interval of
  ``p`` (scipy's beta quantiles) maps to ``R = p/(1−p) · t_before/t_after``.
- :func:`wilson`: the Wilson score interval of a proportion from its sample size.
- :func:`newcombe`: the interval of a difference of two proportions from their
  Wilson intervals (Newcombe 1998, method 10).

Hand-written where scipy has no closed form for exactly this use (the rate
ratio's mapping, Newcombe's combination); the quantiles are scipy's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

LEVEL = 0.95


@dataclass(frozen=True)
class RateRatio:
    """``estimate`` is None when nothing happened before (no finite ratio) or
    nothing at all; ``high`` is None when unbounded (no incident before)."""

    estimate: float | None
    low: float | None
    high: float | None
    p_value: float | None

    def as_dict(self) -> dict:
        """JSON-ready, with the method named.

        Returns
        -------
        dict
        """
        return {
            "estimate": self.estimate,
            "low": self.low,
            "high": self.high,
            "p_value": self.p_value,
            "level": LEVEL,
            "method": "exact conditional binomial (Clopper-Pearson)",
        }


def rate_ratio(k_after: int, t_after: float, k_before: int, t_before: float, level: float = LEVEL) -> RateRatio:
    """Ratio of the incident rate after to the rate before, with its exact interval.

    Parameters
    ----------
    k_after, k_before : int
        Incidents counted in each period.
    t_after, t_before : float
        Each period's length (days); both > 0.
    level : float
        Confidence level of the interval.

    Returns
    -------
    RateRatio
        Estimate ``(k_after/t_after) / (k_before/t_before)``, the interval
        and the two-sided p-value of "the rate did not change".
    """
    if t_after <= 0 or t_before <= 0:
        raise ValueError("both periods must be longer than 0 days")
    n = k_after + k_before
    if n == 0:
        return RateRatio(None, None, None, None)
    alpha = 1 - level
    from scipy.stats import beta, binomtest  # scipy.stats takes ~1 s to import: on first use (cold start)

    p_low = 0.0 if k_after == 0 else float(beta.ppf(alpha / 2, k_after, n - k_after + 1))
    p_high = 1.0 if k_after == n else float(beta.ppf(1 - alpha / 2, k_after + 1, n - k_after))
    scale = t_before / t_after
    low = p_low / (1 - p_low) * scale
    high = None if p_high >= 1 else p_high / (1 - p_high) * scale
    estimate = None if k_before == 0 else (k_after / t_after) / (k_before / t_before)
    p_value = float(binomtest(k_after, n, t_after / (t_after + t_before)).pvalue)
    return RateRatio(estimate, low, high, p_value)


def _z(level: float) -> float:
    from scipy.stats import norm  # on first use (cold start)

    return float(norm.ppf(1 - (1 - level) / 2))


def wilson(p: float, n: float, level: float = LEVEL) -> tuple[float, float]:
    """The Wilson score interval of a proportion.

    Parameters
    ----------
    p : float
        The observed share (0–1).
    n : float
        The sample size it rests on (> 0).
    level : float

    Returns
    -------
    tuple of (float, float)
        Low and high, within 0–1.
    """
    z = _z(level)
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe(p1: float, n1: float, p2: float, n2: float, level: float = LEVEL) -> tuple[float, float]:
    """The interval of ``p2 − p1`` from the two Wilson intervals (Newcombe's hybrid score method).

    Parameters
    ----------
    p1, n1 : float
        The earlier share and its sample size.
    p2, n2 : float
        The later share and its sample size.
    level : float

    Returns
    -------
    tuple of (float, float)
        Low and high of the change; a high below 0 is a fall beyond chance.
    """
    l1, u1 = wilson(p1, n1, level)
    l2, u2 = wilson(p2, n2, level)
    d = p2 - p1
    return d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2), d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
