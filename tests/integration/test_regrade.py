"""Regrades and overrides on SQLite and PostgreSQL: a dry run that equals the applied result, certificates never
revoked by a regrade, overrides with reasons, and every change in the audit trail."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from quiz.adapters.orm import Attempt, AuditEvent, Certificate, QuestionRow, QuestionVersion
from quiz.domain.bank import question_to_authoring
from quiz.services import attempts, regrade
from quiz.services.bank_admin import edit
from quiz.services.errors import InvalidInput, PermissionDenied
from quiz.services.questions import to_question
from tests.conftest import make_user
from tests.integration.attempt_helpers import (
    T0,
    call,
    load_bank,
    make_cohort,
    make_exam,
    right_answer,
    wrong_answer,
)


@pytest.fixture
def setup(platform, trainer, trainee):
    """An exam of 4 items in the trainer's cohort; the trainee answers item 0 'wrong' and item 1 right: 25%,
    a fail at the pass mark of 50%."""
    load_bank(platform, with_case=False)
    make_cohort(platform, trainer.id, [trainee.id])
    with platform.sessions() as s:
        from quiz.adapters.orm import Cohort

        cohort_id = s.scalar(select(Cohort.id))
    exam = make_exam(platform, pass_mark=0.5, cohort_id=cohort_id, topics={"aftercare": 2, "spacing": 2})
    aid = call(platform, attempts.start_exam, trainee, exam, now=T0)
    answers = {0: wrong_answer(platform, aid, 0)}
    answers.update({p: right_answer(platform, aid, p) for p in (1,)})
    for pos, ans in answers.items():
        call(platform, attempts.save_answer, trainee, aid, pos, ans, now=T0)
    res = call(platform, attempts.submit, trainee, aid, now=T0 + timedelta(minutes=2))
    assert res.percent == pytest.approx(0.25) and res.passed is False
    return exam, aid, answers[0]


def _item0(platform, aid):
    with platform.sessions() as s:
        item = next(i for i in s.get(Attempt, aid).items if i.position == 0)
        return to_question(item.question_version)


def _fix_key(platform, trainer, q, new_key):
    data = question_to_authoring(q.model_copy(update={"key": new_key}))
    return call(platform, edit, trainer, q.id, data)


def test_dry_run_shows_what_applying_then_does(platform, trainer, trainee, setup):
    exam, aid, given = setup
    q = _item0(platform, aid)
    assert _fix_key(platform, trainer, q, given) == 2  # the "wrong" answer was the right one after all

    plan = call(platform, regrade.preview, trainer, exam_id=exam, question_id=q.id, mode="current")
    assert [c.attempt_id for c in plan.changes] == [aid]
    change = plan.changes[0]
    assert (change.old_percent, change.new_percent) == (pytest.approx(0.25), pytest.approx(0.5))
    assert change.old_passed is False and change.new_passed is True and change.certificate_effect == "issue"
    with platform.sessions() as s:  # nothing written by the dry run
        a = s.get(Attempt, aid)
        assert a.percent == pytest.approx(0.25) and a.passed is False
        assert s.scalar(select(Certificate).where(Certificate.attempt_id == aid)) is None

    applied = call(platform, regrade.apply, trainer, exam_id=exam, question_id=q.id, mode="current")
    assert applied == plan
    with platform.sessions() as s:
        a = s.get(Attempt, aid)
        assert (a.percent, a.passed) == (pytest.approx(0.5), True)
        assert s.scalar(select(Certificate).where(Certificate.attempt_id == aid)) is not None
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "regrade_applied"))
        assert event.actor_id == trainer.id and event.detail["question_id"] == q.id
        assert event.detail["before"][0]["passed"] is False and event.detail["after"][0]["passed"] is True
    # A second regrade finds nothing left to change.
    assert call(platform, regrade.preview, trainer, exam_id=exam, question_id=q.id, mode="current").changes == ()


def test_a_regrade_that_fails_a_pass_lists_the_certificate_and_never_revokes_it(platform, trainer, trainee, setup):
    exam, aid, _ = setup
    q = _item0(platform, aid)
    call(platform, regrade.apply, trainer, exam_id=exam, question_id=q.id, mode="full_marks")  # 2/4: a pass
    with platform.sessions() as s:
        code = s.scalar(select(Certificate.code).where(Certificate.attempt_id == aid))
    assert code

    plan = call(platform, regrade.apply, trainer, exam_id=exam, question_id=q.id, mode="remove")
    # Removing the item: 1 of 3 remaining marks = 33%, a fail; the certificate is listed, not revoked.
    assert plan.changes[0].new_passed is False and plan.certificates_to_review == [code]
    with platform.sessions() as s:
        cert = s.scalar(select(Certificate).where(Certificate.code == code))
        assert cert.revoked_at is None
        a = s.get(Attempt, aid)
        assert (a.max_score, a.passed) == (3.0, False)


def test_an_incompatible_new_version_is_skipped_with_a_reason(platform, trainer, trainee, setup):
    exam, aid, _ = setup
    q = _item0(platform, aid)
    with platform.transaction() as s:  # a version with a different option count, written directly
        row = s.get(QuestionRow, q.id)
        v = s.scalar(select(QuestionVersion).where(QuestionVersion.question_id == q.id))
        content = dict(v.content)
        content["options"] = content["options"][:3]
        content["key"] = 0
        s.add(QuestionVersion(question_id=q.id, version=2, content=content, content_hash="x" * 64,
                              type=v.type, difficulty=v.difficulty))
        row.current_version = 2
    plan = call(platform, regrade.preview, trainer, exam_id=exam, question_id=q.id, mode="current")
    assert plan.changes == () and "3 options instead of 4" in plan.skipped[0]


def test_overrides_need_a_reason_and_are_audited_and_respected_by_regrades(platform, trainer, trainee, setup):
    exam, aid, _ = setup
    q = _item0(platform, aid)
    with pytest.raises(InvalidInput, match="reason"):
        call(platform, regrade.override_response, trainer, aid, 0, 1.0, "  ")
    with pytest.raises(InvalidInput, match="between 0 and 1"):
        call(platform, regrade.override_response, trainer, aid, 0, 2.0, "too generous")
    change = call(platform, regrade.override_response, trainer, aid, 0, 1.0, "Answer defensible per RCUK 2021")
    assert change.new_percent == pytest.approx(0.5) and change.new_passed is True
    # A later regrade of the same item leaves the manual mark alone and says so.
    plan = call(platform, regrade.preview, trainer, exam_id=exam, question_id=q.id, mode="remove")
    assert plan.changes == () and "manual mark" in plan.skipped[0]

    result = call(platform, regrade.override_result, trainer, aid, False, "Exam conditions breached")
    assert result.new_passed is False and result.certificate is not None  # listed, not revoked
    with platform.sessions() as s:
        actions = [e.action for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))]
        assert actions[-2:] == ["response_overridden", "result_overridden"]
        last = s.scalar(select(AuditEvent).where(AuditEvent.action == "result_overridden"))
        assert last.detail["before"]["passed"] is True and last.detail["after"]["passed"] is False
        assert last.detail["reason"] == "Exam conditions breached"


def test_only_the_trainees_own_trainer_may_regrade_or_override(platform, trainer, trainee, setup):
    exam, aid, _ = setup
    other = make_user(platform, "trainer", "other@example.com", "Olga Other")
    with pytest.raises(PermissionDenied):
        call(platform, regrade.preview, other, exam_id=exam, question_id=None, mode="current")
    with pytest.raises(PermissionDenied):
        call(platform, regrade.override_result, other, aid, True, "because")
    with pytest.raises(PermissionDenied):
        call(platform, regrade.preview, trainee, exam_id=exam, question_id=None, mode="current")


def test_cli_regrade_dry_run_then_apply_and_the_audit_command(tmp_path, monkeypatch, capsys):
    from quiz.bootstrap import open_platform
    from quiz.cli import main

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    platform = open_platform()
    load_bank(platform, with_case=False)
    trainee = make_user(platform, "trainee", "tia@example.com", "Tia Trainee")
    exam = make_exam(platform, name="Spring exam", pass_mark=0.5, topics={"aftercare": 2, "spacing": 2})
    aid = call(platform, attempts.start_exam, trainee, exam, now=T0)
    call(platform, attempts.save_answer, trainee, aid, 1, right_answer(platform, aid, 1), now=T0)
    call(platform, attempts.submit, trainee, aid, now=T0 + timedelta(minutes=1))
    qid = _item0(platform, aid).id
    platform.engine.dispose()

    assert main(["regrade", "--exam", "Spring exam", "--item", qid, "--mode", "full_marks"]) == 0
    out = capsys.readouterr().out
    assert "1 would change" in out and "25.0% -> 50.0%  fail -> pass" in out and "dry run" in out
    assert main(["regrade", "--exam", "Spring exam", "--item", qid, "--mode", "full_marks", "--apply"]) == 0
    assert "1 changed" in capsys.readouterr().out
    assert main(["regrade", "--exam", "No such exam"]) == 1

    assert main(["audit", "--json", "--action", "regrade_applied"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [r["action"] for r in records] == ["regrade_applied"] and records[0]["actor"] == "system"
    assert records[0]["detail"]["after"][0]["passed"] is True
    assert main(["audit", "--since", "2999-01-01"]) == 0 and capsys.readouterr().out == ""
    with pytest.raises(SystemExit):
        main(["audit", "--since", "yesterday"])
