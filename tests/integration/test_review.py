"""Spaced review (FSRS) on SQLite and PostgreSQL: wrong answers enter the schedule, due items are served,
each answer moves the card."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fsrs import Card
from sqlalchemy import select

from quiz.adapters.orm import QuestionRow, ReviewCard
from quiz.services import attempts, review
from quiz.services.errors import Conflict
from tests.conftest import make_user
from tests.integration.attempt_helpers import T0, call, load_bank, right_answer, wrong_answer


@pytest.fixture(autouse=True)
def setup(platform, monkeypatch):
    monkeypatch.setattr(review, "ENABLE_FUZZING", False)
    load_bank(platform)



def card(platform, user_id, qid):
    with platform.sessions() as s:
        return s.scalar(select(ReviewCard).where(ReviewCard.user_id == user_id, ReviewCard.question_id == qid))


def test_nothing_due_means_no_session(platform, trainee):
    assert call(platform, review.status, trainee, T0).due_now == 0
    with pytest.raises(Conflict, match="Nothing is due"):
        call(platform, attempts.start_review, trainee, T0)


def test_wrong_practice_answers_are_served_in_a_review_session_and_each_answer_reschedules(platform, trainee):
    aid = call(platform, attempts.start_practice, trainee, ["spacing"], 3, now=T0)
    items = call(platform, attempts.attempt_view, trainee, aid, now=T0).items
    call(platform, attempts.save_answer, trainee, aid, 0, wrong_answer(platform, aid, 0), now=T0)
    call(platform, attempts.save_answer, trainee, aid, 1, wrong_answer(platform, aid, 1), now=T0)
    call(platform, attempts.save_answer, trainee, aid, 2, right_answer(platform, aid, 2), now=T0)
    wrong_ids = {items[0].question_id, items[1].question_id}

    st = call(platform, review.status, trainee, T0)
    assert (st.due_now, st.scheduled) == (2, 2)
    stored = card(platform, trainee.id, items[0].question_id)
    assert Card.from_dict(stored.card).card_id  # a real fsrs card, kept as JSON

    rid = call(platform, attempts.start_review, trainee, T0 + timedelta(minutes=1))
    rview = call(platform, attempts.attempt_view, trainee, rid, now=T0 + timedelta(minutes=1))
    assert rview.mode == "review" and {i.question_id for i in rview.items} == wrong_ids
    # Asking again while it is unfinished resumes the same session.
    assert call(platform, attempts.start_review, trainee, T0 + timedelta(minutes=2)) == rid

    t = T0 + timedelta(minutes=3)
    good_q = rview.items[0].question_id
    fb = call(platform, attempts.save_answer, trainee, rid, 0, right_answer(platform, rid, 0), now=t)
    assert fb.correct
    good = card(platform, trainee.id, good_q)
    assert good.reviews == 1 and good.last_reviewed_at == t and good.due_at > t
    assert Card.from_dict(good.card).last_review is not None

    bad_q = rview.items[1].question_id
    call(platform, attempts.save_answer, trainee, rid, 1, wrong_answer(platform, rid, 1), now=t)
    bad = card(platform, trainee.id, bad_q)
    assert bad.reviews == 1 and bad.due_at > t
    assert bad.due_at < good.due_at  # a miss comes back sooner than a success

    # Right now nothing is due; later on both come back, the missed one first.
    assert call(platform, review.due_question_ids, trainee, t) == []
    assert call(platform, review.due_question_ids, trainee, t + timedelta(days=30)) == [bad_q, good_q]


def test_repeated_success_spreads_reviews_out(platform, trainee):
    call(platform, review.schedule_wrong, trainee.id, ["spacing-001"], T0)
    t, gaps = T0, []
    for _ in range(4):
        row = call(platform, review.record_review, trainee.id, "spacing-001", True, t)
        gaps.append(row.due_at - t)
        t = row.due_at
    assert gaps == sorted(gaps) and gaps[-1] > timedelta(days=1)


def test_a_lapse_on_a_scheduled_card_brings_it_back(platform, trainee):
    call(platform, review.schedule_wrong, trainee.id, ["hygiene-001"], T0)
    t = T0
    for _ in range(3):
        t = call(platform, review.record_review, trainee.id, "hygiene-001", True, t).due_at
    assert t > T0 + timedelta(days=2)  # well spaced out by now
    later = t - timedelta(days=1)
    call(platform, review.schedule_wrong, trainee.id, ["hygiene-001"], later)  # wrong again in an exam
    assert card(platform, trainee.id, "hygiene-001").due_at <= later + timedelta(minutes=10)


def test_retired_questions_are_not_served_and_schedules_are_per_trainee(platform, trainee):
    other = make_user(platform, "trainee", "o@example.com", "Other")
    call(platform, review.schedule_wrong, trainee.id, ["spacing-001", "spacing-002"], T0)
    with platform.transaction() as s:
        s.get(QuestionRow, "spacing-002").status = "retired"
    assert call(platform, review.due_question_ids, trainee, T0) == ["spacing-001"]
    assert call(platform, review.status, other, T0).scheduled == 0
