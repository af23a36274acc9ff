"""Who may sit which certification exam, and when: the rules a trainer set on an :class:`Exam`, adjusted by
any :class:`ExamOverride` for one trainee.

* the exam is active, and either open to everyone or set for a cohort the trainee belongs to;
* it is open (``opens_at`` <= now < ``closes_at``, either bound optional);
* the trainee has attempts left: ``attempts_allowed`` + the override's ``extra_attempts``; an attempt in
  progress is resumed, never duplicated;
* ``wait_hours`` have passed since their last attempt ended;
* once passed, the exam is done (a certificate was issued), until that certificate is within 60 days of
  its expiry (or expired): then the exam opens again to recertify, with a fresh count of attempts.

The time allowed is ``time_limit_minutes`` + the override's ``extra_minutes``; an attempt never runs past the
exam's closing time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz.adapters.orm import Attempt, CohortMember, Exam, ExamOverride


@dataclass(frozen=True)
class ExamStatus:
    exam_id: int
    name: str
    time_limit_minutes: int  # including any extra minutes granted
    pass_mark: float
    attempts_allowed: int  # including any extra attempts granted
    attempts_used: int
    question_count: int
    opens_at: datetime | None
    closes_at: datetime | None
    in_progress_attempt_id: int | None
    passed: bool
    best_percent: float | None
    can_start: bool
    reason: str | None  # why it cannot be started now, in plain words
    next_start_at: datetime | None  # when it can be started (waiting period or opening date)

    @property
    def attempts_left(self) -> int:
        return max(0, self.attempts_allowed - self.attempts_used)


def override_for(session: Session, exam_id: int, user_id: int) -> ExamOverride | None:
    return session.scalar(select(ExamOverride).where(ExamOverride.exam_id == exam_id,
                                                     ExamOverride.user_id == user_id))


def visible_exams(session: Session, user_id: int) -> list[Exam]:
    """Active exams for everyone plus those set for the trainee's cohorts, by name."""
    cohorts = select(CohortMember.cohort_id).where(CohortMember.user_id == user_id)
    q = select(Exam).where(Exam.is_active.is_(True),
                           Exam.cohort_id.is_(None) | Exam.cohort_id.in_(cohorts)).order_by(Exam.name)
    return list(session.scalars(q))


def may_see_exam(session: Session, user_id: int, exam: Exam) -> bool:
    if exam.cohort_id is None:
        return True
    return session.get(CohortMember, (exam.cohort_id, user_id)) is not None


def _fmt(dt: datetime) -> str:
    return dt.strftime("%d %b %Y %H:%M UTC")


def exam_status(session: Session, user_id: int, exam: Exam, now: datetime) -> ExamStatus:
    ov = override_for(session, exam.id, user_id)
    allowed = exam.attempts_allowed + (ov.extra_attempts if ov else 0)
    minutes = exam.time_limit_minutes + (ov.extra_minutes if ov else 0)
    attempts = list(session.scalars(
        select(Attempt).where(Attempt.exam_id == exam.id, Attempt.user_id == user_id, Attempt.mode == "exam")
        .order_by(Attempt.started_at)
    ))
    if any(a.passed for a in attempts):
        from quiz.services.certificates import renewal_open

        renew_from = renewal_open(session, user_id, exam.id, now)
        if renew_from is not None:  # recertification: only attempts since the renewal window opened count
            attempts = [a for a in attempts if a.started_at >= renew_from]
    in_progress = next((a for a in attempts if a.state == "in_progress"), None)
    finished = [a for a in attempts if a.state != "in_progress"]
    passed = any(a.passed for a in finished)
    percents = [a.percent for a in finished if a.percent is not None]
    used = len(attempts)
    reason: str | None = None
    next_at: datetime | None = None
    if in_progress is not None:
        reason = "You have an attempt in progress: resume it."
    elif passed:
        reason = "You have passed this exam."
    elif not exam.is_active:
        reason = "This exam is not available."
    elif exam.opens_at is not None and now < exam.opens_at:
        reason = f"This exam opens on {_fmt(exam.opens_at)}."
        next_at = exam.opens_at
    elif exam.closes_at is not None and now >= exam.closes_at:
        reason = f"This exam closed on {_fmt(exam.closes_at)}."
    elif used >= allowed:
        reason = (f"You have used all {allowed} attempt(s) allowed. Ask your trainer if you need another."
                  if allowed else "No attempts are allowed on this exam.")
    elif finished and exam.wait_hours > 0:
        last_end = max(a.submitted_at or a.started_at for a in finished)
        ready = last_end + timedelta(hours=exam.wait_hours)
        if now < ready:
            reason = f"You can try again from {_fmt(ready)} (a wait of {exam.wait_hours:g} hour(s) between attempts)."
            next_at = ready
    blueprint_topics = (exam.blueprint or {}).get("topics") or {}
    return ExamStatus(
        exam_id=exam.id, name=exam.name, time_limit_minutes=minutes, pass_mark=exam.pass_mark,
        attempts_allowed=allowed, attempts_used=used, question_count=sum(int(n) for n in blueprint_topics.values()),
        opens_at=exam.opens_at, closes_at=exam.closes_at,
        in_progress_attempt_id=in_progress.id if in_progress else None, passed=passed,
        best_percent=max(percents) if percents else None,
        can_start=reason is None, reason=reason, next_start_at=next_at,
    )


def deadline_for(exam: Exam, started_at: datetime, extra_minutes: int = 0) -> datetime:
    """The moment an attempt started at ``started_at`` must end (never after the exam closes)."""
    deadline = started_at + timedelta(minutes=exam.time_limit_minutes + extra_minutes)
    if exam.closes_at is not None and exam.closes_at < deadline:
        deadline = exam.closes_at
    return deadline
