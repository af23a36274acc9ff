"""Issue 12 in Streamlit's AppTest: a join link fills the invite code in, the cohort page shows that link,
Results opens on the newest attempt with what to do next, and a stopped practice reviews only its answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from quiz.bootstrap import Platform
from quiz.services import accounts, attempts, review
from quiz.services.permissions import Actor
from tests.factories import make_bank
from tests.integration import attempt_helpers
from tests.ui.apptest import APP, button, no_trace, open_page, prepare_app, texts


@pytest.fixture
def env(sqlite_platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Platform:
    prepare_app(sqlite_platform, make_bank(per_topic=4, with_case=False), tmp_path, monkeypatch)
    monkeypatch.setattr(review, "ENABLE_FUZZING", False)
    return sqlite_platform


@pytest.fixture
def people(env: Platform) -> dict[str, Actor]:
    with env.transaction() as s:
        trainer = accounts.create_user(s, None, email="rosa@example.com", name="Rosa Trainer", role="trainer",
                                       password="password123")
        trainee = accounts.create_user(s, None, email="tia@example.com", name="Tia Trainee", role="trainee",
                                       password="password123")
        people = {"trainer": Actor.of(trainer), "trainee": Actor.of(trainee)}
    attempt_helpers.make_cohort(env, people["trainer"].id, [people["trainee"].id], code="SPRING27")
    return people


def test_a_join_link_fills_the_invite_code_in(env, people):
    at = AppTest.from_file(APP, default_timeout=30)
    at._page_hash = calc_hash("register")
    at.query_params["code"] = "SPRING27"
    at.run()
    no_trace(at)
    assert at.text_input(key="reg_code").value == "SPRING27"


def test_the_cohort_page_shows_the_join_link(env, people):
    at = open_page(people["trainer"], "cohorts")
    no_trace(at)
    assert any(c.value.endswith("/register?code=SPRING27") for c in at.code), [c.value for c in at.code]


def test_results_open_on_the_newest_attempt_and_offer_the_weakest_topics(env, people):
    tia = people["trainee"]
    exam = attempt_helpers.make_exam(env, name="Foundation certificate", topics={"spacing": 2, "hygiene": 1},
                                     attempts_allowed=3)
    with env.transaction() as s:
        old = attempts.start_practice(s, tia, ["aftercare"], 2)
        attempts.submit(s, tia, old)
    with env.transaction() as s:
        new = attempts.start_exam(s, tia, exam)
        attempts.submit(s, tia, new)  # nothing answered: every topic is weak
    at = open_page(tia, "results")
    no_trace(at)
    assert at.selectbox(key="results_select").value == new  # the newest, not an older one
    body = texts(at)
    assert "**2 attempts left** of 3 for Foundation certificate." in body
    assert "Your weakest topics here:" in body
    button(at, "Practise your weakest topics").click().run()
    no_trace(at)
    with env.sessions() as s:
        running = attempts.in_progress(s, tia, "practice")
    assert len(running) == 1 and "Practice" in texts(at)


def test_a_stopped_practice_shows_its_answers_and_what_was_not_reached(env, people):
    tia = people["trainee"]
    with env.transaction() as s:
        aid = attempts.start_practice(s, tia, ["spacing"], 3)
    key = attempt_helpers.right_answer(env, aid, 0)
    with env.transaction() as s:
        attempts.save_answer(s, tia, aid, 0, key)
        attempts.submit(s, tia, aid)
    at = open_page(tia, "results")
    no_trace(at)
    body = texts(at)
    assert "**Your answers** (1 question answered)" in body
    assert "Not reached: 2 questions." in body
    assert at.metric[0].value == "1 / 1"
    assert len([e for e in at.expander if e.label.startswith("Question ")]) == 1  # only the answer given


def test_the_exam_warns_at_ten_five_and_one_minutes():
    from quiz.ui.pages.exam import warning_for

    assert [warning_for(s) for s in (1800, 601, 600, 301, 300, 61, 60, 1, 0)] == [
        None, None, "10 minutes or less left", "10 minutes or less left", "5 minutes or less left",
        "5 minutes or less left", "1 minute or less left", "1 minute or less left", None]


def test_a_failed_save_says_so_beside_the_count_keeps_the_answer_and_retries(env, people, monkeypatch):
    from sqlalchemy import select
    from sqlalchemy.exc import OperationalError

    from quiz.adapters.orm import Response

    tia = people["trainee"]
    exam = attempt_helpers.make_exam(env, name="Foundation certificate", topics={"spacing": 2, "hygiene": 1})
    with env.transaction() as s:
        aid = attempts.start_exam(s, tia, exam)
    at = open_page(tia, "exams")
    no_trace(at)
    assert "Answers are saved as you choose them" in texts(at)
    real = attempts.save_answer
    calls = []

    def flaky(*args, **kw):  # noqa: ANN002, ANN003, ANN202
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        return real(*args, **kw)

    monkeypatch.setattr(attempts, "save_answer", flaky)
    key = attempt_helpers.right_answer(env, aid, 0)
    at.radio[0].set_value(key).run()
    assert calls, "the save was not attempted"
    assert "Not saved — retrying" in texts(at) and not at.toast  # beside the count, no toast over the timer
    assert at.radio[0].value == key  # the answer stays on screen
    with env.sessions() as s:
        assert s.scalar(select(Response.answer).where(Response.attempt_id == aid)) is None
    from quiz.ui.pages import exam as exam_page

    monkeypatch.setattr(exam_page, "RETRY_AFTER", 0.0)  # (instead of waiting 2 seconds)
    at.run()  # the next run (any click, or the clock's tick) tries again
    assert "Not saved" not in texts(at) and "Saved " in texts(at)
    with env.sessions() as s:
        assert s.scalar(select(Response.answer).where(Response.attempt_id == aid)) == key
