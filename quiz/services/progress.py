"""A trainee's progress: scores over time, mastery per topic, every past attempt, what to do next.

A trainee sees only their own data; a trainer sees the trainees of their cohorts (``require_view_user``).
Mastery counts every scored answer: practice and review answers as they are given, exam answers once the
exam is submitted (an exam in progress reveals nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from quiz.adapters.orm import Attempt, QuestionRow, QuestionVersion, Response
from quiz.services import attempts, catalogue, certificates, review
from quiz.services.permissions import Actor, require_view_user

MIN_ANSWERS_FOR_WEAKNESS = 1


def topic_names(session: Session) -> dict[str, str]:
    """Topic id -> readable name, as the last bank sync left them (:mod:`quiz.services.catalogue`)."""
    return catalogue.topic_names(session)


def topic_label(topic: str, names: dict[str, str] | None = None) -> str:
    """The topic's readable name, or its id made readable when the name is not known."""
    return (names or {}).get(topic, topic.replace("-", " ").capitalize())


def in_topic_order(topics: list[str], names: dict[str, str]) -> list[str]:
    """``topics`` in the bank's order (the order of topics.yaml, as ``names`` from :func:`topic_names` keeps
    it); topics the bank does not list come last, by id. One order for every list of topics."""
    rank = {t: i for i, t in enumerate(names)}
    return sorted(topics, key=lambda t: (rank.get(t, len(rank)), t))


def available_topics(session: Session) -> list[tuple[str, int]]:
    """Topics with live questions, and how many each has, in the bank's order."""
    q = (select(QuestionRow.topic, func.count(QuestionRow.id)).where(QuestionRow.status == "live")
         .group_by(QuestionRow.topic))
    counts = dict(session.execute(q).tuples().all())
    return [(t, counts[t]) for t in in_topic_order(list(counts), topic_names(session))]


@dataclass(frozen=True)
class TopicMastery:
    topic: str
    answered: int
    correct: int
    score: float
    max_score: float

    @property
    def mastery(self) -> float:
        return self.score / self.max_score if self.max_score else 0.0


def topic_mastery(session: Session, actor: Actor, user_id: int | None = None) -> list[TopicMastery]:
    """Per topic: scored answers, right ones, and the share of points earned (weakest first)."""
    user_id = actor.id if user_id is None else user_id
    require_view_user(session, actor, user_id)
    attempts.finalise_overdue(session, user_id=user_id)
    q = (
        select(QuestionRow.topic, func.count(Response.id),
               func.sum(func.coalesce(Response.score, 0.0)), func.sum(Response.max_score),
               func.count(Response.id).filter(Response.is_correct.is_(True)))
        .join(Attempt, Attempt.id == Response.attempt_id)
        .join(QuestionVersion, QuestionVersion.id == Response.question_version_id)
        .join(QuestionRow, QuestionRow.id == QuestionVersion.question_id)
        .where(Attempt.user_id == user_id, Response.score.is_not(None))
        .group_by(QuestionRow.topic)
    )
    rows = [TopicMastery(t, int(n), int(c or 0), float(s or 0), float(m or 0)) for t, n, s, m, c in session.execute(q)]
    return sorted(rows, key=lambda r: (r.mastery, -r.answered, r.topic))


def weakest_topics(session: Session, actor: Actor, n: int = 3) -> list[TopicMastery]:
    return [t for t in topic_mastery(session, actor) if t.answered >= MIN_ANSWERS_FOR_WEAKNESS
            and t.mastery < 1.0][:n]


@dataclass(frozen=True)
class ScorePoint:
    attempt_id: int
    at: datetime
    mode: str
    title: str
    percent: float
    passed: bool | None


def score_history(session: Session, actor: Actor, user_id: int | None = None) -> list[ScorePoint]:
    """Finished attempts in time order with their percentage (for the scores-over-time chart)."""
    user_id = actor.id if user_id is None else user_id
    require_view_user(session, actor, user_id)
    attempts.finalise_overdue(session, user_id=user_id)
    q = (select(Attempt).where(Attempt.user_id == user_id, Attempt.state != "in_progress",
                               Attempt.percent.is_not(None))
         .options(joinedload(Attempt.exam))  # the titles: one query, not one per exam attempt
         .order_by(Attempt.submitted_at, Attempt.id))
    return [ScorePoint(a.id, a.submitted_at or a.started_at, a.mode, attempts.attempt_title(a), a.percent, a.passed)
            for a in session.scalars(q)]


@dataclass(frozen=True)
class HomeSummary:
    exam_in_progress: attempts.AttemptSummary | None
    practice_in_progress: attempts.AttemptSummary | None
    review: review.ReviewStatus
    weakest: list[TopicMastery]
    latest_certificate: certificates.CertificateView | None
    latest_exam: attempts.AttemptSummary | None
    exams_open: list[str]  # names of exams the trainee can start now


def home(session: Session, actor: Actor, now: datetime | None = None) -> HomeSummary:
    """What to do next, for a trainee's home page."""
    now = now or datetime.now(UTC)
    running = attempts.in_progress(session, actor, now=now)
    exam = next((a for a in running if a.mode == "exam"), None)
    practice = next((a for a in running if a.mode == "practice"), None)
    certs = certificates.my_certificates(session, actor)
    finished_exams = [a for a in attempts.list_attempts(session, actor, finished_only=True) if a.mode == "exam"]
    statuses = attempts.exam_statuses(session, actor, now=now) if actor.role == "trainee" else []
    return HomeSummary(
        exam_in_progress=exam, practice_in_progress=practice, review=review.status(session, actor, now),
        weakest=weakest_topics(session, actor), latest_certificate=certs[0] if certs else None,
        latest_exam=finished_exams[0] if finished_exams else None,
        exams_open=[s.name for s in statuses if s.can_start],
    )
