"""Regrade and audit pages in AppTest on the demo academy: preview, apply, and the audit entry it leaves."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from quiz.adapters.orm import Attempt, AuditEvent, QuestionVersion, Response, User
from quiz.bootstrap import Platform
from quiz.services import demo
from quiz.services.permissions import Actor
from tests.factories import make_bank
from tests.ui.apptest import button, no_trace, open_page, prepare_app, texts


@pytest.fixture
def app_env(sqlite_platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Platform:
    prepare_app(sqlite_platform, make_bank(per_topic=9, with_case=False), tmp_path, monkeypatch)
    return sqlite_platform


@pytest.fixture
def demo_trainer(app_env: Platform) -> Actor:
    with app_env.transaction() as s:
        demo.populate(s, seed=5, trainees=6, days=40)
        return Actor.of(s.scalar(select(User).where(User.email == demo.TRAINER_EMAIL)))


def test_regrade_page_previews_then_applies_and_the_audit_page_shows_it(app_env, demo_trainer):
    at = open_page(demo_trainer, "regrade")
    no_trace(at)
    exam_id = at.selectbox(key="rg_exam").value
    with app_env.sessions() as s:  # an item that some finished attempt of this exam got wrong
        qid = s.scalar(select(QuestionVersion.question_id)
                       .join(Response, Response.question_version_id == QuestionVersion.id)
                       .join(Attempt, Attempt.id == Response.attempt_id)
                       .where(Attempt.exam_id == exam_id, Attempt.state != "in_progress",
                              Response.is_correct.is_(False)).limit(1))
    at.text_input(key="rg_item").input(qid)
    at.radio(key="rg_mode").set_value("full_marks")
    button(at, "Preview the regrade").click().run()
    no_trace(at)
    assert "would change" in texts(at)
    with app_env.sessions() as s:
        assert s.scalar(select(AuditEvent).where(AuditEvent.action == "regrade_applied")) is None
    button(at, "Apply this regrade").click().run()
    no_trace(at)
    assert "Regraded:" in texts(at)
    with app_env.sessions() as s:
        assert s.scalar(select(AuditEvent).where(AuditEvent.action == "regrade_applied")) is not None
    audit_page = open_page(demo_trainer, "audit")
    no_trace(audit_page)
    assert "regrade_applied" in list(audit_page.dataframe[0].value["Action"])


def test_override_form_refuses_an_override_without_a_reason(app_env, demo_trainer):
    with app_env.sessions() as s:
        aid = s.scalar(select(Attempt.id).where(Attempt.mode == "exam", Attempt.state != "in_progress").limit(1))
    at = open_page(demo_trainer, "regrade")
    at.number_input(key="ov_attempt").set_value(aid)
    at.radio(key="ov_what").set_value("The result")
    button(at, "Save the override").click().run()
    no_trace(at)
    assert "Give a reason" in texts(at)
