"""'Preview as trainee' on SQLite and PostgreSQL: one attempt drawn as starting the exam would draw it, checked
answers scored as in practice, and nothing written anywhere; refusals name topics by their titles."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from quiz.adapters.orm import Attempt, AttemptItem, AuditEvent, QuestionRow, Response
from quiz.services import bank_sync, cohorts, exams, preview
from quiz.services.errors import Conflict, PermissionDenied
from tests.conftest import make_user
from tests.factories import make_bank


@pytest.fixture
def exam_id(platform, trainer):
    with platform.transaction() as s:
        bank_sync.sync_bank(s, make_bank(per_topic=6))
        c = cohorts.create_cohort(s, trainer, "Spring")
        return exams.define_exam(s, trainer, cohort_id=c.id, name="Final", topics={"aftercare": 3, "hygiene": 2},
                                 time_limit_minutes=20, pass_mark=0.75, attempts_allowed=1, wait_hours=0).id


def _counts(platform) -> tuple[int, ...]:
    with platform.sessions() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Attempt, AttemptItem, Response,
                                                                             AuditEvent))


def test_a_preview_draws_the_blueprint_and_writes_nothing(platform, trainer, exam_id):
    before = _counts(platform)
    with platform.transaction() as s:
        pv = preview.exam_preview(s, trainer, exam_id, seed=11)
        again = preview.exam_preview(s, trainer, exam_id, seed=11)
    assert [q.id for q in pv.questions] == [q.id for q in again.questions]  # the seed gives the same draw
    assert sorted(q.topic for q in pv.questions) == ["aftercare"] * 3 + ["hygiene"] * 2
    assert pv.total_marks == 5 and pv.time_limit_minutes == 20 and pv.pass_mark == 0.75
    item = pv.item(0)
    assert [o.value for o in item.options] == pv.orders[0] and item.feedback is None
    q = pv.questions[0]
    right = preview.feedback(q, q.key, pv.orders[0])
    wrong = preview.feedback(q, (q.key + 1) % len(q.options), pv.orders[0])
    assert (right.correct, right.score) == (True, 1.0) and (wrong.correct, wrong.score) == (False, 0.0)
    assert _counts(platform) == before


def test_only_the_cohorts_trainer_previews_and_a_thin_bank_is_named_by_title(platform, trainer, exam_id):
    other = make_user(platform, "trainer", "other@example.com", "Olga Other")
    with platform.transaction() as s, pytest.raises(PermissionDenied):
        preview.exam_preview(s, other, exam_id)
    with platform.transaction() as s:
        for row in s.scalars(select(QuestionRow).where(QuestionRow.topic == "hygiene")):
            row.status = "retired"
    with platform.transaction() as s, pytest.raises(Conflict, match="'Hygiene' needs 2 live item"):
        preview.exam_preview(s, trainer, exam_id)
