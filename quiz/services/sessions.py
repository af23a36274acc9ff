"""Server-side sessions: who a browser is, across reloads, tabs, restarts and several app processes.

The browser holds a random token in an HttpOnly cookie; the database keeps only its SHA-256, so a copy of the
database signs nobody in. A session ends when it is revoked (logout, "log out everywhere", a password change or
reset, deactivation, a role change), after :data:`IDLE` without use, or :data:`ABSOLUTE` after it began.

A Streamlit script cannot set a cookie, so a login verified on the page is handed to an HTTP route through a
one-time code (:func:`issue_handoff` / :func:`redeem_handoff`): random, stored hashed, valid for
:data:`HANDOFF_TTL` and usable once. The route then creates the session and sets the cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Row, delete, select, update
from sqlalchemy.orm import Session

from quiz.adapters.orm import AuthSession, LoginHandoff, User
from quiz.services.errors import AuthError
from quiz.services.permissions import Actor

COOKIE_NAME = "mesocert_session"
IDLE = timedelta(hours=8)
ABSOLUTE = timedelta(days=7)
HANDOFF_TTL = timedelta(seconds=60)
# last_seen is written at most this often (not on every rerun of every tab).
TOUCH_EVERY = timedelta(minutes=1)

ENDED = "Your session has ended. Please log in again."
EXPIRED = "Your session expired. Please log in again."
DISABLED = "This account is disabled. Please contact your trainer."


def now() -> datetime:
    return datetime.now(UTC)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(token: str) -> str:
    """A value only a page of this session can know (the cookie is HttpOnly): it guards logout links."""
    return hmac.new(token.encode(), b"mesocert-csrf", hashlib.sha256).hexdigest()


def csrf_ok(token: str, given: str) -> bool:
    return bool(token) and hmac.compare_digest(csrf_token(token), given or "")


@dataclass(frozen=True)
class Check:
    """What a cookie's token is worth: an actor, or why not (``problem`` None: there was no session at all)."""

    actor: Actor | None
    problem: str | None = None


def create(session: Session, user_id: int, *, at: datetime | None = None, user_agent: str | None = None,
           idle: timedelta = IDLE, absolute: timedelta = ABSOLUTE) -> str:
    """Start a session for ``user_id`` and return its token (for the cookie; it is never stored)."""
    at = at or now()
    token = secrets.token_urlsafe(32)
    session.add(AuthSession(token_hash=hash_token(token), user_id=user_id, created_at=at, last_seen_at=at,
                            idle_expires_at=at + idle, expires_at=at + absolute,
                            user_agent=(user_agent or "")[:300] or None))
    session.flush()
    return token


def resolve(session: Session, token: str | None, *, at: datetime | None = None, touch: bool = True,
            idle: timedelta = IDLE) -> Check:
    """Who holds ``token`` now, read from the database on every call (another process may have revoked it).
    A session in use is kept alive (``touch``): its idle expiry moves on, never past its absolute expiry."""
    if not token:
        return Check(None)
    at = at or now()
    row = session.scalar(select(AuthSession).where(AuthSession.token_hash == hash_token(token)))
    if row is None or row.revoked_at is not None:
        return Check(None, ENDED)
    if at >= row.expires_at or at >= row.idle_expires_at:
        return Check(None, EXPIRED)
    user = session.get(User, row.user_id)
    if user is None:
        return Check(None, ENDED)
    if not user.is_active:
        return Check(None, DISABLED)
    if touch and at - row.last_seen_at >= TOUCH_EVERY:
        _touch(session, row, at, idle)
    return Check(Actor.of(user))


def still_valid(session: Session, token: str | None, user_id: int, *, at: datetime | None = None,
                idle: timedelta = IDLE) -> bool:
    """Whether ``token`` is still a live session of ``user_id``, in one query (and kept alive, as
    :func:`resolve` does): for a part of a page that reruns on its own and already knows who its user is."""
    if not token:
        return False
    at = at or now()
    row = session.execute(
        select(AuthSession.id, AuthSession.user_id, AuthSession.revoked_at, AuthSession.expires_at,
               AuthSession.idle_expires_at, AuthSession.last_seen_at, User.is_active)
        .join(User, User.id == AuthSession.user_id)
        .where(AuthSession.token_hash == hash_token(token))).one_or_none()
    if (row is None or row.user_id != user_id or row.revoked_at is not None or at >= row.expires_at
            or at >= row.idle_expires_at or not row.is_active):
        return False
    if at - row.last_seen_at >= TOUCH_EVERY:
        _touch(session, row, at, idle)
    return True


def touch(session: Session, token: str, *, at: datetime | None = None, idle: timedelta = IDLE) -> bool:
    """Record that the session was used now (moves its idle expiry). False when it is no longer valid."""
    at = at or now()
    row = session.scalar(select(AuthSession).where(AuthSession.token_hash == hash_token(token)))
    if row is None or row.revoked_at is not None or at >= row.expires_at or at >= row.idle_expires_at:
        return False
    _touch(session, row, at, idle)
    return True


def _touch(session: Session, row: AuthSession | Row, at: datetime, idle: timedelta) -> None:
    # A conditional UPDATE, not a read-modify-write: a revocation by another process is never undone.
    session.execute(update(AuthSession)
                    .where(AuthSession.id == row.id, AuthSession.revoked_at.is_(None))
                    .values(last_seen_at=at, idle_expires_at=min(at + idle, row.expires_at)))


def revoke(session: Session, token: str | None, *, at: datetime | None = None) -> bool:
    """End one session (logout). True when a live session was ended."""
    if not token:
        return False
    result = session.execute(update(AuthSession)
                             .where(AuthSession.token_hash == hash_token(token), AuthSession.revoked_at.is_(None))
                             .values(revoked_at=at or now()))
    return result.rowcount > 0


def revoke_all_for_user(session: Session, user_id: int, *, at: datetime | None = None) -> int:
    """End every session of a user ("log out everywhere"; a password, role or status change). Returns how many
    were live. Unused login hand-offs of the user die with them."""
    at = at or now()
    result = session.execute(update(AuthSession)
                             .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
                             .values(revoked_at=at))
    session.execute(update(LoginHandoff)
                    .where(LoginHandoff.user_id == user_id, LoginHandoff.used_at.is_(None))
                    .values(used_at=at))
    return result.rowcount


def user_of(session: Session, token: str | None) -> int | None:
    """The user a token belongs to, live or not (for "log out everywhere" from a still-valid session)."""
    check = resolve(session, token, touch=False)
    return check.actor.id if check.actor else None


# -- the hand-off from the login page to the cookie route ------------------------------------------------------

def issue_handoff(session: Session, user_id: int, next_page: str | None = None, *,
                  at: datetime | None = None) -> str:
    """A one-time code that lets the browser claim a session for ``user_id`` (call after checking the password)."""
    at = at or now()
    code = secrets.token_urlsafe(32)
    session.add(LoginHandoff(code_hash=hash_token(code), user_id=user_id, next_page=next_page, created_at=at,
                             expires_at=at + HANDOFF_TTL))
    session.flush()
    return code


@dataclass(frozen=True)
class Claimed:
    token: str
    user_id: int
    next_page: str | None


def redeem_handoff(session: Session, code: str | None, *, at: datetime | None = None,
                   user_agent: str | None = None) -> Claimed:
    """Use a hand-off code (once, within its minute) and start the session it stands for."""
    at = at or now()
    if not code:
        raise AuthError("The login link is missing its code. Please log in again.")
    h = hash_token(code)
    # Marking it used and checking it is unused and fresh is one statement: two requests cannot both win.
    claimed = session.execute(update(LoginHandoff)
                              .where(LoginHandoff.code_hash == h, LoginHandoff.used_at.is_(None),
                                     LoginHandoff.expires_at > at)
                              .values(used_at=at))
    if claimed.rowcount != 1:
        raise AuthError("That login has expired or was already used. Please log in again.")
    row = session.get(LoginHandoff, h)
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise AuthError(DISABLED)
    # Old, used or expired hand-offs are of no further use.
    session.execute(delete(LoginHandoff).where(LoginHandoff.expires_at < at - timedelta(hours=1)))
    token = create(session, user.id, at=at, user_agent=user_agent)
    return Claimed(token=token, user_id=user.id, next_page=row.next_page)
