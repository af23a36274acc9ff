"""Trainers see and manage their own cohorts only, admins everything, trainees nothing: checked in the
services, whatever the pages show."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from quiz.adapters.orm import Attempt
from quiz.services import bank_sync, cohorts, dashboard, exams, password_resets
from quiz.services.errors import PermissionDenied
from tests.conftest import make_user
from tests.factories import make_bank


@pytest.fixture
def world(platform, trainer, admin, trainee):
    """Two trainers with a cohort each; the trainee is in the first trainer's cohort, a stranger in the other's
    with one attempt; a newcomer is in no cohort."""
    other = make_user(platform, "trainer", "other@example.com", "Otto Other")
    stranger = make_user(platform, "trainee", "stranger@example.com", "Sam Stranger")
    make_user(platform, "trainee", "newcomer@example.com", "Nel Newcomer")  # in no cohort yet
    with platform.transaction() as s:
        bank_sync.sync_bank(s, make_bank())
        mine = cohorts.create_cohort(s, trainer, "Mine")
        theirs = cohorts.create_cohort(s, other, "Theirs")
        cohorts.add_trainee(s, trainer, mine.id, trainee.email)
        cohorts.add_trainee(s, other, theirs.id, stranger.email)
        exam = exams.define_exam(s, other, cohort_id=theirs.id, name="Their exam", topics={"aftercare": 2})
        att = Attempt(user_id=stranger.id, mode="practice", seed=1, state="submitted", percent=0.5,
                      submitted_at=datetime.now(UTC))
        s.add(att)
        s.flush()
        attempt_id = att.id
    return {"mine": mine.id, "theirs": theirs.id, "exam": exam.id, "other": other, "stranger": stranger,
            "attempt": attempt_id}


TRAINER_ON_OTHER_COHORT = [
    ("get_cohort", lambda s, a, w: cohorts.get_cohort(s, a, w["theirs"])),
    ("regenerate_code", lambda s, a, w: cohorts.regenerate_code(s, a, w["theirs"])),
    ("close", lambda s, a, w: cohorts.set_registration_open(s, a, w["theirs"], False)),
    ("members", lambda s, a, w: cohorts.list_members(s, a, w["theirs"])),
    ("add", lambda s, a, w: cohorts.add_trainee(s, a, w["theirs"], "newcomer@example.com")),
    ("create trainee", lambda s, a, w: cohorts.create_trainee(s, a, w["theirs"], email="n@example.com", name="N",
                                                              password="password123")),
    ("reset link", lambda s, a, w: password_resets.create_link(s, a, w["stranger"].id)),
    ("define exam", lambda s, a, w: exams.define_exam(s, a, cohort_id=w["theirs"], name="X", topics={"spacing": 1})),
    ("update exam", lambda s, a, w: exams.update_exam(s, a, w["exam"], pass_mark=0.1)),
    ("deactivate exam", lambda s, a, w: exams.deactivate_exam(s, a, w["exam"])),
    ("override", lambda s, a, w: exams.grant_override(s, a, w["exam"], w["stranger"].id, extra_attempts=1)),
    ("list exams of cohort", lambda s, a, w: exams.list_exams(s, a, w["theirs"])),
    ("overview", lambda s, a, w: dashboard.cohort_overview(s, a, w["theirs"])),
    ("mastery", lambda s, a, w: dashboard.mastery(s, a, w["theirs"])),
    ("trend", lambda s, a, w: dashboard.trend(s, a, w["theirs"])),
    ("trainee attempts", lambda s, a, w: dashboard.trainee_attempts(s, a, w["stranger"].id)),
    ("attempt detail", lambda s, a, w: dashboard.attempt_detail(s, a, w["attempt"])),
    ("remove", lambda s, a, w: cohorts.remove_trainee(s, a, w["theirs"], w["stranger"].id)),
]


def _allowed(platform, actor, world) -> list[str]:
    """The calls of TRAINER_ON_OTHER_COHORT that ``actor`` got through (each in its own transaction)."""
    through = []
    for name, call in TRAINER_ON_OTHER_COHORT:
        try:
            with platform.transaction() as s:
                call(s, actor, world)
            through.append(name)
        except PermissionDenied:
            pass
    return through


def test_a_trainer_cannot_touch_another_trainers_cohort(platform, trainer, world):
    assert _allowed(platform, trainer, world) == []


def test_a_trainee_reaches_no_trainer_service(platform, trainee, world):
    assert _allowed(platform, trainee, world) == []


def test_the_owner_gets_through_every_one_of_those_calls(platform, world):
    """The same calls succeed for the cohort's own trainer, so the refusals above are about ownership."""
    assert _allowed(platform, world["other"], world) == [n for n, _ in TRAINER_ON_OTHER_COHORT]


def test_a_trainee_cannot_list_cohorts_or_exams_or_create_one(platform, trainee, world):
    for call in (lambda s: cohorts.list_cohorts(s, trainee), lambda s: exams.list_exams(s, trainee),
                 lambda s: cohorts.create_cohort(s, trainee, "Mine too"),
                 lambda s: dashboard.cohort_overview(s, trainee, world["mine"]),
                 lambda s: dashboard.trainee_attempts(s, trainee, trainee.id)):
        with platform.transaction() as s, pytest.raises(PermissionDenied):
            call(s)


def test_trainer_lists_only_own_cohorts_and_exams_admin_lists_all(platform, trainer, admin, world):
    with platform.transaction() as s:
        assert [c.name for c in cohorts.list_cohorts(s, trainer)] == ["Mine"]
        assert exams.list_exams(s, trainer) == []
        assert [c.name for c in cohorts.list_cohorts(s, admin)] == ["Mine", "Theirs"]
        assert [e.name for e in exams.list_exams(s, admin)] == ["Their exam"]


def test_admin_can_manage_and_see_any_cohort(platform, admin, world):
    with platform.transaction() as s:
        assert [m.email for m in cohorts.list_members(s, admin, world["theirs"])] == ["stranger@example.com"]
        assert len(dashboard.cohort_overview(s, admin, world["theirs"])) == 1
        assert dashboard.attempt_detail(s, admin, world["attempt"]).trainee_email == "stranger@example.com"
        exams.grant_override(s, admin, world["exam"], world["stranger"].id, extra_minutes=10)


def test_only_an_admin_creates_a_cohort_for_another_trainer(platform, trainer, admin, world):
    with platform.transaction() as s, pytest.raises(PermissionDenied):
        cohorts.create_cohort(s, trainer, "For Otto", trainer_id=world["other"].id)
    with platform.transaction() as s:
        c = cohorts.create_cohort(s, admin, "For Otto", trainer_id=world["other"].id)
        assert c.trainer_id == world["other"].id
        assert "For Otto" in [x.name for x in cohorts.list_cohorts(s, world["other"])]


def test_a_trainer_cannot_take_over_another_trainers_trainee(platform, trainer, world):
    """Adding someone else's trainee to your own cohort would open their history and their password to you."""
    from quiz.services import accounts, attempts

    stranger = world["stranger"]
    with pytest.raises(PermissionDenied, match="another trainer runs"), platform.transaction() as s:
        cohorts.add_trainee(s, trainer, world["mine"], stranger.email)
    with pytest.raises(PermissionDenied), platform.transaction() as s:
        dashboard.trainee_attempts(s, trainer, stranger.id)
    with pytest.raises(PermissionDenied), platform.transaction() as s:
        attempts.list_attempts(s, trainer, stranger.id)
    with pytest.raises(PermissionDenied), platform.transaction() as s:
        accounts.set_password(s, trainer, stranger.id, "taken-over-1")
    assert accounts.login(platform.sessions, stranger.email, "password123").id == stranger.id


def test_a_shared_trainee_password_is_reset_by_an_admin_only(platform, trainer, admin, world):
    """A trainee in two trainers' cohorts (an admin put them there): neither trainer alone resets the password."""
    from quiz.services import accounts

    stranger = world["stranger"]
    with platform.transaction() as s:
        cohorts.add_trainee(s, admin, world["mine"], stranger.email)
    with pytest.raises(PermissionDenied, match="another trainer runs"), platform.transaction() as s:
        password_resets.create_link(s, trainer, stranger.id)
    with platform.transaction() as s:
        dashboard.trainee_attempts(s, trainer, stranger.id)  # seeing their results is fine
        link = password_resets.create_link(s, admin, stranger.id)
    with platform.transaction() as s:
        password_resets.use_link(s, link.token, "new-password-1")
    assert accounts.login(platform.sessions, stranger.email, "new-password-1").id == stranger.id


def test_a_trainee_in_no_cohort_can_be_added_by_any_trainer(platform, trainer, world):
    loner = make_user(platform, "trainee", "loner@example.com", "Lou Loner")
    with platform.transaction() as s:
        cohorts.add_trainee(s, trainer, world["mine"], loner.email)
        assert password_resets.create_link(s, trainer, loner.id).token
