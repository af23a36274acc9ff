"""The audit trail: one append-only record per consequential action (who, when, what, before -> after).

Services call :func:`record` inside the transaction that makes the change, so the record and the change land
together or not at all. Nothing in the services updates or deletes an audit record.

>>> record(session, actor, "question_retired", "hygiene-004", before={"status": "live"}, after={"status": "retired"})
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from quiz.adapters.orm import AuditEvent
from quiz.services.permissions import Actor


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
