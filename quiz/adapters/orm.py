"""Database tables as SQLAlchemy 2 typed models. Schema changes go through Alembic (quiz/migrations).

Every timestamp is stored in UTC (``UTCDateTime`` converts on the way in and out, also on SQLite, which has
no time zones).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use timezone-aware UTC datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


ROLES = ("trainee", "trainer", "admin")
MODES = ("practice", "exam", "review")
ATTEMPT_STATES = ("in_progress", "submitted", "expired")
# Graded attempts: submitted by the trainee, or by the server at the deadline ("expired").
FINISHED_STATES = ("submitted", "expired")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # trainee | trainer | admin
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Where the trainee was (page and attempt) so that a fresh login brings them back.
    resume_page: Mapped[str | None] = mapped_column(String(100))
    # The time zone this user's pages show times in (an IANA name); empty: the browser's. Exports stay UTC.
    time_zone: Mapped[str | None] = mapped_column(String(64))


class AuthSession(Base):
    """A signed-in browser. The browser holds a random token in an HttpOnly cookie; only its SHA-256 is kept
    here. It ends when revoked (logout, password change, deactivation, role change), after ``idle`` without
    use, or at ``expires_at`` whatever happens."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    idle_expires_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    user_agent: Mapped[str | None] = mapped_column(String(300))


class LoginHandoff(Base):
    """A one-time, short-lived code that carries a verified login from the Streamlit page to the HTTP route that
    sets the session cookie (a Streamlit script cannot set cookies). Only its SHA-256 is kept."""

    __tablename__ = "login_handoffs"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    next_page: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class PasswordReset(Base):
    """A one-time password reset link a trainer or administrator made for a user: valid 24 hours, used once.
    Only the SHA-256 of its random token is kept (the link itself is shown once, to whoever made it)."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class Cohort(Base):
    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    invite_code: Mapped[str] = mapped_column(String(40), unique=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)  # accepts registrations with the code
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    trainer: Mapped[User] = relationship(foreign_keys=[trainer_id])
    members: Mapped[list[CohortMember]] = relationship(back_populates="cohort", cascade="all, delete-orphan")


class CohortMember(Base):
    __tablename__ = "cohort_members"

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    cohort: Mapped[Cohort] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class QuestionRow(Base):
    """A question's identity and status; its content lives in immutable versions."""

    __tablename__ = "questions"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    topic: Mapped[str] = mapped_column(String(80), index=True)
    objective: Mapped[str | None] = mapped_column(String(120), index=True)  # of the current version
    status: Mapped[str] = mapped_column(String(20), index=True)  # draft | live | retired
    # 'file' while the bank files decide the status; 'trainer' once a trainer approved or retired it.
    status_source: Mapped[str] = mapped_column(String(20), default="file")
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    file_hash: Mapped[str | None] = mapped_column(String(64))  # content hash of the last synced file item
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[QuestionVersion]] = relationship(
        back_populates="question", order_by="QuestionVersion.version"
    )


class QuestionVersion(Base):
    """One immutable version of a question: exactly what a trainee was shown and scored against."""

    __tablename__ = "question_versions"
    __table_args__ = (UniqueConstraint("question_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[str] = mapped_column(ForeignKey("questions.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]]  # quiz.domain.bank.Question in JSON form
    content_hash: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(20))
    difficulty: Mapped[str] = mapped_column(String(10))
    origin: Mapped[str] = mapped_column(String(20), default="file")  # file | editor | import
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    question: Mapped[QuestionRow] = relationship(back_populates="versions")


class TopicRow(Base):
    """A topic of the bank, as last synced from ``question_bank/topics.yaml`` (``position`` keeps its order)."""

    __tablename__ = "topics"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class SourceRow(Base):
    """A source items cite, as last synced from ``question_bank/sources.yaml``."""

    __tablename__ = "sources"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40), default="article")
    authors: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer)
    url: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text, default="")
    sections: Mapped[list[Any]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)


class ObjectiveRow(Base):
    """A learning objective (``<topic>.<slug>``), as last synced from ``question_bank/objectives/*.yaml``."""

    __tablename__ = "objectives"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    topic: Mapped[str] = mapped_column(String(80), index=True)
    statement: Mapped[str] = mapped_column(Text)


class Exam(Base):
    __tablename__ = "exams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id"), index=True)
    blueprint: Mapped[dict[str, Any]]  # {"topics": {topic: n}, "difficulty_mix": {easy: 0.3, ...} | null}
    time_limit_minutes: Mapped[int] = mapped_column(Integer)
    pass_mark: Mapped[float] = mapped_column(Float)  # fraction of the maximum score, 0..1
    attempts_allowed: Mapped[int] = mapped_column(Integer, default=1)
    wait_hours: Mapped[float] = mapped_column(Float, default=0)  # between attempts
    # {"show_score": bool, "show_answers": bool, "show_explanations": bool}
    review_options: Mapped[dict[str, Any]]
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # How long a certificate earned on this exam stays valid; None: it never expires.
    validity_months: Mapped[int | None] = mapped_column(Integer)
    # "fixed": pass_mark for every attempt; "angoff": each attempt's own cut score from the exam's standard
    # setting panel (quiz.services.standard_setting), pass_mark standing in for items without enough ratings.
    pass_mark_method: Mapped[str] = mapped_column(String(20), default="fixed", server_default="fixed")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    cohort: Mapped[Cohort | None] = relationship()


class ExamOverride(Base):
    """Extra attempts or extra time for one trainee on one exam."""

    __tablename__ = "exam_overrides"
    __table_args__ = (UniqueConstraint("exam_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    extra_attempts: Mapped[int] = mapped_column(Integer, default=0)
    extra_minutes: Mapped[int] = mapped_column(Integer, default=0)
    granted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)


class Attempt(Base):
    __tablename__ = "attempts"
    __table_args__ = (
        Index("ix_attempts_user_state", "user_id", "state"),
        Index("ix_attempts_exam_user", "exam_id", "user_id"),
        Index("ix_attempts_started_at", "started_at"),
        Index("ix_attempts_state_deadline", "state", "deadline_at"),  # 0007: overdue grading on every read
        Index("ix_attempts_user_started", "user_id", "started_at", "id"),
        Index("ix_attempts_exam_user_started", "exam_id", "user_id", "started_at", "id"),
        Index("ix_attempts_exam_state", "exam_id", "state"),  # 0010: finished attempts per exam, from the index
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    exam_id: Mapped[int | None] = mapped_column(ForeignKey("exams.id"))
    mode: Mapped[str] = mapped_column(String(20))  # practice | exam | review
    state: Mapped[str] = mapped_column(String(20), default="in_progress")  # in_progress | submitted | expired
    seed: Mapped[int] = mapped_column(Integer)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)  # e.g. chosen topics for practice
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float | None] = mapped_column(Float)
    percent: Mapped[float | None] = mapped_column(Float)  # score / max_score, 0..1
    passed: Mapped[bool | None] = mapped_column(Boolean)
    current_position: Mapped[int] = mapped_column(Integer, default=0)

    user: Mapped[User] = relationship()
    exam: Mapped[Exam | None] = relationship()
    items: Mapped[list[AttemptItem]] = relationship(
        back_populates="attempt", order_by="AttemptItem.position", cascade="all, delete-orphan"
    )
    responses: Mapped[list[Response]] = relationship(back_populates="attempt", cascade="all, delete-orphan")


class AttemptItem(Base):
    """The questions of an attempt, in order, with the option order shown (so a resume shows the same)."""

    __tablename__ = "attempt_items"
    __table_args__ = (UniqueConstraint("attempt_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"), index=True)
    option_order: Mapped[list[Any]] = mapped_column(default=list)  # canonical option indexes, display order
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)

    attempt: Mapped[Attempt] = relationship(back_populates="items")
    question_version: Mapped[QuestionVersion] = relationship()


class Response(Base):
    """The answer given to one item of an attempt, saved the moment it is chosen."""

    __tablename__ = "responses"
    __table_args__ = (UniqueConstraint("attempt_id", "question_version_id"),
                      Index("ix_responses_attempt_saved", "attempt_id", "saved_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), index=True)
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"), index=True)
    answer: Mapped[Any] = mapped_column(JSON, nullable=True)  # canonical form; see quiz.domain.scoring
    is_correct: Mapped[bool | None] = mapped_column(Boolean)
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float, default=1.0)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)
    # 1 when first saved, +1 on every save: a save based on an older version (a stale second tab) is refused.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    attempt: Mapped[Attempt] = relationship(back_populates="responses")
    question_version: Mapped[QuestionVersion] = relationship()


class AttemptVector(Base):
    """0010: a finished exam attempt's items packed for item analysis (quiz/domain/item_vector.py), one row per
    attempt, kept in (exam, trainee, start) order and written by quiz/services/item_vectors.py whenever the
    attempt's marks change."""

    __tablename__ = "attempt_vectors"
    __table_args__ = ({"sqlite_with_rowid": False},)  # SQLite stores the rows in primary key order

    exam_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(primary_key=True)  # the attempt's
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), primary_key=True,
                                            index=True, unique=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class Certificate(Base):
    """One per passed exam attempt. ``code`` is random (never derived from ids) and is what verification
    looks up; certificates issued before codes were random keep their old stored code."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)  # printed on the certificate, verifiable
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id"))
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), unique=True)
    score_percent: Mapped[float] = mapped_column(Float)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(index=True)  # None: never expires
    # The academy and signatory printed on it, as they were when it was issued.
    academy: Mapped[str | None] = mapped_column(String(200))
    signatory: Mapped[str | None] = mapped_column(String(200))
    revoked_at: Mapped[datetime | None]
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The newer certificate (a recertification of the same exam) that replaced this one.
    superseded_by: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    superseded_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    exam: Mapped[Exam] = relationship()


class ReviewCard(Base):
    """Spaced-review (FSRS) state of one item for one trainee."""

    __tablename__ = "review_cards"
    __table_args__ = (
        UniqueConstraint("user_id", "question_id"),
        Index("ix_review_cards_user_due", "user_id", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(ForeignKey("questions.id"))
    card: Mapped[dict[str, Any]]  # fsrs.Card.to_dict()
    due_at: Mapped[datetime]
    reviews: Mapped[int] = mapped_column(Integer, default=0)
    last_reviewed_at: Mapped[datetime | None]


class LoginFailure(Base):
    """Wrong passwords given for an email that has no account, counted as for a real one (see
    ``services.accounts.authenticate``): the login form locks an unknown email exactly as it locks a real one,
    so it never tells who has an account. The email itself is not kept, only its SHA-256."""

    __tablename__ = "login_failures"

    email_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Setting(Base):
    """Small key/value facts the app keeps (e.g. the hash of the first-run set-up code)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEvent(Base):
    """Who did what to whom: approvals, retirements, password resets, overrides, imports."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class StandardSettingStudy(Base):
    """A modified-Angoff standard-setting panel for one exam's item pool (frozen when opened): round 1, then
    optionally round 2 (revised ratings after seeing the panel's spread), then closed (its results adopted)."""

    __tablename__ = "standard_setting_studies"

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    round: Mapped[int] = mapped_column(Integer, default=1)  # 1 or 2: the round being rated
    state: Mapped[str] = mapped_column(String(20), default="open")  # open | closed
    question_ids: Mapped[list[Any]] = mapped_column(default=list)  # the pool rated, in order
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    round2_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    exam: Mapped[Exam] = relationship()


class StandardSettingRater(Base):
    """A trainer invited to rate; ``done_round`` is the last round they said they finished; the four Hofstee
    judgements (fractions) are their acceptable cut and fail-rate window."""

    __tablename__ = "standard_setting_raters"
    __table_args__ = (UniqueConstraint("study_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("standard_setting_studies.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    invited_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_round: Mapped[int] = mapped_column(Integer, default=0)
    min_cut: Mapped[float | None] = mapped_column(Float)
    max_cut: Mapped[float | None] = mapped_column(Float)
    min_fail: Mapped[float | None] = mapped_column(Float)
    max_fail: Mapped[float | None] = mapped_column(Float)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class StandardSettingRating(Base):
    """One rater's judgement (0-100 %, steps of 5) of one item in one round, saved the moment it is given."""

    __tablename__ = "standard_setting_ratings"
    __table_args__ = (UniqueConstraint("study_id", "round", "rater_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("standard_setting_studies.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    rater_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(ForeignKey("questions.id"))
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"))
    rating: Mapped[int] = mapped_column(Integer)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)
