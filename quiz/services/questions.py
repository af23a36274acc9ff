"""Reading questions back from the database as domain objects."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quiz.adapters.orm import Attempt, AttemptItem, QuestionRow, QuestionVersion
from quiz.domain.bank import Question
from quiz.services.errors import NotFound


def to_question(version: QuestionVersion, status: str | None = None) -> Question:
    """The domain question stored in a version (with the row's current status, if given)."""
    data = dict(version.content)
    if status is not None:
        data["status"] = status
    return Question.model_validate(data)


def current_version(session: Session, question_id: str) -> tuple[QuestionRow, QuestionVersion]:
    """A question's row and its current version (NotFound if there is no such question)."""
    row = session.get(QuestionRow, question_id)
    if row is None:
        raise NotFound(f"There is no question {question_id!r}.")
    version = session.scalar(select(QuestionVersion).where(QuestionVersion.question_id == row.id,
                                                           QuestionVersion.version == row.current_version))
    if version is None:  # pragma: no cover - the schema keeps them together
        raise NotFound(f"Question {question_id!r} has no content.")
    return row, version


@dataclass(frozen=True)
class CurrentQuestion:
    question: Question
    version_id: int
    version: int


def current_questions(session: Session, statuses: Iterable[str] = ("live",),
                      topics: Iterable[str] | None = None) -> list[CurrentQuestion]:
    """The current version of every question with one of ``statuses`` (live only, by default)."""
    q = (
        select(QuestionRow, QuestionVersion)
        .join(QuestionVersion, (QuestionVersion.question_id == QuestionRow.id)
              & (QuestionVersion.version == QuestionRow.current_version))
        .where(QuestionRow.status.in_(list(statuses)))
        .order_by(QuestionRow.id)
    )
    if topics is not None:
        q = q.where(QuestionRow.topic.in_(list(topics)))
    return [CurrentQuestion(to_question(v, r.status), v.id, v.version) for r, v in session.execute(q)]


def seen_counts(session: Session, user_id: int) -> dict[str, int]:
    """How many times this trainee has been shown each question (over all their attempts)."""
    q = (
        select(QuestionVersion.question_id, func.count(AttemptItem.id))
        .join(AttemptItem, AttemptItem.question_version_id == QuestionVersion.id)
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .where(Attempt.user_id == user_id)
        .group_by(QuestionVersion.question_id)
    )
    return {qid: n for qid, n in session.execute(q)}
