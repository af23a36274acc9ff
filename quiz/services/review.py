"""Spaced review with FSRS (the ``fsrs`` package): a per-trainee schedule of the items they got wrong.

* an item answered wrongly (in practice at once, in an exam once it is submitted) gets a card, due now; if it
  already has one, the lapse is recorded on it (rating Again);
* a review session (:func:`quiz.services.attempts.start_review`) serves the cards that are due, as an
  attempt in ``review`` mode with immediate feedback;
* each review answer updates the card (Good if right, Again if wrong) and stores its next due date.

All datetimes are UTC (fsrs refuses other time zones). Fuzzing spreads due dates a little in production;
tests turn it off with ``ENABLE_FUZZING = False``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from fsrs import Card, Rating, Scheduler
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quiz.adapters.orm import QuestionRow, ReviewCard
from quiz.services.permissions import Actor

ENABLE_FUZZING = True
DESIRED_RETENTION = 0.9
SESSION_SIZE = 10


def _scheduler() -> Scheduler:
    return Scheduler(desired_retention=DESIRED_RETENTION, enable_fuzzing=ENABLE_FUZZING)


def as_utc(dt: datetime | None) -> datetime:
    return (dt or datetime.now(UTC)).astimezone(UTC)


def _card_id(user_id: int, question_id: str) -> int:
    """A stable card id (fsrs makes one by sleeping a millisecond otherwise)."""
    return int(hashlib.sha256(f"{user_id}:{question_id}".encode()).hexdigest()[:12], 16)


def _get(session: Session, user_id: int, question_id: str) -> ReviewCard | None:
    return session.scalar(select(ReviewCard).where(ReviewCard.user_id == user_id,
                                                   ReviewCard.question_id == question_id))


def _store(row: ReviewCard, card: Card) -> None:
    row.card = card.to_dict()
    row.due_at = as_utc(card.due)


def schedule_wrong(session: Session, user_id: int, question_ids: list[str], now: datetime | None = None) -> None:
    """Put items answered wrongly into the trainee's schedule (due now), or record a lapse on their card."""
    now = as_utc(now)
    for qid in dict.fromkeys(question_ids):
        row = _get(session, user_id, qid)
        if row is None:
            card = Card(card_id=_card_id(user_id, qid), due=now)
            row = ReviewCard(user_id=user_id, question_id=qid, card=card.to_dict(), due_at=now, reviews=0)
            session.add(row)
        else:
            card, _log = _scheduler().review_card(Card.from_dict(row.card), Rating.Again, review_datetime=now)
            _store(row, card)
    session.flush()


def record_review(session: Session, user_id: int, question_id: str, correct: bool,
                  now: datetime | None = None) -> ReviewCard:
    """Update a card after a review answer: Good when right, Again when wrong."""
    now = as_utc(now)
    row = _get(session, user_id, question_id)
    if row is None:
        card = Card(card_id=_card_id(user_id, question_id), due=now)
        row = ReviewCard(user_id=user_id, question_id=question_id, card=card.to_dict(), due_at=now, reviews=0)
        session.add(row)
    card, _log = _scheduler().review_card(Card.from_dict(row.card), Rating.Good if correct else Rating.Again,
                                          review_datetime=now)
    _store(row, card)
    row.reviews = (row.reviews or 0) + 1
    row.last_reviewed_at = now
    session.flush()
    return row


@dataclass(frozen=True)
class ReviewStatus:
    due_now: int
    scheduled: int  # cards in the schedule (due or not)
    next_due_at: datetime | None  # the soonest due date after now


def _live_cards(user_id: int):  # noqa: ANN202 - a select
    return (select(ReviewCard).join(QuestionRow, QuestionRow.id == ReviewCard.question_id)
            .where(ReviewCard.user_id == user_id, QuestionRow.status == "live"))


def status(session: Session, actor: Actor, now: datetime | None = None) -> ReviewStatus:
    now = as_utc(now)
    base = _live_cards(actor.id).subquery()
    due = session.scalar(select(func.count()).select_from(base).where(base.c.due_at <= now)) or 0
    total = session.scalar(select(func.count()).select_from(base)) or 0
    nxt = session.scalar(select(func.min(base.c.due_at)).where(base.c.due_at > now))
    if nxt is not None and nxt.tzinfo is None:
        nxt = nxt.replace(tzinfo=UTC)
    return ReviewStatus(due_now=due, scheduled=total, next_due_at=nxt)


def due_question_ids(session: Session, actor: Actor, now: datetime | None = None,
                     limit: int = SESSION_SIZE) -> list[str]:
    """The questions due for review, most overdue first (retired or draft questions are skipped)."""
    now = as_utc(now)
    q = _live_cards(actor.id).where(ReviewCard.due_at <= now).order_by(ReviewCard.due_at, ReviewCard.id)
    return [row.question_id for row in session.scalars(q.limit(limit))]
