"""Cohorts: a trainer's groups of trainees, their invite codes and their members.

Trainers manage the cohorts they run; administrators manage every cohort; trainees manage none. Every
function takes the acting user and checks it (``permissions.require_cohort``), so a page is never the only
guard.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from quiz.adapters.orm import Cohort, CohortMember, User
from quiz.core import security
from quiz.services import accounts, audit
from quiz.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from quiz.services.permissions import Actor, require_cohort, require_sole_trainer, require_staff, visible_cohort_ids
from quiz.services.text_rules import clean_name

CODE_LENGTH = 8


@dataclass(frozen=True)
class CohortInfo:
    id: int
    name: str
    invite_code: str
    is_open: bool
    trainer_id: int
    trainer_name: str
    members: int
    created_at: datetime


@dataclass(frozen=True)
class MemberInfo:
    user_id: int
    name: str
    email: str
    is_active: bool
    joined_at: datetime
    last_login_at: datetime | None


def _info(session: Session, cohort: Cohort) -> CohortInfo:
    members = session.scalar(select(func.count()).where(CohortMember.cohort_id == cohort.id)) or 0
    return CohortInfo(id=cohort.id, name=cohort.name, invite_code=cohort.invite_code, is_open=cohort.is_open,
                      trainer_id=cohort.trainer_id, trainer_name=cohort.trainer.name, members=members,
                      created_at=cohort.created_at)


def _unused_code(session: Session) -> str:
    for _ in range(20):
        code = security.random_code(CODE_LENGTH)
        if session.scalar(select(Cohort.id).where(Cohort.invite_code == code)) is None:
            return code
    raise Conflict("Could not make a unique invite code; please try again.")  # pragma: no cover


def _clean_name(name: str) -> str:
    if not (name or "").strip():
        raise InvalidInput("Please give the cohort a name.")
    return clean_name(name, "cohort name")


def _check_name_free(session: Session, name: str, exclude_id: int | None = None) -> None:
    q = select(Cohort.id).where(func.lower(Cohort.name) == name.lower())
    if exclude_id is not None:
        q = q.where(Cohort.id != exclude_id)
    if session.scalar(q) is not None:
        raise Conflict(f"A cohort named '{name}' already exists; please choose another name.")


def create_cohort(session: Session, actor: Actor, name: str, *, trainer_id: int | None = None) -> CohortInfo:
    """A new cohort, open for registration, with a fresh invite code. An admin may name another trainer."""
    require_staff(actor)
    name = _clean_name(name)
    owner_id = actor.id
    if trainer_id is not None and trainer_id != actor.id:
        if not actor.is_admin:
            raise PermissionDenied("Only an administrator can create a cohort for another trainer.")
        owner = session.get(User, trainer_id)
        if owner is None or owner.role not in ("trainer", "admin"):
            raise InvalidInput("That account is not a trainer.")
        owner_id = trainer_id
    _check_name_free(session, name)
    cohort = Cohort(name=name, invite_code=_unused_code(session), trainer_id=owner_id, is_open=True)
    session.add(cohort)
    session.flush()
    audit.record(session, actor, "cohort_created", name, cohort_id=cohort.id)
    return _info(session, cohort)


def list_cohorts(session: Session, actor: Actor) -> list[CohortInfo]:
    """The cohorts the actor runs (a trainer) or all cohorts (an admin), by name."""
    require_staff(actor)
    ids = visible_cohort_ids(session, actor)
    q = select(Cohort).order_by(Cohort.name)
    if ids is not None:
        q = q.where(Cohort.id.in_(ids))
    return [_info(session, c) for c in session.scalars(q)]


def get_cohort(session: Session, actor: Actor, cohort_id: int) -> CohortInfo:
    return _info(session, require_cohort(session, actor, cohort_id))


def rename_cohort(session: Session, actor: Actor, cohort_id: int, name: str) -> CohortInfo:
    cohort = require_cohort(session, actor, cohort_id)
    name = _clean_name(name)
    _check_name_free(session, name, exclude_id=cohort.id)
    cohort.name = name
    return _info(session, cohort)


def regenerate_code(session: Session, actor: Actor, cohort_id: int) -> str:
    """A new invite code; the old one stops working at once (members already in stay)."""
    cohort = require_cohort(session, actor, cohort_id)
    cohort.invite_code = _unused_code(session)
    audit.record(session, actor, "invite_code_regenerated", cohort.name, cohort_id=cohort.id)
    return cohort.invite_code


def set_registration_open(session: Session, actor: Actor, cohort_id: int, is_open: bool) -> CohortInfo:
    cohort = require_cohort(session, actor, cohort_id)
    cohort.is_open = bool(is_open)
    audit.record(session, actor, "cohort_opened" if is_open else "cohort_closed", cohort.name,
                   cohort_id=cohort.id)
    return _info(session, cohort)


def list_members(session: Session, actor: Actor, cohort_id: int) -> list[MemberInfo]:
    require_cohort(session, actor, cohort_id)
    q = (select(User, CohortMember.joined_at).join(CohortMember, CohortMember.user_id == User.id)
         .where(CohortMember.cohort_id == cohort_id).order_by(User.name, User.email))
    return [MemberInfo(user_id=u.id, name=u.name, email=u.email, is_active=u.is_active, joined_at=joined,
                       last_login_at=u.last_login_at) for u, joined in session.execute(q)]


def _require_member(session: Session, cohort_id: int, user_id: int) -> CohortMember:
    member = session.get(CohortMember, (cohort_id, user_id))
    if member is None:
        raise NotFound("That trainee is not in this cohort.")
    return member


def add_trainee(session: Session, actor: Actor, cohort_id: int, email: str) -> MemberInfo:
    """Put an existing trainee account (found by email) into the cohort."""
    cohort = require_cohort(session, actor, cohort_id)
    email = accounts.normalise_email(email)
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        raise NotFound(f"No account with the email {email}. Create the trainee's account instead.")
    if user.role != "trainee":
        raise InvalidInput(f"{email} is a {user.role} account; only trainees can join a cohort.")
    if session.get(CohortMember, (cohort.id, user.id)) is not None:
        raise Conflict(f"{user.name} is already in {cohort.name}.")
    # Joining a cohort opens the trainee's whole history to its trainer: not for another trainer's trainee.
    require_sole_trainer(session, actor, user.id, "add them to your cohort")
    member = CohortMember(cohort_id=cohort.id, user_id=user.id)
    session.add(member)
    try:
        session.flush()
    except IntegrityError:  # pragma: no cover - a concurrent add of the same trainee
        raise Conflict(f"{user.name} is already in {cohort.name}.") from None
    audit.record(session, actor, "cohort_member_added", user.email, cohort_id=cohort.id)
    return MemberInfo(user.id, user.name, user.email, user.is_active, member.joined_at, user.last_login_at)


def remove_trainee(session: Session, actor: Actor, cohort_id: int, user_id: int) -> str:
    """Take a trainee out of the cohort (returns their email). Their account, attempts and certificates are
    kept."""
    cohort = require_cohort(session, actor, cohort_id)
    member = _require_member(session, cohort.id, user_id)
    email = member.user.email
    session.delete(member)
    audit.record(session, actor, "cohort_member_removed", email, cohort_id=cohort.id)
    return email


def create_trainee(session: Session, actor: Actor, cohort_id: int, *, email: str, name: str,
                   password: str) -> MemberInfo:
    """Make a trainee account directly in the cohort (the trainer tells the trainee the password)."""
    require_cohort(session, actor, cohort_id)
    user = accounts.create_user(session, actor, email=email, name=name, role="trainee", password=password,
                                cohort_id=cohort_id)
    session.flush()
    member = _require_member(session, cohort_id, user.id)
    return MemberInfo(user.id, user.name, user.email, user.is_active, member.joined_at, user.last_login_at)
