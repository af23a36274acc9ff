"""Who is acting, and what their role may do. Every service takes an :class:`Actor` and checks it here."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz.adapters.orm import Cohort, CohortMember, User
from quiz.services.errors import PermissionDenied


@dataclass(frozen=True)
class Actor:
    id: int
    role: str  # trainee | trainer | admin
    name: str = ""
    email: str = ""

    @property
    def is_staff(self) -> bool:
        return self.role in ("trainer", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(id=user.id, role=user.role, name=user.name, email=user.email)


def require_staff(actor: Actor) -> None:
    if not actor.is_staff:
        raise PermissionDenied("Only trainers can do this.")


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise PermissionDenied("Only an administrator can do this.")


def visible_cohort_ids(session: Session, actor: Actor) -> list[int] | None:
    """Cohorts the actor may see: None means all (admin); a trainer sees the cohorts they run."""
    if actor.is_admin:
        return None
    if actor.role == "trainer":
        return list(session.scalars(select(Cohort.id).where(Cohort.trainer_id == actor.id)))
    return []


def require_cohort(session: Session, actor: Actor, cohort_id: int) -> Cohort:
    require_staff(actor)
    cohort = session.get(Cohort, cohort_id)
    if cohort is None or not (actor.is_admin or cohort.trainer_id == actor.id):
        raise PermissionDenied("You can only manage your own cohorts.")
    return cohort


def can_view_user(session: Session, actor: Actor, user_id: int) -> bool:
    """Trainees see themselves; trainers see trainees in their cohorts; admins see everyone."""
    if actor.id == user_id or actor.is_admin:
        return True
    if actor.role != "trainer":
        return False
    q = (
        select(CohortMember.user_id)
        .join(Cohort, Cohort.id == CohortMember.cohort_id)
        .where(Cohort.trainer_id == actor.id, CohortMember.user_id == user_id)
    )
    return session.scalar(q) is not None


def require_view_user(session: Session, actor: Actor, user_id: int) -> None:
    if not can_view_user(session, actor, user_id):
        raise PermissionDenied("You may not see this trainee's data.")


def other_trainers_cohorts(session: Session, actor: Actor, user_id: int) -> list[str]:
    """Names of cohorts the user belongs to that another trainer runs (empty for admins)."""
    if actor.is_admin:
        return []
    q = (select(Cohort.name).join(CohortMember, CohortMember.cohort_id == Cohort.id)
         .where(CohortMember.user_id == user_id, Cohort.trainer_id != actor.id).order_by(Cohort.name))
    return list(session.scalars(q))


def require_sole_trainer(session: Session, actor: Actor, user_id: int, doing: str) -> None:
    """Account-level actions (resetting a password, taking a trainee into a cohort) belong to the trainee's
    own trainer: refused while the trainee is also in a cohort another trainer runs (an admin may)."""
    others = other_trainers_cohorts(session, actor, user_id)
    if others:
        raise PermissionDenied(
            f"This trainee is in a cohort another trainer runs ({', '.join(others)}), so you cannot {doing}. "
            "Ask an administrator."
        )
