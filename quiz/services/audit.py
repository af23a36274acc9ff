"""The audit trail: one append-only record per consequential action (who, when, what, before -> after).

Services call :func:`record` inside the transaction that makes the change, so the record and the change land
together or not at all. Nothing in the services updates or deletes an audit record.

>>> record(session, actor, "question_retired", "hygiene-004", before={"status": "live"}, after={"status": "retired"})
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz.adapters.orm import Attempt, AuditEvent, Certificate, CohortMember, Exam, StandardSettingStudy, User
from quiz.services.permissions import Actor, require_staff, visible_cohort_ids


def record(session: Session, actor: Actor | None, action: str, target: str | None = None, *,
           before: Any = None, after: Any = None, **detail: Any) -> AuditEvent:
    """Add one audit record to the session's transaction; ``before``/``after`` are kept when given."""
    if before is not None:
        detail["before"] = before
    if after is not None:
        detail["after"] = after
    event = AuditEvent(actor_id=actor.id if actor else None, action=action, target=target, detail=detail)
    session.add(event)
    return event


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str  # the acting user's email, or "system" (command line, sweeps, sync)
    action: str
    target: str | None
    detail: dict[str, Any]


def entries(session: Session, actor: Actor | None, *, since: datetime | None = None, action: str | None = None,
            who: str | None = None, target: str | None = None, limit: int = 500) -> list[AuditEntry]:
    """The audit trail, newest first, filtered; for trainers and administrators (None: the command line).
    A trainer sees what they did, the shared question bank's records, and records about their own cohorts
    (their trainees, exams, studies, attempts and certificates); an administrator sees every record."""
    if actor is not None:
        require_staff(actor)
    limit = max(1, min(limit, 10_000))
    scope = None if actor is None or actor.is_admin else _TrainerScope(session, actor)
    q = (select(AuditEvent, User.email).outerjoin(User, User.id == AuditEvent.actor_id)
         .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()))
    if scope is None:
        q = q.limit(limit)
    if since is not None:
        q = q.where(AuditEvent.at >= since)
    if action:
        q = q.where(AuditEvent.action == action)
    if who:
        q = q.where(User.email == who.strip().lower())
    if target:
        q = q.where(AuditEvent.target.contains(target.strip()))
    found: list[AuditEntry] = []
    for e, email in session.execute(q):
        if scope is not None and not scope.shows(e):
            continue
        found.append(AuditEntry(e.id, e.at, email or "system", e.action, e.target, dict(e.detail or {})))
        if len(found) >= limit:
            break
    return found


class _TrainerScope:
    """Which audit records concern a trainer: their own actions, the question bank (shared by every trainer),
    and their cohorts' trainees, exams, standard-setting studies, attempts and certificates."""

    BANK_ACTIONS = ("question_", "bank_import")

    def __init__(self, session: Session, actor: Actor) -> None:
        self.session, self.actor_id = session, actor.id
        self.cohorts = set(visible_cohort_ids(session, actor) or [])
        members = session.execute(select(User.id, User.email).join(CohortMember, CohortMember.user_id == User.id)
                                  .where(CohortMember.cohort_id.in_(self.cohorts))).all()
        self.member_ids = {uid for uid, _ in members}
        self.member_emails = {email for _, email in members}
        self.exams = set(session.scalars(select(Exam.id).where(Exam.cohort_id.in_(self.cohorts))))
        self.studies = set(session.scalars(select(StandardSettingStudy.id)
                                           .where(StandardSettingStudy.exam_id.in_(self.exams))))

    def shows(self, e: AuditEvent) -> bool:
        detail = e.detail or {}
        if e.actor_id == self.actor_id or e.action.startswith(self.BANK_ACTIONS):
            return True
        if (detail.get("cohort_id") in self.cohorts or detail.get("exam_id") in self.exams
                or detail.get("study_id") in self.studies or e.target in self.member_emails):
            return True
        if detail.get("attempt_id") is not None:
            attempt = self.session.get(Attempt, detail["attempt_id"])
            return attempt is not None and (attempt.exam_id in self.exams or attempt.user_id in self.member_ids)
        if e.action == "certificate_revoked" and e.target:
            holder = self.session.scalar(select(Certificate.user_id).where(Certificate.code == e.target))
            return holder in self.member_ids
        return False


def actions(session: Session) -> list[str]:
    """Every action name recorded so far (for filters)."""
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
