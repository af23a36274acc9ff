"""Submitting an attempt and reading finished ones: results with the topic breakdown, the list of attempts."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from quiz.adapters.orm import Attempt
from quiz.domain.scoring import (
    correct_answer,
    score_item,
)
from quiz.services.attempts.answering import preload_versions
from quiz.services.attempts.common import (
    DEFAULT_REVIEW_OPTIONS,
    RESULTS_LOCK_MESSAGE,
    attempt_questions,
    attempt_responses,
    attempt_title,
    now_utc,
    own_attempt,
    viewable_attempt,
)
from quiz.services.attempts.grading import finalise, finalise_overdue
from quiz.services.attempts.views import (
    NOT_REACHED,
    AttemptSummary,
    ItemResult,
    ResultsView,
    TopicResult,
    chosen_feedback,
    display_describe,
    item_status,
    option_views,
    summary,
)
from quiz.services.errors import Conflict
from quiz.services.permissions import Actor, require_view_user

# what summary() reads, loaded with the list: three queries however many attempts (was one per attempt)
_SUMMARY_LOADS = (selectinload(Attempt.items), joinedload(Attempt.exam))


def in_progress(session: Session, actor: Actor, mode: str | None = None, *,
                now: datetime | None = None) -> list[AttemptSummary]:
    """The actor's attempts still in progress (overdue ones are finalised first), newest first."""
    finalise_overdue(session, now=now, user_id=actor.id)
    q = (select(Attempt).where(Attempt.user_id == actor.id, Attempt.state == "in_progress")
         .options(*_SUMMARY_LOADS))
    if mode:
        q = q.where(Attempt.mode == mode)
    return [summary(a) for a in session.scalars(q.order_by(Attempt.started_at.desc(), Attempt.id.desc()))]


def list_attempts(session: Session, actor: Actor, user_id: int | None = None,
                  finished_only: bool = False) -> list[AttemptSummary]:
    """A trainee's attempts, newest first (their own, or, for staff, a trainee they may see)."""
    user_id = actor.id if user_id is None else user_id
    require_view_user(session, actor, user_id)
    q = select(Attempt).where(Attempt.user_id == user_id).options(*_SUMMARY_LOADS)
    if finished_only:
        q = q.where(Attempt.state != "in_progress")
    return [summary(a) for a in session.scalars(q.order_by(Attempt.started_at.desc(), Attempt.id.desc()))]


def results(session: Session, actor: Actor, attempt_id: int, *, now: datetime | None = None) -> ResultsView:
    """The results of a finished attempt. A trainee sees what the exam's review options allow; their trainer
    sees everything."""
    attempt = viewable_attempt(session, actor, attempt_id)
    if attempt.state == "in_progress" and attempt.deadline_at is not None \
            and (now or now_utc()) >= attempt.deadline_at:
        finalise(session, attempt, "expired", now or now_utc())
    if attempt.state == "in_progress":
        raise Conflict("This attempt is still in progress; its results appear once it is submitted.")
    opts = dict(DEFAULT_REVIEW_OPTIONS)
    if attempt.mode == "exam" and not actor.is_staff:
        stored = (attempt.settings or {}).get("review_options")
        if stored is None and attempt.exam is not None:
            stored = attempt.exam.review_options
        opts.update({k: bool(v) for k, v in (stored or {}).items() if k in opts})
    closed = None
    if attempt.user_id == actor.id and _other_exam_running(session, actor.id, attempt.id, now):
        # A retake is running: earlier results would show its right answers, so detail is closed, as practice
        # and review are. The score and the topic breakdown stay.
        opts.update(show_answers=False, show_explanations=False)
        closed = RESULTS_LOCK_MESSAGE
    versions = preload_versions(session, attempt.id)  # noqa: F841 - held while the items are read
    responses = attempt_responses(attempt)
    per_topic: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0, 0])
    items: list[ItemResult] = []
    for item, q in attempt_questions(attempt):
        resp = responses.get(item.question_version_id)
        answer = resp.answer if resp else None
        scored = score_item(q, answer)
        status = item_status(attempt.mode, resp)
        if status != NOT_REACHED:  # a practice item never reached counts nowhere
            t = per_topic[q.topic]
            t[0] += scored.score
            t[1] += scored.max_score
            t[2] += 1
            t[3] += int(scored.correct)
        items.append(ItemResult(
            position=item.position, question_id=q.id, topic=q.topic, stem=q.stem,
            case_scenario=q.case.scenario if q.case else None, correct=scored.correct,
            score=scored.score, max_score=scored.max_score,
            your_answer=display_describe(q, answer, item.option_order),
            right_answer=display_describe(q, correct_answer(q), item.option_order) if opts["show_answers"] else None,
            feedback=(chosen_feedback(q, answer, scored.correct, item.option_order)
                      if opts["show_explanations"] else None),
            explanation=q.explanation if opts["show_explanations"] else None,
            source=(q.source.id, q.source.section) if opts["show_explanations"] else None,
            status=status, options=[o.label for o in option_views(q, item.option_order)], type=q.type,
            scoring=q.scoring,
        ))
    from quiz.services.certificates import code_for_attempt

    show_score = opts["show_score"]
    show_items = opts["show_answers"] or opts["show_explanations"]
    pass_mark = (attempt.settings or {}).get("pass_mark") if attempt.mode == "exam" else None
    return ResultsView(
        attempt_id=attempt.id, user_id=attempt.user_id, mode=attempt.mode, state=attempt.state,
        title=attempt_title(attempt), started_at=attempt.started_at, submitted_at=attempt.submitted_at,
        passed=attempt.passed, pass_mark=pass_mark,
        score=attempt.score if show_score else None, max_score=attempt.max_score if show_score else None,
        percent=attempt.percent if show_score else None,
        topics=[TopicResult(k, v[0], v[1], int(v[2]), int(v[3])) for k, v in sorted(per_topic.items())]
        if show_score else [],
        items=items if show_items else [],
        certificate_code=code_for_attempt(session, attempt.id),
        show_score=show_score, show_answers=opts["show_answers"], show_explanations=opts["show_explanations"],
        detail_closed=closed, pass_mark_method=(attempt.settings or {}).get("pass_mark_method", "fixed"),
    )


def _other_exam_running(session: Session, user_id: int, attempt_id: int, now: datetime | None) -> bool:
    finalise_overdue(session, now=now, user_id=user_id)
    return session.scalar(select(Attempt.id).where(
        Attempt.user_id == user_id, Attempt.mode == "exam", Attempt.state == "in_progress",
        Attempt.id != attempt_id).limit(1)) is not None


def submit(session: Session, actor: Actor, attempt_id: int, *, now: datetime | None = None) -> ResultsView:
    """Submit an attempt and return its results. Submitting again only returns the same results. After the
    deadline the attempt is graded with what was saved and marked ``expired``."""
    now = now or now_utc()
    attempt = own_attempt(session, actor, attempt_id)
    if attempt.state == "in_progress":
        late = attempt.deadline_at is not None and now >= attempt.deadline_at
        finalise(session, attempt, "expired" if late else "submitted", now)
    return results(session, actor, attempt_id)
