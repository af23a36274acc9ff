"""Certificates: one per passed exam attempt, verifiable by a random code, expiring, revocable, superseded by
a recertification.

A code looks like ``MC-7KQ2-M9XR-4T8P-2HVD``: 16 characters drawn at random (``secrets``) from 30 that cannot
be mistaken for one another (no 0/O, 1/I/L, U), about 78 bits, never derived from ids. It is stored and
verification looks it up, so codes printed before codes were random (``MC-000042-7F3A9C21B0``) keep
verifying, and no server key takes part.

A certificate is *valid*, *expired* (past ``expires_at``: the exam's validity in months after issue),
*revoked* (by a trainer, with a reason, audited) or *superseded* (the holder passed the same exam again; both
stay on record). The public verification shows the state with holder, exam, issue and expiry dates and
academy, nothing else; an unknown code says only that no certificate has it.
"""

from __future__ import annotations

import calendar
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz.adapters.certificate_document import CertificateFacts, render_certificate_pdf
from quiz.adapters.orm import Attempt, Certificate, Cohort, CohortMember
from quiz.core.config import get_settings
from quiz.services import audit, site_settings
from quiz.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from quiz.services.permissions import Actor, can_view_user, require_staff, require_view_user, visible_cohort_ids

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford-like: no 0 O 1 I L U
CODE_GROUPS, GROUP_LENGTH = 4, 4
CODE_RE = re.compile(rf"^MC-(?:[{CODE_ALPHABET}]{{{GROUP_LENGTH}}}-){{{CODE_GROUPS - 1}}}[{CODE_ALPHABET}]{{4}}$")
RENEWAL_DAYS = 60  # a certificate this close to expiry asks its holder to recertify
MAX_REASON = 1000
VALID, EXPIRED, REVOKED, SUPERSEDED, UNKNOWN = "valid", "expired", "revoked", "superseded", "unknown"


def new_code() -> str:
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUPS * GROUP_LENGTH))
    return "MC-" + "-".join(chars[i:i + GROUP_LENGTH] for i in range(0, len(chars), GROUP_LENGTH))


def normalise_code(text: str | None) -> str:
    """The code as stored: case, spaces and missing dashes forgiven (``mc 7kq2m9xr4t8p2hvd`` works)."""
    raw = re.sub(r"\s+", "", text or "").upper()
    compact = raw.replace("-", "")
    if compact.startswith("MC"):
        compact = compact[2:]
    if len(compact) == CODE_GROUPS * GROUP_LENGTH and all(c in CODE_ALPHABET for c in compact):
        return "MC-" + "-".join(compact[i:i + GROUP_LENGTH] for i in range(0, len(compact), GROUP_LENGTH))
    return raw  # an older code (MC-000042-7F3A9C21B0) or a wrong one: looked up as typed


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus whole calendar months (31 January + 1 month = 28/29 February)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def state_of(cert: Certificate, now: datetime) -> str:
    if cert.revoked_at is not None:
        return REVOKED
    if cert.superseded_by is not None:
        return SUPERSEDED
    if cert.expires_at is not None and cert.expires_at <= now:
        return EXPIRED
    return VALID


def issue(session: Session, attempt: Attempt, *, now: datetime | None = None) -> Certificate:
    """Issue the certificate of a passed exam attempt (once: a second call returns the first; the grading
    compare-and-set and the unique attempt id make it one per pass under concurrent submits too). Any
    earlier certificate of the same holder for the same exam is superseded by it."""
    existing = session.scalar(select(Certificate).where(Certificate.attempt_id == attempt.id))
    if existing is not None:
        return existing
    if attempt.mode != "exam" or not attempt.passed or attempt.exam_id is None:
        raise ValueError("only a passed exam attempt earns a certificate")
    issued = _now(now)
    months = attempt.exam.validity_months if attempt.exam is not None else None
    academy = site_settings.academy(session)
    code = new_code()
    while session.scalar(select(Certificate.id).where(Certificate.code == code)) is not None:
        code = new_code()  # 1 in 2**78: never in practice, but a clash must not fail a pass
    cert = Certificate(
        code=code, user_id=attempt.user_id, exam_id=attempt.exam_id, attempt_id=attempt.id,
        score_percent=attempt.percent or 0.0, issued_at=issued,
        expires_at=add_months(issued, months) if months else None,
        academy=academy.name, signatory=academy.signatory,
    )
    session.add(cert)
    session.flush()
    older = session.scalars(select(Certificate).where(
        Certificate.user_id == attempt.user_id, Certificate.exam_id == attempt.exam_id, Certificate.id != cert.id,
        Certificate.superseded_by.is_(None)))
    for old in older:
        old.superseded_by, old.superseded_at = cert.id, issued
    session.flush()
    return cert


def code_for_attempt(session: Session, attempt_id: int) -> str | None:
    return session.scalar(select(Certificate.code).where(Certificate.attempt_id == attempt_id,
                                                         Certificate.revoked_at.is_(None)))


@dataclass(frozen=True)
class CertificateView:
    """A certificate as its holder and their trainers see it."""

    code: str
    user_id: int
    holder: str
    email: str
    exam_id: int
    exam: str
    attempt_id: int
    score_percent: float
    issued_at: datetime
    expires_at: datetime | None
    academy: str
    signatory: str | None
    state: str
    revoked_at: datetime | None
    revoke_reason: str | None
    superseded_at: datetime | None

    @property
    def is_valid(self) -> bool:
        return self.state == VALID

    @property
    def download_path(self) -> str:
        """The HTTP route that serves the PDF (to a session that may see it)."""
        return f"/download/certificate/{self.code}.pdf"


def _view(session: Session, cert: Certificate, now: datetime) -> CertificateView:
    academy = site_settings.academy(session) if cert.academy is None else None
    return CertificateView(
        code=cert.code, user_id=cert.user_id, holder=cert.user.name, email=cert.user.email, exam_id=cert.exam_id,
        exam=cert.exam.name, attempt_id=cert.attempt_id, score_percent=cert.score_percent,
        issued_at=cert.issued_at, expires_at=cert.expires_at,
        academy=cert.academy or (academy.name if academy else site_settings.DEFAULT_ACADEMY),
        signatory=cert.signatory if cert.academy is not None else (academy.signatory if academy else None),
        state=state_of(cert, now), revoked_at=cert.revoked_at, revoke_reason=cert.revoke_reason,
        superseded_at=cert.superseded_at,
    )


def my_certificates(session: Session, actor: Actor, user_id: int | None = None, *,
                    now: datetime | None = None) -> list[CertificateView]:
    """A trainee's certificates (all states), newest first."""
    user_id = actor.id if user_id is None else user_id
    require_view_user(session, actor, user_id)
    q = (select(Certificate).where(Certificate.user_id == user_id)
         .order_by(Certificate.issued_at.desc(), Certificate.id.desc()))
    return [_view(session, c, _now(now)) for c in session.scalars(q)]


def certificate_for_attempt(session: Session, actor: Actor, attempt_id: int, *,
                            now: datetime | None = None) -> CertificateView | None:
    """The certificate earned by an attempt (in whatever state), for its trainee or their trainers."""
    cert = session.scalar(select(Certificate).where(Certificate.attempt_id == attempt_id))
    if cert is None:
        return None
    require_view_user(session, actor, cert.user_id)
    return _view(session, cert, _now(now))


def _by_code(session: Session, code: str) -> Certificate | None:
    code = normalise_code(code)
    if not code or len(code) > 64:
        return None
    return session.scalar(select(Certificate).where(Certificate.code == code))


def _visible(session: Session, actor: Actor | None, code: str) -> Certificate:
    """The certificate with this code if the actor may see it (``None``: the command line); otherwise
    NotFound, which says nothing about whether it exists."""
    cert = _by_code(session, code)
    if cert is None or (actor is not None and not can_view_user(session, actor, cert.user_id)):
        raise NotFound("No certificate you can see has this code.")
    return cert


def get(session: Session, actor: Actor | None, code: str, *, now: datetime | None = None) -> CertificateView:
    return _view(session, _visible(session, actor, code), _now(now))


def list_certificates(session: Session, actor: Actor | None, *, cohort_id: int | None = None,
                      expiring_within_days: int | None = None, now: datetime | None = None) -> list[CertificateView]:
    """Certificates of the trainees in the actor's cohorts (every certificate for an administrator or the
    command line), newest first; or only those of one cohort; or only the valid ones that expire within
    ``expiring_within_days`` days, soonest first."""
    now = _now(now)
    q = select(Certificate)
    if actor is not None:
        require_staff(actor)
    if cohort_id is not None:
        if actor is not None and not actor.is_admin:
            cohort = session.get(Cohort, cohort_id)
            if cohort is None or cohort.trainer_id != actor.id:
                raise PermissionDenied("You can only see the certificates of your own cohorts.")
        q = q.where(Certificate.user_id.in_(select(CohortMember.user_id).where(CohortMember.cohort_id == cohort_id)))
    elif actor is not None:
        ids = visible_cohort_ids(session, actor)
        if ids is not None:
            q = q.where(Certificate.user_id.in_(select(CohortMember.user_id).where(CohortMember.cohort_id.in_(ids))))
    if expiring_within_days is not None:
        if expiring_within_days < 0:
            raise InvalidInput("The number of days cannot be negative.")
        q = (q.where(Certificate.revoked_at.is_(None), Certificate.superseded_by.is_(None),
                     Certificate.expires_at.is_not(None), Certificate.expires_at > now,
                     Certificate.expires_at <= now + timedelta(days=expiring_within_days))
             .order_by(Certificate.expires_at, Certificate.id))
    else:
        q = q.order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    return [_view(session, c, now) for c in session.scalars(q)]


def revoke(session: Session, actor: Actor | None, code: str, reason: str, *,
           now: datetime | None = None) -> CertificateView:
    """Revoke a certificate with a reason (its holder's trainer or an administrator; ``None``: the command
    line). Kept in the audit trail with who and when; the verify page then says "revoked on DATE"."""
    if actor is not None:
        require_staff(actor)
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput("Please give the reason for revoking the certificate.")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"The reason can have at most {MAX_REASON} characters.")
    cert = _visible(session, actor, code)
    if cert.revoked_at is not None:
        raise Conflict(f"This certificate was already revoked on {cert.revoked_at:%d %b %Y}.")
    before = state_of(cert, _now(now))
    cert.revoked_at, cert.revoke_reason = _now(now), reason
    cert.revoked_by = actor.id if actor is not None else None
    session.flush()
    audit.record(session, actor, "certificate_revoked", cert.code, before={"state": before},
                 after={"state": REVOKED, "revoked_at": cert.revoked_at.isoformat()}, reason=reason,
                 holder_id=cert.user_id, exam_id=cert.exam_id)
    return _view(session, cert, _now(now))


@dataclass(frozen=True)
class Renewal:
    """A certificate of the trainee that expires soon (or has expired) and the exam that renews it."""

    code: str
    exam_id: int
    exam: str
    expires_at: datetime
    expired: bool


def renewals_due(session: Session, actor: Actor, *, now: datetime | None = None,
                 days: int = RENEWAL_DAYS) -> list[Renewal]:
    """The actor's current certificates that expire within ``days`` (or have expired and were not renewed),
    soonest first: each names the exam to sit again to recertify."""
    now = _now(now)
    q = (select(Certificate).where(Certificate.user_id == actor.id, Certificate.revoked_at.is_(None),
                                   Certificate.superseded_by.is_(None), Certificate.expires_at.is_not(None),
                                   Certificate.expires_at <= now + timedelta(days=days))
         .order_by(Certificate.expires_at))
    return [Renewal(c.code, c.exam_id, c.exam.name, c.expires_at, c.expires_at <= now) for c in session.scalars(q)]


def renewal_open(session: Session, user_id: int, exam_id: int, now: datetime,
                 days: int = RENEWAL_DAYS) -> datetime | None:
    """When the holder's latest certificate for this exam is within ``days`` of expiry (or expired) and not
    revoked: the moment the renewal window opened (attempts after it count afresh); otherwise None."""
    cert = session.scalar(select(Certificate).where(Certificate.user_id == user_id, Certificate.exam_id == exam_id,
                                                    Certificate.superseded_by.is_(None))
                          .order_by(Certificate.issued_at.desc(), Certificate.id.desc()).limit(1))
    if cert is None or cert.revoked_at is not None or cert.expires_at is None:
        return None
    opened = cert.expires_at - timedelta(days=days)
    return opened if now >= opened else None


def verify_url(base_url: str | None, code: str) -> str | None:
    """The address that verifies ``code`` on the platform at ``base_url`` (e.g. https://meso.example.com)."""
    if not base_url:
        return None
    return f"{base_url.rstrip('/')}/verify?{urlencode({'code': code})}"


def _date(value: datetime) -> str:
    return f"{value.day} {value:%B %Y}"


def document(view: CertificateView, base_url: str | None = None, *, now: datetime | None = None) -> bytes:
    """The certificate as a PDF, with its verification link and QR code (``QUIZ_PUBLIC_URL``, or the
    address in use). A certificate that is no longer valid says so across its top."""
    note = None
    if view.state == REVOKED and view.revoked_at:
        note = f"Revoked on {_date(view.revoked_at)}: not valid"
    elif view.state == SUPERSEDED and view.superseded_at:
        note = f"Replaced by a newer certificate on {_date(view.superseded_at)}"
    elif view.state == EXPIRED and view.expires_at:
        note = f"Expired on {_date(view.expires_at)}"
    return render_certificate_pdf(CertificateFacts(
        holder=view.holder, exam=view.exam, score_percent=view.score_percent, issued_at=view.issued_at,
        expires_at=view.expires_at, code=view.code, academy=view.academy, signatory=view.signatory,
        verify_url=verify_url(get_settings().public_url or base_url, view.code), status_note=note,
    ))


def pdf_for(session: Session, actor: Actor | None, code: str, base_url: str | None = None, *,
            now: datetime | None = None) -> tuple[str, bytes]:
    """(file name, PDF bytes) of a certificate the actor may see: its holder, their trainer, an administrator,
    or the command line (``None``). Anyone else gets NotFound."""
    view = get(session, actor, code, now=now)
    return f"certificate-{view.code}.pdf", document(view, base_url, now=now)


@dataclass(frozen=True)
class PublicCertificate:
    """What the public verification shows: nothing more."""

    holder: str
    exam: str
    issued_at: datetime
    expires_at: datetime | None
    academy: str


@dataclass(frozen=True)
class Verification:
    state: str  # valid | expired | revoked | superseded | unknown
    message: str
    certificate: PublicCertificate | None = None

    @property
    def valid(self) -> bool:
        return self.state == VALID


NO_SUCH_CODE = "No certificate has this code."


def verify(session: Session, code: str, *, now: datetime | None = None) -> Verification:
    """Check a certificate code (public, no login). The rate limit per client is the caller's (the page)."""
    if not (code or "").strip():
        return Verification(UNKNOWN, "Please enter the code printed on the certificate (e.g. MC-7KQ2-M9XR-4T8P-2HVD).")
    cert = _by_code(session, code)
    if cert is None:
        return Verification(UNKNOWN, NO_SUCH_CODE)
    now = _now(now)
    view = _view(session, cert, now)
    public = PublicCertificate(holder=view.holder, exam=view.exam, issued_at=view.issued_at,
                               expires_at=view.expires_at, academy=view.academy)
    state = view.state
    if state == REVOKED:
        message = f"This certificate was revoked on {_date(cert.revoked_at)}. It is not valid."
    elif state == SUPERSEDED:
        message = (f"This certificate was replaced on {_date(cert.superseded_at)} by a newer certificate for the "
                   "same exam (a recertification). Ask the holder for the newer certificate's code.")
    elif state == EXPIRED:
        message = f"This certificate expired on {_date(cert.expires_at)}."
    else:
        message = "This certificate is valid."
    return Verification(state, message, public)

