"""Shared by every part of an attempt's life: loading with ownership checks, locks, errors."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from quiz.adapters.orm import Attempt, AttemptItem, Response, User
from quiz.domain.assembly import attempt_layout
from quiz.domain.bank import Question
from quiz.services.errors import Conflict, NotFound, PermissionDenied
from quiz.services.permissions import Actor, require_view_user
from quiz.services.questions import to_question

MAX_PRACTICE_ITEMS = 50


DEFAULT_REVIEW_OPTIONS = {"show_score": True, "show_answers": True, "show_explanations": True}


EXAM_LOCK_MESSAGE = ("Finish or submit your exam first: practice and review are closed while an exam is in "
                     "progress.")


RESULTS_LOCK_MESSAGE = ("The answers and explanations of your results are closed while an exam is in progress; "
                        "they are back once you submit it.")


class DeadlinePassed(Conflict):
    """An answer arrived after the attempt's deadline."""


class ExamInProgress(Conflict):
    """Practice or review was asked for while the trainee has an exam in progress."""


STALE_ANSWER_MESSAGE = ("This answer was changed in another window — reloaded: the answer saved there is shown "
                        "now. Change it again here if you want to.")


class StaleAnswer(Conflict):
    """A save based on an older version of the answer (a second tab that had not seen a newer save)."""


def now_utc() -> datetime:
    return datetime.now(UTC)


def load_attempt(session: Session, attempt_id: int) -> Attempt:
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise NotFound("That attempt does not exist.")
    return attempt


def own_attempt(session: Session, actor: Actor, attempt_id: int) -> Attempt:
    """The attempt, if it is the actor's own (only its owner may answer, flag or submit it)."""
    attempt = load_attempt(session, attempt_id)
    if attempt.user_id != actor.id:
        raise PermissionDenied("This is not your attempt.")
    return attempt


def viewable_attempt(session: Session, actor: Actor, attempt_id: int) -> Attempt:
    """The attempt, if the actor may see it (its owner, their trainer, an administrator)."""
    attempt = load_attempt(session, attempt_id)
    if attempt.user_id != actor.id:
        try:
            require_view_user(session, actor, attempt.user_id)
        except PermissionDenied:
            raise PermissionDenied("You may not see this attempt.") from None
    return attempt


def attempt_title(attempt: Attempt) -> str:
    if attempt.mode == "exam":
        return attempt.exam.name if attempt.exam else "Exam"
    if attempt.mode == "review":
        return "Spaced review"
    topics = (attempt.settings or {}).get("topic_names") or (attempt.settings or {}).get("topics") or []
    return "Practice: " + (", ".join(topics) if topics else "all topics")


def attempt_questions(attempt: Attempt) -> list[tuple[AttemptItem, Question]]:
    return [(item, to_question(item.question_version)) for item in attempt.items]


def attempt_responses(attempt: Attempt) -> dict[int, Response]:
    return {r.question_version_id: r for r in attempt.responses}


def item_at(attempt: Attempt, position: int) -> AttemptItem:
    for item in attempt.items:
        if item.position == position:
            return item
    raise NotFound(f"This attempt has no question {position + 1}.")


def add_items(session: Session, attempt: Attempt, picked: list[tuple[Question, int]]) -> None:
    layout = attempt_layout([q for q, _ in picked], attempt.seed)
    for pos, ((_q, version_id), order) in enumerate(zip(picked, layout)):
        session.add(AttemptItem(attempt_id=attempt.id, position=pos, question_version_id=version_id,
                                option_order=order))
    session.flush()
    session.refresh(attempt)


def lock_attempt(session: Session, attempt_id: int) -> None:
    """Serialise every write to one attempt (saving an answer, a flag, grading): a no-op write that takes the
    attempt's row lock on PostgreSQL and the write lock on SQLite, held until the transaction ends. The attempt is
    then read again, so a state changed meanwhile (graded in another tab or process) is seen before writing."""
    session.execute(update(Attempt).where(Attempt.id == attempt_id)
                    .values(current_position=Attempt.current_position)
                    .execution_options(synchronize_session=False))
    session.get(Attempt, attempt_id, populate_existing=True)


def lock_user(session: Session, user_id: int) -> None:
    """Serialise starts for one trainee (a no-op write: a row lock on PostgreSQL, the write lock on SQLite),
    so two tabs clicking Start at once cannot create two attempts."""
    session.execute(update(User).where(User.id == user_id).values(resume_page=User.resume_page))
