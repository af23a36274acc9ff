"""Standard-setting pages in AppTest: a trainer opens a study and invites a rater; the rater rates items (saved at
once, resumed later); the demo academy's finished panel shows its results and the check against reality."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from quiz.adapters.orm import Cohort, Exam, StandardSettingRating, User
from quiz.bootstrap import Platform
from quiz.services import accounts, demo, exams
from quiz.services import standard_setting as sts
from quiz.services.permissions import Actor
from tests.factories import make_bank
from tests.ui.apptest import button, no_trace, open_page, prepare_app, texts


@pytest.fixture
def app_env(sqlite_platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Platform:
    prepare_app(sqlite_platform, make_bank(per_topic=4, with_case=False), tmp_path, monkeypatch)
    return sqlite_platform


@pytest.fixture
def people(app_env: Platform) -> dict:
    with app_env.transaction() as s:
        tom = Actor.of(accounts.create_user(s, None, email="tom@example.com", name="Tom Trainer", role="trainer",
                                            password="password123"))
        rita = Actor.of(accounts.create_user(s, None, email="rita@example.com", name="Rita <b>Rater</b>",
                                             role="trainer", password="password123"))
        cohort = Cohort(name="Spring", invite_code="SPRING27", trainer_id=tom.id)
        s.add(cohort)
        s.flush()
        exam = exams.define_exam(s, tom, cohort_id=cohort.id, name="Final", topics={"hygiene": 2, "spacing": 1},
                                 pass_mark_method="angoff")
    return {"tom": tom, "rita": rita, "exam": exam.id}


def test_trainer_opens_a_study_and_invites_a_rater(app_env, people):
    at = open_page(people["tom"], "standard-setting")
    no_trace(at)
    assert "Pass mark: Angoff (per attempt), default 70%." in texts(at)
    at.text_input(key="ss_name").input("Spring panel")
    button(at, "Open round 1").click().run()
    no_trace(at)
    assert "Study opened with 8 items" in texts(at)
    at.text_input(key=f"invite_email_{at.session_state['ss_study']}").input("rita@example.com")
    button(at, "Invite").click().run()
    no_trace(at)
    assert "Rita <b>Rater</b> is invited to rate." in texts(at)
    assert list(at.dataframe[0].value["Rater"]) == ["Rita <b>Rater</b>"]
    assert "8 item(s) have fewer than 3 ratings" in texts(at)


def test_rater_rates_items_and_resumes_where_they_stopped(app_env, people):
    with app_env.transaction() as s:
        study = sts.open_study(s, people["tom"], people["exam"], "Panel")
        sts.invite(s, people["tom"], study.id, "rita@example.com")
    at = open_page(people["rita"], "rating")
    no_trace(at)
    assert "Item 1 of 8 · hygiene-001" in texts(at) and "Key:" in texts(at)
    assert "Explanation of hygiene-001." in texts(at)
    at.radio(key=f"rate_{study.id}_1_hygiene-001").set_value(70).run()
    no_trace(at)
    button(at, "Next item").click().run()
    at.radio(key=f"rate_{study.id}_1_hygiene-002").set_value(45).run()
    with app_env.sessions() as s:
        saved = {r.question_id: r.rating for r in s.scalars(select(StandardSettingRating))}
    assert saved == {"hygiene-001": 70, "hygiene-002": 45}
    again = open_page(people["rita"], "rating")  # a new visit: back at the first item not yet rated
    no_trace(again)
    assert "Item 3 of 8 · hygiene-003" in texts(again) and "2 of 8 items rated" in again.get("progress")[0].proto.text


def test_the_demo_panel_shows_its_results_and_the_check_against_reality(app_env):
    with app_env.transaction() as s:
        demo.populate(s, seed=5, trainees=8, days=40)
        trainer = Actor.of(s.scalar(select(User).where(User.email == demo.TRAINER_EMAIL)))
    at = open_page(trainer, "standard-setting")
    no_trace(at)
    shown = texts(at)
    assert "Demo certification" in at.selectbox(key="ss_exam").format_func(at.selectbox(key="ss_exam").value)
    assert "Check against reality" in shown and "Hofstee window (mean of 4 rater(s))" in shown
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Cut score (blueprint)"].endswith("%") and metrics["Reliability ICC(2,k)"] != "–"
    assert "Pass rate under Angoff" in metrics


def test_exams_page_switches_an_exam_between_fixed_and_angoff(app_env, people):
    at = open_page(people["tom"], "exam-setup")
    no_trace(at)
    assert list(at.dataframe[0].value["Pass mark"]) == ["70% (Angoff)"]
    at.radio(key="exam_section").set_value("edit").run()
    eid = people["exam"]
    assert at.radio(key=f"edit_{eid}_method").value == "angoff"
    at.radio(key=f"edit_{eid}_method").set_value("fixed")
    button(at, "Save the changes").click().run()
    no_trace(at)
    with app_env.sessions() as s:
        assert s.get(Exam, eid).pass_mark_method == "fixed"
