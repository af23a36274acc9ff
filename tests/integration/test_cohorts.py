"""Cohorts: create, invite codes, registration open/closed, members, trainee accounts and password resets."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from quiz.adapters.orm import Attempt, CohortMember, User
from quiz.services import accounts, cohorts
from quiz.services.errors import Conflict, InvalidInput, NotFound


def test_create_cohort_gives_a_readable_unique_code_and_lists_it(platform, trainer):
    with platform.transaction() as s:
        a = cohorts.create_cohort(s, trainer, "  Spring   2027 ")
        b = cohorts.create_cohort(s, trainer, "Autumn 2027")
    assert a.name == "Spring 2027" and a.is_open and a.members == 0
    assert len(a.invite_code) == 8 and a.invite_code != b.invite_code
    assert not set(a.invite_code) & set("O0I1L")
    with platform.transaction() as s:
        assert [c.name for c in cohorts.list_cohorts(s, trainer)] == ["Autumn 2027", "Spring 2027"]


def test_cohort_name_must_be_given_and_unique(platform, trainer):
    with platform.transaction() as s:
        cohorts.create_cohort(s, trainer, "Spring")
    with platform.transaction() as s, pytest.raises(InvalidInput, match="name"):
        cohorts.create_cohort(s, trainer, "   ")
    with platform.transaction() as s, pytest.raises(Conflict, match="already exists"):
        cohorts.create_cohort(s, trainer, "spring")


def test_regenerated_code_replaces_the_old_one_for_registration(platform, trainer):
    with platform.transaction() as s:
        c = cohorts.create_cohort(s, trainer, "Spring")
        new = cohorts.regenerate_code(s, trainer, c.id)
    assert new != c.invite_code
    with platform.transaction() as s, pytest.raises(InvalidInput, match="invite code"):
        accounts.register_with_code(s, invite_code=c.invite_code, email="x@example.com", name="X",
                                    password="password123")
    with platform.transaction() as s:
        accounts.register_with_code(s, invite_code=new.lower(), email="x@example.com", name="X",
                                    password="password123")
        assert cohorts.get_cohort(s, trainer, c.id).members == 1


def test_closed_cohort_refuses_registration_until_reopened(platform, trainer):
    with platform.transaction() as s:
        c = cohorts.create_cohort(s, trainer, "Spring")
        cohorts.set_registration_open(s, trainer, c.id, False)
    with platform.transaction() as s, pytest.raises(InvalidInput):
        accounts.register_with_code(s, invite_code=c.invite_code, email="x@example.com", name="X",
                                    password="password123")
    with platform.transaction() as s:
        cohorts.set_registration_open(s, trainer, c.id, True)
        accounts.register_with_code(s, invite_code=c.invite_code, email="x@example.com", name="X",
                                    password="password123")


def test_add_existing_trainee_then_remove_keeps_their_account_and_attempts(platform, trainer, trainee):
    with platform.transaction() as s:
        c = cohorts.create_cohort(s, trainer, "Spring")
        m = cohorts.add_trainee(s, trainer, c.id, " TRAINEE@example.com ")
        s.add(Attempt(user_id=trainee.id, mode="practice", seed=1))
    assert m.user_id == trainee.id
    with platform.transaction() as s, pytest.raises(Conflict, match="already in"):
        cohorts.add_trainee(s, trainer, c.id, "trainee@example.com")
    with platform.transaction() as s:
        assert [x.email for x in cohorts.list_members(s, trainer, c.id)] == ["trainee@example.com"]
        cohorts.remove_trainee(s, trainer, c.id, trainee.id)
    with platform.transaction() as s:
        assert cohorts.list_members(s, trainer, c.id) == []
        assert s.get(User, trainee.id) is not None
        assert s.scalar(select(Attempt.id).where(Attempt.user_id == trainee.id)) is not None
    with platform.transaction() as s, pytest.raises(NotFound, match="not in this cohort"):
        cohorts.remove_trainee(s, trainer, c.id, trainee.id)


def test_add_refuses_unknown_emails_and_staff_accounts(platform, trainer, admin):
    with platform.transaction() as s:
        c = cohorts.create_cohort(s, trainer, "Spring")
    with platform.transaction() as s, pytest.raises(NotFound, match="No account"):
        cohorts.add_trainee(s, trainer, c.id, "nobody@example.com")
    with platform.transaction() as s, pytest.raises(InvalidInput, match="only trainees"):
        cohorts.add_trainee(s, trainer, c.id, "admin@example.com")


def test_create_trainee_account_in_cohort(platform, trainer):
    with platform.transaction() as s:
        c = cohorts.create_cohort(s, trainer, "Spring")
        m = cohorts.create_trainee(s, trainer, c.id, email="new@example.com", name="Nia New",
                                   password="first-pass")
    assert accounts.login(platform.sessions, "new@example.com", "first-pass").id == m.user_id
    # Nobody types another person's password: trainers give a reset link (tests/integration/test_users_and_resets.py).
    assert not hasattr(cohorts, "reset_password")


def test_create_trainee_with_a_taken_email_creates_nothing(platform, trainer, trainee):
    with platform.transaction() as s:
        c = cohorts.create_cohort(s, trainer, "Spring")
    with platform.transaction() as s, pytest.raises(Conflict, match="already exists"):
        cohorts.create_trainee(s, trainer, c.id, email="trainee@example.com", name="Dup", password="password123")
    with platform.transaction() as s:
        assert s.scalar(select(CohortMember.user_id)) is None
