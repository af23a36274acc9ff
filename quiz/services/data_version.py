"""A counter of changes to graded results, for caches: bumped in the transaction that grades an attempt (submit,
time-up) or regrades one, so a page may keep what it computed for as long as the counter stays the same.

The counter is one row of ``settings`` (key ``data_version``). Saving an answer does not bump it: until an
attempt is graded nothing a dashboard, progress page or item analysis shows changes (an exam in progress
reveals nothing); pages that also show practice answers as they come add the trainee's own counts to
their cache key (:func:`quiz.services.dashboard.cache_key`).

This module imports nothing but the ORM, so grading and regrading can call it without a cycle.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Integer, String, cast, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from quiz.adapters.orm import Setting

KEY = "data_version"


def current(session: Session) -> int:
    """The counter's value (0 before the first grading)."""
    value = session.scalar(select(Setting.value).where(Setting.key == KEY))
    return int(value) if value else 0


def bump(session: Session) -> None:
    """Count one change, in the caller's transaction (so a rolled-back grading leaves the counter alone)."""
    bumped = session.execute(
        update(Setting).where(Setting.key == KEY)
        .values(value=cast(cast(Setting.value, Integer) + 1, String), updated_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)).rowcount
    if bumped:
        return
    try:
        with session.begin_nested():  # the first bump ever; another process may make the row at the same moment
            session.add(Setting(key=KEY, value="1", updated_at=datetime.now(UTC)))
    except IntegrityError:
        bump(session)
