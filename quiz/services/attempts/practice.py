"""Starting practice and spaced-review sessions (immediate feedback; closed while an exam runs)."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy.orm import Session

from quiz.adapters.orm import Attempt
from quiz.domain.assembly import pick_practice_with_notice
from quiz.services import review
from quiz.services.attempts.answering import attempt_view
from quiz.services.attempts.common import MAX_PRACTICE_ITEMS, add_items, lock_user, now_utc
from quiz.services.attempts.grading import require_no_exam_in_progress
from quiz.services.attempts.results import in_progress, submit
from quiz.services.errors import Conflict, InvalidInput
from quiz.services.permissions import Actor
from quiz.services.questions import current_questions, seen_counts


def start_practice(session: Session, actor: Actor, topics: list[str] | None, count: int, *,
                   now: datetime | None = None, topic_names: dict[str, str] | None = None) -> int:
    """A practice attempt of at most ``count`` live items from ``topics`` (all topics when empty), preferring
    the items this trainee has seen least; case sets come whole and in order, or not at all (see
    :func:`quiz.domain.assembly.pick_practice_with_notice`; its notice, if any, is kept in the attempt's
    settings). Returns the attempt id. Refused while an exam is in progress."""
    now = now or now_utc()
    try:
        count = int(count)
    except (TypeError, ValueError):
        raise InvalidInput("Please choose how many questions you want.") from None
    if not 1 <= count <= MAX_PRACTICE_ITEMS:
        raise InvalidInput(f"Choose between 1 and {MAX_PRACTICE_ITEMS} questions.")
    lock_user(session, actor.id)
    require_no_exam_in_progress(session, actor.id, now=now)
    topics = sorted(set(topics or []))
    pool = current_questions(session)  # every topic: a case set is served only when all of it is on topic
    if not any(not topics or c.question.topic in topics for c in pool):
        raise InvalidInput("There are no questions on the chosen topics yet. Please choose other topics.")
    seed = secrets.randbelow(2**31 - 1)
    assembly = pick_practice_with_notice([c.question for c in pool], count, seed=seed, topics=topics,
                                         seen=seen_counts(session, actor.id))
    chosen = assembly.questions
    if not chosen:
        raise InvalidInput(f"The chosen topics have no questions that fit in a practice of {count}: their "
                           "case studies come whole, with several questions each. Please choose more questions "
                           "or other topics.")
    by_id = {c.question.id: c for c in pool}
    picked = [(q, by_id[q.id].version_id) for q in chosen]
    names = topic_names or {}
    attempt = Attempt(user_id=actor.id, mode="practice", seed=seed, started_at=now,
                      settings={"topics": topics, "topic_names": [names.get(t, t) for t in topics],
                                "requested": count, **({"notice": assembly.notice} if assembly.notice else {})})
    session.add(attempt)
    session.flush()
    add_items(session, attempt, picked)
    return attempt.id


def start_review_session(session: Session, actor: Actor, question_ids: list[str], *,
                         now: datetime | None = None) -> int:
    """A review attempt over the given questions (see :func:`start_review`). Refused while an
    exam is in progress."""
    now = now or now_utc()
    lock_user(session, actor.id)
    require_no_exam_in_progress(session, actor.id, now=now)
    if not question_ids:
        raise Conflict("Nothing is due for review right now.")
    pool = {c.question.id: c for c in current_questions(session, statuses=("live",))}
    picked = [(pool[q].question, pool[q].version_id) for q in question_ids if q in pool]
    if not picked:
        raise Conflict("Nothing is due for review right now.")
    attempt = Attempt(user_id=actor.id, mode="review", seed=secrets.randbelow(2**31 - 1), started_at=now,
                      settings={})
    session.add(attempt)
    session.flush()
    add_items(session, attempt, picked)
    return attempt.id


def start_review(session: Session, actor: Actor, now: datetime | None = None, limit: int = review.SESSION_SIZE) -> int:
    """Start a spaced-review session over the items due now (resuming one already in progress)."""
    now = review.as_utc(now)
    running = in_progress(session, actor, "review", now=now)
    for a in running:
        view = attempt_view(session, actor, a.id, now=now)
        if view.answered_count < len(view.items):
            return a.id
        submit(session, actor, a.id, now=now)  # finished but not closed: close it
    return start_review_session(session, actor, review.due_question_ids(session, actor, now, limit), now=now)
