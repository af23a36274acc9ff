"""The Users page's services (quiz/services/users.py) and one-time password reset links
(quiz/services/password_resets.py), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from quiz.adapters.orm import AuditEvent, PasswordReset, User
from quiz.bootstrap import Platform
from quiz.services import accounts, cohorts, password_resets, sessions, users
from quiz.services.errors import AuthError, Conflict, InvalidInput, PermissionDenied
from quiz.services.permissions import Actor
from tests.conftest import make_user

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def _audit(platform: Platform, action: str) -> list[AuditEvent]:
    with platform.sessions() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _session_of(platform: Platform, user: Actor) -> str:
    with platform.transaction() as s:
        return sessions.create(s, user.id)


def _alive(platform: Platform, token: str) -> bool:
    with platform.transaction() as s:
        return sessions.resolve(s, token).actor is not None


# -- users -------------------------------------------------------------------------------------------------------

def test_an_admin_adds_a_trainer_who_can_log_in_and_the_audit_keeps_it(platform: Platform, admin: Actor) -> None:
    with platform.transaction() as s:
        row = users.add_staff(s, admin, email=" New.Trainer@Example.com ", name="Nina", role="trainer",
                              password="password123")
    assert (row.email, row.role) == ("new.trainer@example.com", "trainer")
    assert accounts.login(platform.sessions, "new.trainer@example.com", "password123").role == "trainer"
    [event] = _audit(platform, "user_created")[-1:]
    assert event.detail["after"] == {"role": "trainer", "active": True} and event.actor_id == admin.id
    with platform.transaction() as s, pytest.raises(Conflict):
        users.add_staff(s, admin, email="new.trainer@example.com", name="Again", role="admin", password="password123")
    with platform.transaction() as s, pytest.raises(InvalidInput):
        users.add_staff(s, admin, email="t2@example.com", name="T", role="trainee", password="password123")


def test_only_an_administrator_manages_users(platform: Platform, admin: Actor, trainer: Actor,
                                             trainee: Actor) -> None:
    for who in (trainer, trainee):
        with platform.transaction() as s, pytest.raises(PermissionDenied):
            users.list_users(s, who)
        with platform.transaction() as s, pytest.raises(PermissionDenied):
            users.add_staff(s, who, email="x@example.com", name="X", role="trainer", password="password123")
        with platform.transaction() as s, pytest.raises(PermissionDenied):
            users.change_role(s, who, trainee.id, "admin")
        with platform.transaction() as s, pytest.raises(PermissionDenied):
            users.set_active(s, who, trainee.id, False)
    with platform.sessions() as s:
        assert [u.role for u in users.list_users(s, admin)] == ["admin", "trainer", "trainee"]


def test_a_role_change_ends_the_users_sessions_and_records_before_and_after(platform: Platform, admin: Actor,
                                                                             trainer: Actor) -> None:
    token = _session_of(platform, trainer)
    with platform.transaction() as s:
        assert users.change_role(s, admin, trainer.id, "admin") is True
    assert not _alive(platform, token)
    [event] = _audit(platform, "role_changed")
    assert event.detail["before"]["role"] == "trainer" and event.detail["after"]["role"] == "admin"
    with platform.transaction() as s:  # the same role again: nothing happens, nothing recorded
        assert users.change_role(s, admin, trainer.id, "admin") is False
    assert len(_audit(platform, "role_changed")) == 1


def test_deactivation_ends_sessions_and_blocks_login_until_reactivated(platform: Platform, admin: Actor,
                                                                       trainee: Actor) -> None:
    token = _session_of(platform, trainee)
    with platform.transaction() as s:
        users.set_active(s, admin, trainee.id, False)
    assert not _alive(platform, token)
    with pytest.raises(AuthError, match="disabled"):
        accounts.login(platform.sessions, "trainee@example.com", "password123")
    with platform.transaction() as s:
        users.set_active(s, admin, trainee.id, True)
    assert accounts.login(platform.sessions, "trainee@example.com", "password123").id == trainee.id
    assert [e.detail["after"]["active"] for e in _audit(platform, "user_deactivated") + _audit(
        platform, "user_activated")] == [False, True]


def test_the_last_active_administrator_stays_one(platform: Platform, admin: Actor) -> None:
    other = make_user(platform, "admin", "other@example.com", "Otto")
    with platform.transaction() as s, pytest.raises(PermissionDenied):
        users.change_role(s, admin, admin.id, "trainer")  # not oneself
    with platform.transaction() as s:
        users.set_active(s, other, admin.id, False)  # two admins: one may go
    with platform.transaction() as s, pytest.raises(Conflict, match="only active administrator"):
        users.change_role(s, None, other.id, "trainer")
    with platform.transaction() as s, pytest.raises(Conflict):
        users.set_active(s, None, other.id, False)


# -- reset links ---------------------------------------------------------------------------------------------------

@pytest.fixture
def cohort_of(platform: Platform, trainer: Actor, trainee: Actor) -> int:
    with platform.transaction() as s:
        c = cohorts.create_cohort(s, trainer, "Spring")
        cohorts.add_trainee(s, trainer, c.id, trainee.email)
        return c.id


def _link(platform: Platform, actor: Actor, user: Actor, at: datetime = T0) -> password_resets.ResetLink:
    with platform.transaction() as s:
        return password_resets.create_link(s, actor, user.id, at=at)


def _use(platform: Platform, token: str, password: str, at: datetime = T0) -> str:
    with platform.transaction() as s:
        return password_resets.use_link(s, token, password, at=at)


def test_a_trainer_makes_a_link_and_the_trainee_sets_their_own_password_once(platform: Platform, trainer: Actor,
                                                                             trainee: Actor, cohort_of: int) -> None:
    old_session = _session_of(platform, trainee)
    link = _link(platform, trainer, trainee)
    assert link.url("https://academy.example/") == f"https://academy.example/reset?token={link.token}"
    with platform.sessions() as s:  # only the hash is kept
        dump = " ".join(str(v) for v in s.execute(text("select * from password_resets")).one())
        assert link.token not in dump and password_resets.hash_token(link.token) in dump
        assert password_resets.link_owner(s, link.token, at=T0) == "Tia"
    with pytest.raises(InvalidInput, match="8 characters"):  # a weak password keeps the link usable
        _use(platform, link.token, "short", T0 + timedelta(hours=1))
    assert _use(platform, link.token, "brand-new-pass", T0 + timedelta(hours=1)) == "trainee@example.com"
    assert accounts.login(platform.sessions, "trainee@example.com", "brand-new-pass").id == trainee.id
    assert not _alive(platform, old_session)
    with pytest.raises(InvalidInput, match="not valid"):  # single use
        _use(platform, link.token, "another-pass-1", T0 + timedelta(hours=2))
    assert [e.target for e in _audit(platform, "password_reset_link_created")] == ["trainee@example.com"]
    [used] = _audit(platform, "password_reset_used")
    assert used.actor_id == trainee.id


def test_a_link_expires_after_24_hours_and_a_new_link_voids_the_old(platform: Platform, trainer: Actor,
                                                                   trainee: Actor, cohort_of: int) -> None:
    link = _link(platform, trainer, trainee)
    with pytest.raises(InvalidInput, match="not valid"):
        _use(platform, link.token, "brand-new-pass", T0 + password_resets.VALID_FOR)
    first = _link(platform, trainer, trainee, T0 + timedelta(hours=1))
    second = _link(platform, trainer, trainee, T0 + timedelta(hours=2))
    with pytest.raises(InvalidInput, match="not valid"):
        _use(platform, first.token, "brand-new-pass", T0 + timedelta(hours=3))
    assert _use(platform, second.token, "brand-new-pass", T0 + timedelta(hours=3))
    with pytest.raises(InvalidInput, match="not valid"):
        _use(platform, "made-up-token", "brand-new-pass", T0)


def test_who_may_make_a_link(platform: Platform, admin: Actor, trainer: Actor, trainee: Actor) -> None:
    with pytest.raises(PermissionDenied):  # not in the trainer's cohorts
        _link(platform, trainer, trainee)
    with pytest.raises(PermissionDenied):  # a trainee makes none
        _link(platform, trainee, trainer)
    with pytest.raises(PermissionDenied):  # a trainer resets no trainer
        _link(platform, trainer, admin)
    with pytest.raises(PermissionDenied):  # one's own password is changed on My account
        _link(platform, admin, admin)
    assert _link(platform, admin, trainer).user_email == "trainer@example.com"
    with platform.sessions() as s:
        assert s.scalar(select(PasswordReset.created_by)) == admin.id
        assert s.get(User, trainer.id).role == "trainer"
