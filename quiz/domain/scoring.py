"""Scoring: pure functions from (question, answer) to a score. No database, no UI.

Answers are in *canonical* form, independent of the order options were shown in:

=============  ==========================================================  =====================
type           answer                                                      empty answer
=============  ==========================================================  =====================
single         index of the chosen option (int)                            ``None``
multiple       indexes of the chosen options (list of int)                 ``None`` or ``[]``
true_false     ``True`` or ``False``                                       ``None``
ordering       option indexes in the order the trainee put them (list);    ``None``
               while being built, the steps placed so far (a prefix)
numeric        a number                                                    ``None``
=============  ==========================================================  =====================

Rules (the same text is in question_bank/README.md):

* single, true/false, numeric (within key +/- tolerance): full points if right, else 0.
* multiple, ``all_or_nothing``: full points only for exactly the right set.
* multiple, ``partial``: each right pick earns 1/R, each wrong pick costs 1/W (R right and W wrong options),
  floored at 0; picking every option therefore scores 0.
* multiple, ``weighted`` (Moodle/GIFT style): each option carries a weight, a percentage of the item's points
  (right options positive, adding up to 100; wrong options 0 or negative). The score is the sum of the picked
  options' weights, floored at 0 and capped at 100%. (Exactly: divided by the positive weights' total, which is
  100 within 0.01, so that picking every right option earns full marks even with thirds written as 33.33.)
* ordering, ``all_or_nothing``: full points only for the exact order; ``partial``: the share of the n-1
  neighbouring pairs of the right order that the answer keeps in the right relative order (adjacent).
  An order that does not yet place every step (saved while the trainee builds it) scores 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from quiz.domain.bank import Question


class InvalidAnswer(ValueError):
    """An answer that cannot belong to the question (wrong type, unknown option)."""


@dataclass(frozen=True)
class ItemScore:
    score: float
    max_score: float
    correct: bool

    @property
    def fraction(self) -> float:
        return self.score / self.max_score if self.max_score else 0.0


def is_empty(answer: Any) -> bool:
    return answer is None or (isinstance(answer, (list, str)) and len(answer) == 0)


def is_complete(q: Question, answer: Any) -> bool:
    """Whether ``answer`` (canonical) is a whole answer: given, and for ordering, placing every step."""
    if is_empty(answer):
        return False
    return q.type != "ordering" or len(answer) == len(q.options)


def normalise_answer(q: Question, answer: Any) -> Any:
    """Check an answer's shape against the question and return it in canonical form (or raise)."""
    if is_empty(answer):
        return None
    n = len(q.options)
    if q.type == "single":
        if isinstance(answer, bool) or not isinstance(answer, int) or not 0 <= answer < n:
            raise InvalidAnswer(f"not an option of {q.id}: {answer!r}")
        return answer
    if q.type == "true_false":
        if not isinstance(answer, bool):
            raise InvalidAnswer(f"a true/false answer must be true or false, not {answer!r}")
        return answer
    if q.type == "multiple":
        if not isinstance(answer, (list, tuple, set)) or any(
            isinstance(a, bool) or not isinstance(a, int) or not 0 <= a < n for a in answer
        ):
            raise InvalidAnswer(f"not options of {q.id}: {answer!r}")
        return sorted(set(answer))
    if q.type == "ordering":
        # Every step at most once; fewer than all of them is a partly built order (kept, scores 0).
        if (not isinstance(answer, (list, tuple))
                or any(isinstance(a, bool) or not isinstance(a, int) or not 0 <= a < n for a in answer)
                or len(set(answer)) != len(answer)):
            raise InvalidAnswer(f"an ordering answer places options of {q.id}, each at most once: {answer!r}")
        return list(answer)
    if q.type == "numeric":
        if isinstance(answer, bool):
            raise InvalidAnswer("a numeric answer must be a number")
        try:
            value = float(answer)
        except (TypeError, ValueError):
            raise InvalidAnswer(f"not a number: {answer!r}") from None
        if not math.isfinite(value):
            raise InvalidAnswer("a numeric answer must be a finite number")
        return value
    raise InvalidAnswer(f"unknown question type {q.type}")  # pragma: no cover


def score_fraction(q: Question, answer: Any) -> float:
    """The share of the item's points earned, 0..1 (answer in canonical form)."""
    if is_empty(answer):
        return 0.0
    if q.type in ("single", "true_false"):
        return 1.0 if answer == q.key else 0.0
    if q.type == "numeric":
        return 1.0 if abs(float(answer) - float(q.key)) <= float(q.tolerance or 0) + 1e-9 else 0.0
    if q.type == "multiple":
        right = set(q.key)  # type: ignore[arg-type]
        picked = set(answer)
        if q.scoring == "all_or_nothing":
            return 1.0 if picked == right else 0.0
        if q.scoring == "weighted":
            return weighted_fraction(q.weights, picked)
        wrong = set(range(len(q.options))) - right
        gain = len(picked & right) / len(right)
        loss = len(picked - right) / len(wrong) if wrong else 0.0
        return max(0.0, min(1.0, gain - loss))
    if q.type == "ordering":
        key = list(q.key)  # type: ignore[arg-type]
        if len(answer) != len(key):  # not every step placed yet
            return 0.0
        if q.scoring == "all_or_nothing" or len(key) < 2:
            return 1.0 if list(answer) == key else 0.0
        pos = {opt: i for i, opt in enumerate(answer)}
        kept = sum(1 for a, b in zip(key, key[1:]) if pos[b] == pos[a] + 1)
        return kept / (len(key) - 1)
    raise InvalidAnswer(f"unknown question type {q.type}")  # pragma: no cover


def weighted_fraction(weights: list[float], picked: set[int]) -> float:
    """``scoring: weighted``: the picked options' weights (percent) added, as a share of the positive weights'
    total (100), kept in 0..1."""
    total = sum(w for w in weights if w > 0)
    if total <= 0:
        return 0.0
    return max(0.0, min(1.0, sum(weights[i] for i in picked) / total))


def score_item(q: Question, answer: Any) -> ItemScore:
    frac = score_fraction(q, answer)
    return ItemScore(score=round(frac * q.points, 6), max_score=q.points, correct=frac >= 1.0 - 1e-9)


@dataclass(frozen=True)
class TotalScore:
    score: float
    max_score: float
    percent: float  # 0..1
    passed: bool | None


def total_score(items: list[ItemScore], pass_mark: float | None = None) -> TotalScore:
    """Add item scores (never below zero) and compare with the pass mark (a fraction 0..1)."""
    score = max(0.0, sum(i.score for i in items))
    max_score = sum(i.max_score for i in items)
    percent = score / max_score if max_score else 0.0
    passed = None if pass_mark is None else percent >= pass_mark - 1e-9
    return TotalScore(score=round(score, 6), max_score=max_score, percent=percent, passed=passed)


def correct_answer(q: Question) -> Any:
    """The canonical right answer (for review pages and exports)."""
    if q.type == "multiple":
        return sorted(q.key)  # type: ignore[arg-type]
    if q.type == "ordering":
        return list(q.key)  # type: ignore[arg-type]
    return q.key


def describe_answer(q: Question, answer: Any) -> str:
    """A human-readable answer, e.g. 'B. Book her 7 to 10 days after...' (canonical letters)."""
    from quiz.domain.bank import LETTERS

    if is_empty(answer):
        return "(no answer)"
    if q.type == "numeric":
        unit = f" {q.unit}" if q.unit else ""
        return f"{float(answer):g}{unit}"
    if q.type == "true_false":
        return "True" if answer else "False"
    idxs = [answer] if q.type == "single" else list(answer)
    sep = " -> " if q.type == "ordering" else "; "
    return sep.join(f"{LETTERS[i]}. {q.options[i].text}" for i in idxs)
