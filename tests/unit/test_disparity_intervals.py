"""A segment's rate against the rest: intervals from statsmodels, and no verdict below the minimum sample size."""

from __future__ import annotations

import pytest

from telltale_server.services.metrics.disparity.intervals import MIN_SAMPLES, compare


def test_a_segment_served_worse_is_higher_with_intervals_around_its_numbers() -> None:
    found = compare(20, 40, 16, 160)
    assert (found.rate, found.rest_rate) == (0.5, 0.1)
    assert found.ratio == pytest.approx(5.0) and found.difference == pytest.approx(0.4)
    assert found.rate_ci is not None and found.rate_ci.low == pytest.approx(0.3519, abs=1e-4)
    assert found.rate_ci.high == pytest.approx(0.6481, abs=1e-4), "Wilson's interval for 20 of 40"
    assert found.difference_ci is not None and 0 < found.difference_ci.low < 0.4 < found.difference_ci.high
    assert found.ratio_ci is not None and 1 < found.ratio_ci.low < 5 < found.ratio_ci.high
    assert found.verdict == "higher"


def test_lower_and_similar() -> None:
    assert compare(2, 200, 40, 200).verdict == "lower"
    assert compare(11, 100, 10, 100).verdict == "similar", "a 1-point difference on 100 calls a side is noise"


def test_no_verdict_below_the_minimum_on_either_side() -> None:
    assert MIN_SAMPLES == 30
    assert compare(15, 29, 10, 1000).verdict == "insufficient_data"
    assert compare(15, 30, 10, 1000).verdict == "higher"
    assert compare(900, 1000, 1, 29).verdict == "insufficient_data", "the rest counts too"
    assert compare(15, 40, 10, 1000, min_samples=41).verdict == "insufficient_data"
    kept = compare(15, 29, 10, 1000)
    assert kept.rate == pytest.approx(15 / 29) and kept.ratio is not None, "the numbers stay without a verdict"


def test_empty_sides_and_a_rest_rate_of_zero() -> None:
    nothing = compare(0, 0, 5, 100)
    assert nothing.rate is None and nothing.ratio is None and nothing.difference is None
    assert nothing.verdict == "insufficient_data"
    zero_rest = compare(10, 100, 0, 100)
    assert zero_rest.ratio is None, "no ratio to a rate of 0"
    assert zero_rest.difference == pytest.approx(0.1) and zero_rest.verdict == "higher"
    none_at_all = compare(0, 100, 0, 100)
    assert none_at_all.rate_ci is not None and none_at_all.rate_ci.low == 0.0 and none_at_all.verdict == "similar"
