"""First run: only the holder of the console's set-up code can create the first trainer, once."""

from __future__ import annotations

import pytest

from quiz.bootstrap import Platform
from quiz.services import accounts
from quiz.services.errors import AuthError, Conflict


def test_set_up_code_guards_the_first_admin(platform: Platform) -> None:
    with platform.transaction() as s:
        code = accounts.ensure_setup_code(s)
    assert code and len(code) == 10
    with pytest.raises(AuthError), platform.transaction() as s:
        accounts.create_first_admin(s, "WRONG", "eve@example.com", "Eve", "password123")
    with platform.transaction() as s:
        user = accounts.create_first_admin(s, code.lower(), "Ann@Example.com", "Ann", "password123")
    assert user.role == "admin" and user.email == "ann@example.com"
    with pytest.raises(Conflict), platform.transaction() as s:
        accounts.create_first_admin(s, code, "eve@example.com", "Eve", "password123")
    with platform.transaction() as s:
        assert accounts.ensure_setup_code(s) is None  # no code once someone exists


def test_a_fixed_code_replaces_the_previous_one(platform: Platform) -> None:
    with platform.transaction() as s:
        old = accounts.ensure_setup_code(s)
    with platform.transaction() as s:
        assert accounts.ensure_setup_code(s, "FIXED12345") == "FIXED12345"
    with pytest.raises(AuthError), platform.transaction() as s:
        accounts.create_first_admin(s, old, "a@example.com", "A", "password123")
    with platform.transaction() as s:
        accounts.create_first_admin(s, "FIXED12345", "a@example.com", "A", "password123")
