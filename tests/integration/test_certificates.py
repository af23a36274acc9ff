"""Certificates on SQLite and PostgreSQL: issued once per pass with a random code, verifiable in every state
(valid, expired, revoked, superseded, unknown), revocable by the holder's trainer only, expiring by the exam's
validity, superseded by a recertification; old codes keep verifying; no server key is involved."""

from __future__ import annotations

import io
import re
import threading
from datetime import UTC, datetime, timedelta

import pypdf
import pytest
from sqlalchemy import func, select

from quiz.adapters.orm import AuditEvent, Certificate, Exam
from quiz.services import attempts, certificates, site_settings
from quiz.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tests.conftest import make_user
from tests.integration.attempt_helpers import T0, call, load_bank, make_cohort, make_exam, right_answer

CODE_SHAPE = re.compile(r"^MC-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{4}(-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{4}){3}$")


@pytest.fixture(autouse=True)
def bank(platform):
    load_bank(platform)


def sit(platform, trainee, exam, right: int, at: datetime = T0) -> attempts.ResultsView:
    aid = call(platform, attempts.start_exam, trainee, exam, now=at)
    for pos in range(right):
        call(platform, attempts.save_answer, trainee, aid, pos, right_answer(platform, aid, pos), now=at)
    return call(platform, attempts.submit, trainee, aid, now=at + timedelta(minutes=3))


def test_a_pass_issues_a_random_verifiable_certificate(platform, trainee, monkeypatch):
    monkeypatch.delenv("QUIZ_SECRET_KEY", raising=False)
    with platform.transaction() as s:
        site_settings.update_academy(s, None, name="Lisbon Aesthetics Academy", signatory="Dr Rita Sousa")
    res = sit(platform, trainee, make_exam(platform, pass_mark=0.5, validity_months=24), right=4)
    assert res.passed and CODE_SHAPE.match(res.certificate_code)
    assert str(res.attempt_id) not in res.certificate_code.split("-")[1]
    mine = call(platform, certificates.my_certificates, trainee)
    assert [c.code for c in mine] == [res.certificate_code]
    c = mine[0]
    assert c.exam == "Certificate exam" and round(c.score_percent, 3) == round(4 / 6, 3) and c.state == "valid"
    assert c.issued_at == T0 + timedelta(minutes=3) and c.expires_at == T0.replace(year=2032) + timedelta(minutes=3)
    assert (c.academy, c.signatory) == ("Lisbon Aesthetics Academy", "Dr Rita Sousa")

    # Typed in lower case, with spaces, without dashes: the same certificate.
    typed = " " + res.certificate_code.lower().replace("-", " ") + " "
    ok = call(platform, certificates.verify, typed, now=T0 + timedelta(days=1))
    assert ok.valid and ok.certificate.holder == "Tia Trainee" and ok.certificate.exam == "Certificate exam"
    assert ok.certificate.academy == "Lisbon Aesthetics Academy"
    assert set(vars(ok.certificate)) == {"holder", "exam", "issued_at", "expires_at", "academy"}  # nothing else

    # A later change of the academy name does not change a certificate already issued.
    with platform.transaction() as s:
        site_settings.update_academy(s, None, name="Porto Academy", signatory=None)
    assert call(platform, certificates.verify, res.certificate_code).certificate.academy == "Lisbon Aesthetics Academy"


def test_a_fail_or_a_practice_issues_no_certificate(platform, trainee):
    res = sit(platform, trainee, make_exam(platform, pass_mark=0.8), right=4)
    assert res.passed is False and res.certificate_code is None
    assert call(platform, certificates.my_certificates, trainee) == []
    with platform.transaction() as s:
        from quiz.adapters.orm import Attempt

        with pytest.raises(ValueError):
            certificates.issue(s, s.get(Attempt, res.attempt_id))


def test_wrong_and_made_up_codes_say_only_that_no_certificate_has_them(platform, trainee):
    code = sit(platform, trainee, make_exam(platform), right=6).certificate_code
    other = code[:-1] + ("A" if code[-1] != "A" else "B")
    for wrong in (other, "hello", "MC-000001-AAAAAAAAAA", "MC-" + "Z" * 300, "' OR 1=1 --"):
        v = call(platform, certificates.verify, wrong)
        assert v.state == "unknown" and v.message == certificates.NO_SUCH_CODE and v.certificate is None
    assert call(platform, certificates.verify, "   ").state == "unknown"


def test_verification_does_not_depend_on_the_server_key(platform, trainee, monkeypatch):
    monkeypatch.setenv("QUIZ_SECRET_KEY", "one-key")
    code = sit(platform, trainee, make_exam(platform), right=6).certificate_code
    monkeypatch.setenv("QUIZ_SECRET_KEY", "another-key")  # the key set later: nothing printed stops working
    assert call(platform, certificates.verify, code).valid


def test_certificates_issued_before_random_codes_keep_verifying(platform, trainee):
    """A row as the old code made it (attempt number + HMAC, no expiry, no academy): looked up, not recomputed."""
    res = sit(platform, trainee, make_exam(platform), right=6)
    with platform.transaction() as s:
        cert = s.scalar(select(Certificate))
        cert.code, cert.academy, cert.signatory, cert.expires_at = "MC-000003-7F3A9C21B0", None, None, None
    old = call(platform, certificates.verify, "mc-000003-7f3a9c21b0")
    assert old.valid and old.certificate.holder == "Tia Trainee"
    assert old.certificate.academy == site_settings.DEFAULT_ACADEMY and old.certificate.expires_at is None
    assert call(platform, certificates.certificate_for_attempt, trainee, res.attempt_id).code == "MC-000003-7F3A9C21B0"


def test_expiry_follows_the_exam_validity_and_shows_on_verification(platform, trainee, trainer):
    make_cohort(platform, trainer.id, [trainee.id])
    code = sit(platform, trainee, make_exam(platform, validity_months=12), right=6).certificate_code
    expires = T0.replace(year=2031) + timedelta(minutes=3)
    assert call(platform, certificates.verify, code, now=expires - timedelta(seconds=1)).valid
    expired = call(platform, certificates.verify, code, now=expires)
    assert expired.state == "expired" and "expired on 1 March 2031" in expired.message

    soon = call(platform, certificates.list_certificates, trainer, expiring_within_days=30,
                now=expires - timedelta(days=29))
    assert [c.code for c in soon] == [code]
    assert call(platform, certificates.list_certificates, trainer, expiring_within_days=30,
                now=expires - timedelta(days=31)) == []
    assert call(platform, certificates.list_certificates, trainer, expiring_within_days=30, now=expires) == []


def test_blank_validity_never_expires(platform, trainee):
    code = sit(platform, trainee, make_exam(platform), right=6).certificate_code
    assert call(platform, certificates.verify, code, now=datetime(2099, 1, 1, tzinfo=UTC)).valid


def test_the_holders_trainer_revokes_with_a_reason_audited(platform, trainee, trainer):
    make_cohort(platform, trainer.id, [trainee.id])
    code = sit(platform, trainee, make_exam(platform), right=6).certificate_code
    stranger = make_user(platform, "trainer", "other@example.com", "Olga Other")
    with pytest.raises(NotFound):  # another trainer's trainee: not even told it exists
        call(platform, certificates.revoke, stranger, code, "no reason")
    with pytest.raises(PermissionDenied):
        call(platform, certificates.revoke, trainee, code, "I want to")
    with pytest.raises(InvalidInput):
        call(platform, certificates.revoke, trainer, code, "   ")
    when = T0 + timedelta(days=30)
    view = call(platform, certificates.revoke, trainer, code, "Exam taken by someone else", now=when)
    assert view.state == "revoked" and view.revoke_reason == "Exam taken by someone else"
    with pytest.raises(Conflict):
        call(platform, certificates.revoke, trainer, code, "again")

    v = call(platform, certificates.verify, code)
    assert v.state == "revoked" and "revoked on 31 March 2030" in v.message and not v.valid
    assert "someone else" not in v.message  # the reason stays between the academy and the holder
    assert call(platform, certificates.my_certificates, trainee)[0].state == "revoked"  # the holder sees it
    with platform.sessions() as s:
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "certificate_revoked"))
        assert event.actor_id == trainer.id and event.target == code and event.at is not None
        assert event.detail["reason"] == "Exam taken by someone else"
        assert event.detail["before"] == {"state": "valid"} and event.detail["after"]["state"] == "revoked"
        assert s.scalar(select(Certificate.revoked_by)) == trainer.id


def test_a_recertification_supersedes_the_old_certificate_and_both_stay(platform, trainee):
    exam = make_exam(platform, validity_months=12, attempts_allowed=1)
    first = sit(platform, trainee, exam, right=6).certificate_code
    # Passed: the exam is done until the certificate nears its expiry (60 days before).
    assert call(platform, attempts.exam_statuses, trainee, now=T0 + timedelta(days=200))[0].can_start is False
    later = T0.replace(year=2031) - timedelta(days=30)
    due = call(platform, certificates.renewals_due, trainee, now=later)
    assert [(r.code, r.exam) for r in due] == [(first, "Certificate exam")] and not due[0].expired
    status = call(platform, attempts.exam_statuses, trainee, now=later)[0]
    assert status.can_start, status.reason  # a fresh attempt, though the one allowed was used
    second = sit(platform, trainee, exam, right=6, at=later).certificate_code
    assert second != first
    old = call(platform, certificates.verify, first, now=later + timedelta(days=1))
    assert old.state == "superseded" and "replaced on" in old.message and second not in old.message
    assert call(platform, certificates.verify, second, now=later + timedelta(days=1)).valid
    mine = call(platform, certificates.my_certificates, trainee, now=later + timedelta(days=1))
    assert [(c.code, c.state) for c in mine] == [(second, "valid"), (first, "superseded")]
    assert call(platform, certificates.renewals_due, trainee, now=later + timedelta(days=1)) == []


def test_the_pdf_is_for_its_holder_their_trainers_and_admins_only(platform, trainee, trainer, admin):
    make_cohort(platform, trainer.id, [trainee.id])
    res = sit(platform, trainee, make_exam(platform, pass_mark=0.5), right=4)
    code = res.certificate_code
    for who in (trainee, trainer, admin, None):
        name, pdf = call(platform, certificates.pdf_for, who, code, "https://meso.example.com")
        assert name == f"certificate-{code}.pdf"
        text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
        assert "Tia Trainee" in text and code in text and f"https://meso.example.com/verify?code={code}" in text
    other = make_user(platform, "trainee", "otto@example.com", "Otto Other")
    stranger = make_user(platform, "trainer", "olga@example.com", "Olga Other")
    for who in (other, stranger):
        with pytest.raises(NotFound):
            call(platform, certificates.pdf_for, who, code)
        with pytest.raises((NotFound, PermissionDenied)):
            call(platform, certificates.certificate_for_attempt, who, res.attempt_id)


def test_a_trainer_lists_only_their_cohorts_certificates(platform, trainee, trainer, admin):
    cohort = make_cohort(platform, trainer.id, [trainee.id])
    mine = sit(platform, trainee, make_exam(platform), right=6).certificate_code
    outsider = make_user(platform, "trainee", "out@example.com", "Out Sider")
    theirs = sit(platform, outsider, make_exam(platform, name="Other exam"), right=6).certificate_code
    assert [c.code for c in call(platform, certificates.list_certificates, trainer)] == [mine]
    assert [c.code for c in call(platform, certificates.list_certificates, trainer, cohort_id=cohort)] == [mine]
    assert {c.code for c in call(platform, certificates.list_certificates, admin)} == {mine, theirs}
    with pytest.raises(PermissionDenied):
        call(platform, certificates.list_certificates, trainee)


def test_one_certificate_per_pass_under_concurrent_submits(platform, trainee):
    exam = make_exam(platform)
    aid = call(platform, attempts.start_exam, trainee, exam, now=T0)
    for pos in range(6):
        call(platform, attempts.save_answer, trainee, aid, pos, right_answer(platform, aid, pos), now=T0)
    barrier = threading.Barrier(4)
    codes, errors = [], []

    def submit() -> None:
        try:
            barrier.wait()
            codes.append(call(platform, attempts.submit, trainee, aid, now=T0 + timedelta(minutes=2)).certificate_code)
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    with platform.sessions() as s:
        assert s.scalar(select(func.count(Certificate.id))) == 1
        only = s.scalar(select(Certificate.code))
    assert set(codes) == {only}


def test_the_secret_key_is_made_once_and_kept(platform):
    with platform.transaction() as s:
        first = site_settings.ensure_secret_key(s, None)
    with platform.transaction() as s:
        assert site_settings.ensure_secret_key(s, None) == first
        assert site_settings.ensure_secret_key(s, "from-env") == "from-env"
    assert len(first) >= 40 and first != "dev-insecure-change-me"


def test_only_an_admin_edits_the_academy(platform, trainer, admin):
    with pytest.raises(PermissionDenied):
        call(platform, site_settings.update_academy, trainer, name="Mine", signatory=None)
    with pytest.raises(InvalidInput):
        call(platform, site_settings.update_academy, admin, name="  ", signatory=None)
    got = call(platform, site_settings.update_academy, admin, name=" Lisbon  Academy ", signatory="Dr R. Sousa")
    assert got == site_settings.Academy("Lisbon Academy", "Dr R. Sousa")
    with platform.sessions() as s:
        assert s.scalar(select(AuditEvent.action).where(AuditEvent.action == "academy_updated")) is not None


def test_the_exam_validity_is_a_setting(platform, trainer, trainee):
    from quiz.services import exams

    cohort = make_cohort(platform, trainer.id, [trainee.id])
    info = call(platform, exams.define_exam, trainer, cohort_id=cohort, name="Renewable", topics={"spacing": 2},
                validity_months=36)
    assert info.validity_months == 36
    assert call(platform, exams.update_exam, trainer, info.id, validity_months=None).validity_months is None
    for bad in (0, -1, 1000, "x"):
        with pytest.raises(InvalidInput):
            call(platform, exams.update_exam, trainer, info.id, validity_months=bad)
    with platform.sessions() as s:
        assert s.get(Exam, info.id).validity_months is None
