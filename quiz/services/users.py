"""Accounts as an administrator manages them (the Users page): list everyone, add trainers and administrators,
change a role, deactivate and reactivate an account.

* Administrators only (``actor`` None: the command line, acting as a local administrator).
* A role change or a deactivation ends every session of the user at once
  (:func:`quiz.services.sessions.revoke_all_for_user`): they log in again with the new role's pages, or not
  at all.
* An administrator cannot change their own role or deactivate themselves, and the last active administrator
  always stays one: the platform is never left without someone who can manage it.
* Every change is in the audit trail with its before and after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quiz.adapters.orm import ROLES, Cohort, CohortMember, User
from quiz.core import security
from quiz.services import audit, sessions
from quiz.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from quiz.services.permissions import Actor, require_admin
from quiz.services.text_rules import clean_name, normalise_email

STAFF_ROLES = ("trainer", "admin")


@dataclass(frozen=True)
class UserRow:
    id: int
    email: str
    name: str
    role: str
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None
    cohorts: tuple[str, ...]  # a trainee's cohorts, or the cohorts a trainer runs


def _admin(actor: Actor | None) -> None:
    if actor is not None:
        require_admin(actor)


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def _state(user: User) -> dict:
    return {"role": user.role, "active": bool(user.is_active)}


def list_users(session: Session, actor: Actor | None, *, role: str | None = None, search: str | None = None,
               include_inactive: bool = True) -> list[UserRow]:
    """Every account (administrators first, then trainers, then trainees; by name), filtered."""
    _admin(actor)
    q = select(User)
    if role:
        q = q.where(User.role == role)
    if not include_inactive:
        q = q.where(User.is_active.is_(True))
    needle = (search or "").strip().lower()
    users = [u for u in session.scalars(q) if not needle or needle in u.email.lower() or needle in u.name.lower()]
    member_of: dict[int, list[str]] = {}
    for uid, name in session.execute(select(CohortMember.user_id, Cohort.name)
                                     .join(Cohort, Cohort.id == CohortMember.cohort_id)):
        member_of.setdefault(uid, []).append(name)
    for tid, name in session.execute(select(Cohort.trainer_id, Cohort.name)):
        member_of.setdefault(tid, []).append(name)
    order = {"admin": 0, "trainer": 1, "trainee": 2}
    users.sort(key=lambda u: (order.get(u.role, 3), u.name.lower(), u.email))
    return [UserRow(u.id, u.email, u.name, u.role, bool(u.is_active), u.created_at, u.last_login_at,
                    tuple(sorted(member_of.get(u.id, [])))) for u in users]


def add_staff(session: Session, actor: Actor | None, *, email: str, name: str, role: str, password: str) -> UserRow:
    """Create a trainer or an administrator account (trainees register or are created on the Cohorts page)."""
    _admin(actor)
    if role not in STAFF_ROLES:
        raise InvalidInput("Add trainers and administrators here; trainees join a cohort (Cohorts and trainees).")
    email = normalise_email(email)
    name = clean_name(name)
    problem = security.password_problem(password)
    if problem:
        raise InvalidInput(problem)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict("An account with this email already exists.")
    user = User(email=email, name=name, role=role, password_hash=security.hash_password(password))
    session.add(user)
    session.flush()
    audit.record(session, actor, "user_created", user.email, after=_state(user))
    return UserRow(user.id, user.email, user.name, user.role, True, user.created_at, None, ())


def _active_admins(session: Session) -> int:
    return session.scalar(select(func.count(User.id)).where(User.role == "admin", User.is_active.is_(True))) or 0


def _keep_an_admin(session: Session, user: User) -> None:
    if user.role == "admin" and user.is_active and _active_admins(session) <= 1:
        raise Conflict(f"{user.email} is the only active administrator: make someone else an administrator first.")


def change_role(session: Session, actor: Actor | None, user_id: int, role: str) -> bool:
    """Give an account another role; its sessions end. False when it already had that role."""
    _admin(actor)
    if role not in ROLES:
        raise InvalidInput(f"Unknown role {role!r}; use one of {', '.join(ROLES)}.")
    user = _user(session, user_id)
    if actor is not None and actor.id == user.id:
        raise PermissionDenied("You cannot change your own role: ask another administrator.")
    if user.role == role:
        return False
    if role != "admin":
        _keep_an_admin(session, user)
    before = _state(user)
    user.role = role
    ended = sessions.revoke_all_for_user(session, user.id)
    audit.record(session, actor, "role_changed", user.email, before=before, after=_state(user), sessions_ended=ended)
    session.flush()
    return True


def set_active(session: Session, actor: Actor | None, user_id: int, active: bool) -> bool:
    """Deactivate an account (it can no longer log in; its sessions end at once; nothing is deleted) or
    reactivate it. False when it was already so."""
    _admin(actor)
    user = _user(session, user_id)
    if actor is not None and actor.id == user.id:
        raise PermissionDenied("You cannot deactivate your own account.")
    if bool(user.is_active) == active:
        return False
    if not active:
        _keep_an_admin(session, user)
    before = _state(user)
    user.is_active = active
    detail = {}
    if not active:
        detail["sessions_ended"] = sessions.revoke_all_for_user(session, user.id)
    audit.record(session, actor, "user_activated" if active else "user_deactivated", user.email, before=before,
                 after=_state(user), **detail)
    session.flush()
    return True
