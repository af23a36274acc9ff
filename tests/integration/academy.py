"""Builders for analytics tests: a bank, cohorts, exams and finished attempts written straight through the ORM
(so statistics and exports are tested on exactly the data they are given)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from quiz.adapters.orm import Attempt, AttemptItem, Cohort, CohortMember, Exam, QuestionRow, QuestionVersion, Response
from quiz.domain.bank import Bank, Source, Topic
from quiz.domain.scoring import score_item, total_score
from quiz.services.bank_sync import sync_bank
from quiz.services.permissions import Actor
from quiz.services.questions import to_question
from tests.conftest import make_user

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)

QIDS = ["aftercare-001", "aftercare-002", "aftercare-003", "aftercare-004"]
# Six trainees' choices (key is option 0 everywhere): 0 = right. Marks as in tests/unit/test_statistics.py.
CHOICES = [
    [0, 0, 0, 1],
    [0, 0, 2, 1],
    [0, 1, 0, 0],
    [0, 0, 0, 0],
    [1, 2, 1, 0],
    [0, 1, None, 2],  # None: shown, left unanswered
]




def load_questions(platform, questions) -> None:  # noqa: ANN001
    bank = Bank(topics=[Topic(id=t, name=t) for t in sorted({q.topic for q in questions})],
                sources=[Source(id="clinic-faq-article", title="FAQ", sections=["Aftercare"])], questions=questions)
    with platform.transaction() as s:
        sync_bank(s, bank)


def make_cohort(platform, trainer: Actor, name: str = "Spring 2027") -> int:  # noqa: ANN001
    with platform.transaction() as s:
        c = Cohort(name=name, invite_code=f"CODE-{name.replace(' ', '')}".upper()[:40], trainer_id=trainer.id)
        s.add(c)
        s.flush()
        return c.id


def make_exam(platform, cohort_id: int | None, name: str = "Certification 1") -> int:  # noqa: ANN001
    with platform.transaction() as s:
        e = Exam(name=name, cohort_id=cohort_id, blueprint={"topics": {}}, time_limit_minutes=30, pass_mark=0.5,
                 review_options={})
        s.add(e)
        s.flush()
        return e.id


def add_trainee(platform, cohort_id: int, email: str) -> int:  # noqa: ANN001
    user_id = make_user(platform, "trainee", email, email.split("@")[0].title()).id
    with platform.transaction() as s:
        s.add(CohortMember(cohort_id=cohort_id, user_id=user_id))
    return user_id


def add_attempt(platform, user_id: int, exam_id: int | None, answers: dict[str, Any], *,  # noqa: ANN001
                state: str = "submitted", at: datetime = T0, mode: str = "exam", skip: tuple[str, ...] = ()) -> int:
    """An attempt showing the questions of ``answers`` (current versions, in that order); items in ``skip``
    are shown but get no response row."""
    with platform.transaction() as s:
        attempt = Attempt(user_id=user_id, exam_id=exam_id, mode=mode, state=state, seed=1, started_at=at,
                          submitted_at=at + timedelta(minutes=20) if state != "in_progress" else None)
        s.add(attempt)
        s.flush()
        scores = []
        for pos, (qid, answer) in enumerate(answers.items()):
            row = s.get(QuestionRow, qid)
            v = s.scalar(select(QuestionVersion).where(QuestionVersion.question_id == qid,
                                                       QuestionVersion.version == row.current_version))
            q = to_question(v)
            s.add(AttemptItem(attempt_id=attempt.id, position=pos, question_version_id=v.id,
                              option_order=list(range(len(q.options)))))
            sc = score_item(q, answer)
            scores.append(sc)
            if qid not in skip:
                s.add(Response(attempt_id=attempt.id, question_version_id=v.id, answer=answer,
                               is_correct=sc.correct, score=sc.score, max_score=sc.max_score))
        if state != "in_progress":
            tot = total_score(scores, 0.5)
            attempt.score, attempt.max_score, attempt.percent, attempt.passed = (
                tot.score, tot.max_score, tot.percent, tot.passed)
        return attempt.id
