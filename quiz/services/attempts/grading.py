"""Grading an attempt, once; grading overdue attempts; the exam lock that depends on it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from quiz.adapters.orm import Attempt, Response
from quiz.domain.scoring import (
    score_item,
    total_score,
)
from quiz.services import certificates, data_version, item_vectors, review
from quiz.services.attempts.common import (
    EXAM_LOCK_MESSAGE,
    ExamInProgress,
    attempt_questions,
    now_utc,
)
from quiz.services.attempts.views import reached


def finalise_overdue(session: Session, *, now: datetime | None = None, user_id: int | None = None) -> int:
    """Grade every in-progress attempt past its deadline (state ``expired``); returns how many."""
    now = now or now_utc()
    q = select(Attempt).where(Attempt.state == "in_progress", Attempt.deadline_at.is_not(None),
                              Attempt.deadline_at <= now)
    if user_id is not None:
        q = q.where(Attempt.user_id == user_id)
    n = 0
    for attempt in session.scalars(q).all():
        n += finalise(session, attempt, "expired", now)
    return n


def pass_mark_of(attempt: Attempt) -> float | None:
    """The pass mark (fraction 0..1) an exam attempt is graded against: its own (fixed when it started, or a
    per-attempt cut score), else its exam's; None for practice and review."""
    if attempt.mode != "exam":
        return None
    own = (attempt.settings or {}).get("pass_mark")
    if own is None and attempt.exam is not None:
        return attempt.exam.pass_mark
    return own


def finalise(session: Session, attempt: Attempt, state: str, now: datetime) -> int:
    """Grade an attempt exactly once. Returns 1 if this call graded it, 0 if someone else already had."""
    ended = min(now, attempt.deadline_at) if (state == "expired" and attempt.deadline_at) else now
    won = session.execute(
        update(Attempt).where(Attempt.id == attempt.id, Attempt.state == "in_progress")
        .values(state=state, submitted_at=ended).execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(attempt)
    if won != 1:
        return 0
    # The compare-and-set above holds the attempt's lock (see lock_attempt): every save either committed before
    # it or is refused after it. Read the answers as stored now, not as this session may have cached them.
    responses = {r.question_version_id: r for r in session.scalars(
        select(Response).where(Response.attempt_id == attempt.id).execution_options(populate_existing=True))}
    scores = []
    wrong: list[str] = []
    questions = {}
    for item, q in attempt_questions(attempt):
        questions[item.question_version_id] = q
        resp = responses.get(item.question_version_id)
        if not reached(attempt.mode, resp):
            continue  # practice/review stopped before this item: "not reached", counts nowhere
        if resp is None:
            resp = Response(attempt_id=attempt.id, question_version_id=item.question_version_id, answer=None,
                            max_score=q.points, saved_at=ended)
            session.add(resp)
            responses[item.question_version_id] = resp
        scored = score_item(q, resp.answer)
        resp.score, resp.is_correct, resp.max_score = scored.score, scored.correct, q.points
        scores.append(scored)
        if not scored.correct:
            wrong.append(q.id)
    total = total_score(scores, pass_mark_of(attempt))
    attempt.score, attempt.max_score, attempt.percent = total.score, total.max_score, total.percent
    if not scores:  # a practice stopped before any answer: no score to show or to count
        attempt.percent = None
    attempt.passed = total.passed
    item_vectors.write(session, attempt, responses, questions)  # what item analysis reads of this attempt
    session.flush()
    data_version.bump(session)  # cached dashboards and progress pages recompute
    if attempt.mode == "exam":
        review.schedule_wrong(session, attempt.user_id, wrong, now)
        if attempt.passed:
            certificates.issue(session, attempt, now=ended)
    return 1


def require_no_exam_in_progress(session: Session, user_id: int, *, now: datetime | None = None) -> None:
    """Refuse (:class:`ExamInProgress`) while the trainee has an exam attempt in progress: immediate feedback
    would show right answers, perhaps to that exam's own questions. An exam past its deadline is finalised
    first, so it no longer counts. Callers take the trainee's lock first (:func:`lock_user`), so an exam
    started at the same moment in another tab is seen."""
    finalise_overdue(session, now=now, user_id=user_id)
    running = session.scalar(select(Attempt.id).where(Attempt.user_id == user_id, Attempt.mode == "exam",
                                                      Attempt.state == "in_progress").limit(1))
    if running is not None:
        raise ExamInProgress(EXAM_LOCK_MESSAGE)
