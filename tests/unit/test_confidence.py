"""95% intervals of item statistics and the flags they support, against textbook values."""

from __future__ import annotations

import math

import pytest

from quiz.domain.confidence import correlation_interval, supported_flags, suspicion, wilson_interval


def test_wilson_interval_matches_the_textbook_values():
    # Newcombe (1998), Table I: 15/148 -> 0.0624 to 0.1605; 0/20 -> 0 to 0.1611.
    lo, hi = wilson_interval(15 / 148, 148)
    assert (round(lo, 4), round(hi, 4)) == (0.0624, 0.1605)
    lo, hi = wilson_interval(0.0, 20)
    assert lo == 0.0 and round(hi, 4) == 0.1611
    assert wilson_interval(0.5, 0) is None and wilson_interval(None, 10) is None


def test_correlation_interval_is_fishers_z():
    lo, hi = correlation_interval(0.30, 40)
    z, se = math.atanh(0.30), 1 / math.sqrt(37)
    assert (lo, hi) == pytest.approx((math.tanh(z - 1.959964 * se), math.tanh(z + 1.959964 * se)), abs=1e-6)
    assert correlation_interval(0.5, 3) is None and correlation_interval(None, 50) is None
    assert correlation_interval(1.0, 50)[1] <= 1.0


def test_a_flag_needs_the_whole_interval_past_its_threshold():
    few = wilson_interval(0.0, 4)  # nobody of 4 got it right: upper bound about 0.49, not supported
    assert supported_flags(facility=0.0, facility_ci=few, discrimination=None, discrimination_ci=None) == []
    many = wilson_interval(0.05, 60)
    assert supported_flags(facility=0.05, facility_ci=many, discrimination=None, discrimination_ci=None) == [
        "low_facility"]
    assert supported_flags(facility=0.97, facility_ci=wilson_interval(0.97, 200), discrimination=None,
                           discrimination_ci=None) == ["high_facility"]
    neg = correlation_interval(-0.45, 40)
    assert supported_flags(facility=0.5, facility_ci=wilson_interval(0.5, 40), discrimination=-0.45,
                           discrimination_ci=neg) == ["negative_discrimination"]
    # -0.2 from 12 answers: the interval reaches well above 0.2, so nothing is flagged
    assert supported_flags(facility=0.5, facility_ci=None, discrimination=-0.2,
                           discrimination_ci=correlation_interval(-0.2, 12)) == []


def test_most_suspicious_sorts_first():
    keys = {
        "neg": suspicion(["negative_discrimination"], -0.4, 0.5),
        "low": suspicion(["low_facility"], 0.3, 0.1),
        "fine": suspicion([], 0.5, 0.6),
    }
    assert sorted(keys, key=keys.get) == ["neg", "low", "fine"]
