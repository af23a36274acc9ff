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

from quiz.adapters.orm import AuditEvent, User
from quiz.services.permissions import Actor, require_staff


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
    """The audit trail, newest first, filtered; for trainers and administrators (None: the command line)."""
    if actor is not None:
        require_staff(actor)
    q = (select(AuditEvent, User.email).outerjoin(User, User.id == AuditEvent.actor_id)
         .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(max(1, min(limit, 10_000))))
    if since is not None:
        q = q.where(AuditEvent.at >= since)
    if action:
        q = q.where(AuditEvent.action == action)
    if who:
        q = q.where(User.email == who.strip().lower())
    if target:
        q = q.where(AuditEvent.target.contains(target.strip()))
    return [AuditEntry(e.id, e.at, email or "system", e.action, e.target, dict(e.detail or {}))
            for e, email in session.execute(q)]


def actions(session: Session) -> list[str]:
    """Every action name recorded so far (for filters)."""
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
