"""Classical test theory item analysis, as Moodle's quiz statistics report computes it. Pure: numpy, no I/O.

Notation (``/work/shared/REFERENCE.md`` section 2): s attempts; x_i the mark on item i, max_i its maximum;
T = sum of x_i (the attempt's total); X_i = T - x_i (rest of test); V and C the *sample* variance and
covariance (divide by s - 1); P items.

Per item (computed over the attempts that were shown the item; an item left unanswered counts 0):

* facility F_i = mean(x_i) / max_i  (0..1);
* sd = SD(x_i) / max_i  (0..1, like Moodle's "standard deviation" column);
* discrimination D_i = C(x_i, X_i) / sqrt(V(x_i) V(X_i)), the item / rest-of-test correlation (-1..1; Moodle
  prints it times 100);
* discriminative efficiency DE_i = C(x_i, X_i) / C_max, C_max the covariance of x_i and X_i each sorted
  ascending on its own (the largest covariance those marks allow); a fraction (Moodle prints it times 100);
* intended weight max_i / the test's maximum (sum max_j when everyone was shown every item; otherwise the mean
  of the attempts' maxima, so that the weight is the item's share of *one* attempt, as Moodle's max_i / sumgrades
  is); a fraction like the others (Moodle prints it times 100);
* effective weight sqrt(C(x_i, T)) / sum sqrt(C(x_j, T)) over the items whose covariance with the total is not
  negative (Moodle leaves it empty for a negative covariance). When attempts were shown different items this is
  computed per *position* in the attempt (``slot_marks``), as Moodle does for random questions, and each item
  is given the mean weight of the positions it held (see :func:`analyse`);
* random guess score: the expected fraction from guessing (supplied by the caller,
  :func:`random_guess_score` for our question types).

Per test: Cronbach's alpha = P/(P-1) (1 - sum V(x_i) / V(T)) (KR-20 for right/wrong items), the error ratio
sqrt(1 - alpha) and the standard error of measurement SD(T) sqrt(1 - alpha), in marks.

Anything that would divide by zero (one attempt, an item everyone got right, a constant total) is ``None``,
never NaN. In a marks matrix, NaN means "this attempt was not shown this item" (random selection from a
blueprint); 0 means shown but wrong or unanswered. Alpha and effective weights need a complete matrix: when
attempts were shown different items, the caller may pass ``slot_marks`` (marks by position in the attempt, as
Moodle does for random questions) and ``positions`` (which position held each item); otherwise they are ``None``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from quiz.domain.bank import Question

# Thresholds of the usual flags (Tarrant et al. 2009; Moodle docs).
FACILITY_LOW = 0.20
FACILITY_HIGH = 0.90
DISCRIMINATION_LOW = 0.20
EFFICIENCY_LOW = 0.15
DISTRACTOR_LOW = 0.05

_EPS = 1e-12


@dataclass(frozen=True)
class Flag:
    """Why an item deserves a look: a short ``code`` for filters and a ``reason`` a trainer can read."""

    code: str  # low_facility | high_facility | negative_discrimination | low_discrimination
    # | low_efficiency | weak_distractor
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "reason": self.reason}


@dataclass(frozen=True)
class OptionShare:
    """One option of an item in the distractor analysis: how many attempts chose it, as a share."""

    label: str  # "A", "B", ... or "True"/"False"
    text: str
    count: int
    share: float  # of the attempts shown the item, 0..1 (a multiple-response item's shares may add up to > 1)
    correct: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ItemInput:
    """What the calculation needs to know about one item besides its marks (all optional but the id)."""

    item_id: str
    max_mark: float = 1.0
    random_guess: float | None = None
    # Distractor analysis: one entry per option (label, text, chosen count, is a key), and the number of
    # attempts that gave no answer.
    options: Sequence[tuple[str, str, int, bool]] = ()
    no_answer: int = 0


@dataclass
class ItemStatistics:
    item_id: str
    attempts: int  # attempts that were shown the item
    max_mark: float
    mean: float | None  # mean mark
    facility: float | None
    sd: float | None
    discrimination: float | None
    discriminative_efficiency: float | None
    intended_weight: float
    effective_weight: float | None
    random_guess: float | None
    options: list[OptionShare] = field(default_factory=list)
    no_answer_share: float | None = None
    flags: list[Flag] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "attempts": self.attempts,
            "max_mark": self.max_mark,
            "mean": self.mean,
            "facility": self.facility,
            "sd": self.sd,
            "discrimination": self.discrimination,
            "discriminative_efficiency": self.discriminative_efficiency,
            "intended_weight": self.intended_weight,
            "effective_weight": self.effective_weight,
            "random_guess": self.random_guess,
            "options": [o.to_dict() for o in self.options],
            "no_answer_share": self.no_answer_share,
            "flags": [f.to_dict() for f in self.flags],
        }


@dataclass
class TestStatistics:
    attempts: int
    items: list[ItemStatistics]
    mean_total: float | None  # mean of T, in marks
    max_total: float | None  # mean of the attempts' maximum totals (constant unless items were random)
    sd_total: float | None
    alpha: float | None
    error_ratio: float | None  # sqrt(1 - alpha), 0.. (Moodle prints it times 100)
    sem: float | None  # standard error of measurement, in marks
    alpha_basis: str | None = None  # "items" | "slots" | None (not computable)

    __test__ = False  # not a pytest class, despite the name

    def to_dict(self) -> dict[str, Any]:
        return {
            "attempts": self.attempts,
            "mean_total": self.mean_total,
            "max_total": self.max_total,
            "sd_total": self.sd_total,
            "alpha": self.alpha,
            "error_ratio": self.error_ratio,
            "sem": self.sem,
            "alpha_basis": self.alpha_basis,
            "items": [i.to_dict() for i in self.items],
        }


# -- small numeric helpers (sample statistics, None when undefined) ------------------------------------------

def _clean(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _var(a: np.ndarray) -> float | None:
    return float(np.var(a, ddof=1)) if a.size >= 2 else None


def _cov(a: np.ndarray, b: np.ndarray) -> float | None:
    if a.size < 2:
        return None
    return float(np.dot(a - a.mean(), b - b.mean()) / (a.size - 1))


def cronbach_alpha(matrix: np.ndarray) -> float | None:
    """Alpha of a complete (attempts x items) matrix; None with fewer than 2 items or attempts, or V(T) = 0."""
    m = np.asarray(matrix, dtype=float)
    if m.ndim != 2 or m.shape[0] < 2 or m.shape[1] < 2 or np.isnan(m).any():
        return None
    p = m.shape[1]
    total_var = float(np.var(m.sum(axis=1), ddof=1))
    if total_var <= _EPS:
        return None
    return _clean(p / (p - 1) * (1.0 - float(np.var(m, axis=0, ddof=1).sum()) / total_var))


# -- the calculation ------------------------------------------------------------------------------------------

def analyse(marks: Any, items: Sequence[ItemInput], *, slot_marks: Any = None, positions: Any = None,
            rest_as_fraction: bool = False) -> TestStatistics:
    """Item and test statistics for ``marks`` (attempts x items; NaN = item not shown in that attempt).

    ``items`` describes the columns in order. ``slot_marks`` (attempts x positions, complete) is used for
    alpha when ``marks`` has gaps, and with ``positions`` (attempts x items: the column of ``slot_marks`` that
    held the item in that attempt, -1 where it was not shown) for the effective weights. ``rest_as_fraction``
    expresses T and X_i as fractions of their maxima in each attempt, so that attempts of tests of different
    lengths can be pooled (bank-wide statistics); with every attempt shown the same items it changes no statistic
    (a constant rescaling).

    Weights when attempts were shown different items (a test drawn from a blueprint):

    * intended weight = max_i / the mean of the attempts' maxima (``max_total``): the item's share of one
      attempt, not of every item anybody was shown;
    * effective weight: Moodle computes it only per slot (for a random question, over the marks of whichever
      question filled the slot). We do the same per position k: w_k = sqrt(C(slot_k, T)) / sum sqrt(C(slot_j, T))
      over the positions whose covariance is not negative (the others' weight is empty), so the weights of one
      attempt add up to 1. An item then gets the **mean of w_k over the attempts that showed it**, k being the
      position it held in each: the share of the spread of the total it carried in a typical attempt of its,
      comparable with its intended weight. A position with an empty weight counts 0 in that mean; an item that
      only ever held such positions gets none. Without ``positions`` (or ``slot_marks``) the effective weights
      of a gappy matrix are ``None``.

    When every attempt was shown every item, weights are per item (the positions are not used).
    """
    m = np.asarray(marks, dtype=float)
    if m.ndim != 2:
        m = m.reshape(0, len(items))
    if m.shape[1] != len(items):
        raise ValueError(f"marks has {m.shape[1]} columns but {len(items)} items were described")
    s = m.shape[0]
    maxima = np.array([float(it.max_mark) for it in items])
    shown = ~np.isnan(m)
    filled = np.where(shown, m, 0.0)
    totals = filled.sum(axis=1)
    row_max = (shown * maxima).sum(axis=1)

    complete = bool(shown.all())
    # the test's maximum: one attempt's (constant) when complete, else the mean of the attempts' maxima
    test_max = float(maxima.sum()) if complete else float(row_max.mean())
    cov_t: list[float | None] = []
    per_item: list[ItemStatistics] = []
    for j, it in enumerate(items):
        mask = shown[:, j]
        n = int(mask.sum())
        x = m[mask, j]
        t = totals[mask]
        rest = t - x
        if rest_as_fraction:
            rest_max = row_max[mask] - maxima[j]
            with np.errstate(divide="ignore", invalid="ignore"):
                rest = np.where(rest_max > 0, rest / rest_max, 0.0)
                t = np.where(row_max[mask] > 0, t / row_max[mask], 0.0)
        mean = float(x.mean()) if n else None
        facility = mean / it.max_mark if n and it.max_mark else None
        v_x = _var(x)
        sd = math.sqrt(v_x) / it.max_mark if v_x is not None and it.max_mark else None
        c_rest = _cov(x, rest)
        v_rest = _var(rest)
        discrimination = None
        efficiency = None
        if c_rest is not None and v_x is not None and v_rest is not None and v_x > _EPS and v_rest > _EPS:
            discrimination = c_rest / math.sqrt(v_x * v_rest)
            c_max = _cov(np.sort(x), np.sort(rest))
            if c_max is not None and c_max > _EPS:
                efficiency = c_rest / c_max
        cov_t.append(_cov(x, t))
        per_item.append(ItemStatistics(
            item_id=it.item_id, attempts=n, max_mark=float(it.max_mark), mean=_clean(mean),
            facility=_clean(facility), sd=_clean(sd), discrimination=_clean(discrimination),
            discriminative_efficiency=_clean(efficiency),
            intended_weight=float(it.max_mark) / test_max if test_max else 0.0, effective_weight=None,
            random_guess=it.random_guess,
        ))

    # Effective weights: per item when everyone saw every item, else per position (see the docstring).
    if complete:
        for stat, weight in zip(per_item, _effective_weights(cov_t)):
            stat.effective_weight = weight
    elif slot_marks is not None and positions is not None:
        _effective_weights_by_position(per_item, shown, np.asarray(slot_marks, dtype=float), positions)

    for stat, it in zip(per_item, items):
        _distractors(stat, it)
        stat.flags = item_flags(stat)

    # Test level.
    basis = None
    alpha = None
    if s >= 2 and complete:
        alpha, basis = cronbach_alpha(m), "items"
    elif slot_marks is not None:
        alpha, basis = cronbach_alpha(np.asarray(slot_marks, dtype=float)), "slots"
    if alpha is None:
        basis = None
    sd_total = math.sqrt(_var(totals)) if s >= 2 else None
    error_ratio = math.sqrt(1.0 - alpha) if alpha is not None and alpha <= 1.0 else None
    sem = sd_total * error_ratio if sd_total is not None and error_ratio is not None else None
    return TestStatistics(
        attempts=s, items=per_item,
        mean_total=_clean(float(totals.mean())) if s else None,
        max_total=_clean(float(row_max.mean())) if s else None,
        sd_total=_clean(sd_total), alpha=_clean(alpha), error_ratio=_clean(error_ratio), sem=_clean(sem),
        alpha_basis=basis,
    )


def _effective_weights(covariances: Sequence[float | None]) -> list[float | None]:
    """sqrt(C) / sum sqrt(C); Moodle leaves out (and blanks) a negative covariance with the total."""
    roots = [math.sqrt(max(c, 0.0)) if c is not None and c >= -_EPS else None for c in covariances]
    denominator = sum(r for r in roots if r is not None)
    if denominator <= _EPS:
        return [None] * len(roots)
    return [None if r is None else r / denominator for r in roots]


def _effective_weights_by_position(per_item: list[ItemStatistics], shown: np.ndarray, slots: np.ndarray,
                                   positions: Any) -> None:
    """Moodle's per-slot effective weights, each item given the mean weight of the positions it held."""
    pos = np.asarray(positions, dtype=float)
    if pos.shape != shown.shape:
        raise ValueError(f"positions has shape {pos.shape} but marks has {shown.shape}")
    if slots.ndim != 2 or slots.shape[0] != shown.shape[0] or np.isnan(slots).any():
        return
    k = slots.shape[1]
    held_at = pos[shown]
    if bool(((held_at < 0) | (held_at >= k) | (held_at != np.floor(held_at))).any()):
        raise ValueError("positions must name a column of slot_marks for every item shown")
    totals = slots.sum(axis=1)
    by_slot = _effective_weights([_cov(slots[:, j], totals) for j in range(k)])
    if all(w is None for w in by_slot):
        return
    # per item, the weights of the positions it held added one after the other in attempt order (as a loop of
    # additions would; a not-shown cell adds 0.0, which changes no sum), over the number of attempts that held it
    weight = np.array([w or 0.0 for w in by_slot] + [0.0])  # the last: not shown
    known = np.array([w is not None for w in by_slot] + [False])
    slot_of = np.where(shown, pos, -1).astype(np.int32)
    held = shown.sum(axis=0)
    weighted = known[slot_of].any(axis=0)
    sums = np.cumsum(weight[slot_of], axis=0)[-1] if len(slot_of) else np.zeros(len(per_item))
    for j, stat in enumerate(per_item):
        if held[j] and weighted[j]:
            stat.effective_weight = float(sums[j]) / int(held[j])


def _distractors(stat: ItemStatistics, it: ItemInput) -> None:
    if not it.options or stat.attempts == 0:
        return
    n = stat.attempts
    stat.options = [OptionShare(label=lab, text=text, count=int(c), share=c / n, correct=bool(ok))
                    for lab, text, c, ok in it.options]
    stat.no_answer_share = it.no_answer / n


def item_flags(stat: ItemStatistics) -> list[Flag]:
    """The usual warnings for one item, each with its reason (thresholds at the top of this module)."""
    flags: list[Flag] = []
    f = stat.facility
    if f is not None and f < FACILITY_LOW:
        flags.append(Flag("low_facility", f"facility {_near(f, FACILITY_LOW)} is below {FACILITY_LOW:.2f}: very "
                                          "few answer it right; check the key and the wording"))
    if f is not None and f > FACILITY_HIGH:
        flags.append(Flag("high_facility", f"facility {_near(f, FACILITY_HIGH)} is above {FACILITY_HIGH:.2f}: "
                                           "almost everyone answers it right (fine for a mastery check; review, do "
                                           "not delete)"))
    d = stat.discrimination
    if d is not None and d < 0:
        flags.append(Flag("negative_discrimination", f"negative discrimination ({d:.2f}): trainees who do well "
                                                     "on the rest of the test do worse here; check the key"))
    elif d is not None and d < DISCRIMINATION_LOW:
        flags.append(Flag("low_discrimination", f"discrimination {_near(d, DISCRIMINATION_LOW)} is below "
                                                f"{DISCRIMINATION_LOW:.2f}: the item barely separates stronger from "
                                                "weaker trainees"))
    e = stat.discriminative_efficiency
    if e is not None and e < EFFICIENCY_LOW:
        flags.append(Flag("low_efficiency", f"discriminative efficiency {e:.0%} is below {EFFICIENCY_LOW:.0%}"))
    for o in stat.options:
        if not o.correct and o.share < DISTRACTOR_LOW:
            flags.append(Flag("weak_distractor", f"distractor {o.label} was chosen by {o.share:.0%} "
                                                 f"(under {DISTRACTOR_LOW:.0%}): it is not drawing anyone"))
    return flags


def _near(value: float, threshold: float) -> str:
    """Two decimals, or three when two would show the threshold itself (0.198 is not '0.20 below 0.20')."""
    text = f"{value:.2f}"
    return f"{value:.3f}" if text == f"{threshold:.2f}" else text


def random_guess_score(q: Question) -> float | None:
    """Expected fraction of the points from a blind guess (Moodle's "random guess score").

    single: 1/k; true/false: 1/2; ordering scored all-or-nothing: 1/n!; numeric: 0; multiple response (under
    any rule: all or nothing, partial or weighted) and partial ordering: None (Moodle gives none for multiple
    response either: a blind guesser may tick any number of options).
    """
    if q.type == "single":
        return 1.0 / len(q.options)
    if q.type == "true_false":
        return 0.5
    if q.type == "numeric":
        return 0.0
    if q.type == "ordering" and q.scoring == "all_or_nothing":
        return 1.0 / math.factorial(len(q.options))
    return None


def option_rows(q: Question, counts: Mapping[int, int]) -> list[tuple[str, str, int, bool]]:
    """Distractor-analysis rows for a question from counts by canonical option index."""
    if q.type not in ("single", "multiple", "true_false"):
        return []
    right = set(q.correct_indexes)
    rows = []
    for i, opt in enumerate(q.options):
        label = opt.text if q.type == "true_false" else _letter(i)
        rows.append((label, opt.text, int(counts.get(i, 0)), i in right))
    return rows


def _letter(i: int) -> str:
    from quiz.domain.bank import LETTERS

    return LETTERS[i]
