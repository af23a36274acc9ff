"""One-time password reset links: a trainer (for a trainee of their own cohort) or an administrator (for anyone
but themselves) makes a link; the user opens it and chooses their own password.

* The token is 32 random bytes (``secrets.token_urlsafe``); the database keeps only its SHA-256, so a copy of
  the database resets nobody's password. The link is shown once, to whoever made it, to pass on.
* A link is valid :data:`VALID_FOR` (24 hours) and works once: it is claimed by one conditional ``UPDATE ...
  WHERE used_at IS NULL AND expires_at > now``, so two tabs submitting the same link at once cannot both use it.
  Making a new link for a user voids their earlier unused ones.
* Using it sets the password, lifts any lock-out and ends every session of the user (whoever held the old
  password is logged out). Making and using a link are both in the audit trail.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from quiz.adapters.orm import PasswordReset, User
from quiz.core import security
from quiz.services import audit, sessions
from quiz.services.errors import InvalidInput, NotFound, PermissionDenied
from quiz.services.permissions import Actor, require_sole_trainer, require_staff, require_view_user

VALID_FOR = timedelta(hours=24)
PATH = "reset"
INVALID = ("This reset link is not valid: it was already used, it has expired (links last 24 hours), or a newer "
           "link replaced it. Ask your trainer for a new one.")


def now() -> datetime:
    return datetime.now(UTC)


def hash_token(token: str) -> str:
    return hashlib.sha256((token or "").strip().encode()).hexdigest()


@dataclass(frozen=True)
class ResetLink:
    token: str  # shown once; never stored
    user_name: str
    user_email: str
    expires_at: datetime

    def url(self, base: str) -> str:
        """The link to pass on: ``base`` is the app's public address (``QUIZ_PUBLIC_URL``) or the one in use."""
        return f"{base.rstrip('/')}/{PATH}?{urlencode({'token': self.token})}"


def _check_may_reset(session: Session, actor: Actor, user: User) -> None:
    require_staff(actor)
    if actor.id == user.id:
        raise PermissionDenied("Change your own password on the My account page.")
    if actor.is_admin:
        return
    if user.role != "trainee":
        raise PermissionDenied("Only an administrator can make a reset link for a trainer or administrator.")
    require_view_user(session, actor, user.id)
    require_sole_trainer(session, actor, user.id, "reset their password")


def create_link(session: Session, actor: Actor, user_id: int, *, at: datetime | None = None) -> ResetLink:
    """Make a one-time reset link for ``user_id`` (valid 24 hours); earlier unused links of the user stop
    working. The caller shows :meth:`ResetLink.url` to the actor, once."""
    at = at or now()
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    _check_may_reset(session, actor, user)
    if not user.is_active:
        raise InvalidInput(f"{user.email}'s account is deactivated: reactivate it before making a reset link.")
    session.execute(update(PasswordReset)
                    .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
                    .values(used_at=at))
    token = secrets.token_urlsafe(32)
    expires = at + VALID_FOR
    session.add(PasswordReset(token_hash=hash_token(token), user_id=user.id, created_by=actor.id, created_at=at,
                              expires_at=expires))
    audit.record(session, actor, "password_reset_link_created", user.email, expires_at=expires.isoformat())
    session.flush()
    return ResetLink(token, user.name, user.email, expires)


def _live(session: Session, token: str, at: datetime) -> PasswordReset | None:
    if not token or not token.strip():
        return None
    row = session.scalar(select(PasswordReset).where(PasswordReset.token_hash == hash_token(token)))
    if row is None or row.used_at is not None or at >= row.expires_at:
        return None
    return row


def link_owner(session: Session, token: str, *, at: datetime | None = None) -> str | None:
    """The first name of the user a still-valid link is for (to greet them), or None for an invalid link."""
    row = _live(session, token, at or now())
    if row is None:
        return None
    user = session.get(User, row.user_id)
    return user.name.split()[0] if user is not None and user.is_active and user.name.strip() else None


def use_link(session: Session, token: str, new_password: str, *, at: datetime | None = None) -> str:
    """Set a new password with a reset link (no login needed); return the account's email (to log in with).

    The password is checked first (a weak one keeps the link valid for another try); then the link is claimed
    once, atomically. Every session of the user ends."""
    at = at or now()
    problem = security.password_problem(new_password)
    if problem:
        if _live(session, token, at) is None:
            raise InvalidInput(INVALID)
        raise InvalidInput(problem)
    claimed = session.execute(
        update(PasswordReset)
        .where(PasswordReset.token_hash == hash_token(token), PasswordReset.used_at.is_(None),
               PasswordReset.expires_at > at)
        .values(used_at=at)
        .returning(PasswordReset.user_id)
    ).first()
    if claimed is None:
        raise InvalidInput(INVALID)
    user = session.get(User, claimed.user_id)
    if user is None or not user.is_active:
        raise InvalidInput(INVALID)
    user.password_hash = security.hash_password(new_password)
    user.failed_logins = 0
    user.locked_until = None
    ended = sessions.revoke_all_for_user(session, user.id, at=at)
    audit.record(session, Actor.of(user), "password_reset_used", user.email, sessions_ended=ended)
    session.flush()
    return user.email
