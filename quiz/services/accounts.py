"""Accounts: first-run set-up, creating users, logging in (with lockout), registering with an invite code."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import NoReturn

from sqlalchemy import case, delete, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from quiz.adapters.orm import ROLES, Cohort, CohortMember, LoginFailure, Setting, User
from quiz.core import security
from quiz.services import audit, sessions
from quiz.services.errors import AccountLocked, AuthError, Conflict, InvalidInput, NotFound, PermissionDenied
from quiz.services.permissions import Actor, require_cohort, require_staff
from quiz.services.text_rules import clean_name, normalise_email

SETUP_KEY = "setup_code_hash"
GENERIC_LOGIN_ERROR = "Wrong email or password."


def now() -> datetime:
    return datetime.now(UTC)


def _check_new_user(session: Session, email: str, name: str, role: str, password: str,
                    *, taken_is_error: bool = True) -> tuple[str, str, bool]:
    """(email, name) as stored, and whether the email is free; every rule is checked before the database."""
    email = normalise_email(email)
    name = clean_name(name)
    if role not in ROLES:
        raise InvalidInput(f"Unknown role {role!r}; use one of {', '.join(ROLES)}.")
    problem = security.password_problem(password)
    if problem:
        raise InvalidInput(problem)
    free = session.scalar(select(User.id).where(User.email == email)) is None
    if not free and taken_is_error:
        raise Conflict("An account with this email already exists.")
    return email, name, free


def _insert_user(session: Session, email: str, name: str, role: str, password: str) -> User:
    email, name, _ = _check_new_user(session, email, name, role, password)
    user = User(email=email, name=name, role=role, password_hash=security.hash_password(password))
    session.add(user)
    session.flush()
    return user




# -- first run -----------------------------------------------------------------------------------------------

def has_users(session: Session) -> bool:
    return (session.scalar(select(func.count(User.id))) or 0) > 0


def ensure_setup_code(session: Session, fixed_code: str | None = None) -> str | None:
    """While nobody has an account, make (or reset to ``fixed_code``) the one-time set-up code and return it
    so the server can print it to its console. Returns None once the first trainer exists."""
    if has_users(session):
        return None
    code = fixed_code or security.random_code(10)
    row = session.get(Setting, SETUP_KEY)
    if row is None:
        session.add(Setting(key=SETUP_KEY, value=security.hash_code(code)))
    else:
        row.value = security.hash_code(code)
        row.updated_at = now()
    return code


def create_first_admin(session: Session, setup_code: str, email: str, name: str, password: str) -> User:
    """Create the first trainer (with admin rights). Needs the set-up code; works only once."""
    if has_users(session):
        raise Conflict("The platform is already set up. Please log in.")
    row = session.get(Setting, SETUP_KEY)
    if row is None or not security.codes_equal(setup_code or "", row.value):
        raise AuthError("That set-up code is not right. It is printed in the server's console at start-up.")
    user = _insert_user(session, email, name, "admin", password)
    session.delete(row)
    audit.record(session, Actor.of(user), "first_admin_created", user.email)
    return user


# -- users ---------------------------------------------------------------------------------------------------

def create_user(session: Session, actor: Actor | None, *, email: str, name: str, role: str, password: str,
                cohort_id: int | None = None) -> User:
    """Create an account. ``actor`` None means the command line (a local administrator)."""
    if actor is not None:
        require_staff(actor)
        if role != "trainee" and not actor.is_admin:
            raise PermissionDenied("Only an administrator can create trainer accounts.")
        if cohort_id is not None:
            require_cohort(session, actor, cohort_id)
    user = _insert_user(session, email, name, role, password)
    if cohort_id is not None:
        session.add(CohortMember(cohort_id=cohort_id, user_id=user.id))
    audit.record(session, actor, "user_created", user.email, role=role, cohort_id=cohort_id)
    return user


REGISTERED_MESSAGE = ("Thank you. If this email was new here, your trainee account is ready: log in with this "
                      "email and password. If it already had an account, nothing was changed: log in with that "
                      "account's password, or ask your trainer to reset it.")


def register_with_code(session: Session, *, invite_code: str, email: str, name: str, password: str
                       ) -> User | None:
    """A trainee signs up with their cohort's invite code. Registration must not tell who has an account: an
    email that already has one changes nothing and returns None after the same work (a password hash), and the
    page says the same words either way (:data:`REGISTERED_MESSAGE`); the new trainee then logs in."""
    code = (invite_code or "").strip().upper()
    cohort = session.scalar(select(Cohort).where(func.upper(Cohort.invite_code) == code)) if code else None
    if cohort is None or not cohort.is_open:
        raise InvalidInput("That invite code is not valid. Ask your trainer for your cohort's code.")
    email, name, free = _check_new_user(session, email, name, "trainee", password, taken_is_error=False)
    if not free:
        security.hash_password(password)  # the time a new account takes
        audit.record(session, None, "registration_for_existing_email", email, cohort_id=cohort.id)
        return None
    user = _insert_user(session, email, name, "trainee", password)
    session.add(CohortMember(cohort_id=cohort.id, user_id=user.id))
    audit.record(session, Actor.of(user), "registered", user.email, cohort_id=cohort.id)
    return user


def authenticate(session: Session, email: str, password: str, *, threshold: int = 5,
                 lock_minutes: int = 15, at: datetime | None = None) -> User:
    """Check a login. ``threshold`` wrong passwords in a row lock the account for ``lock_minutes``; the count
    lives in the database, so a new tab or a restarted server does not reset it. The caller commits.

    The count goes up in one ``UPDATE ... SET failed_logins = failed_logins + 1 ... RETURNING`` that also sets
    the lock when it reaches the threshold, and that skips a locked row: parallel wrong passwords (several
    tabs, processes or a script) each count once and the account locks at exactly ``threshold``, on SQLite as on
    PostgreSQL. An unknown email gets the same words and the same work (a password hash is checked against a
    dummy), so the form never tells who has an account."""
    at = at or now()
    try:
        email = normalise_email(email)
    except InvalidInput:
        raise AuthError(GENERIC_LOGIN_ERROR) from None
    user = session.scalar(select(User).where(User.email == email))
    if user is None:  # the same steps, words and work as for a real account, counted in login_failures
        _unknown_email(session, email, password, at, threshold, lock_minutes)
    if user.locked_until is not None and user.locked_until > at:
        raise AccountLocked(_locked_message(user.locked_until, at))
    if not security.verify_password(user.password_hash, password or ""):
        _count_failure(session, user.id, at, threshold, lock_minutes)
        # The same words as for an unknown email: the login form must not tell who has an account.
        raise AuthError(GENERIC_LOGIN_ERROR)
    if not user.is_active:  # only said to someone who knows the password
        raise AuthError("This account is disabled. Please contact your trainer.")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = at
    if security.needs_rehash(user.password_hash):
        user.password_hash = security.hash_password(password)
    return user


def _locked_message(locked_until: datetime, at: datetime) -> str:
    mins = max(1, int((locked_until - at).total_seconds() // 60) + 1)
    return f"Too many wrong passwords. This account is locked; try again in {mins} minute(s)."


def _count_failure(session: Session, user_id: int, at: datetime, threshold: int, lock_minutes: int) -> None:
    """Count one wrong password atomically; raise :class:`AccountLocked` if it locks the account, or if another
    try locked it meanwhile. A count left over from an expired lock starts again at one."""
    users = User.__table__
    expired = users.c.locked_until.is_not(None) & (users.c.locked_until <= at)
    new_count = case((expired, 1), else_=users.c.failed_logins + 1)
    until = literal(at + timedelta(minutes=lock_minutes), users.c.locked_until.type)
    row = session.execute(
        update(users)
        .where(users.c.id == user_id, users.c.locked_until.is_(None) | (users.c.locked_until <= at))
        .values(failed_logins=new_count,
                locked_until=case((new_count >= threshold, until), else_=None))
        .returning(users.c.failed_logins, users.c.locked_until)
    ).first()
    session.expire_all()
    if row is None:  # another try locked the account between our read and our write
        locked_until = session.scalar(select(User.locked_until).where(User.id == user_id))
        raise AccountLocked(_locked_message(locked_until or at + timedelta(minutes=lock_minutes), at))
    if row.locked_until is not None:
        raise AccountLocked(f"Too many wrong passwords. This account is locked for {lock_minutes} minutes.")


_DUMMY_HASH = security.hash_password("not-a-real-password")


def _unknown_email(session: Session, email: str, password: str, at: datetime, threshold: int,
                   lock_minutes: int) -> NoReturn:
    """A login for an email without an account: locked after ``threshold`` tries like a real one (same
    messages), a password hash checked like a real one (same time). Always raises."""
    key = hashlib.sha256(email.encode()).hexdigest()
    row = session.get(LoginFailure, key)
    if row is not None and row.locked_until is not None and row.locked_until > at:
        raise AccountLocked(_locked_message(row.locked_until, at))
    security.verify_password(_DUMMY_HASH, password or "")
    t = LoginFailure.__table__
    expired = t.c.locked_until.is_not(None) & (t.c.locked_until <= at)
    new_count = case((expired, 1), else_=t.c.failed_logins + 1)
    until = literal(at + timedelta(minutes=lock_minutes), t.c.locked_until.type)
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(t).values(email_hash=key, failed_logins=1, updated_at=at,
                            locked_until=at + timedelta(minutes=lock_minutes) if threshold <= 1 else None)
    stmt = stmt.on_conflict_do_update(
        index_elements=[t.c.email_hash],
        set_={"failed_logins": new_count, "locked_until": case((new_count >= threshold, until), else_=None),
              "updated_at": at},
        where=t.c.locked_until.is_(None) | (t.c.locked_until <= at),
    ).returning(t.c.locked_until)
    done = session.execute(stmt).first()
    # Forget old counts of unknown emails (a real account's count stays until its next good login).
    session.execute(delete(LoginFailure).where(LoginFailure.updated_at < at - timedelta(days=1),
                                               LoginFailure.locked_until.is_(None) | (LoginFailure.locked_until < at)))
    session.expire_all()
    if done is None:  # another try locked it between our read and our write
        locked_until = session.scalar(select(LoginFailure.locked_until).where(LoginFailure.email_hash == key))
        raise AccountLocked(_locked_message(locked_until or at + timedelta(minutes=lock_minutes), at))
    if done.locked_until is not None:
        raise AccountLocked(f"Too many wrong passwords. This account is locked for {lock_minutes} minutes.")
    raise AuthError(GENERIC_LOGIN_ERROR)


def set_password(session: Session, actor: Actor | None, user_id: int, new_password: str,
                 current_password: str | None = None) -> bool:
    """A user changes their own password (giving the current one), or a trainer resets a trainee's."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    if actor is not None and actor.id == user_id:
        if not security.verify_password(user.password_hash, current_password or ""):
            raise AuthError("Your current password is not right.")
    elif actor is not None:
        from quiz.services.permissions import require_sole_trainer, require_view_user

        require_staff(actor)
        if user.role != "trainee" and not actor.is_admin:
            raise PermissionDenied("Only an administrator can reset a trainer's password.")
        require_view_user(session, actor, user_id)
        require_sole_trainer(session, actor, user_id, "reset their password")
    problem = security.password_problem(new_password)
    if problem:
        raise InvalidInput(problem)
    user.password_hash = security.hash_password(new_password)
    user.failed_logins = 0
    user.locked_until = None
    # Whoever held a session with the old password (a stolen one included) must log in again.
    sessions.revoke_all_for_user(session, user.id)
    audit.record(session, actor, "password_set", user.email)
    return True


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def remember_page(session: Session, user_id: int, page: str | None) -> None:
    """Where the user is, so that logging in again brings them back there."""
    user = session.get(User, user_id)
    if user is not None and user.resume_page != page:
        user.resume_page = page


def login(factory, email: str, password: str, *, threshold: int = 5, lock_minutes: int = 15) -> Actor:  # noqa: ANN001
    """Log in through a session factory. The failed-login count is committed even when the login fails."""
    with factory() as session:
        try:
            user = authenticate(session, email, password, threshold=threshold, lock_minutes=lock_minutes)
        except AuthError:
            session.commit()
            raise
        session.commit()
        return Actor.of(user)
