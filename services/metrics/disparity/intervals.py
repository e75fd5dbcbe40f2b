"""A segment's rate against the rest of the traffic: both rates, their ratio and difference, with confidence
intervals (statsmodels: Wilson for each rate, Newcombe's hybrid score for the difference, the adjusted log method
for the ratio), and a verdict only when both sides hold enough observations."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

Verdict = Literal["higher", "lower", "similar", "insufficient_data"]
ALPHA = 0.05
"""95% intervals."""
MIN_SAMPLES = 30
"""Fewer observations on either side: no verdict (the default; a request or a rule may ask for more)."""


@dataclass(frozen=True)
class Interval:
    """A 95% confidence interval."""

    low: float
    high: float


@dataclass(frozen=True)
class Comparison:
    """A segment's rate beside the rest's; the ratio is None when the rest's rate is 0 (undefined)."""

    count: int
    samples: int
    rest_count: int
    rest_samples: int
    rate: float | None
    rate_ci: Interval | None
    rest_rate: float | None
    rest_ci: Interval | None
    ratio: float | None
    ratio_ci: Interval | None
    difference: float | None
    difference_ci: Interval | None
    verdict: Verdict


def compare(count: int, samples: int, rest_count: int, rest_samples: int, min_samples: int = MIN_SAMPLES) -> Comparison:
    """`count` of `samples` in the segment against `rest_count` of `rest_samples` elsewhere.

    The verdict says whether the segment's rate is higher or lower than the rest's: the difference's interval
    lies wholly above or below 0; `similar` when it spans 0; `insufficient_data` when either side has fewer than
    `min_samples` observations (the rates and intervals are still given when there are any)."""
    rate, rate_ci = _rate(count, samples)
    rest_rate, rest_ci = _rate(rest_count, rest_samples)
    ratio = difference = None
    ratio_ci = difference_ci = None
    if samples and rest_samples:
        assert rate is not None and rest_rate is not None
        difference = rate - rest_rate
        difference_ci = _pair(count, samples, rest_count, rest_samples, "diff", "newcomb")
        ratio = rate / rest_rate if rest_rate else None
        ratio_ci = _pair(count, samples, rest_count, rest_samples, "ratio", "log-adjusted")
    verdict: Verdict = "insufficient_data"
    if min(samples, rest_samples) >= max(min_samples, 1) and difference_ci is not None:
        verdict = "higher" if difference_ci.low > 0 else "lower" if difference_ci.high < 0 else "similar"
    return Comparison(
        count,
        samples,
        rest_count,
        rest_samples,
        rate,
        rate_ci,
        rest_rate,
        rest_ci,
        ratio,
        ratio_ci,
        difference,
        difference_ci,
        verdict,
    )


def _rate(count: int, samples: int) -> tuple[float | None, Interval | None]:
    if samples <= 0:
        return None, None
    low, high = proportion_confint(count, samples, alpha=ALPHA, method="wilson")
    return count / samples, Interval(float(low), float(high))


def _pair(count: int, samples: int, rest_count: int, rest_samples: int, compare: str, method: str) -> Interval | None:
    """The interval of the segment's rate compared with the rest's; None where the method has no finite answer."""
    low, high = confint_proportions_2indep(
        count, samples, rest_count, rest_samples, method=method, compare=compare, alpha=ALPHA
    )
    low, high = float(low), float(high)
    if not (math.isfinite(low) and math.isfinite(high)):
        return None
    return Interval(low, high)
