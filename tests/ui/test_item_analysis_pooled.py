"""Item analysis, "Pooled over all exams", in AppTest on the demo academy: n and intervals per item, the most
suspicious first, groups by topic and by objective, and a flagged item opened in the Question bank."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from quiz.adapters.orm import User
from quiz.bootstrap import Platform
from quiz.services import demo
from quiz.services.permissions import Actor
from tests.factories import make_bank
from tests.ui.apptest import button, no_trace, open_page, prepare_app, texts


@pytest.fixture
def app_env(sqlite_platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Platform:
    prepare_app(sqlite_platform, make_bank(per_topic=12, with_case=False), tmp_path, monkeypatch)
    return sqlite_platform


@pytest.fixture
def demo_trainer(app_env: Platform) -> tuple[Actor, demo.DemoReport]:
    with app_env.transaction() as s:
        report = demo.populate(s, seed=5, trainees=40, days=60)
        return Actor.of(s.scalar(select(User).where(User.email == demo.TRAINER_EMAIL))), report


def test_pooled_view_lists_items_with_n_and_intervals_most_suspicious_first(app_env, demo_trainer):
    trainer, report = demo_trainer
    at = open_page(trainer, "item-analysis")
    no_trace(at)
    at.radio(key="ia_view").set_value("pooled").run()
    no_trace(at)
    table = at.dataframe[0].value
    assert {"n", "Facility 95% CI", "Discrimination 95% CI", "Flags", "Practice n (separate)"} <= set(table.columns)
    assert table["n"].min() >= 30
    flagged = [qid for qid, flags in zip(table["Item"], table["Flags"]) if flags]
    assert flagged and list(table["Item"])[:len(flagged)] == flagged  # flagged items first
    assert set(report.poor_items) <= set(flagged)
    at.radio(key="ia_group").set_value("topic").run()
    no_trace(at)
    assert set(at.dataframe[0].value["Topic"]) == {"Aftercare", "Spacing", "Hygiene"}
    at.radio(key="ia_group").set_value("objective").run()
    assert "Objective" in at.dataframe[0].value.columns
    at.radio(key="ia_group").set_value("item").run()
    at.selectbox(key="ia_pooled_item").set_value(report.poor_items[0]).run()
    assert "check the key" in texts(at) or "barely separates" in texts(at)
    button(at, "Open it in the Question bank").click().run()
    no_trace(at)
    assert at.selectbox(key="bank_item").value == report.poor_items[0]
