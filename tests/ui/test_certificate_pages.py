"""Certificate pages: the trainer's list, expiring list and revocation; the admin's academy settings; the
trainee's certificate on Results and Home (with the reminder to recertify); names shown as plain text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from quiz.adapters.orm import Attempt, Certificate, Cohort, CohortMember, Exam
from quiz.bootstrap import Platform
from quiz.services import accounts, certificates, site_settings
from quiz.services.permissions import Actor
from tests.factories import make_bank
from tests.ui.apptest import button, no_trace, open_page, prepare_app, texts

EVIL = "![t](http://host/x.png) [Renew here](http://host/phish)"


@pytest.fixture
def app_env(sqlite_platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Platform:
    prepare_app(sqlite_platform, make_bank(per_topic=2, with_case=False), tmp_path, monkeypatch)
    return sqlite_platform


def _people(platform: Platform, *, validity_months: int | None = 12, issued: datetime | None = None):
    """A trainer, an admin and a trainee (with a markdown-looking name) who passed an exam."""
    with platform.transaction() as s:
        trainer = accounts.create_user(s, None, email="t@example.com", name="Tom Trainer", role="trainer",
                                       password="password123")
        admin = accounts.create_user(s, None, email="a@example.com", name="Ada Admin", role="admin",
                                     password="password123")
        trainee = accounts.create_user(s, None, email="e@example.com", name="Eve", role="trainee",
                                       password="password123")
        trainee.name = EVIL
        cohort = Cohort(name="Spring", invite_code="SPRING27", trainer_id=trainer.id)
        s.add(cohort)
        s.flush()
        s.add(CohortMember(cohort_id=cohort.id, user_id=trainee.id))
        exam = Exam(name="Foundation", cohort_id=cohort.id, blueprint={"topics": {"spacing": 1}},
                    time_limit_minutes=30, pass_mark=0.5, review_options={"show_score": True},
                    validity_months=validity_months, attempts_allowed=1)
        s.add(exam)
        s.flush()
        when = issued or datetime.now(UTC) - timedelta(days=3)
        attempt = Attempt(user_id=trainee.id, exam_id=exam.id, mode="exam", state="submitted", seed=1,
                          started_at=when, submitted_at=when, score=1, max_score=1, percent=1.0, passed=True)
        s.add(attempt)
        s.flush()
        code = certificates.issue(s, attempt, now=when).code
        return Actor.of(trainer), Actor.of(admin), Actor.of(trainee), code, attempt.id


def test_a_trainer_lists_and_revokes_with_a_reason(app_env):
    trainer, _admin, _trainee, code, _ = _people(app_env)
    at = open_page(trainer, "certificates")
    no_trace(at)
    table = at.dataframe[0].value
    assert list(table["Code"]) == [code] and list(table["Holder"]) == [EVIL] and list(table["State"]) == ["valid"]
    assert not any("](http" in m.value for m in at.markdown)  # the name went to the table only
    link = [b for b in at.get("link_button") if "PDF" in b.proto.label][0]
    assert link.proto.url == f"/download/certificate/{code}.pdf"
    button(at, "Revoke").click().run()
    assert "I am sure" in texts(at)  # nothing revoked without the confirmation
    at.text_area(key="revoke_reason").input("Exam sat by someone else")
    at.checkbox(key="revoke_sure").check()
    button(at, "Revoke").click().run()
    no_trace(at)
    assert f"Certificate {code} revoked." in texts(at).replace("\\", "")  # shown escaped
    with app_env.sessions() as s:
        cert = s.scalar(select(Certificate))
        assert cert.revoke_reason == "Exam sat by someone else" and cert.revoked_by == trainer.id


def test_a_trainer_sees_certificates_expiring_within_n_days(app_env):
    trainer, _admin, _trainee, code, _ = _people(app_env, validity_months=1)
    at = open_page(trainer, "certificates")
    at.radio(key="cert_section").set_value("expiring").run()
    no_trace(at)
    assert list(at.dataframe[0].value["Code"]) == [code]  # expires in about four weeks: within 60 days
    at.number_input(key="cert_expiring_days").set_value(7).run()
    assert "No valid certificate expires within 7 days" in texts(at)


def test_only_an_admin_edits_the_academy(app_env):
    trainer, admin, _trainee, _code, _ = _people(app_env)
    at = open_page(trainer, "certificates")
    assert [o for o in at.radio(key="cert_section").options] == ["Issued", "Expiring soon"]
    at = open_page(admin, "certificates")
    at.radio(key="cert_section").set_value("academy").run()
    at.text_input(key="academy_name").input("Lisbon Aesthetics Academy")
    at.text_input(key="academy_signatory").input("Dr Rita Sousa")
    button(at, "Save").click().run()
    no_trace(at)
    assert "Academy details saved." in texts(at).replace("\\", "")
    with app_env.sessions() as s:
        assert site_settings.academy(s) == site_settings.Academy("Lisbon Aesthetics Academy", "Dr Rita Sousa")


def test_the_trainee_downloads_from_results_and_home_and_is_asked_to_recertify(app_env):
    # Issued 11 months and a half ago with a validity of 12 months: expires in about two weeks.
    _trainer, _admin, trainee, code, attempt_id = _people(app_env, issued=datetime.now(UTC) - timedelta(days=350))
    at = open_page(trainee, "results")
    no_trace(at)
    assert f"Your certificate code: **{code}**" in texts(at)
    links = [b.proto.url for b in at.get("link_button")]
    assert f"/download/certificate/{code}.pdf" in links
    at = open_page(trainee, "home")
    no_trace(at)
    assert "Recertification" in texts(at) and "Foundation" in [t.value for t in at.text]
    assert "My certificates" in texts(at)
    assert f"/download/certificate/{code}.pdf" in [b.proto.url for b in at.get("link_button")]


def test_the_holder_sees_a_revocation_on_results(app_env):
    trainer, _admin, trainee, code, _ = _people(app_env)
    with app_env.transaction() as s:
        certificates.revoke(s, trainer, code, "Identity fraud", now=datetime(2030, 5, 1, tzinfo=UTC))
    at = open_page(trainee, "results")
    no_trace(at)
    assert f"Your certificate **{code}** was revoked on 01 May 2030" in texts(at)
