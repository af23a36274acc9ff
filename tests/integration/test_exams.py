"""Exams: defining one for a cohort, the blueprint checked against the live bank, rules, overrides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from quiz.adapters.orm import Exam, ExamOverride, QuestionRow
from quiz.services import bank_sync, cohorts, exam_rules, exams
from quiz.services.errors import Conflict, InvalidInput
from tests.factories import make_bank


@pytest.fixture
def cohort_id(platform, trainer, trainee):
    with platform.transaction() as s:
        bank_sync.sync_bank(s, make_bank(per_topic=6))  # 6 live items per topic + a 3-item case
        c = cohorts.create_cohort(s, trainer, "Spring")
        cohorts.add_trainee(s, trainer, c.id, trainee.email)
        return c.id


def _define(platform, trainer, cohort_id, **kw):
    args = dict(cohort_id=cohort_id, name="Final exam", topics={"aftercare": 3, "spacing": 2},
                time_limit_minutes=20, pass_mark=0.75, attempts_allowed=2, wait_hours=12,
                review_options={"show_score": True, "show_answers": True, "show_explanations": False})
    args.update(kw)
    with platform.transaction() as s:
        return exams.define_exam(s, trainer, **args)


def test_define_exam_stores_every_rule(platform, trainer, cohort_id):
    opens = datetime(2030, 1, 1, 9, tzinfo=UTC)
    e = _define(platform, trainer, cohort_id, opens_at=opens, closes_at=opens + timedelta(days=7),
                difficulty_mix={"easy": 0.5, "hard": 0.5})
    with platform.transaction() as s:
        row = s.get(Exam, e.id)
        assert row.blueprint["topics"] == {"aftercare": 3, "spacing": 2}
        assert row.blueprint["difficulty_mix"] == {"easy": 0.5, "hard": 0.5}
        assert (row.time_limit_minutes, row.pass_mark, row.attempts_allowed, row.wait_hours) == (20, 0.75, 2, 12)
        assert row.review_options == {"show_score": True, "show_answers": True, "show_explanations": False}
        assert row.opens_at == opens and row.closes_at == opens + timedelta(days=7)
        assert row.is_active and row.cohort_id == cohort_id
    assert e.total_items == 5


def test_blueprint_beyond_the_live_bank_is_refused_with_the_topic_and_counts(platform, trainer, cohort_id):
    with pytest.raises(InvalidInput, match=r"'Hygiene' needs 9 live item\(s\) but only 6 are available"):
        _define(platform, trainer, cohort_id, topics={"hygiene": 9})
    with pytest.raises(InvalidInput, match="'botox' needs 1"):
        _define(platform, trainer, cohort_id, topics={"botox": 1})
    with pytest.raises(InvalidInput, match="at least one topic"):
        _define(platform, trainer, cohort_id, topics={"aftercare": 0})
    with platform.transaction() as s:
        assert s.scalar(select(Exam.id)) is None


def test_drafts_and_retired_items_do_not_count_towards_the_blueprint(platform, trainer, cohort_id):
    with platform.transaction() as s:
        for row in s.scalars(select(QuestionRow).where(QuestionRow.topic == "spacing")):
            row.status = "draft"
    with pytest.raises(InvalidInput, match="'Spacing' needs 2 live item"):
        _define(platform, trainer, cohort_id)


@pytest.mark.parametrize("kw,message", [
    ({"name": "  "}, "name"),
    ({"time_limit_minutes": 0}, "time limit"),
    ({"pass_mark": 0}, "pass mark"),
    ({"pass_mark": 1.5}, "pass mark"),
    ({"attempts_allowed": 0}, "At least one attempt"),
    ({"wait_hours": -1}, "cannot be negative"),
    ({"opens_at": datetime(2030, 1, 2, tzinfo=UTC), "closes_at": datetime(2030, 1, 1, tzinfo=UTC)}, "close after"),
    ({"opens_at": datetime(2030, 1, 2)}, "time zone"),
    ({"review_options": {"show_everything": True}}, "Unknown review option"),
])
def test_bad_rules_are_refused_with_a_clear_message(platform, trainer, cohort_id, kw, message):
    with pytest.raises(InvalidInput, match=message):
        _define(platform, trainer, cohort_id, **kw)


def test_exam_names_are_unique(platform, trainer, cohort_id):
    _define(platform, trainer, cohort_id)
    with pytest.raises(Conflict, match="already exists"):
        _define(platform, trainer, cohort_id, name="final EXAM")


def test_update_changes_only_what_is_given_and_rechecks_the_blueprint(platform, trainer, cohort_id):
    e = _define(platform, trainer, cohort_id)
    with platform.transaction() as s:
        u = exams.update_exam(s, trainer, e.id, pass_mark=0.6, topics={"hygiene": 4})
    assert u.pass_mark == 0.6 and u.blueprint["topics"] == {"hygiene": 4} and u.time_limit_minutes == 20
    with platform.transaction() as s, pytest.raises(InvalidInput, match="Hygiene"):
        exams.update_exam(s, trainer, e.id, topics={"hygiene": 40})
    with platform.transaction() as s:
        assert s.get(Exam, e.id).blueprint["topics"] == {"hygiene": 4}


def test_deactivated_exam_is_listed_but_not_offered_to_trainees(platform, trainer, trainee, cohort_id):
    e = _define(platform, trainer, cohort_id)
    with platform.transaction() as s:
        assert [x.name for x in exam_rules.visible_exams(s, trainee.id)] == ["Final exam"]
        exams.deactivate_exam(s, trainer, e.id)
    with platform.transaction() as s:
        assert exam_rules.visible_exams(s, trainee.id) == []
        assert [(x.name, x.is_active) for x in exams.list_exams(s, trainer)] == [("Final exam", False)]
        assert exams.list_exams(s, trainer, include_inactive=False) == []


def test_overrides_add_up_and_are_read_by_the_exam_rules(platform, trainer, trainee, cohort_id):
    e = _define(platform, trainer, cohort_id)
    with platform.transaction() as s:
        exams.grant_override(s, trainer, e.id, trainee.id, extra_attempts=1)
        o = exams.grant_override(s, trainer, e.id, trainee.id, extra_attempts=1, extra_minutes=15)
    assert (o.extra_attempts, o.extra_minutes) == (2, 15)
    with platform.transaction() as s:
        status = exam_rules.exam_status(s, trainee.id, s.get(Exam, e.id), datetime.now(UTC))
        assert status.attempts_allowed == 4 and status.time_limit_minutes == 35
        assert [(x.email, x.extra_attempts) for x in exams.list_overrides(s, trainer, e.id)] == [
            ("trainee@example.com", 2)]
    with platform.transaction() as s, pytest.raises(InvalidInput, match="at least one"):
        exams.grant_override(s, trainer, e.id, trainee.id)
    with platform.transaction() as s:
        exams.clear_override(s, trainer, e.id, trainee.id)
        assert s.scalar(select(ExamOverride.id)) is None


def test_extra_time_reaches_an_exam_already_being_sat_but_not_past_closing(platform, trainer, trainee, cohort_id):
    from quiz.adapters.orm import Attempt
    from quiz.services import attempts

    start = datetime.now(UTC).replace(microsecond=0)
    e = _define(platform, trainer, cohort_id, closes_at=start + timedelta(minutes=50))
    with platform.transaction() as s:
        aid = attempts.start_exam(s, trainee, e.id, now=start)
        assert s.get(Attempt, aid).deadline_at == start + timedelta(minutes=20)
        exams.grant_override(s, trainer, e.id, trainee.id, extra_minutes=15)
    with platform.transaction() as s:
        assert s.get(Attempt, aid).deadline_at == start + timedelta(minutes=35)
        assert attempts.attempt_view(s, trainee, aid, now=start + timedelta(minutes=25)).in_progress
        exams.grant_override(s, trainer, e.id, trainee.id, extra_minutes=60)
    with platform.transaction() as s:
        assert s.get(Attempt, aid).deadline_at == start + timedelta(minutes=50)  # the exam closes then
        exams.grant_override(s, trainer, e.id, trainee.id, extra_attempts=1)  # no minutes: deadline unchanged
        assert s.get(Attempt, aid).deadline_at == start + timedelta(minutes=50)
