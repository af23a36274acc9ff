"""Standard setting (modified Angoff and Hofstee): pure maths, no database.

A panel of raters judges, item by item, the probability that a *borderline competent* candidate answers the
item correctly. Ratings here are fractions 0..1 (the pages collect 0-100 % in steps of 5).

``ratings`` everywhere is ``{question_id: {rater_id: rating}}``.

Formulas (each checked by hand in ``tests/unit/test_standard_setting.py``):

* Per item: mean, sample standard deviation (n - 1) and number of ratings n.
* Item value used in a cut score: the mean rating when the item has at least ``min_ratings`` (3) ratings,
  otherwise the exam's default pass mark (the "fallback").
* Cut score of one drawn set of items (a per-attempt pass mark, fraction of the maximum score):
  ``sum(p_i * points_i) / sum(points_i)``.
* Cut score of a blueprint (``n_t`` items per topic, drawn from the topic's pool):
  ``sum_t n_t * avg_{i in t}(p_i * points_i) / sum_t n_t * avg_{i in t}(points_i)``: the expected
  per-attempt cut score's numerator over the expected maximum.
* Its standard error: each rater's own cut score is computed with the same formula, their own rating standing
  for ``p_i`` where they gave one and the panel's value where they did not (so the mean of the raters' cut
  scores equals the panel's); ``SE = SD(rater cut scores) / sqrt(R)`` over the R raters with a rating
  (the usual standard error of an Angoff cut, e.g. Cizek and Bunch 2007).
* Rater disagreement: for each rater, the mean absolute difference between their rating and the mean of the
  *other* raters' ratings of the same item, over items at least one other rater rated.
* Reliability: intraclass correlation, two-way random effects, absolute agreement (Shrout and Fleiss 1979),
  on the complete items x raters table (the items every counted rater rated):
  ``MSR = k * sum_i (mean_i - M)^2 / (n - 1)``, ``MSC = n * sum_j (mean_j - M)^2 / (k - 1)``,
  ``MSE = (SST - SSR - SSC) / ((n - 1)(k - 1))``;
  ``ICC(2,1) = (MSR - MSE) / (MSR + (k - 1) MSE + k (MSC - MSE) / n)`` (one rater),
  ``ICC(2,k) = (MSR - MSE) / (MSR + (MSC - MSE) / n)`` (the panel's mean, the one that matters for the cut).
* Hofstee compromise: the line from (k_min, f_max) to (k_max, f_min) meets the observed fail-rate curve
  ``F(c) = share of scores below c``; the cut is the smallest c in [k_min, k_max] where F(c) >= line(c)
  (k_min if the curve is already above the line there, k_max if it never reaches it).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

MIN_RATINGS = 3
RATING_STEP = 5  # percent

Ratings = Mapping[str, Mapping[int, float]]


@dataclass(frozen=True)
class ItemSummary:
    question_id: str
    n: int
    mean: float | None
    sd: float | None  # sample SD; None below 2 ratings
    low: float | None
    high: float | None


@dataclass(frozen=True)
class RaterDisagreement:
    rater_id: int
    items: int  # items compared (rated by this rater and at least one other)
    mean_abs_diff: float  # fraction 0..1
    mean_signed_diff: float  # > 0: this rater is more lenient (expects more) than the others


@dataclass(frozen=True)
class Reliability:
    icc_single: float | None  # ICC(2,1)
    icc_average: float | None  # ICC(2,k)
    items: int
    raters: int


@dataclass(frozen=True)
class CutScore:
    cut: float  # fraction of the maximum score
    se: float | None
    raters: int
    rater_cuts: dict[int, float] = field(default_factory=dict)
    fallback_ids: tuple[str, ...] = ()  # items valued at the default pass mark (fewer than min_ratings)


@dataclass(frozen=True)
class AttemptCut:
    pass_mark: float
    fallback_ids: tuple[str, ...]


@dataclass(frozen=True)
class Hofstee:
    cut: float
    fail_rate: float  # on the line at the cut


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def sample_sd(values: Sequence[float]) -> float | None:
    if len(values) < 2:
        return None
    m = mean(values)
    return math.sqrt(sum((v - m) ** 2 for v in values) / (len(values) - 1))


def check_rating(percent: object) -> int:
    """A rating as given on a page: a whole number 0..100 in steps of 5 (ValueError otherwise)."""
    if isinstance(percent, bool) or not isinstance(percent, int | float):
        raise ValueError("A rating is a number from 0 to 100.")
    if not math.isfinite(percent) or percent != int(percent) or not 0 <= percent <= 100 \
            or int(percent) % RATING_STEP:
        raise ValueError(f"A rating is a whole percentage from 0 to 100 in steps of {RATING_STEP}.")
    return int(percent)


def item_summaries(ratings: Ratings) -> dict[str, ItemSummary]:
    out = {}
    for qid, by_rater in ratings.items():
        values = list(by_rater.values())
        out[qid] = ItemSummary(qid, len(values), mean(values) if values else None, sample_sd(values),
                               min(values) if values else None, max(values) if values else None)
    return out


def item_value(ratings: Ratings, question_id: str, default: float, min_ratings: int = MIN_RATINGS) -> float:
    """The item's value in a cut score: its mean rating, or ``default`` below ``min_ratings`` ratings."""
    values = list((ratings.get(question_id) or {}).values())
    return mean(values) if len(values) >= min_ratings else default


def attempt_cut(items: Iterable[tuple[str, float]], ratings: Ratings, default: float,
                min_ratings: int = MIN_RATINGS) -> AttemptCut:
    """The pass mark of one attempt from the (question id, points) it drew: sum(p_i * pts_i) / sum(pts_i)."""
    items = list(items)
    total = sum(p for _, p in items)
    if total <= 0:
        return AttemptCut(default, ())
    fallback = tuple(q for q, _ in items if len(ratings.get(q) or {}) < min_ratings)
    cut = sum(item_value(ratings, q, default, min_ratings) * p for q, p in items) / total
    return AttemptCut(cut, fallback)


def _blueprint_cut(values: Mapping[str, float], pool: Mapping[str, Sequence[tuple[str, float]]],
                   counts: Mapping[str, int]) -> float | None:
    num = den = 0.0
    for topic, n in counts.items():
        items = pool.get(topic) or []
        if not n or not items:
            continue
        num += n * mean([values[q] * p for q, p in items])
        den += n * mean([p for _, p in items])
    return num / den if den > 0 else None


def blueprint_cut(pool: Mapping[str, Sequence[tuple[str, float]]], counts: Mapping[str, int], ratings: Ratings,
                  default: float, min_ratings: int = MIN_RATINGS) -> CutScore | None:
    """The cut score of a blueprint (``counts`` items per topic drawn from ``pool[topic]`` of (question id,
    points)) and its standard error over the raters' own cut scores. None when the pool is empty."""
    ids = [q for items in pool.values() for q, _ in items]
    panel = {q: item_value(ratings, q, default, min_ratings) for q in ids}
    cut = _blueprint_cut(panel, pool, counts)
    if cut is None:
        return None
    fallback = tuple(q for q in ids if len(ratings.get(q) or {}) < min_ratings)
    raters = sorted({r for q in ids for r in (ratings.get(q) or {})})
    rater_cuts: dict[int, float] = {}
    for r in raters:
        own = {q: (ratings[q][r] if q not in fallback and r in (ratings.get(q) or {}) else panel[q]) for q in ids}
        rater_cuts[r] = _blueprint_cut(own, pool, counts) or 0.0
    sd = sample_sd(list(rater_cuts.values()))
    se = sd / math.sqrt(len(raters)) if sd is not None else None
    return CutScore(cut, se, len(raters), rater_cuts, fallback)


def rater_disagreement(ratings: Ratings) -> list[RaterDisagreement]:
    """Raters by how far they are from the rest of the panel, most different first."""
    diffs: dict[int, list[float]] = {}
    for by_rater in ratings.values():
        if len(by_rater) < 2:
            continue
        total = sum(by_rater.values())
        for r, v in by_rater.items():
            others = (total - v) / (len(by_rater) - 1)
            diffs.setdefault(r, []).append(v - others)
    out = [RaterDisagreement(r, len(d), mean([abs(x) for x in d]), mean(d)) for r, d in diffs.items()]
    return sorted(out, key=lambda x: (-x.mean_abs_diff, x.rater_id))


def icc(ratings: Ratings, raters: Iterable[int] | None = None) -> Reliability:
    """ICC(2,1) and ICC(2,k) on the items rated by every one of ``raters`` (default: every rater who rated)."""
    rs = sorted(set(raters) if raters is not None else {r for by in ratings.values() for r in by})
    items = sorted(q for q, by in ratings.items() if rs and all(r in by for r in rs))
    n, k = len(items), len(rs)
    if n < 2 or k < 2:
        return Reliability(None, None, n, k)
    y = [[ratings[q][r] for r in rs] for q in items]
    grand = mean([v for row in y for v in row])
    row_means = [mean(row) for row in y]
    col_means = [mean([y[i][j] for i in range(n)]) for j in range(k)]
    ssr = k * sum((m - grand) ** 2 for m in row_means)
    ssc = n * sum((m - grand) ** 2 for m in col_means)
    sst = sum((v - grand) ** 2 for row in y for v in row)
    msr, msc = ssr / (n - 1), ssc / (k - 1)
    mse = max(sst - ssr - ssc, 0.0) / ((n - 1) * (k - 1))
    d1 = msr + (k - 1) * mse + k * (msc - mse) / n
    dk = msr + (msc - mse) / n
    single = (msr - mse) / d1 if d1 > 1e-12 else None
    average = (msr - mse) / dk if dk > 1e-12 else None
    return Reliability(single, average, n, k)


def complete_raters(ratings: Ratings, pool: Iterable[str]) -> list[int]:
    """The raters who rated every item of the pool."""
    pool = list(pool)
    everyone = {r for by in ratings.values() for r in by}
    return sorted(r for r in everyone if all(r in (ratings.get(q) or {}) for q in pool))


def hofstee(scores: Sequence[float], k_min: float, k_max: float, f_min: float, f_max: float) -> Hofstee | None:
    """The Hofstee compromise cut (all arguments fractions 0..1); None without scores or with a bad window."""
    if not scores or not k_min < k_max or not f_min < f_max:
        return None
    xs = sorted(scores)
    n = len(xs)

    def line(c: float) -> float:
        return f_max - (f_max - f_min) * (c - k_min) / (k_max - k_min)

    def below(c: float) -> float:  # share of scores strictly below c
        return bisect_left(xs, c) / n

    if below(k_min) >= line(k_min):
        return Hofstee(k_min, line(k_min))
    points = [k_min] + sorted({x for x in xs if k_min < x < k_max}) + [k_max]
    for a, b in zip(points, points[1:], strict=False):
        level = bisect_right(xs, a) / n  # F on (a, b]
        if level >= line(a):
            return Hofstee(a, line(a))
        c = k_min + (f_max - level) * (k_max - k_min) / (f_max - f_min)
        if c <= b:
            return Hofstee(c, level)
    return Hofstee(k_max, line(k_max))


def facility_near_cut(attempts: Iterable[tuple[float, Mapping[str, tuple[float, float]]]], cut: float,
                      band: float = 0.10) -> dict[str, tuple[float, int]]:
    """Per item, the facility (score / max) among attempts whose percent is within ``band`` of ``cut``, and
    how many such attempts drew it. ``attempts``: (percent, {question_id: (score, max)})."""
    sums: dict[str, list[float]] = {}
    for percent, items in attempts:
        if percent is None or abs(percent - cut) > band + 1e-9:
            continue
        for qid, (score, top) in items.items():
            if top and top > 0:
                acc = sums.setdefault(qid, [0.0, 0.0, 0])
                acc[0] += score or 0.0
                acc[1] += top
                acc[2] += 1
    return {q: (s / m, int(c)) for q, (s, m, c) in sums.items()}


def pass_rate(results: Iterable[tuple[float, float]]) -> float | None:
    """Share of (percent, pass mark) pairs that pass (percent >= mark, as the grading does)."""
    results = list(results)
    if not results:
        return None
    return sum(1 for p, m in results if p >= m - 1e-9) / len(results)
