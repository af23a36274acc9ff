"""Helpers (no tests) shared by the trainee-journey integration tests: a small bank, an exam, answers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from quiz.adapters.orm import Attempt, Cohort, CohortMember, Exam, ExamOverride
from quiz.bootstrap import Platform
from quiz.domain.scoring import correct_answer
from quiz.services.bank_sync import sync_bank
from quiz.services.questions import to_question
from tests.factories import make_bank

T0 = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)


def load_bank(platform: Platform, **kw: Any) -> None:
    with platform.transaction() as s:
        sync_bank(s, make_bank(**kw))


def make_exam(platform: Platform, *, name: str = "Certificate exam", topics: dict[str, int] | None = None,
              **fields: Any) -> int:
    values = dict(name=name, blueprint={"topics": topics or {"aftercare": 2, "spacing": 2, "hygiene": 2}},
                  time_limit_minutes=30, pass_mark=0.5, attempts_allowed=2, wait_hours=0,
                  review_options={"show_score": True, "show_answers": True, "show_explanations": True})
    values.update(fields)
    with platform.transaction() as s:
        exam = Exam(**values)
        s.add(exam)
        s.flush()
        return exam.id


def add_override(platform: Platform, exam_id: int, user_id: int, *, extra_attempts: int = 0,
                 extra_minutes: int = 0) -> None:
    with platform.transaction() as s:
        s.add(ExamOverride(exam_id=exam_id, user_id=user_id, extra_attempts=extra_attempts,
                           extra_minutes=extra_minutes))


def make_cohort(platform: Platform, trainer_id: int, members: list[int], code: str = "SPRING27") -> int:
    with platform.transaction() as s:
        c = Cohort(name="Spring", invite_code=code, trainer_id=trainer_id)
        s.add(c)
        s.flush()
        for m in members:
            s.add(CohortMember(cohort_id=c.id, user_id=m))
        return c.id


def right_answer(platform: Platform, attempt_id: int, position: int) -> Any:
    with platform.sessions() as s:
        item = next(i for i in s.get(Attempt, attempt_id).items if i.position == position)
        return correct_answer(to_question(item.question_version))


def wrong_answer(platform: Platform, attempt_id: int, position: int) -> Any:
    with platform.sessions() as s:
        item = next(i for i in s.get(Attempt, attempt_id).items if i.position == position)
        q = to_question(item.question_version)
        if q.type == "single":
            return (q.key + 1) % len(q.options)
        if q.type == "true_false":
            return not q.key
        raise AssertionError(f"no wrong answer helper for {q.type}")


def call(platform: Platform, fn: Any, *args: Any, **kw: Any) -> Any:
    """Run a service ``fn(session, *args, **kw)`` in its own transaction, as one page action does."""
    with platform.transaction() as s:
        return fn(s, *args, **kw)
