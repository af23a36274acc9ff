"""Progress on SQLite and PostgreSQL: mastery per topic, scores over time, own data only; the lockout."""

from __future__ import annotations

from datetime import timedelta

import pytest

from quiz.adapters.orm import User
from quiz.services import accounts, attempts, progress
from quiz.services.errors import AccountLocked, AuthError, PermissionDenied
from tests.conftest import make_user
from tests.integration.attempt_helpers import (
    T0,
    call,
    load_bank,
    make_cohort,
    make_exam,
    right_answer,
    wrong_answer,
)


@pytest.fixture
def practised(platform, trainee):
    """Spacing: 2 of 2 right; hygiene: 0 of 2 right; plus one exam in progress (reveals nothing)."""
    load_bank(platform)
    for topic, good in (("spacing", True), ("hygiene", False)):
        aid = call(platform, attempts.start_practice, trainee, [topic], 2, now=T0)
        for pos in range(2):
            ans = right_answer(platform, aid, pos) if good else wrong_answer(platform, aid, pos)
            call(platform, attempts.save_answer, trainee, aid, pos, ans, now=T0)
        call(platform, attempts.submit, trainee, aid, now=T0 + timedelta(minutes=1 if good else 2))
    exam_attempt = call(platform, attempts.start_exam, trainee, make_exam(platform), now=T0)
    call(platform, attempts.save_answer, trainee, exam_attempt, 0, right_answer(platform, exam_attempt, 0), now=T0)
    return exam_attempt


def test_mastery_per_topic_counts_scored_answers_only(platform, trainee, practised):
    mastery = {m.topic: m for m in call(platform, progress.topic_mastery, trainee)}
    assert set(mastery) == {"spacing", "hygiene"}  # the unsubmitted exam answer is not counted
    assert (mastery["spacing"].answered, mastery["spacing"].mastery) == (2, 1.0)
    assert (mastery["hygiene"].answered, mastery["hygiene"].mastery) == (2, 0.0)
    assert [w.topic for w in call(platform, progress.weakest_topics, trainee)] == ["hygiene"]


def test_scores_over_time_and_every_attempt(platform, trainee, practised):
    history = call(platform, progress.score_history, trainee)
    assert [(p.mode, p.percent) for p in history] == [("practice", 1.0), ("practice", 0.0)]
    assert [p.at for p in history] == [T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)]
    every = call(platform, attempts.list_attempts, trainee)
    assert len(every) == 3 and {a.mode for a in every} == {"practice", "exam"}


def test_home_says_what_to_do_next(platform, trainee, practised):
    home = call(platform, progress.home, trainee, now=T0 + timedelta(minutes=5))
    assert home.exam_in_progress.id == practised
    assert home.review.due_now == 2
    assert [w.topic for w in home.weakest] == ["hygiene"]
    assert home.latest_certificate is None and home.latest_exam is None


def test_a_trainee_sees_only_their_own_progress(platform, trainee, trainer, practised):
    other = make_user(platform, "trainee", "o@example.com", "Other")
    for fn in (progress.topic_mastery, progress.score_history):
        with pytest.raises(PermissionDenied):
            call(platform, fn, other, trainee.id)
        assert call(platform, fn, other) == []
        with pytest.raises(PermissionDenied):
            call(platform, fn, trainer, trainee.id)
    make_cohort(platform, trainer.id, [trainee.id])
    assert len(call(platform, progress.score_history, trainer, trainee.id)) == 2


def test_lockout_after_five_wrong_passwords_counted_in_the_database(platform, trainee):
    # Each try in its own transaction and Session, as from a new tab: the count lives in the database.
    for i in range(4):
        with pytest.raises(AuthError) as err:
            accounts.login(platform.sessions, trainee.email, "wrong-password")
        assert not isinstance(err.value, AccountLocked)
        with platform.sessions() as s:
            assert s.get(User, trainee.id).failed_logins == i + 1
    with pytest.raises(AccountLocked, match="locked for 15 minutes"):
        accounts.login(platform.sessions, trainee.email, "wrong-password")
    with platform.sessions() as s:
        locked_until = s.get(User, trainee.id).locked_until
    assert locked_until is not None
    # Even the right password is refused while locked...
    with platform.transaction() as s, pytest.raises(AccountLocked, match="try again in"):
        accounts.authenticate(s, trainee.email, "password123", at=locked_until - timedelta(minutes=1))
    # ...and accepted once the 15 minutes are over, which also resets the count.
    with platform.transaction() as s:
        accounts.authenticate(s, trainee.email, "password123", at=locked_until + timedelta(seconds=1))
    with platform.sessions() as s:
        user = s.get(User, trainee.id)
        assert user.failed_logins == 0 and user.locked_until is None


def test_the_login_form_does_not_tell_who_has_an_account(platform, trainee):
    with pytest.raises(AuthError) as known:
        accounts.login(platform.sessions, trainee.email, "wrong-password")
    with pytest.raises(AuthError) as unknown:
        accounts.login(platform.sessions, "nobody@example.com", "wrong-password")
    assert str(known.value) == str(unknown.value) == "Wrong email or password."
    with platform.transaction() as s:
        s.get(User, trainee.id).is_active = False
    with pytest.raises(AuthError) as disabled_wrong:
        accounts.login(platform.sessions, trainee.email, "wrong-password")
    assert str(disabled_wrong.value) == "Wrong email or password."
    with pytest.raises(AuthError, match="disabled"):
        accounts.login(platform.sessions, trainee.email, "password123")
