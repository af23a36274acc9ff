"""Questions as a trainee sees them, for trainers, with nothing written anywhere.

* :func:`item_view` / :func:`feedback` turn a :class:`~quiz.domain.bank.Question` (perhaps one still being
  written in the bank editor) into the same :class:`ItemView` and :class:`FeedbackView` a practice shows, so
  ``quiz/ui/question_widgets.py`` renders it exactly as a trainee would see it.
* :func:`exam_preview` draws one attempt of an exam the way starting it would (the pure assembly over the live
  bank, options shuffled from the same seed) and keeps it in memory: no attempt, response or statistic is
  recorded, and no trainee's "seen" counts are touched.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from quiz.domain.assembly import Blueprint, BlueprintError, assemble_with_notice, attempt_layout, option_order
from quiz.domain.bank import Question
from quiz.domain.scoring import InvalidAnswer, correct_answer, is_empty, normalise_answer, score_item
from quiz.services.attempts.views import (
    FeedbackView,
    ItemView,
    chosen_feedback,
    display_describe,
    option_views,
)
from quiz.services.errors import Conflict, InvalidInput
from quiz.services.exams import require_exam, topic_titles
from quiz.services.permissions import Actor
from quiz.services.questions import current_questions


def item_view(q: Question, *, position: int = 0, order: list[int] | None = None, answer: Any = None,
              with_feedback: bool = False) -> ItemView:
    """``q`` as a practice item at ``position``, its options in ``order`` (default: as written)."""
    order = list(order or [])
    fb = feedback(q, answer, order) if with_feedback and not is_empty(answer) else None
    return ItemView(position=position, question_id=q.id, topic=q.topic, type=q.type, stem=q.stem,
                    options=option_views(q, order), unit=q.unit, points=q.points,
                    case_title=q.case.title if q.case else None, case_scenario=q.case.scenario if q.case else None,
                    answer=answer, flagged=False, feedback=fb, scoring=q.scoring)


def feedback(q: Question, answer: Any, order: list[int] | None = None) -> FeedbackView:
    """What a practice would say after ``answer`` (canonical form), scored but saved nowhere."""
    order = list(order or [])
    try:
        canonical = normalise_answer(q, answer)
    except InvalidAnswer:
        raise InvalidInput("That answer does not fit this question; please choose again.") from None
    scored = score_item(q, canonical)
    return FeedbackView(
        correct=scored.correct, score=scored.score, max_score=scored.max_score,
        your_answer=display_describe(q, canonical, order), right_answer=display_describe(q, correct_answer(q), order),
        feedback=chosen_feedback(q, canonical, scored.correct, order), explanation=q.explanation,
        source=(q.source.id, q.source.section),
        right_values=tuple(sorted(q.key)) if q.type == "multiple" else
        ((q.key,) if q.type == "single" and isinstance(q.key, int) else ()),
    )


def shuffled(q: Question, seed: int = 0) -> list[int]:
    """The options of ``q`` in an order an attempt could show them (reproducible from ``seed``)."""
    return option_order(q, random.Random(seed))


@dataclass(frozen=True)
class ExamPreview:
    exam_id: int
    name: str
    seed: int
    questions: list[Question]  # in the order the attempt would show them
    orders: list[list[int]]  # each question's option order
    time_limit_minutes: int
    pass_mark: float  # 0..1
    notice: str | None = None  # e.g. an objective had to be drawn twice

    @property
    def total_marks(self) -> float:
        return sum(q.points for q in self.questions)

    def item(self, position: int, answer: Any = None, *, with_feedback: bool = False) -> ItemView:
        return item_view(self.questions[position], position=position, order=self.orders[position], answer=answer,
                         with_feedback=with_feedback)


def exam_preview(session: Session, actor: Actor, exam_id: int, *, seed: int | None = None) -> ExamPreview:
    """One attempt of the exam as a trainee could be given it, drawn now from the live bank (``seed``: the
    same draw again). Reads only; writes nothing."""
    exam = require_exam(session, actor, exam_id)
    seed = secrets.randbelow(2**31 - 1) if seed is None else int(seed)
    try:
        blueprint = Blueprint.from_dict(exam.blueprint)
        assembly = assemble_with_notice([c.question for c in current_questions(session)], blueprint, seed=seed)
    except (BlueprintError, KeyError, TypeError, ValueError) as err:
        raise Conflict(f"This exam cannot be drawn from the live bank just now: {topic_titles(session, str(err))}.") \
            from None
    return ExamPreview(exam.id, exam.name, seed, assembly.questions, attempt_layout(assembly.questions, seed),
                       exam.time_limit_minutes, exam.pass_mark, assembly.notice)

