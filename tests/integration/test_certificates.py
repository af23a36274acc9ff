"""Certificates on SQLite and PostgreSQL: issued on a pass, verifiable by code, forgeries refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from quiz.adapters.orm import Certificate
from quiz.services import attempts, certificates
from tests.integration.attempt_helpers import T0, call, load_bank, make_exam, right_answer


@pytest.fixture(autouse=True)
def bank(platform):
    load_bank(platform)



def sit(platform, trainee, exam, right: int) -> attempts.ResultsView:
    aid = call(platform, attempts.start_exam, trainee, exam, now=T0)
    for pos in range(right):
        call(platform, attempts.save_answer, trainee, aid, pos, right_answer(platform, aid, pos), now=T0)
    return call(platform, attempts.submit, trainee, aid, now=T0 + timedelta(minutes=3), secret_key="s3cret")


def test_a_pass_issues_a_verifiable_certificate(platform, trainee):
    res = sit(platform, trainee, make_exam(platform, pass_mark=0.5), right=4)
    assert res.passed and res.certificate_code.startswith("MC-")
    mine = call(platform, certificates.my_certificates, trainee)
    assert [c.code for c in mine] == [res.certificate_code]
    assert mine[0].exam == "Certificate exam" and round(mine[0].score_percent, 3) == round(4 / 6, 3)

    ok = call(platform, certificates.verify, " " + res.certificate_code.lower() + " ", secret_key="s3cret")
    assert ok.valid and ok.certificate.holder == "Tia Trainee"
    assert ok.certificate.issued_at == T0 + timedelta(minutes=3)


def test_a_fail_issues_no_certificate(platform, trainee):
    res = sit(platform, trainee, make_exam(platform, pass_mark=0.8), right=4)
    assert res.passed is False and res.certificate_code is None
    assert call(platform, certificates.my_certificates, trainee) == []


def test_forged_mistyped_or_revoked_codes_do_not_verify(platform, trainee):
    code = sit(platform, trainee, make_exam(platform), right=6).certificate_code
    prefix, number, sig = code.split("-")
    assert not call(platform, certificates.verify, f"{prefix}-{int(number) + 1:06d}-{sig}", secret_key="s3cret").valid
    forged_sig = ("A" if sig[0] != "A" else "B") + sig[1:]
    assert not call(platform, certificates.verify, f"{prefix}-{number}-{forged_sig}", secret_key="s3cret").valid
    assert "not a certificate code" in call(platform, certificates.verify, "hello", secret_key="s3cret").message
    assert not call(platform, certificates.verify, "", secret_key="s3cret").valid
    # Signed with another server's key: the stored code no longer matches its signature.
    assert not call(platform, certificates.verify, code, secret_key="another-key").valid

    with platform.transaction() as s:
        s.query(Certificate).one().revoked_at = T0 + timedelta(days=1)
    revoked = call(platform, certificates.verify, code, secret_key="s3cret")
    assert not revoked.valid and "revoked" in revoked.message


def test_the_printable_certificate_is_for_its_trainee_and_their_trainers_only(platform, trainee, trainer):
    from quiz.services.errors import PermissionDenied
    from tests.conftest import make_user

    res = sit(platform, trainee, make_exam(platform, pass_mark=0.5), right=4)
    view = call(platform, certificates.certificate_for_attempt, trainee, res.attempt_id)
    page = certificates.printable(view)
    assert "Tia Trainee" in page and res.certificate_code in page and "Certificate exam" in page
    other = make_user(platform, "trainee", "otto@example.com", "Otto Other")
    with pytest.raises(PermissionDenied):
        call(platform, certificates.certificate_for_attempt, other, res.attempt_id)
    with pytest.raises(PermissionDenied):  # a trainer who does not run the trainee's cohort
        call(platform, certificates.certificate_for_attempt, trainer, res.attempt_id)
    failed = sit(platform, trainee, make_exam(platform, name="Second exam", pass_mark=0.9), right=1)
    assert call(platform, certificates.certificate_for_attempt, trainee, failed.attempt_id) is None
