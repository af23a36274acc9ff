"""Two tabs at once, with real concurrent connections (threads), on SQLite and PostgreSQL: starting an exam
twice makes one attempt, submitting twice grades once (one certificate, one set of review cards), two saves
of one answer lose neither (or refuse the stale one), and a save racing the submit is graded or refused."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from quiz.adapters.orm import Attempt, Certificate, Response, ReviewCard
from quiz.bootstrap import Platform
from quiz.services import attempts
from quiz.services.errors import Conflict
from tests.integration.attempt_helpers import load_bank, make_exam, right_answer, wrong_answer


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


def outcomes(platform: Platform, *calls: Callable[[Any], Any]) -> list[Any]:
    """Run each call(session) in its own thread and transaction, released at the same moment: its result,
    or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            barrier.wait()
            with platform.transaction() as s:
                results[i] = calls[i](s)
        except Exception as err:  # noqa: BLE001 - returned to the test
            results[i] = err

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def _saved(platform: Platform, aid: int) -> list[tuple[Any, int]]:
    with platform.sessions() as s:
        return [(r.answer, r.version) for r in s.scalars(select(Response).where(Response.attempt_id == aid))]


def test_two_tabs_answering_the_same_question_at_once_lose_no_save(platform, trainee):
    """Neither tab checks a version (as the bench and older pages save): both saves land, one after the other."""
    load_bank(platform)
    with platform.transaction() as s:
        aid = attempts.start_exam(s, trainee, make_exam(platform))
    answer = right_answer(platform, aid, 0)
    results = outcomes(platform, *[lambda s: attempts.save_answer(s, trainee, aid, 0, answer)] * 2)
    assert results == [None, None]
    assert _saved(platform, aid) == [(answer, 2)]


def test_two_tabs_that_both_showed_no_answer_save_once_and_the_other_is_told(platform, trainee):
    load_bank(platform)
    with platform.transaction() as s:
        aid = attempts.start_exam(s, trainee, make_exam(platform))
    right, wrong = right_answer(platform, aid, 0), wrong_answer(platform, aid, 0)
    results = outcomes(platform, lambda s: attempts.save_answer(s, trainee, aid, 0, right, expected_version=0),
                       lambda s: attempts.save_answer(s, trainee, aid, 0, wrong, expected_version=0))
    stale = [r for r in results if isinstance(r, attempts.StaleAnswer)]
    assert len(stale) == 1 and results.count(None) == 1, results
    kept = right if results[0] is None else wrong
    assert _saved(platform, aid) == [(kept, 1)]


def test_an_answer_saved_while_the_exam_is_submitted_is_graded_or_refused_never_left_ungraded(platform, trainee):
    """The save takes the attempt's lock before writing: it lands before the grading (and is scored) or finds
    the attempt submitted (and is refused) - never written after the grading, unscored."""
    load_bank(platform)
    for i in range(3):
        with platform.transaction() as s:
            aid = attempts.start_exam(s, trainee, make_exam(platform, name=f"Exam {i}"))
        answer = right_answer(platform, aid, 1)
        save, graded = outcomes(platform, lambda s, a=aid, x=answer: attempts.save_answer(s, trainee, a, 1, x),
                                lambda s, a=aid: attempts.submit(s, trainee, a))
        assert save is None or isinstance(save, Conflict), save
        with platform.sessions() as s:
            attempt = s.get(Attempt, aid)
            responses = list(s.scalars(select(Response).where(Response.attempt_id == aid)))
            assert attempt.state == "submitted"
            assert all(r.score is not None for r in responses)
            assert attempt.score == sum(r.score for r in responses) == graded.score == (1 if save is None else 0)
