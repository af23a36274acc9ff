"""An attempt in progress: its view, saving answers as they are given, flags and navigation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from quiz.adapters.orm import AttemptItem, QuestionVersion, Response
from quiz.domain.bank import Question
from quiz.domain.scoring import (
    InvalidAnswer,
    is_complete,
    is_empty,
    normalise_answer,
    score_item,
)
from quiz.services.attempts.common import (
    STALE_ANSWER_MESSAGE,
    DeadlinePassed,
    StaleAnswer,
    attempt_questions,
    attempt_responses,
    attempt_title,
    item_at,
    lock_attempt,
    lock_user,
    now_utc,
    own_attempt,
    viewable_attempt,
)
from quiz.services.attempts.grading import finalise, require_no_exam_in_progress
from quiz.services.attempts.views import AttemptView, FeedbackView, ItemView, feedback_view, option_views
from quiz.services.errors import Conflict, InvalidInput
from quiz.services.permissions import Actor
from quiz.services.questions import to_question


def preload_versions(session: Session, attempt_id: int) -> list[QuestionVersion]:
    """Load the question versions of an attempt's items in one query: ``item.question_version`` then comes from
    the session, so showing or resuming an attempt costs a fixed number of queries (was one per item). Keep
    the list while reading the items: the session holds loaded objects only as long as something else does."""
    q = (select(QuestionVersion).join(AttemptItem, AttemptItem.question_version_id == QuestionVersion.id)
         .where(AttemptItem.attempt_id == attempt_id))
    return list(session.scalars(q))


def attempt_view(session: Session, actor: Actor, attempt_id: int, *, now: datetime | None = None) -> AttemptView:
    """Everything a page needs to show an attempt. Finalises it first if its deadline has passed.

    For an exam in progress the items carry no key, feedback or explanation."""
    now = now or now_utc()
    attempt = viewable_attempt(session, actor, attempt_id)
    if attempt.state == "in_progress" and attempt.deadline_at is not None and now >= attempt.deadline_at:
        finalise(session, attempt, "expired", now)
    versions = preload_versions(session, attempt.id)  # noqa: F841 - held while the items are read
    responses = attempt_responses(attempt)
    deferred = attempt.mode == "exam"
    items = []
    for item, q in attempt_questions(attempt):
        resp = responses.get(item.question_version_id)
        answer = resp.answer if resp is not None else None
        fb = None
        if not deferred and resp is not None and resp.score is not None and not is_empty(answer):
            fb = feedback_view(q, resp, item.option_order)
        items.append(ItemView(
            position=item.position, question_id=q.id, topic=q.topic, type=q.type, stem=q.stem,
            options=option_views(q, item.option_order), unit=q.unit, points=q.points,
            case_title=q.case.title if q.case else None, case_scenario=q.case.scenario if q.case else None,
            answer=answer, flagged=item.flagged, feedback=fb, scoring=q.scoring,
            version=resp.version if resp is not None else 0,
        ))
    seconds_left = None
    if attempt.deadline_at is not None and attempt.state == "in_progress":
        seconds_left = max(0, int((attempt.deadline_at - now).total_seconds()))
    return AttemptView(
        id=attempt.id, user_id=attempt.user_id, mode=attempt.mode, state=attempt.state, exam_id=attempt.exam_id,
        title=attempt_title(attempt), started_at=attempt.started_at, deadline_at=attempt.deadline_at,
        seconds_left=seconds_left, current_position=min(attempt.current_position, max(0, len(items) - 1)),
        items=items,
    )


def save_answer(session: Session, actor: Actor, attempt_id: int, position: int, answer: Any, *,
                now: datetime | None = None, expected_version: int | None = None) -> FeedbackView | None:
    """Save the answer to one item, now. Exams: the answer can be changed until submission and nothing is
    revealed (returns None); an ordering item's order is saved as it is built, step by step. Practice and
    review: the answer (an ordering item's complete order) is scored at once and the feedback returned; it
    cannot be changed afterwards, and it is refused while the trainee has an exam in progress.

    ``expected_version``: the version of the saved answer the page showed (``ItemView.version``, 0 for none);
    if another tab has saved since, the save is refused (:class:`StaleAnswer`) and the page shows the newer
    answer. Each save adds one to the version."""
    now = now or now_utc()
    attempt = own_attempt(session, actor, attempt_id)
    immediate = attempt.mode in ("practice", "review")
    if immediate:
        lock_user(session, actor.id)  # the trainee first, then the attempt: the order start_exam takes them in
    lock_attempt(session, attempt_id)  # grading in another tab or process waits, or has finished: seen below
    if attempt.state != "in_progress":
        raise Conflict("This attempt has already been submitted; answers can no longer be changed.")
    if attempt.deadline_at is not None and now >= attempt.deadline_at:
        raise DeadlinePassed("Time is up: this answer arrived after the deadline and was not saved. "
                             "Everything you answered before the deadline has been kept and submitted.")
    if immediate:
        require_no_exam_in_progress(session, actor.id, now=now)
    item = item_at(attempt, position)
    q = to_question(item.question_version)
    try:
        canonical = normalise_answer(q, answer)
    except InvalidAnswer:
        raise InvalidInput("That answer does not fit this question; please choose again.") from None
    if immediate and is_empty(canonical):
        raise InvalidInput("Please choose an answer first.")
    if immediate and not is_complete(q, canonical):  # checked once, so only a whole order
        raise InvalidInput(f"Please place all {len(q.options)} steps in order first.")
    resp = session.scalar(select(Response).where(Response.attempt_id == attempt.id,
                                                 Response.question_version_id == item.question_version_id)
                          .execution_options(populate_existing=True))
    if expected_version is not None and expected_version != (resp.version if resp is not None else 0):
        raise StaleAnswer(STALE_ANSWER_MESSAGE)
    if immediate and resp is not None and resp.score is not None:
        raise Conflict("You have already answered this question; its feedback is shown below it.")
    scored = score_item(q, canonical) if immediate else None
    if resp is None:
        resp = Response(attempt_id=attempt.id, question_version_id=item.question_version_id)
        try:
            with session.begin_nested():
                _fill(resp, canonical, scored, q, now)
                session.add(resp)
        except IntegrityError:  # saved at the same moment from another tab: update that row
            resp = session.scalar(select(Response).where(Response.attempt_id == attempt.id,
                                                         Response.question_version_id == item.question_version_id))
            _fill(resp, canonical, scored, q, now)
    else:
        _fill(resp, canonical, scored, q, now)
    attempt.current_position = position
    session.flush()
    if not immediate:
        return None
    from quiz.services import review

    if attempt.mode == "review":
        review.record_review(session, attempt.user_id, q.id, scored.correct, now)
    elif not scored.correct:
        review.schedule_wrong(session, attempt.user_id, [q.id], now)
    return feedback_view(q, resp, item.option_order)


def _fill(resp: Response, answer: Any, scored: Any, q: Question, now: datetime) -> None:
    resp.version = (resp.version or 0) + 1  # a new row: 1
    resp.answer = answer
    resp.saved_at = now
    resp.max_score = q.points
    if scored is not None:
        resp.score = scored.score
        resp.is_correct = scored.correct


def set_flag(session: Session, actor: Actor, attempt_id: int, position: int, flagged: bool, *,
             now: datetime | None = None) -> None:
    """Flag an item for review before submitting (or clear the flag); refused after the deadline, as answers
    are."""
    now = now or now_utc()
    attempt = own_attempt(session, actor, attempt_id)
    lock_attempt(session, attempt_id)
    if attempt.state != "in_progress":
        raise Conflict("This attempt has already been submitted.")
    if attempt.deadline_at is not None and now >= attempt.deadline_at:
        raise DeadlinePassed("Time is up: flags can no longer be changed. Everything you answered before the "
                             "deadline has been kept and submitted.")
    item_at(attempt, position).flagged = bool(flagged)


def go_to(session: Session, actor: Actor, attempt_id: int, position: int) -> None:
    """Remember which question the trainee is on, so a resume opens it again."""
    attempt = own_attempt(session, actor, attempt_id)
    if attempt.state == "in_progress":
        item_at(attempt, position)
        attempt.current_position = position
