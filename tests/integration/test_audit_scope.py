"""The audit trail a trainer sees is about their own cohorts (and the shared question bank); an administrator
sees every record. ("Trainers see their own cohorts only; administrators see everything.")"""

from __future__ import annotations

from quiz.bootstrap import Platform
from quiz.services import audit, password_resets, users
from quiz.services.permissions import Actor
from tests.conftest import make_user
from tests.integration.attempt_helpers import make_cohort


def _targets(platform: Platform, actor: Actor) -> set[tuple[str, str | None]]:
    with platform.transaction() as s:
        return {(e.action, e.target) for e in audit.entries(s, actor)}


def test_a_trainer_sees_the_audit_of_their_own_cohorts_only(platform: Platform, admin: Actor, trainer: Actor,
                                                            trainee: Actor) -> None:
    other_trainer = make_user(platform, "trainer", "other.trainer@example.com", "Olga Other")
    other_trainee = make_user(platform, "trainee", "other.trainee@example.com", "Omar Other")
    make_cohort(platform, trainer.id, [trainee.id], code="MINE2027")
    make_cohort(platform, other_trainer.id, [other_trainee.id], code="THEIRS27")
    with platform.transaction() as s:
        password_resets.create_link(s, admin, trainee.id)
        password_resets.create_link(s, admin, other_trainee.id)
        users.change_role(s, admin, other_trainer.id, "admin")

    mine = ("password_reset_link_created", "trainee@example.com")
    theirs = ("password_reset_link_created", "other.trainee@example.com")
    promotion = ("role_changed", "other.trainer@example.com")
    assert {mine, theirs, promotion} <= _targets(platform, admin)
    seen = _targets(platform, trainer)
    assert mine in seen
    assert theirs not in seen and promotion not in seen  # another cohort's trainee; an account they do not manage
    with platform.transaction() as s:
        assert {e.target for e in audit.entries(s, trainer, action="password_reset_link_created")} == {
            "trainee@example.com"}
