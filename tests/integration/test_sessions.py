"""Server-side sessions (services/sessions.py) on SQLite and PostgreSQL: only the token's hash is stored, idle
and absolute expiry, logout, log out everywhere, one-time login hand-offs, and the account changes that end
every session of a user at once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from quiz.adapters.orm import AuthSession, LoginHandoff
from quiz.bootstrap import Platform
from quiz.services import accounts, sessions, users
from quiz.services.errors import AuthError, PermissionDenied
from quiz.services.permissions import Actor

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def _new(platform: Platform, user: Actor, at: datetime = T0) -> str:
    with platform.transaction() as s:
        return sessions.create(s, user.id, at=at)


def _who(platform: Platform, token: str, at: datetime = T0) -> sessions.Check:
    with platform.transaction() as s:
        return sessions.resolve(s, token, at=at)


def test_only_the_hash_of_the_token_is_stored(platform: Platform, trainee: Actor) -> None:
    token = _new(platform, trainee)
    assert len(token) >= 40
    with platform.sessions() as s:
        row = s.scalars(select(AuthSession)).one()
        dump = " ".join(str(v) for v in s.execute(text("select * from auth_sessions")).one())
    assert token not in dump
    assert row.token_hash == sessions.hash_token(token) != token
    assert _who(platform, token).actor == trainee
    assert _who(platform, token + "x") == sessions.Check(None, sessions.ENDED)
    assert _who(platform, "") == sessions.Check(None)


def test_idle_expiry_moves_with_use_but_never_past_the_absolute_expiry(platform: Platform, trainee: Actor) -> None:
    token = _new(platform, trainee)
    # unused for longer than the idle limit: expired
    assert _who(platform, token, T0 + sessions.IDLE + timedelta(seconds=1)).problem == sessions.EXPIRED
    token = _new(platform, trainee)
    # used every few hours: alive for days...
    at = T0
    while at < T0 + sessions.ABSOLUTE - timedelta(hours=6):
        at += timedelta(hours=6)
        assert _who(platform, token, at).actor == trainee, at
    # ...but never beyond the absolute limit, however often it is used
    assert _who(platform, token, T0 + sessions.ABSOLUTE).problem == sessions.EXPIRED


def test_logout_ends_one_session_and_log_out_everywhere_ends_all(platform: Platform, trainee: Actor,
                                                                  trainer: Actor) -> None:
    a, b, c = _new(platform, trainee), _new(platform, trainee), _new(platform, trainer)
    with platform.transaction() as s:
        assert sessions.revoke(s, a, at=T0)
        assert not sessions.revoke(s, a, at=T0)  # already ended
    assert _who(platform, a).problem == sessions.ENDED
    assert _who(platform, b).actor == trainee
    with platform.transaction() as s:
        assert sessions.revoke_all_for_user(s, trainee.id, at=T0) == 1
    assert _who(platform, b).problem == sessions.ENDED
    assert _who(platform, c).actor == trainer  # someone else's session is untouched


@pytest.mark.parametrize("change", ["reset by trainer", "own change", "deactivation", "role change"])
def test_account_changes_end_every_session_of_the_user(platform: Platform, admin: Actor, trainee: Actor,
                                                       change: str) -> None:
    tokens = [_new(platform, trainee, datetime.now(UTC)) for _ in range(2)]
    other = _new(platform, admin, datetime.now(UTC))
    with platform.transaction() as s:
        if change == "reset by trainer":
            accounts.set_password(s, admin, trainee.id, "new-password-1")
        elif change == "own change":
            accounts.set_password(s, trainee, trainee.id, "new-password-1", "password123")
        elif change == "deactivation":
            users.set_active(s, admin, trainee.id, False)
        else:
            users.change_role(s, admin, trainee.id, "trainer")
    for token in tokens:
        check = _who(platform, token, datetime.now(UTC))
        assert check.actor is None and check.problem, change
    assert _who(platform, other, datetime.now(UTC)).actor == admin


def test_a_deactivated_user_is_refused_even_with_a_live_session_row(platform: Platform, trainee: Actor) -> None:
    token = _new(platform, trainee)
    with platform.transaction() as s:
        s.execute(text("update users set is_active = :f where id = :i"), {"f": False, "i": trainee.id})
    assert _who(platform, token).problem == sessions.DISABLED


def test_only_staff_deactivate_and_only_admins_change_roles(platform: Platform, trainer: Actor,
                                                             trainee: Actor) -> None:
    with platform.transaction() as s, pytest.raises(PermissionDenied):
        users.set_active(s, trainee, trainer.id, False)
    with platform.transaction() as s, pytest.raises(PermissionDenied):
        users.change_role(s, trainer, trainee.id, "admin")


def test_a_handoff_code_works_once_within_its_minute(platform: Platform, trainee: Actor) -> None:
    with platform.transaction() as s:
        code = sessions.issue_handoff(s, trainee.id, "exams", at=T0)
        stale = sessions.issue_handoff(s, trainee.id, None, at=T0)
        assert s.scalar(select(LoginHandoff.code_hash).where(LoginHandoff.code_hash == code)) is None  # hashed
    with platform.transaction() as s:
        claimed = sessions.redeem_handoff(s, code, at=T0 + timedelta(seconds=5))
    assert claimed.next_page == "exams" and claimed.user_id == trainee.id
    assert _who(platform, claimed.token, T0 + timedelta(seconds=6)).actor == trainee
    with platform.transaction() as s, pytest.raises(AuthError):
        sessions.redeem_handoff(s, code, at=T0 + timedelta(seconds=7))  # used
    with platform.transaction() as s, pytest.raises(AuthError):
        sessions.redeem_handoff(s, stale, at=T0 + sessions.HANDOFF_TTL + timedelta(seconds=1))  # too late
    with platform.transaction() as s, pytest.raises(AuthError):
        sessions.redeem_handoff(s, "made-up", at=T0)


def test_a_handoff_cannot_be_redeemed_twice_in_parallel(platform: Platform, trainee: Actor) -> None:
    with platform.transaction() as s:
        code = sessions.issue_handoff(s, trainee.id, None)
    wins: list[str] = []
    fails: list[Exception] = []
    barrier = threading.Barrier(4)

    def claim() -> None:
        barrier.wait()
        try:
            with platform.transaction() as s:
                wins.append(sessions.redeem_handoff(s, code).token)
        except Exception as err:  # noqa: BLE001 - AuthError, or SQLite's "database is locked" loser
            fails.append(err)

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1, (wins, fails)
    with platform.sessions() as s:
        assert len(s.scalars(select(AuthSession)).all()) == 1


def test_a_deactivated_user_cannot_redeem_a_handoff(platform: Platform, admin: Actor, trainee: Actor) -> None:
    with platform.transaction() as s:
        code = sessions.issue_handoff(s, trainee.id, None)
    with platform.transaction() as s:
        users.set_active(s, admin, trainee.id, False)
    with platform.transaction() as s, pytest.raises(AuthError):
        sessions.redeem_handoff(s, code)


def test_a_session_seen_by_another_process_after_revocation_stays_revoked(platform: Platform, trainee: Actor) -> None:
    """Touching (moving the idle expiry) never undoes a revocation that another process committed meanwhile."""
    token = _new(platform, trainee)
    with platform.sessions() as s1:
        check = sessions.resolve(s1, token, at=T0, touch=False)
        assert check.actor == trainee
        with platform.transaction() as s2:
            sessions.revoke(s2, token, at=T0)
        assert not sessions.touch(s1, token, at=T0 + timedelta(minutes=5))
        s1.commit()
    assert _who(platform, token, T0 + timedelta(minutes=6)).problem == sessions.ENDED


def test_csrf_token_belongs_to_its_session() -> None:
    assert sessions.csrf_ok("tok-a", sessions.csrf_token("tok-a"))
    assert not sessions.csrf_ok("tok-b", sessions.csrf_token("tok-a"))
    assert not sessions.csrf_ok("", sessions.csrf_token(""))


