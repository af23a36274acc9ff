"""Registration and form errors in AppTest: registering an email that already has an account looks exactly like
a new registration, and a value the database refuses (a clash, a value too long) gets a clear message instead
of "the database could not be reached"."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from quiz.adapters.orm import Cohort, User
from quiz.bootstrap import Platform
from quiz.core import security
from quiz.services import accounts
from tests.factories import make_bank
from tests.ui.apptest import button, no_trace, open_page, prepare_app, texts


@pytest.fixture
def app_env(sqlite_platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Platform:
    prepare_app(sqlite_platform, make_bank(per_topic=2, with_case=False), tmp_path, monkeypatch)
    with sqlite_platform.transaction() as s:
        trainer = accounts.create_user(s, None, email="rosa@example.com", name="Rosa Trainer", role="trainer",
                                       password="password123")
        s.add(Cohort(name="Spring", invite_code="SPRING27", trainer_id=trainer.id))
        accounts.create_user(s, None, email="tia@example.com", name="Tia Trainee", role="trainee",
                             password="password123")
    return sqlite_platform


def _register(email: str, name: str = "Nia New") -> AppTest:
    at = open_page(None, "register")
    at.text_input(key="reg_code").input("spring27")
    at.text_input(key="reg_name").input(name)
    at.text_input(key="reg_email").input(email)
    at.text_input(key="reg_password").input("another-password")
    at.text_input(key="reg_password2").input("another-password")
    button(at, "Create my account").click().run()
    no_trace(at)
    return at


def _visible(at: AppTest) -> list[str]:
    return [e.value for e in (*at.success, *at.error, *at.warning, *at.info)]


def test_registering_a_taken_email_looks_the_same_as_a_new_one(app_env):
    new = _register("nia@example.com")
    taken = _register("TIA@example.com ")
    assert _visible(new) == _visible(taken) == [accounts.REGISTERED_MESSAGE]
    assert "already" not in texts(taken).replace(accounts.REGISTERED_MESSAGE, "")
    with app_env.sessions() as s:  # the existing account is untouched: its own password still works
        tia = s.scalar(select(User).where(User.email == "tia@example.com"))
        assert tia.name == "Tia Trainee" and security.verify_password(tia.password_hash, "password123")


def test_a_name_with_markup_is_refused_only_for_control_characters(app_env):
    at = _register("bidi@example.com", name="Ada \u202eevil")
    assert any("control or invisible character" in v for v in _visible(at))
    at = _register("link@example.com", name="[Renew here](http://host/phish)")  # allowed, shown as typed
    assert _visible(at) == [accounts.REGISTERED_MESSAGE]


@pytest.mark.parametrize(("kind", "expected"), [
    ("IntegrityError", "clashes with something already saved"),
    ("DataError", "too long"),
])
def test_database_refusals_get_a_clear_message(app_env, kind, expected):
    def page(kind: str) -> None:
        from sqlalchemy import exc

        from quiz.ui import runtime

        def refuse(session):  # noqa: ANN001
            raise getattr(exc, kind)("INSERT ...", {}, Exception("refused"))

        runtime.run(refuse)

    at = AppTest.from_function(page, args=(kind,), default_timeout=30).run()
    assert [e.value for e in at.error] and expected in at.error[0].value
    assert "could not be reached" not in at.error[0].value
