"""Certificates: issued once for a passed exam attempt, with a code anyone can verify.

A code looks like ``MC-000042-7F3A9C21B0``: the certificate's attempt number and a signature of the facts it
certifies (attempt, trainee, exam) made with the server's secret key (``QUIZ_SECRET_KEY``). Verifying checks
the signature (a made-up or mistyped code fails without a database lookup revealing anything) and then the
record (it must exist and not be revoked).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz.adapters.certificate_document import render_certificate_html
from quiz.adapters.orm import Attempt, Certificate
from quiz.core import security
from quiz.core.config import get_settings
from quiz.services.permissions import Actor, require_view_user

CODE_RE = re.compile(r"^MC-(\d{6,})-([0-9A-F]{10})$")


def _secret(secret_key: str | None) -> str:
    return secret_key or get_settings().secret_key


def make_code(secret_key: str, attempt_id: int, user_id: int, exam_id: int) -> str:
    sig = security.sign(secret_key, f"certificate:{attempt_id}:{user_id}:{exam_id}")
    return f"MC-{attempt_id:06d}-{sig}"


def issue(session: Session, attempt: Attempt, *, secret_key: str | None = None,
          now: datetime | None = None) -> Certificate:
    """Issue the certificate of a passed exam attempt (once; a second call returns the first)."""
    existing = session.scalar(select(Certificate).where(Certificate.attempt_id == attempt.id))
    if existing is not None:
        return existing
    if attempt.mode != "exam" or not attempt.passed or attempt.exam_id is None:
        raise ValueError("only a passed exam attempt earns a certificate")
    cert = Certificate(
        code=make_code(_secret(secret_key), attempt.id, attempt.user_id, attempt.exam_id),
        user_id=attempt.user_id, exam_id=attempt.exam_id, attempt_id=attempt.id,
        score_percent=attempt.percent or 0.0, issued_at=now or datetime.now(UTC),
    )
    session.add(cert)
    session.flush()
    return cert


def code_for_attempt(session: Session, attempt_id: int) -> str | None:
    return session.scalar(select(Certificate.code).where(Certificate.attempt_id == attempt_id,
                                                         Certificate.revoked_at.is_(None)))


@dataclass(frozen=True)
class CertificateView:
    code: str
    holder: str
    exam: str
    score_percent: float
    issued_at: datetime
    revoked_at: datetime | None


def _view(cert: Certificate) -> CertificateView:
    return CertificateView(code=cert.code, holder=cert.user.name, exam=cert.exam.name,
                           score_percent=cert.score_percent, issued_at=cert.issued_at, revoked_at=cert.revoked_at)


def my_certificates(session: Session, actor: Actor, user_id: int | None = None) -> list[CertificateView]:
    """A trainee's certificates, newest first."""
    user_id = actor.id if user_id is None else user_id
    require_view_user(session, actor, user_id)
    q = select(Certificate).where(Certificate.user_id == user_id).order_by(Certificate.issued_at.desc())
    return [_view(c) for c in session.scalars(q)]


def certificate_for_attempt(session: Session, actor: Actor, attempt_id: int) -> CertificateView | None:
    """The (unrevoked) certificate earned by an attempt, for its trainee or their trainers."""
    cert = session.scalar(select(Certificate).where(Certificate.attempt_id == attempt_id,
                                                    Certificate.revoked_at.is_(None)))
    if cert is None:
        return None
    require_view_user(session, actor, cert.user_id)
    return _view(cert)


def verify_url(base_url: str | None, code: str) -> str | None:
    """The address that verifies ``code`` on the platform at ``base_url`` (e.g. https://meso.example.com)."""
    if not base_url:
        return None
    return f"{base_url.rstrip('/')}/verify?{urlencode({'code': code})}"


def printable(view: CertificateView, base_url: str | None = None) -> str:
    """The certificate as a printable HTML page, with its verification link when the address is known
    (QUIZ_PUBLIC_URL, or the address the trainee is using)."""
    return render_certificate_html(holder=view.holder, exam=view.exam, score_percent=view.score_percent,
                                   issued_at=view.issued_at, code=view.code,
                                   verify_url=verify_url(get_settings().public_url or base_url, view.code))


@dataclass(frozen=True)
class Verification:
    valid: bool
    message: str
    certificate: CertificateView | None = None


def verify(session: Session, code: str, *, secret_key: str | None = None) -> Verification:
    """Check a certificate code. Public: needs no login, shows the holder's name, the exam, score and date."""
    code = re.sub(r"\s+", "", (code or "")).upper()
    if not code:
        return Verification(False, "Please enter the code printed on the certificate (e.g. MC-000042-7F3A9C21B0).")
    m = CODE_RE.match(code)
    if m is None:
        return Verification(False, "That is not a certificate code. Codes look like MC-000042-7F3A9C21B0.")
    cert = session.scalar(select(Certificate).where(Certificate.code == code))
    if cert is None or not security.codes_equal(
        make_code(_secret(secret_key), cert.attempt_id, cert.user_id, cert.exam_id), security.hash_code(code)
    ):
        return Verification(False, "No certificate has this code. Check it was typed exactly as printed.")
    view = _view(cert)
    if cert.revoked_at is not None:
        return Verification(False, f"This certificate was revoked on {cert.revoked_at:%d %b %Y}.", view)
    return Verification(True, "This certificate is genuine.", view)
