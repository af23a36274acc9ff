"""The Results page while a retake is running (AppTest): earlier attempts of the exam show their score but no
question, answer or explanation, until the running exam is submitted."""

from __future__ import annotations

from sqlalchemy import select

from quiz.adapters.orm import Attempt
from quiz.services import attempts
from quiz.services.attempts.common import RESULTS_LOCK_MESSAGE
from tests.integration.attempt_helpers import call
from tests.ui import test_trainee_pages as pages
from tests.ui.apptest import no_trace, open_page, texts

app_env = pages.app_env  # the trainee pages' fixtures: a prepared database, a trainer and a trainee
people = pages.people


def test_results_show_no_answers_of_earlier_attempts_while_a_retake_runs(app_env, people):
    trainee = people["trainee"]
    exam = pages.make_exam(app_env, attempts_allowed=3)
    first = call(app_env, attempts.start_exam, trainee, exam)
    call(app_env, attempts.save_answer, trainee, first, 0, pages.key_of(app_env, first, 0))
    call(app_env, attempts.submit, trainee, first)
    before = open_page(trainee, "results")
    no_trace(before)
    assert "Right answer:" in texts(before) and RESULTS_LOCK_MESSAGE not in texts(before)

    retake = call(app_env, attempts.start_exam, trainee, exam)
    during = open_page(trainee, "results")
    no_trace(during)
    body = texts(during)
    assert RESULTS_LOCK_MESSAGE in body
    assert "Right answer:" not in body and "Why:" not in body and [e.label for e in during.expander] == []

    call(app_env, attempts.submit, trainee, retake)
    with app_env.sessions() as s:
        assert s.scalar(select(Attempt.state).where(Attempt.id == retake)) == "submitted"
    after = open_page(trainee, "results")
    assert RESULTS_LOCK_MESSAGE not in texts(after)
