"""The public verification page, opened from the link printed on a certificate (…/verify?code=…)."""

from __future__ import annotations

from datetime import UTC, datetime

from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from quiz.adapters.orm import Attempt, Certificate, Exam
from quiz.services import accounts, certificates
from tests.factories import make_bank
from tests.ui.apptest import APP, no_trace, prepare_app, texts


def test_a_certificate_link_verifies_without_typing(sqlite_platform, tmp_path, monkeypatch):
    prepare_app(sqlite_platform, make_bank(per_topic=2, with_case=False), tmp_path, monkeypatch)
    with sqlite_platform.transaction() as s:
        user = accounts.create_user(s, None, email="amira@example.com", name="Amira Haddad", role="trainee",
                                    password="password123")
        exam = Exam(name="Foundation certificate", blueprint={"topics": {"spacing": 1}}, time_limit_minutes=30,
                    pass_mark=0.5, review_options={})
        s.add(exam)
        s.flush()
        when = datetime(2027, 3, 4, 10, tzinfo=UTC)
        attempt = Attempt(user_id=user.id, exam_id=exam.id, mode="exam", state="submitted", seed=1,
                          started_at=when, submitted_at=when, score=1, max_score=1, percent=1.0, passed=True)
        s.add(attempt)
        s.flush()
        code = certificates.issue(s, attempt).code
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["code"] = code
    at._page_hash = calc_hash("verify")  # as opening /verify?code=... does
    at.run()
    no_trace(at)
    assert "This certificate is valid" in texts(at) and "Amira Haddad" in [t.value for t in at.text]
    with sqlite_platform.transaction() as s:
        s.get(Certificate, 1).revoked_at = datetime(2027, 5, 1, tzinfo=UTC)
    at.run()
    assert "was revoked on 1 May 2027" in texts(at)


def test_names_show_as_plain_text_and_checks_are_rate_limited(sqlite_platform, tmp_path, monkeypatch):
    from quiz.services import rate_limit

    prepare_app(sqlite_platform, make_bank(per_topic=2, with_case=False), tmp_path, monkeypatch)
    monkeypatch.setattr(rate_limit, "verify_limiter", rate_limit.RateLimiter(3, 600))
    evil = "![t](http://host/x.png) [Renew here](http://host/phish)"
    with sqlite_platform.transaction() as s:
        user = accounts.create_user(s, None, email="e@example.com", name="Eve", role="trainee",
                                    password="password123")
        user.name = evil
        exam = Exam(name="Foundation", blueprint={"topics": {"spacing": 1}}, time_limit_minutes=30,
                    pass_mark=0.5, review_options={})
        s.add(exam)
        s.flush()
        when = datetime(2027, 3, 4, 10, tzinfo=UTC)
        attempt = Attempt(user_id=user.id, exam_id=exam.id, mode="exam", state="submitted", seed=1,
                          started_at=when, submitted_at=when, score=1, max_score=1, percent=1.0, passed=True)
        s.add(attempt)
        s.flush()
        code = certificates.issue(s, attempt).code
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["code"] = code
    at._page_hash = calc_hash("verify")
    at.run()
    no_trace(at)
    assert [t.value for t in at.text][0] == evil  # st.text: shown as typed, no image, no link
    assert not any("](http" in m.value for m in at.markdown if "Renew" in m.value)
    at.run()
    at.run()
    at.run()  # the fourth check from this client within the window
    assert "Too many checks" in texts(at) and evil not in [t.value for t in at.text]
