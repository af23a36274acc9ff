"""Exams page in AppTest: the running total while the blueprint is built, and 'Preview as trainee' walking
through one drawn attempt with nothing recorded."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from quiz.adapters.orm import Attempt, Response
from quiz.bootstrap import Platform
from quiz.services import accounts, cohorts, exams
from quiz.services.permissions import Actor
from tests.factories import make_bank
from tests.ui.apptest import button, no_trace, open_page, prepare_app, texts


@pytest.fixture
def app_env(sqlite_platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Platform:
    prepare_app(sqlite_platform, make_bank(per_topic=6, with_case=False), tmp_path, monkeypatch)
    return sqlite_platform


@pytest.fixture
def trainer(app_env: Platform) -> Actor:
    with app_env.transaction() as s:
        actor = Actor.of(accounts.create_user(s, None, email="rosa@example.com", name="Rosa Trainer",
                                              role="trainer", password="password123"))
        c = cohorts.create_cohort(s, actor, "Spring")
        exams.define_exam(s, actor, cohort_id=c.id, name="Final", topics={"aftercare": 2, "hygiene": 2},
                          time_limit_minutes=20, pass_mark=0.75, attempts_allowed=1, wait_hours=0)
        return actor


def test_the_blueprint_shows_a_running_total_and_what_the_bank_lacks(app_env, trainer):
    at = open_page(trainer, "exam-setup")
    no_trace(at)
    assert "Total: 0 question(s), 0 mark(s)" in texts(at)
    at.number_input(key="new_exam_topic_hygiene").set_value(4).run()
    at.number_input(key="new_exam_topic_spacing").set_value(9).run()
    no_trace(at)
    assert "Total: 13 question(s), 13 mark(s)" in texts(at)
    assert "More than the live bank has: Spacing (9 asked, 6 live)." in texts(at)


def test_preview_as_trainee_walks_through_one_drawn_attempt_and_records_nothing(app_env, trainer):
    at = open_page(trainer, "exam-setup")
    at.radio(key="exam_section").set_value("edit").run()
    button(at, "Preview as trainee").click().run()
    no_trace(at)
    assert "Preview of 'Final' as a trainee could be given it: 4 question(s), 4 mark(s)" in texts(at)
    assert "Question 1 of 4" in texts(at)
    radio = next(r for r in at.radio if r.key and r.key.startswith("xp_"))
    radio.set_value(0).run()  # the option with canonical index 0, wherever it is shown
    button(at, "Check this answer").click().run()
    no_trace(at)
    assert "You scored" in texts(at)
    button(at, "Next").click().run()
    assert "Question 2 of 4" in texts(at)
    with app_env.sessions() as s:
        assert s.scalar(select(func.count(Attempt.id))) == 0 and s.scalar(select(func.count(Response.id))) == 0
    button(at, "Close the preview").click().run()
    assert "Question 1 of 4" not in texts(at) and "Question 2 of 4" not in texts(at)
