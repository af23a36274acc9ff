"""Facts the platform keeps in the ``settings`` key/value table: the academy printed on certificates (name and
signatory, which an administrator edits) and the server's secret key when ``QUIZ_SECRET_KEY`` is not set.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from quiz.adapters.orm import Setting, utcnow
from quiz.services import audit
from quiz.services.errors import InvalidInput
from quiz.services.permissions import Actor, require_admin

ACADEMY_NAME = "academy.name"
ACADEMY_SIGNATORY = "academy.signatory"
SECRET_KEY = "server.secret_key"
DEFAULT_ACADEMY = "MesoCert Academy"
MAX_LENGTH = 200


@dataclass(frozen=True)
class Academy:
    name: str
    signatory: str | None


def _get(session: Session, key: str) -> str | None:
    return session.scalar(select(Setting.value).where(Setting.key == key))


def _put(session: Session, key: str, value: str | None) -> None:
    row = session.get(Setting, key)
    if value is None:
        if row is not None:
            session.delete(row)
        return
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value, row.updated_at = value, utcnow()


def academy(session: Session) -> Academy:
    """The academy that issues certificates (public: it is printed on them)."""
    return Academy(name=_get(session, ACADEMY_NAME) or DEFAULT_ACADEMY, signatory=_get(session, ACADEMY_SIGNATORY))


def _clean(value: str | None, label: str, *, required: bool) -> str | None:
    value = " ".join((value or "").split())
    if not value:
        if required:
            raise InvalidInput(f"Please give the {label}.")
        return None
    if len(value) > MAX_LENGTH:
        raise InvalidInput(f"The {label} can have at most {MAX_LENGTH} characters.")
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value):
        raise InvalidInput(f"The {label} contains invisible control characters; please retype it.")
    return value


def update_academy(session: Session, actor: Actor | None, *, name: str, signatory: str | None) -> Academy:
    """Change the academy name and signatory printed on certificates issued from now on (administrators;
    ``actor=None`` is the command line). Certificates already issued keep what they were issued with."""
    if actor is not None:
        require_admin(actor)
    before = academy(session)
    clean_name = _clean(name, "academy name", required=True)
    clean_signatory = _clean(signatory, "signatory", required=False)
    _put(session, ACADEMY_NAME, clean_name)
    _put(session, ACADEMY_SIGNATORY, clean_signatory)
    session.flush()
    after = academy(session)
    audit.record(session, actor, "academy_updated", after.name,
                 before={"name": before.name, "signatory": before.signatory},
                 after={"name": after.name, "signatory": after.signatory})
    return after


def ensure_secret_key(session: Session, configured: str | None = None) -> str:
    """The server's secret key: ``QUIZ_SECRET_KEY`` when set, else a random one made on first start and kept
    in the database (so every process and every restart uses the same one). Nothing about certificates
    depends on it: their codes are random and looked up."""
    if configured:
        return configured
    stored = _get(session, SECRET_KEY)
    if stored:
        return stored
    fresh = secrets.token_urlsafe(48)
    try:
        with session.begin_nested():  # another process may be starting at the same moment
            session.add(Setting(key=SECRET_KEY, value=fresh))
    except IntegrityError:
        pass
    return _get(session, SECRET_KEY) or fresh
