"""Users page (administrators), reset links on the Cohorts page and the anonymous /reset page, in AppTest."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from quiz.adapters.orm import AuditEvent, User
from quiz.bootstrap import Platform
from quiz.services import accounts, cohorts
from quiz.services.permissions import Actor
from tests.factories import make_bank
from tests.ui.apptest import APP, button, no_trace, open_page, prepare_app, texts


@pytest.fixture
def app_env(sqlite_platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Platform:
    prepare_app(sqlite_platform, make_bank(per_topic=3, with_case=False), tmp_path, monkeypatch)
    return sqlite_platform


def _user(platform: Platform, role: str, email: str, name: str) -> Actor:
    with platform.transaction() as s:
        return Actor.of(accounts.create_user(s, None, email=email, name=name, role=role, password="password123"))


def test_users_page_adds_a_trainer_changes_a_role_and_deactivates(app_env):
    admin = _user(app_env, "admin", "ada@example.com", "Ada Admin")
    at = open_page(admin, "users")
    no_trace(at)
    at.text_input(key="us_name").input("Tom Trainer")
    at.text_input(key="us_email").input("tom@example.com")
    at.selectbox(key="us_role").set_value("trainer")
    at.text_input(key="us_pw").input("password123")
    button(at, "Add the account").click().run()
    no_trace(at)
    assert "Tom Trainer (tom@example.com) can now log in as trainer" in texts(at)
    assert list(at.dataframe[0].value["Email"]) == ["ada@example.com", "tom@example.com"]
    with app_env.sessions() as s:
        tom = s.scalar(select(User).where(User.email == "tom@example.com"))
    at.selectbox(key="us_who").set_value(tom.id).run()
    at.selectbox(key=f"us_role_{tom.id}").set_value("admin").run()
    button(at, "Change the role").click().run()
    no_trace(at)
    assert "is now administrator" in texts(at)
    at.selectbox(key="us_who").set_value(tom.id).run()
    assert button(at, "Deactivate the account").disabled  # until the box is ticked
    at.checkbox(key=f"us_sure_{tom.id}").check().run()
    button(at, "Deactivate the account").click().run()
    no_trace(at)
    with app_env.sessions() as s:
        tom = s.get(User, tom.id)
        assert (tom.role, tom.is_active) == ("admin", False)
        assert {"user_created", "role_changed", "user_deactivated"} <= set(s.scalars(select(AuditEvent.action)))


def test_users_page_is_for_administrators_only(app_env):
    trainer = _user(app_env, "trainer", "tom@example.com", "Tom Trainer")
    from quiz.ui.pages import pages_for

    assert "users" not in {p.key for p in pages_for("trainer")}
    at = open_page(trainer, "users")  # not in a trainer's pages: they stay on their home page
    no_trace(at)
    assert not any(b.label == "Add the account" for b in at.button)


def test_a_trainer_makes_a_reset_link_and_the_trainee_uses_it(app_env):
    trainer = _user(app_env, "trainer", "tom@example.com", "Tom Trainer")
    trainee = _user(app_env, "trainee", "tia@example.com", "Tia Trainee")
    with app_env.transaction() as s:
        c = cohorts.create_cohort(s, trainer, "Spring")
        cohorts.add_trainee(s, trainer, c.id, trainee.email)
    at = open_page(trainer, "cohorts")
    at.radio(key="cohort_section").set_value("reset").run()
    button(at, "Create a reset link").click().run()
    no_trace(at)
    [code] = [c.value for c in at.code if "/reset?token=" in c.value]
    token = code.split("token=", 1)[1]
    assert "Reset link for Tia Trainee" in texts(at)

    page = AppTest.from_file(APP, default_timeout=30)
    page.query_params["token"] = token
    page._page_hash = calc_hash("reset")
    page.run()
    no_trace(page)
    assert "Hello Tia" in texts(page)
    page.text_input(key="reset_new").input("my-own-password")
    page.text_input(key="reset_new2").input("my-own-password")
    page.button[0].click().run()
    no_trace(page)
    assert "Your password is set. Log in with tia@example.com" in texts(page)
    assert accounts.login(app_env.sessions, "tia@example.com", "my-own-password").id == trainee.id

    again = open_page(None, "reset")
    again.text_input(key="reset_token").input(token)
    again.text_input(key="reset_new").input("another-password")
    again.text_input(key="reset_new2").input("another-password")
    again.button[0].click().run()
    no_trace(again)
    assert "not valid" in texts(again)


def test_a_reset_link_opened_while_someone_is_signed_in_still_works(app_env):
    """A trainee who is still signed in on this browser (or a trainer checking the link) gets the reset form,
    not 'page not found'."""
    trainer = _user(app_env, "trainer", "tom@example.com", "Tom Trainer")
    trainee = _user(app_env, "trainee", "tia@example.com", "Tia Trainee")
    with app_env.transaction() as s:
        c = cohorts.create_cohort(s, trainer, "Spring")
        cohorts.add_trainee(s, trainer, c.id, trainee.email)
        from quiz.services import password_resets

        token = password_resets.create_link(s, trainer, trainee.id).token
    page = AppTest.from_file(APP, default_timeout=30)
    page.session_state["actor"] = trainee  # signed in (AppTest keeps the actor in session state)
    page.query_params["token"] = token
    page._page_hash = calc_hash("reset")
    page.run()
    no_trace(page)
    assert "Hello Tia" in texts(page)
    page.text_input(key="reset_new").input("my-own-password")
    page.text_input(key="reset_new2").input("my-own-password")
    button(page, "Set my password").click().run()
    no_trace(page)
    assert "Your password is set" in texts(page)
    assert accounts.login(app_env.sessions, "tia@example.com", "my-own-password").id == trainee.id
