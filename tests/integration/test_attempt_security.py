"""Findings of the adversarial review about attempts, on SQLite and PostgreSQL: overdue exams are graded
whenever anything reads them (and by a periodic sweep), earlier results show no answers while a retake runs,
flags are refused after the deadline, and an answer saved while the attempt is being graded can never be stored
with a score that does not match it."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from quiz.adapters.orm import Attempt, Response
from quiz.background import start_overdue_sweeper, sweep_overdue
from quiz.domain.scoring import score_item
from quiz.services import attempts, dashboard, exports, item_analysis, progress
from quiz.services.attempts import answering, grading
from quiz.services.errors import Conflict
from quiz.services.questions import to_question
from tests.conftest import make_user
from tests.integration.attempt_helpers import (
    T0,
    call,
    load_bank,
    make_cohort,
    make_exam,
    right_answer,
    wrong_answer,
)


@pytest.fixture(autouse=True)
def bank(platform):
    load_bank(platform)


def _overdue_exam(platform, trainee, *, right: int = 4, **exam) -> int:
    """An exam started two hours ago (30 minutes allowed) that the trainee left with ``right`` answers."""
    started = datetime.now(UTC) - timedelta(hours=2)
    exam_id = make_exam(platform, time_limit_minutes=30, **exam)
    aid = call(platform, attempts.start_exam, trainee, exam_id, now=started)
    for pos in range(right):
        call(platform, attempts.save_answer, trainee, aid, pos, right_answer(platform, aid, pos), now=started)
    return aid


def _state(platform, aid: int) -> str:
    with platform.sessions() as s:
        return s.get(Attempt, aid).state


# -- overdue attempts ---------------------------------------------------------------------------------------

def test_the_trainer_dashboard_grades_an_exam_the_trainee_never_came_back_to(platform, trainer, trainee):
    cohort = make_cohort(platform, trainer.id, [trainee.id])
    aid = _overdue_exam(platform, trainee)
    rows = call(platform, dashboard.cohort_overview, trainer, cohort)
    assert _state(platform, aid) == "expired"
    assert rows[0].status == "passed" and rows[0].best_exam == pytest.approx(4 / 6)
    detail = call(platform, dashboard.attempt_detail, trainer, aid)
    assert detail is not None


@pytest.mark.parametrize("read", ["results_export", "responses_export", "item_analysis", "progress"])
def test_every_report_grades_overdue_attempts_before_reading(platform, trainer, trainee, read):
    cohort = make_cohort(platform, trainer.id, [trainee.id])
    aid = _overdue_exam(platform, trainee, cohort_id=cohort)
    if read == "results_export":
        rows = call(platform, exports.results_rows, trainer)
        assert [r["state"] for r in rows] == ["expired"]
    elif read == "responses_export":
        rows = call(platform, exports.responses_rows, trainer)
        assert {r["score"] for r in rows} == {0.0, 1.0}
    elif read == "item_analysis":
        with platform.sessions() as s:
            exam_id = s.get(Attempt, aid).exam_id
        stats = call(platform, item_analysis.exam_item_statistics, trainer, exam_id)
        assert stats.test.attempts == 1
    else:
        points = call(platform, progress.score_history, trainer, trainee.id)
        assert [p.attempt_id for p in points] == [aid]
    assert _state(platform, aid) == "expired"


def test_the_periodic_sweep_grades_overdue_attempts(platform, trainee):
    other = make_user(platform, "trainee", "other@example.com", "Other Trainee")
    in_time = call(platform, attempts.start_exam, other, make_exam(platform, name="Second"), now=datetime.now(UTC))
    aid = _overdue_exam(platform, trainee)
    assert sweep_overdue(platform) == 1
    assert _state(platform, aid) == "expired" and _state(platform, in_time) == "in_progress"
    assert sweep_overdue(platform) == 0


def test_the_sweeper_thread_grades_on_its_own(platform, trainee):
    aid = _overdue_exam(platform, trainee)
    sweeper = start_overdue_sweeper(platform, interval=0.05)
    try:
        for _ in range(100):
            if _state(platform, aid) != "in_progress":
                break
            time.sleep(0.05)
    finally:
        sweeper.stop()
    assert _state(platform, aid) == "expired"
    assert not sweeper.thread.is_alive()


# -- flags after the deadline -------------------------------------------------------------------------------

def test_a_flag_after_the_deadline_is_refused(platform, trainee):
    aid = call(platform, attempts.start_exam, trainee, make_exam(platform, time_limit_minutes=10), now=T0)
    call(platform, attempts.set_flag, trainee, aid, 0, True, now=T0 + timedelta(minutes=9))
    with pytest.raises(attempts.DeadlinePassed, match="Time is up"):
        call(platform, attempts.set_flag, trainee, aid, 1, True, now=T0 + timedelta(minutes=10, seconds=1))
    with platform.sessions() as s:
        assert [i.flagged for i in s.get(Attempt, aid).items[:2]] == [True, False]


# -- results during a retake --------------------------------------------------------------------------------

def test_earlier_results_show_no_answers_while_a_retake_is_running(platform, trainer, trainee):
    make_cohort(platform, trainer.id, [trainee.id])
    exam = make_exam(platform, attempts_allowed=3)
    first = call(platform, attempts.start_exam, trainee, exam, now=T0)
    call(platform, attempts.save_answer, trainee, first, 0, wrong_answer(platform, first, 0), now=T0)
    done = call(platform, attempts.submit, trainee, first, now=T0 + timedelta(minutes=5))
    assert done.items and done.items[0].right_answer and done.detail_closed is None

    retake = call(platform, attempts.start_exam, trainee, exam, now=T0 + timedelta(hours=1))
    during = call(platform, attempts.results, trainee, first, now=T0 + timedelta(hours=1, minutes=1))
    assert during.items == [] and not during.show_answers and not during.show_explanations
    assert "closed while an exam is in progress" in during.detail_closed
    assert during.score == done.score  # the score itself reveals nothing
    # Their trainer still sees everything.
    assert call(platform, attempts.results, trainer, first, now=T0 + timedelta(hours=1, minutes=1)).items

    call(platform, attempts.submit, trainee, retake, now=T0 + timedelta(hours=1, minutes=5))
    after = call(platform, attempts.results, trainee, first, now=T0 + timedelta(hours=1, minutes=6))
    assert after.items and after.detail_closed is None


# -- grading while an answer is being saved -----------------------------------------------------------------

def _graded_matches_stored(platform, aid: int) -> None:
    with platform.sessions() as s:
        attempt = s.get(Attempt, aid)
        assert attempt.state == "submitted"
        by_version = {r.question_version_id: r for r in s.scalars(select(Response).where(Response.attempt_id == aid))}
        total = 0.0
        for item in attempt.items:
            resp = by_version[item.question_version_id]
            expected = score_item(to_question(item.question_version), resp.answer).score
            assert resp.score == expected, (item.position, resp.answer, resp.score)
            total += expected
        assert attempt.score == total


def _in_threads(*fns):
    errors: list[BaseException] = []

    def wrap(fn):
        def go():
            try:
                fn()
            except BaseException as err:  # noqa: BLE001 - returned to the test
                errors.append(err)
        return go

    threads = [threading.Thread(target=wrap(fn)) for fn in fns]
    for t in threads:
        t.start()
        time.sleep(0.15)  # the first one is inside its transaction when the next one starts
    for t in threads:
        t.join(timeout=60)
    return errors


def test_an_answer_saved_while_the_exam_is_submitted_never_keeps_a_stale_score(platform, trainee, monkeypatch):
    aid = call(platform, attempts.start_exam, trainee, make_exam(platform), now=T0)
    call(platform, attempts.save_answer, trainee, aid, 0, wrong_answer(platform, aid, 0), now=T0)
    right = right_answer(platform, aid, 0)
    real = answering.normalise_answer

    def slow_normalise(q, answer):  # the save has checked the attempt's state and is about to write
        time.sleep(0.6)
        return real(q, answer)

    monkeypatch.setattr(answering, "normalise_answer", slow_normalise)
    errors = _in_threads(
        lambda: call(platform, attempts.save_answer, trainee, aid, 0, right, now=T0 + timedelta(minutes=1)),
        lambda: call(platform, attempts.submit, trainee, aid, now=T0 + timedelta(minutes=1)),
    )
    assert not errors, errors
    _graded_matches_stored(platform, aid)
    with platform.sessions() as s:
        assert s.get(Attempt, aid).score == 1  # the save came first, so its answer is the one graded


def test_an_answer_arriving_while_grading_runs_is_refused(platform, trainee, monkeypatch):
    aid = call(platform, attempts.start_exam, trainee, make_exam(platform), now=T0)
    call(platform, attempts.save_answer, trainee, aid, 0, wrong_answer(platform, aid, 0), now=T0)
    right = right_answer(platform, aid, 0)
    real = grading.score_item

    def slow_score(q, answer):  # grading has won the attempt and is scoring the stored answers
        time.sleep(0.1)
        return real(q, answer)

    monkeypatch.setattr(grading, "score_item", slow_score)
    errors = _in_threads(
        lambda: call(platform, attempts.submit, trainee, aid, now=T0 + timedelta(minutes=1)),
        lambda: call(platform, attempts.save_answer, trainee, aid, 0, right, now=T0 + timedelta(minutes=1)),
    )
    assert len(errors) == 1 and isinstance(errors[0], Conflict), errors
    _graded_matches_stored(platform, aid)
    with platform.sessions() as s:
        assert s.get(Attempt, aid).score == 0


def test_one_attempt_that_cannot_be_graded_does_not_hold_up_the_sweep(platform, trainee, monkeypatch):
    from quiz import background

    other = make_user(platform, "trainee", "other@example.com", "Other Trainee")
    broken = _overdue_exam(platform, trainee)
    fine = _overdue_exam(platform, other, name="Second exam")
    real = background.finalise

    def finalise(session, attempt, *args, **kw):  # noqa: ANN001, ANN002, ANN003
        if attempt.id == broken:
            raise RuntimeError("a question version that no longer loads")
        return real(session, attempt, *args, **kw)

    monkeypatch.setattr(background, "finalise", finalise)
    assert sweep_overdue(platform) == 1
    assert _state(platform, fine) == "expired" and _state(platform, broken) == "in_progress"


# -- a stale second tab ---------------------------------------------------------------------------------------

def test_a_save_from_a_tab_showing_an_older_answer_is_refused(platform, trainee):
    aid = call(platform, attempts.start_exam, trainee, make_exam(platform), now=T0)
    tab_a = call(platform, attempts.attempt_view, trainee, aid, now=T0)
    tab_b = call(platform, attempts.attempt_view, trainee, aid, now=T0)
    assert tab_a.items[0].version == tab_b.items[0].version == 0
    call(platform, attempts.save_answer, trainee, aid, 0, right_answer(platform, aid, 0), now=T0,
         expected_version=tab_a.items[0].version)
    with pytest.raises(attempts.StaleAnswer, match="changed in another window — reloaded"):
        call(platform, attempts.save_answer, trainee, aid, 0, wrong_answer(platform, aid, 0), now=T0,
             expected_version=tab_b.items[0].version)
    fresh = call(platform, attempts.attempt_view, trainee, aid, now=T0)
    assert fresh.items[0].answer == right_answer(platform, aid, 0) and fresh.items[0].version == 1
    # Once it shows the newer answer, tab B can change it.
    call(platform, attempts.save_answer, trainee, aid, 0, wrong_answer(platform, aid, 0), now=T0,
         expected_version=fresh.items[0].version)
    assert call(platform, attempts.attempt_view, trainee, aid, now=T0).items[0].version == 2


def test_a_new_platform_replaces_the_process_sweeper_instead_of_adding_one(platform, tmp_path):
    """Clearing the app's platform cache (a test, a reconfigured server) must not leave a thread sweeping the
    old database every minute."""
    first = start_overdue_sweeper(platform, interval=0.05)
    second = start_overdue_sweeper(platform, interval=0.05)
    try:
        first.thread.join(2)
        assert not first.thread.is_alive() and second.thread.is_alive()
        assert [t.name for t in threading.enumerate()].count("quiz-overdue-sweeper") == 1
    finally:
        second.stop()
