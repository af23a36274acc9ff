"""What pages are given: an attempt as the trainee sees it, feedback, results (plain dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from quiz.adapters.orm import Attempt, Response
from quiz.domain.bank import LETTERS, Question
from quiz.domain.scoring import (
    correct_answer,
    describe_answer,
    is_empty,
)
from quiz.services.attempts.common import attempt_title


@dataclass(frozen=True)
class OptionView:
    value: int  # the canonical option index (what an answer is made of)
    label: str  # display letter and text, e.g. "B. Book her 7 to 10 days after..."


@dataclass(frozen=True)
class FeedbackView:
    """What a trainee sees after answering a practice or review item (never during an exam)."""

    correct: bool
    score: float
    max_score: float
    your_answer: str
    right_answer: str
    feedback: list[str]  # the feedback of the chosen option(s), or the numeric item's feedback
    explanation: str
    source: tuple[str, str] | None = None  # (source id, section) the explanation draws on
    right_values: tuple[int, ...] = ()  # the right options (canonical indexes), to highlight in the list


@dataclass(frozen=True)
class ItemView:
    position: int
    question_id: str
    topic: str
    type: str
    stem: str
    options: list[OptionView]  # in the order this attempt shows them
    unit: str | None
    points: float
    case_title: str | None
    case_scenario: str | None
    answer: Any  # canonical; None when not answered
    flagged: bool
    feedback: FeedbackView | None = None  # practice/review once answered; never for an exam in progress
    version: int = 0  # of the saved answer (0: none yet); a save names it, so a stale tab's save is refused
    scoring: str = "all_or_nothing"  # multiple/ordering: "partial" credit or "all_or_nothing"

    @property
    def answered(self) -> bool:
        """Answered in full (an ordering item only once every step is placed)."""
        if is_empty(self.answer):
            return False
        return self.type != "ordering" or len(self.answer) == len(self.options)

    @property
    def partly_answered(self) -> bool:
        """An ordering item whose order is saved but does not yet place every step."""
        return not is_empty(self.answer) and not self.answered


@dataclass(frozen=True)
class AttemptView:
    id: int
    user_id: int
    mode: str
    state: str
    exam_id: int | None
    title: str
    started_at: datetime
    deadline_at: datetime | None
    seconds_left: int | None
    current_position: int
    items: list[ItemView]

    @property
    def answered_count(self) -> int:
        return sum(1 for i in self.items if i.answered)

    @property
    def flagged_positions(self) -> list[int]:
        return [i.position for i in self.items if i.flagged]

    @property
    def in_progress(self) -> bool:
        return self.state == "in_progress"


@dataclass(frozen=True)
class TopicResult:
    topic: str
    score: float
    max_score: float
    items: int
    correct: int

    @property
    def percent(self) -> float:
        return self.score / self.max_score if self.max_score else 0.0


@dataclass(frozen=True)
class ItemResult:
    position: int
    question_id: str
    topic: str
    stem: str
    case_scenario: str | None
    correct: bool
    score: float
    max_score: float
    your_answer: str
    right_answer: str | None  # None when the exam's review options hide answers
    feedback: list[str] | None
    explanation: str | None  # None when hidden
    source: tuple[str, str] | None = None  # (source id, section) behind the explanation, when it is shown
    status: str = "answered"  # answered | not_answered (exam: scores 0) | not_reached (practice: counts nowhere)
    options: list[str] = field(default_factory=list)  # "A. text", in the order and with the letters shown
    type: str = "single"
    scoring: str = "all_or_nothing"


@dataclass(frozen=True)
class ResultsView:
    attempt_id: int
    user_id: int
    mode: str
    state: str  # submitted | expired
    title: str
    started_at: datetime
    submitted_at: datetime | None
    passed: bool | None
    pass_mark: float | None
    score: float | None  # None when the exam's review options hide the score
    max_score: float | None
    percent: float | None
    topics: list[TopicResult] = field(default_factory=list)
    items: list[ItemResult] = field(default_factory=list)
    certificate_code: str | None = None
    show_score: bool = True
    show_answers: bool = True
    show_explanations: bool = True
    detail_closed: str | None = None  # why answers and explanations are withheld just now (an exam is running)
    pass_mark_method: str = "fixed"  # "angoff": pass_mark is the cut score of this attempt's own items

    @property
    def not_reached(self) -> int:
        return sum(1 for i in self.items if i.status == NOT_REACHED)

    @property
    def answered(self) -> int:
        return sum(1 for i in self.items if i.status == ANSWERED)


@dataclass(frozen=True)
class AttemptSummary:
    id: int
    mode: str
    state: str
    title: str
    exam_id: int | None
    started_at: datetime
    submitted_at: datetime | None
    deadline_at: datetime | None
    items: int
    percent: float | None
    passed: bool | None


# What became of an item of a finished attempt (see :func:`item_status`).
ANSWERED, NOT_ANSWERED, NOT_REACHED = "answered", "not_answered", "not_reached"
STATUS_LABELS = {NOT_ANSWERED: "not answered", NOT_REACHED: "not reached"}


def reached(mode: str, resp: Response | None) -> bool:
    """Whether an item counts in its attempt's score. An exam counts every item (unanswered ones score 0).
    Practice and review score each answer as it is given; a session stopped early leaves the rest "not
    reached": they count nowhere (not in the score, mastery, weakest topics, the dashboard or the schedule)."""
    if mode == "exam":
        return True
    return resp is not None and resp.score is not None and not is_empty(resp.answer)


def item_status(mode: str, resp: Response | None) -> str:
    if not reached(mode, resp):
        return NOT_REACHED
    return ANSWERED if resp is not None and not is_empty(resp.answer) else NOT_ANSWERED


def option_views(q: Question, order: list[int]) -> list[OptionView]:
    order = order or list(range(len(q.options)))
    return [OptionView(value=idx, label=f"{LETTERS[pos]}. {q.options[idx].text}") for pos, idx in enumerate(order)]


def display_describe(q: Question, answer: Any, order: list[int]) -> str:
    """describe_answer, but with the letters the trainee saw."""
    if is_empty(answer) or q.type in ("numeric", "true_false"):
        return describe_answer(q, answer)
    order = order or list(range(len(q.options)))
    shown = {idx: LETTERS[pos] for pos, idx in enumerate(order)}
    idxs = [answer] if q.type == "single" else list(answer)
    if q.type == "multiple":  # in the order shown (A, B, C...), without a doubled full stop before each ';'
        idxs = sorted(idxs, key=lambda i: shown[i])
        return "; ".join(f"{shown[i]}. {_no_stop(q.options[i].text)}" for i in idxs)
    sep = " -> " if q.type == "ordering" else "; "
    return sep.join(f"{shown[i]}. {q.options[i].text}" for i in idxs)


def _no_stop(text: str) -> str:
    return text.strip().removesuffix(".")


def chosen_feedback(q: Question, answer: Any, correct: bool, order: list[int] | None = None) -> list[str]:
    if is_empty(answer):
        return []
    if q.type == "numeric":
        text = q.feedback.get("correct" if correct else "incorrect")
        return [text] if text else []
    if q.type == "true_false":
        return [q.options[0 if answer else 1].feedback]
    if q.type == "single":
        return [q.options[answer].feedback]
    if q.type == "multiple":  # every option, A to Z as shown, marked right or wrong
        shown = order or list(range(len(q.options)))
        key = set(correct_answer(q))
        ticked = set(answer)
        return [f"{LETTERS[pos]}. {_no_stop(q.options[i].text)} "
                f"({'you ticked it' if i in ticked else 'you did not tick it'}): "
                f"{'✓ right' if (i in ticked) == (i in key) else '✗ wrong'}. {q.options[i].feedback}"
                for pos, i in enumerate(shown)]
    return []  # ordering: the explanation says why the order is right


def feedback_view(q: Question, resp: Response, order: list[int]) -> FeedbackView:
    correct = bool(resp.is_correct)
    return FeedbackView(
        correct=correct, score=resp.score or 0.0, max_score=resp.max_score,
        your_answer=display_describe(q, resp.answer, order),
        right_answer=display_describe(q, correct_answer(q), order),
        feedback=chosen_feedback(q, resp.answer, correct, order), explanation=q.explanation,
        source=(q.source.id, q.source.section),
        right_values=tuple(sorted(q.key)) if q.type == "multiple" else
        ((q.key,) if q.type in ("single", "true_false") and isinstance(q.key, int) else ()),
    )


def summary(a: Attempt) -> AttemptSummary:
    return AttemptSummary(id=a.id, mode=a.mode, state=a.state, title=attempt_title(a), exam_id=a.exam_id,
                          started_at=a.started_at, submitted_at=a.submitted_at, deadline_at=a.deadline_at,
                          items=len(a.items), percent=a.percent, passed=a.passed)
