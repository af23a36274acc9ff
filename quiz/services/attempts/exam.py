"""Starting a certification exam attempt, and what a trainee's exams allow now."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy.orm import Session

from quiz.adapters.orm import Attempt, Exam
from quiz.domain.assembly import Blueprint, BlueprintError, assemble_with_notice
from quiz.services import exam_rules, standard_setting
from quiz.services.attempts.common import add_items, lock_user, now_utc
from quiz.services.attempts.grading import finalise_overdue
from quiz.services.attempts.results import in_progress
from quiz.services.errors import Conflict, NotFound, PermissionDenied
from quiz.services.permissions import Actor
from quiz.services.questions import current_questions, seen_counts


def start_exam(session: Session, actor: Actor, exam_id: int, *, now: datetime | None = None) -> int:
    """Start (or, if one is in progress, resume) an attempt at a certification exam. Returns its id."""
    now = now or now_utc()
    if actor.role != "trainee":
        raise PermissionDenied("Only trainees sit certification exams.")
    lock_user(session, actor.id)
    finalise_overdue(session, now=now, user_id=actor.id)
    exam = session.get(Exam, exam_id)
    if exam is None or not exam_rules.may_see_exam(session, actor.id, exam):
        raise NotFound("That exam does not exist or is not set for you.")
    status = exam_rules.exam_status(session, actor.id, exam, now)
    if status.in_progress_attempt_id is not None:
        return status.in_progress_attempt_id
    if not status.can_start:
        raise Conflict(status.reason or "You cannot start this exam now.")
    try:
        blueprint = Blueprint.from_dict(exam.blueprint)
    except (BlueprintError, KeyError, TypeError, ValueError) as err:
        raise Conflict(f"This exam is not set up correctly ({err}). Please tell your trainer.") from None
    pool = current_questions(session)
    by_id = {c.question.id: c for c in pool}
    seed = secrets.randbelow(2**31 - 1)
    try:
        assembly = assemble_with_notice([c.question for c in pool], blueprint, seed=seed,
                                        seen=seen_counts(session, actor.id))
    except BlueprintError as err:
        raise Conflict(f"This exam cannot be started just now: {err}. Please tell your trainer.") from None
    ov = exam_rules.override_for(session, exam.id, actor.id)
    # Fixed: the exam's pass mark. Angoff: the cut score of the items drawn (quiz.services.standard_setting).
    pass_mark, how = standard_setting.attempt_pass_mark(session, exam, assembly.questions)
    attempt = Attempt(
        user_id=actor.id, exam_id=exam.id, mode="exam", seed=seed, started_at=now,
        deadline_at=exam_rules.deadline_for(exam, now, ov.extra_minutes if ov else 0),
        settings={"pass_mark": pass_mark, **how, "review_options": dict(exam.review_options or {}),
                  **({"notice": assembly.notice} if assembly.notice else {})},
    )
    session.add(attempt)
    session.flush()
    add_items(session, attempt, [(q, by_id[q.id].version_id) for q in assembly.questions])
    return attempt.id


def current_exam_attempt(session: Session, actor: Actor, *, now: datetime | None = None) -> int | None:
    """The id of the actor's exam attempt in progress, if any."""
    running = in_progress(session, actor, "exam", now=now)
    return running[0].id if running else None


def exam_statuses(session: Session, actor: Actor, *, now: datetime | None = None) -> list[exam_rules.ExamStatus]:
    """The exams set for the actor, each with whether it can be started now and why not."""
    now = now or now_utc()
    finalise_overdue(session, now=now, user_id=actor.id)
    return [exam_rules.exam_status(session, actor.id, e, now) for e in exam_rules.visible_exams(session, actor.id)]
