"""How sure an item statistic is: 95% intervals, and flags raised only where the interval supports them.

With random draws per attempt an item may be seen by a handful of trainees; a facility of 0.10 from 4 answers
says little. Each figure therefore comes with ``n`` and an interval, and a flag is raised only when the whole
interval lies on the wrong side of the usual threshold (:mod:`quiz.domain.statistics`):

>>> wilson_interval(0.5, 40)                 # facility 0.5 from 40 answers
(0.352..., 0.647...)
>>> correlation_interval(0.30, 40)           # item-rest correlation 0.30 from 40 attempts
(-0.01..., 0.56...)
>>> supported_flags(facility=0.05, facility_ci=(0.01, 0.16), discrimination=None, discrimination_ci=None)
['low_facility']

Pure functions; no database.
"""

from __future__ import annotations

import math

from quiz.domain.statistics import DISCRIMINATION_LOW, FACILITY_HIGH, FACILITY_LOW

Z95 = 1.959963984540054

FLAG_TEXT = {
    "negative_discrimination": "discrimination is below 0 with 95% confidence: those who do well elsewhere do "
                               "worse here; check the key",
    "low_discrimination": f"discrimination is below {DISCRIMINATION_LOW:.2f} with 95% confidence: the item barely "
                          "separates stronger from weaker trainees",
    "low_facility": f"facility is below {FACILITY_LOW:.2f} with 95% confidence: check the key and the wording",
    "high_facility": f"facility is above {FACILITY_HIGH:.2f} with 95% confidence: almost everyone gets it right "
                     "(review, do not delete)",
}


def wilson_interval(proportion: float | None, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion (a facility) observed over ``n`` answers; None for n = 0.

    For partly scored items the facility is a mean fraction; the interval treats it as a proportion, which is
    close enough to judge whether a flag is supported."""
    if proportion is None or n <= 0:
        return None
    p = min(1.0, max(0.0, proportion))
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def correlation_interval(r: float | None, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The interval of a correlation (the item-rest discrimination) by Fisher's z; None when n < 4."""
    if r is None or n < 4 or math.isnan(r):
        return None
    r = min(0.999999, max(-0.999999, r))
    centre = math.atanh(r)
    half = z / math.sqrt(n - 3)
    return math.tanh(centre - half), math.tanh(centre + half)


def supported_flags(*, facility: float | None, facility_ci: tuple[float, float] | None,
                    discrimination: float | None, discrimination_ci: tuple[float, float] | None) -> list[str]:
    """The flags whose whole 95% interval lies past the threshold, most serious first."""
    flags: list[str] = []
    if discrimination_ci is not None:
        if discrimination_ci[1] < 0:
            flags.append("negative_discrimination")
        elif discrimination_ci[1] < DISCRIMINATION_LOW:
            flags.append("low_discrimination")
    if facility_ci is not None:
        if facility_ci[1] < FACILITY_LOW:
            flags.append("low_facility")
        elif facility_ci[0] > FACILITY_HIGH:
            flags.append("high_facility")
    return flags


def suspicion(flags: list[str], discrimination: float | None, facility: float | None) -> tuple:
    """A sort key: the most suspicious item first (a supported negative discrimination, then others)."""
    order = list(FLAG_TEXT)
    worst = min((order.index(f) for f in flags), default=len(order))
    return (worst, discrimination if discrimination is not None else 1.0,
            abs((facility if facility is not None else 0.5) - 0.5) * -1)
