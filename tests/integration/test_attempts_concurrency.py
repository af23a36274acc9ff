"""Two tabs at once, with real concurrent connections (threads), on SQLite and PostgreSQL: starting an exam
twice makes one attempt, and submitting twice grades once (one certificate, one set of review cards)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from quiz.adapters.orm import Attempt, Certificate, ReviewCard
from quiz.bootstrap import Platform
from quiz.services import attempts
from tests.integration.attempt_helpers import load_bank, make_exam, right_answer


def together(platform: Platform, fn: Callable[..., Any], *args: Any, n: int = 2) -> list[Any]:
    """Run fn(session, *args) in n threads released at the same moment, each in its own transaction."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            with platform.transaction() as s:
                results[i] = fn(s, *args)
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return results


def test_two_tabs_starting_the_same_exam_get_one_attempt(platform, trainee):
    load_bank(platform)
    exam = make_exam(platform)
    ids = together(platform, attempts.start_exam, trainee, exam)
    assert ids[0] == ids[1]
    with platform.sessions() as s:
        assert s.scalar(select(func.count(Attempt.id)).where(Attempt.user_id == trainee.id)) == 1


def test_two_tabs_submitting_at_once_grade_once(platform, trainee):
    load_bank(platform)
    exam = make_exam(platform, pass_mark=0.5)
    with platform.transaction() as s:
        aid = attempts.start_exam(s, trainee, exam)
    for pos in range(4):  # 4 of 6 right: a pass
        with platform.transaction() as s:
            attempts.save_answer(s, trainee, aid, pos, right_answer(platform, aid, pos))
    views = together(platform, attempts.submit, trainee, aid)
    assert views[0].score == views[1].score == 4
    with platform.sessions() as s:
        assert s.scalar(select(func.count(Certificate.id)).where(Certificate.attempt_id == aid)) == 1
        assert s.scalar(select(func.count(ReviewCard.id)).where(ReviewCard.user_id == trainee.id)) == 2
