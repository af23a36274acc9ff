"""Logging in and registering under attack: parallel wrong passwords lock at exactly the threshold, and neither
the login form nor registration tells who has an account. SQLite and PostgreSQL."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from quiz.adapters.orm import LoginFailure, User
from quiz.services import accounts, cohorts, exams
from quiz.services.errors import AccountLocked, AuthError, Conflict, InvalidInput


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


# -- registration does not tell who has an account ------------------------------------------------------------

def _cohort(platform, trainer) -> str:
    with platform.transaction() as s:
        return cohorts.create_cohort(s, trainer, "Spring").invite_code


def test_registering_an_email_that_has_an_account_changes_nothing_and_says_nothing(platform, trainer, trainee):
    code = _cohort(platform, trainer)
    with platform.transaction() as s:
        assert accounts.register_with_code(s, invite_code=code, email=" TRAINEE@example.com", name="Mallory",
                                           password="attacker-pw-1") is None
    with platform.sessions() as s:
        user = s.scalar(select(User).where(User.email == trainee.email))
        assert user.name == "Tia Trainee"
        assert s.scalar(select(func.count(User.id))) == 2
    accounts.login(platform.sessions, trainee.email, "password123")  # the owner's password still works
    with pytest.raises(AuthError):
        accounts.login(platform.sessions, trainee.email, "attacker-pw-1")


# -- names and emails -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "problem"), [
    ("   ", "Please enter a name"),
    ("x" * 201, "at most 200 characters"),
    ("Ada\u202eLovelace", "control or invisible character (U+202E)"),
    ("Ada\u2066Lovelace", "U+2066"),
    ("Ada\x00Lovelace", "U+0000"),
    ("Ada\u200bLovelace", "U+200B"),
    ("Ada\u2028Lovelace", "U+2028"),
])
def test_names_are_checked_before_the_database(platform, name, problem):
    with platform.transaction() as s, pytest.raises(InvalidInput, match=re.escape(problem)):
        accounts.create_user(s, None, email="new@example.com", name=name, role="trainee", password="password123")


def test_a_name_is_trimmed_and_kept_as_typed(platform):
    with platform.transaction() as s:
        user = accounts.create_user(s, None, email="n@example.com", name="  ![t](http://host/x.png)   Ada  ",
                                    role="trainee", password="password123")
        assert user.name == "![t](http://host/x.png) Ada"  # shown escaped by the pages, never refused for it
    with platform.transaction() as s:
        assert accounts.create_user(s, None, email="m@example.com", name="y" * 200, role="trainee",
                                    password="password123").name == "y" * 200


def test_look_alike_emails_are_the_same_account(platform, trainee):
    with platform.transaction() as s, pytest.raises(Conflict, match="already exists"):
        accounts.create_user(s, None, email="ＴＲＡＩＮＥＥ@example.com", name="Twin", role="trainee",
                             password="password123")
    accounts.login(platform.sessions, "Ｔrainee@EXAMPLE.com", "password123")
    with platform.transaction() as s, pytest.raises(InvalidInput, match="at most 254 characters"):
        accounts.create_user(s, None, email="a" * 250 + "@example.com", name="Long", role="trainee",
                             password="password123")


def test_over_long_cohort_and_exam_names_get_a_clear_message_not_a_database_error(platform, trainer):
    with platform.transaction() as s, pytest.raises(InvalidInput, match="at most 200 characters"):
        cohorts.create_cohort(s, trainer, "c" * 201)
    with platform.transaction() as s, pytest.raises(InvalidInput, match="control or invisible"):
        cohorts.create_cohort(s, trainer, "Spring \u202e2027")
    with platform.transaction() as s:
        cohort = cohorts.create_cohort(s, trainer, "Spring").id
    with platform.transaction() as s, pytest.raises(InvalidInput, match="at most 200 characters"):
        exams.define_exam(s, trainer, cohort_id=cohort, name="e" * 201, topics={"spacing": 1})


def test_staff_names_follow_the_same_rules(platform, admin):
    from quiz.services import users

    with platform.transaction() as s, pytest.raises(InvalidInput, match="control or invisible"):
        users.add_staff(s, admin, email="t2@example.com", name="Tom\u202e", role="trainer", password="password123")
    with platform.transaction() as s, pytest.raises(Conflict, match="already exists"):
        users.add_staff(s, admin, email="ＡＤＭＩＮ@example.com", name="Twin", role="trainer", password="password123")


# -- an unknown email locks exactly like a real one ------------------------------------------------------------

def _messages(platform, email: str, n: int) -> list[str]:
    out = []
    for i in range(n):
        with pytest.raises(AuthError) as err:
            accounts.login(platform.sessions, email, f"wrong-{i}")
        out.append(f"{type(err.value).__name__}: {err.value}")
    return out


def test_the_lock_message_is_the_same_for_real_and_unknown_emails(platform, trainee):
    real = _messages(platform, trainee.email, 7)
    unknown = _messages(platform, "nobody@example.com", 7)
    assert real == unknown
    assert real[:4] == ["AuthError: Wrong email or password."] * 4
    assert real[4] == "AccountLocked: Too many wrong passwords. This account is locked for 15 minutes."
    assert real[5].startswith("AccountLocked: Too many wrong passwords. This account is locked; try again in")


def test_an_unknown_email_is_counted_under_its_hash_and_unlocks_like_a_real_one(platform):
    _messages(platform, "Nobody@Example.com", 5)
    with platform.sessions() as s:
        row = s.scalars(select(LoginFailure)).one()
        assert "nobody" not in row.email_hash and len(row.email_hash) == 64
        assert row.failed_logins == 5 and row.locked_until is not None
        later = row.locked_until + timedelta(seconds=1)
    with platform.transaction() as s, pytest.raises(AuthError) as err:  # the lock is over: counting again
        accounts.authenticate(s, "nobody@example.com", "wrong", at=later)
    assert not isinstance(err.value, AccountLocked)
    with platform.sessions() as s:
        assert s.scalars(select(LoginFailure)).one().failed_logins == 1


def test_twenty_parallel_tries_on_an_unknown_email_lock_it_at_exactly_five(platform):
    outcomes = _parallel_logins(platform, "ghost@example.com", 20)
    assert all(isinstance(o, AuthError) for o in outcomes), outcomes
    wrong = [o for o in outcomes if not isinstance(o, AccountLocked)]
    locking = [o for o in outcomes if isinstance(o, AccountLocked) and "locked for 15 minutes" in str(o)]
    assert len(wrong) == 4 and len(locking) == 1, [str(o) for o in outcomes]
