"""While a trainee has a certification exam in progress, practice and spaced review are closed, on SQLite and
PostgreSQL: their immediate feedback would reveal right answers, possibly to the exam's own questions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from quiz.adapters.orm import Attempt, Response
from quiz.services import attempts, review
from quiz.services.errors import Conflict
from tests.integration.attempt_helpers import T0, call, load_bank, make_exam, right_answer, wrong_answer

LOCKED = "Finish or submit your exam first: practice and review are closed while an exam is in progress."


@pytest.fixture(autouse=True)
def setup(platform, monkeypatch):
    monkeypatch.setattr(review, "ENABLE_FUZZING", False)
    load_bank(platform)



def test_practice_cannot_be_started_during_an_exam(platform, trainee):
    exam = call(platform, attempts.start_exam, trainee, make_exam(platform, time_limit_minutes=30), now=T0)
    with pytest.raises(Conflict, match=LOCKED):
        call(platform, attempts.start_practice, trainee, [], attempts.MAX_PRACTICE_ITEMS,
             now=T0 + timedelta(minutes=1))
    with platform.sessions() as s:
        assert s.scalar(select(func.count(Attempt.id)).where(Attempt.mode == "practice")) == 0
    assert call(platform, attempts.current_exam_attempt, trainee, now=T0 + timedelta(minutes=1)) == exam


def test_spaced_review_cannot_be_started_during_an_exam(platform, trainee):
    call(platform, review.schedule_wrong, trainee.id, ["spacing-001", "hygiene-002"], T0 - timedelta(days=2))
    call(platform, attempts.start_exam, trainee, make_exam(platform), now=T0)
    with pytest.raises(Conflict, match=LOCKED):
        call(platform, attempts.start_review, trainee, T0 + timedelta(minutes=1))
    with pytest.raises(Conflict, match=LOCKED):
        call(platform, attempts.start_review_session, trainee, ["spacing-001"], now=T0 + timedelta(minutes=1))
    with platform.sessions() as s:
        assert s.scalar(select(func.count(Attempt.id)).where(Attempt.mode == "review")) == 0


@pytest.mark.parametrize("mode", ["practice", "review"])
def test_an_open_practice_or_review_gives_no_feedback_during_an_exam(platform, trainee, mode):
    """Started before the exam, answered during it: refused, nothing saved, no key returned."""
    if mode == "practice":
        aid = call(platform, attempts.start_practice, trainee, [], 5, now=T0)
    else:
        call(platform, review.schedule_wrong, trainee.id, ["spacing-001", "hygiene-002"], T0 - timedelta(days=2))
        aid = call(platform, attempts.start_review, trainee, T0)
    exam = call(platform, attempts.start_exam, trainee, make_exam(platform, time_limit_minutes=30),
                now=T0 + timedelta(minutes=1))
    with pytest.raises(Conflict, match=LOCKED):
        call(platform, attempts.save_answer, trainee, aid, 0, right_answer(platform, aid, 0),
             now=T0 + timedelta(minutes=2))
    with platform.sessions() as s:
        assert s.scalar(select(func.count(Response.id)).where(Response.attempt_id == aid)) == 0

    # The exam's own answers are still saved; once it is submitted, practice and review open again.
    call(platform, attempts.save_answer, trainee, exam, 0, right_answer(platform, exam, 0),
         now=T0 + timedelta(minutes=3))
    call(platform, attempts.submit, trainee, exam, now=T0 + timedelta(minutes=4))
    fb = call(platform, attempts.save_answer, trainee, aid, 0, wrong_answer(platform, aid, 0),
              now=T0 + timedelta(minutes=5))
    assert fb is not None and not fb.correct


def test_an_exam_past_its_deadline_no_longer_closes_practice(platform, trainee):
    exam = call(platform, attempts.start_exam, trainee, make_exam(platform, time_limit_minutes=10), now=T0)
    later = T0 + timedelta(minutes=11)
    aid = call(platform, attempts.start_practice, trainee, ["spacing"], 2, now=later)
    assert call(platform, attempts.save_answer, trainee, aid, 0, right_answer(platform, aid, 0), now=later).correct
    with platform.sessions() as s:
        assert s.get(Attempt, exam).state == "expired"  # finalised with what was saved, not left open
