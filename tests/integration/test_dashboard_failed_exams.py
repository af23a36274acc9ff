"""The dashboard's failed exam attempts per trainee (for ordering by risk), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from quiz.adapters.orm import Attempt, Cohort
from quiz.services import bank_sync, dashboard, demo
from tests.factories import make_bank


def test_failed_exams_counts_finished_exam_attempts_not_passed(platform, admin):
    with platform.transaction() as s:
        bank_sync.sync_bank(s, make_bank(per_topic=9, with_case=False))
        demo.populate(s, seed=4, trainees=10, days=60, now=datetime(2030, 6, 1, tzinfo=UTC))
    with platform.sessions() as s:
        rows = [r for cid in s.scalars(select(Cohort.id)) for r in dashboard.cohort_overview(s, admin, cid)]
        expected = dict(s.execute(select(Attempt.user_id, func.count(Attempt.id))
                                  .where(Attempt.mode == "exam", Attempt.state.in_(("submitted", "expired")),
                                         Attempt.passed.is_(False)).group_by(Attempt.user_id)).tuples().all())
    assert any(r.failed_exams for r in rows)
    assert {r.user_id: r.failed_exams for r in rows} == {r.user_id: expected.get(r.user_id, 0) for r in rows}
