"""The exam page's cheap re-read on every click (quiz/services/attempts/sitting.py): the view it lays over
is what attempt_view would build now - another tab's answers, flags, the question the trainee is on, a moved
deadline - in two queries whatever the number of items; an overdue attempt is graded first; only the owner."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from quiz.adapters.orm import Attempt
from quiz.services import attempts
from quiz.services.errors import PermissionDenied
from tests.conftest import make_user
from tests.integration.attempt_helpers import T0, call, load_bank, make_exam, right_answer, wrong_answer
from tests.integration.test_query_counts import _queries


@pytest.fixture
def bank(platform):  # noqa: ANN001
    load_bank(platform, per_topic=8)


def test_refresh_matches_a_fresh_view_after_changes_from_elsewhere(platform, trainee, bank):  # noqa: ANN001
    exam = make_exam(platform, topics={"aftercare": 2, "spacing": 2})
    aid = call(platform, attempts.start_exam, trainee, exam, now=T0)
    shown = call(platform, attempts.attempt_view, trainee, aid, now=T0)  # what the page built when it opened
    # another tab answers two questions (one twice), flags one and moves on; a trainer grants 10 minutes
    call(platform, attempts.save_answer, trainee, aid, 0, right_answer(platform, aid, 0), now=T0)
    call(platform, attempts.save_answer, trainee, aid, 0, wrong_answer(platform, aid, 0), now=T0)
    call(platform, attempts.save_answer, trainee, aid, 2, right_answer(platform, aid, 2), now=T0)
    call(platform, attempts.set_flag, trainee, aid, 1, True, now=T0)
    call(platform, attempts.go_to, trainee, aid, 3)
    with platform.transaction() as s:
        s.execute(update(Attempt).where(Attempt.id == aid)
                  .values(deadline_at=shown.deadline_at + timedelta(minutes=10)))
    later = T0 + timedelta(minutes=1)
    assert call(platform, attempts.refresh_view, trainee, shown, now=later) == \
        call(platform, attempts.attempt_view, trainee, aid, now=later)


def test_refresh_costs_two_queries_for_2_or_12_items(platform, trainee, bank):  # noqa: ANN001
    counts = []
    for name, topics in (("Small", {"aftercare": 2}), ("Big", {"aftercare": 4, "spacing": 4, "hygiene": 4})):
        aid = call(platform, attempts.start_exam, trainee, make_exam(platform, name=name, topics=topics), now=T0)
        call(platform, attempts.save_answer, trainee, aid, 0, right_answer(platform, aid, 0), now=T0)
        view = call(platform, attempts.attempt_view, trainee, aid, now=T0)
        counts.append(_queries(platform, attempts.refresh_view, trainee, view, now=T0))
        counts.append(_queries(platform, attempts.attempt_clock, trainee, aid, now=T0))
        call(platform, attempts.submit, trainee, aid, now=T0)
    assert counts == [2, 1, 2, 1]


def test_an_overdue_attempt_is_graded_by_the_refresh(platform, trainee, bank):  # noqa: ANN001
    exam = make_exam(platform, topics={"aftercare": 2})
    aid = call(platform, attempts.start_exam, trainee, exam, now=T0)
    call(platform, attempts.save_answer, trainee, aid, 0, right_answer(platform, aid, 0), now=T0)
    shown = call(platform, attempts.attempt_view, trainee, aid, now=T0)
    late = shown.deadline_at + timedelta(seconds=1)
    after = call(platform, attempts.refresh_view, trainee, shown, now=late)
    assert after.state == "expired" and not after.in_progress
    result = call(platform, attempts.results, trainee, aid, now=late)
    assert result.state == "expired" and result.answered == 1  # graded with what was saved
    assert call(platform, attempts.attempt_clock, trainee, aid, now=late).state == "expired"


def test_only_the_owner_reads_it(platform, trainee, trainer, bank):  # noqa: ANN001
    exam = make_exam(platform, topics={"aftercare": 2})
    aid = call(platform, attempts.start_exam, trainee, exam, now=T0)
    shown = call(platform, attempts.attempt_view, trainee, aid, now=T0)
    other = make_user(platform, "trainee", "other@example.com", "Other Trainee")
    for who in (other, trainer):
        with pytest.raises(PermissionDenied):
            call(platform, attempts.refresh_view, who, shown, now=T0)
        with pytest.raises(PermissionDenied):
            call(platform, attempts.attempt_clock, who, aid, now=T0)
