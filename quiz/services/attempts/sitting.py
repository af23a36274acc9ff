"""An exam being sat, read again on every click without rebuilding it.

The questions of an attempt, their option order and their texts never change while it runs; what can change
(in this tab, another tab or another process) is its state, its deadline (a trainer's extra minutes), the question
the trainee is on, and each item's saved answer, the answer's version and its flag. :func:`refresh_view` reads
just those, in two small queries and without loading an ORM object, and lays them over the view
:func:`~quiz.services.attempts.answering.attempt_view` built when the page opened. :func:`attempt_clock` reads
the state and deadline alone (the page's periodic check). Both grade an attempt whose deadline has passed first,
as every read of an attempt does.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz.adapters.orm import Attempt, AttemptItem, Response
from quiz.services.attempts.common import load_attempt, now_utc
from quiz.services.attempts.grading import finalise
from quiz.services.attempts.views import AttemptView
from quiz.services.errors import NotFound, PermissionDenied
from quiz.services.permissions import Actor


@dataclass(frozen=True)
class AttemptClock:
    state: str
    deadline_at: datetime | None
    current_position: int

    @property
    def in_progress(self) -> bool:
        return self.state == "in_progress"


def attempt_clock(session: Session, actor: Actor, attempt_id: int, *, now: datetime | None = None) -> AttemptClock:
    """The state, deadline and current position of the actor's own attempt, in one query. One whose deadline
    has passed is graded first (state ``expired``, with what was saved)."""
    now = now or now_utc()
    row = session.execute(select(Attempt.user_id, Attempt.state, Attempt.deadline_at, Attempt.current_position)
                          .where(Attempt.id == attempt_id)).one_or_none()
    if row is None:
        raise NotFound("That attempt does not exist.")
    if row.user_id != actor.id:
        raise PermissionDenied("This is not your attempt.")
    if row.state == "in_progress" and row.deadline_at is not None and now >= row.deadline_at:
        attempt = load_attempt(session, attempt_id)
        finalise(session, attempt, "expired", now)  # (or someone else just did: either way it is over)
        return AttemptClock(attempt.state, attempt.deadline_at, attempt.current_position)
    return AttemptClock(row.state, row.deadline_at, row.current_position)


def refresh_view(session: Session, actor: Actor, view: AttemptView, *, now: datetime | None = None) -> AttemptView:
    """``view`` (an exam attempt of the actor's, as :func:`attempt_view` built it) with its state, deadline,
    current position and every item's saved answer, version and flag as stored now: two queries however many
    items, no question rebuilt. Once the attempt is over only the state and deadline are read again."""
    if view.mode != "exam":
        raise ValueError("refresh_view is for exam attempts (practice feedback is not refreshed)")
    now = now or now_utc()
    clock = attempt_clock(session, actor, view.id, now=now)
    if not clock.in_progress:
        return replace(view, state=clock.state, deadline_at=clock.deadline_at, seconds_left=None)
    saved = {r.position: r for r in session.execute(
        select(AttemptItem.position, AttemptItem.flagged, Response.answer, Response.version)
        .outerjoin(Response, (Response.attempt_id == AttemptItem.attempt_id)
                   & (Response.question_version_id == AttemptItem.question_version_id))
        .where(AttemptItem.attempt_id == view.id))}
    items = []
    for item in view.items:
        row = saved.get(item.position)
        answer, version, flagged = (row.answer, row.version or 0, bool(row.flagged)) if row else (None, 0, False)
        if (item.answer, item.version, item.flagged) != (answer, version, flagged):
            item = replace(item, answer=answer, version=version, flagged=flagged)
        items.append(item)
    seconds_left = None
    if clock.deadline_at is not None:
        seconds_left = max(0, int((clock.deadline_at - now).total_seconds()))
    return replace(view, state=clock.state, deadline_at=clock.deadline_at, seconds_left=seconds_left,
                   current_position=min(clock.current_position, max(0, len(items) - 1)), items=items)
