"""Dashboard: trainees ordered by risk (lowest mastery, failed exam attempts, inactivity), a chosen row opening
that trainee below (AppTest on the demo academy), and the ordering itself on hand-made rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from quiz.adapters.orm import User
from quiz.bootstrap import Platform
from quiz.services import demo
from quiz.services.dashboard import MasteryCell, TraineeRow
from quiz.services.permissions import Actor
from quiz.ui.pages.trainer_dashboard import by_risk, trainee_mastery
from tests.factories import make_bank
from tests.ui.apptest import no_trace, open_page, prepare_app

NOW = datetime(2030, 1, 10, tzinfo=UTC)


def _row(uid: int, name: str, failed: int = 0, days: int | None = 1) -> TraineeRow:
    return TraineeRow(user_id=uid, name=name, email=f"{name.lower()}@x.example", attempts=3, submitted=3,
                      exam_attempts=failed, best_exam=None, latest_exam=None, status="no exam yet",
                      mean_practice=None, last_activity=None if days is None else NOW - timedelta(days=days),
                      failed_exams=failed)


def test_the_orders_put_the_trainee_most_at_risk_first():
    rows = [_row(1, "Ann", failed=0, days=1), _row(2, "Ben", failed=2, days=3), _row(3, "Cid", failed=1, days=None),
            _row(4, "Dee", failed=0, days=20)]
    cells = [MasteryCell(1, "Ann", "t", 9, 10, 10), MasteryCell(2, "Ben", "t", 6, 10, 10),
             MasteryCell(2, "Ben", "u", 0, 10, 10), MasteryCell(4, "Dee", "t", 5, 10, 10)]
    mastery = trainee_mastery(cells)
    assert mastery == {1: 0.9, 2: 0.3, 4: 0.5}
    assert [r.name for r in by_risk(rows, mastery, "mastery")] == ["Cid", "Ben", "Dee", "Ann"]  # none yet first
    assert [r.name for r in by_risk(rows, mastery, "failed")] == ["Ben", "Cid", "Dee", "Ann"]
    assert [r.name for r in by_risk(rows, mastery, "inactive")] == ["Cid", "Dee", "Ben", "Ann"]  # never active first
    assert [r.name for r in by_risk(rows, mastery, "name")] == ["Ann", "Ben", "Cid", "Dee"]


@pytest.fixture
def app_env(sqlite_platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Platform:
    prepare_app(sqlite_platform, make_bank(per_topic=9, with_case=False), tmp_path, monkeypatch)
    return sqlite_platform


def test_the_dashboard_orders_by_risk_and_a_row_opens_that_trainee(app_env):
    with app_env.transaction() as s:
        demo.populate(s, seed=5, trainees=8, days=40)
        trainer = Actor.of(s.scalar(select(User).where(User.email == demo.TRAINER_EMAIL)))
    at = open_page(trainer, "dashboard")
    no_trace(at)
    table = at.dataframe[0].value
    mastery = [m for m in table["Mastery"] if m == m]  # (NaN: no finished attempt yet)
    assert mastery == sorted(mastery)
    at.radio(key="dash_order").set_value("failed").run()
    table = at.dataframe[0].value
    assert list(table["Failed exams"]) == sorted(table["Failed exams"], reverse=True)
    third = table["Trainee"][2]
    at.session_state["dash_rows_failed"] = {"selection": {"rows": [2], "columns": []}}
    at.run()
    no_trace(at)
    with app_env.sessions() as s:
        third_id = s.scalar(select(User.id).where(User.name == third))
    assert at.selectbox(key="dash_trainee").value == third_id  # the drill-down below shows that trainee
