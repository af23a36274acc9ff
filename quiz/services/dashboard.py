"""The trainer dashboard: how a cohort is doing, and every answer behind it.

* :func:`cohort_overview` - one row per trainee: attempts, best and latest exam score, pass status, last
  activity;
* :func:`mastery` - per trainee and topic, the share of points earned over their submitted attempts (an
  unanswered item of a submitted attempt counts as 0 of its points) - the heatmap;
* :func:`trend` - mean score of submitted attempts per week (and mode);
* :func:`trainee_attempts` and :func:`attempt_detail` - the drill-down.

Trainers see their own cohorts' trainees, admins everyone, trainees nothing (``PermissionDenied``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, Select, cast, func, select
from sqlalchemy.orm import Session

from quiz.adapters.orm import (
    FINISHED_STATES,
    MODES,
    Attempt,
    AttemptItem,
    CohortMember,
    Exam,
    QuestionRow,
    QuestionVersion,
    Response,
    User,
)
from quiz.domain import scoring
from quiz.services import data_version
from quiz.services.attempts.grading import finalise_overdue
from quiz.services.attempts.views import display_describe, item_status, option_views
from quiz.services.errors import InvalidInput, NotFound
from quiz.services.permissions import Actor, require_cohort, require_staff, require_view_user
from quiz.services.questions import to_question


@dataclass(frozen=True)
class Filters:
    """Which attempts count: one exam, one mode, and/or a date range (on the start time, UTC, inclusive)."""

    exam_id: int | None = None
    mode: str | None = None
    since: date | datetime | None = None
    until: date | datetime | None = None

    def check(self) -> None:
        if self.mode is not None and self.mode not in MODES:
            raise InvalidInput(f"Unknown mode {self.mode!r}; choose one of {', '.join(MODES)}.")
        if self.since and self.until and _start(self.since) > _start(self.until):
            raise InvalidInput("The start of the date range is after its end.")

    def apply(self, q: Select) -> Select:
        if self.exam_id is not None:
            q = q.where(Attempt.exam_id == self.exam_id)
        if self.mode is not None:
            q = q.where(Attempt.mode == self.mode)
        if self.since is not None:
            q = q.where(Attempt.started_at >= _start(self.since))
        if self.until is not None:
            if isinstance(self.until, datetime):
                q = q.where(Attempt.started_at <= _start(self.until))
            else:  # a whole day: up to the end of it
                q = q.where(Attempt.started_at < _start(self.until) + timedelta(days=1))
        return q


def _start(d: date | datetime) -> datetime:
    if isinstance(d, datetime):
        return d if d.tzinfo else d.replace(tzinfo=UTC)
    return datetime(d.year, d.month, d.day, tzinfo=UTC)


@dataclass(frozen=True)
class TraineeRow:
    user_id: int
    name: str
    email: str
    attempts: int  # attempts matching the filters, any state
    submitted: int
    exam_attempts: int  # submitted exam attempts
    best_exam: float | None  # fraction 0..1
    latest_exam: float | None
    status: str  # passed | not passed yet | no exam yet
    mean_practice: float | None
    last_activity: datetime | None
    failed_exams: int = 0  # finished exam attempts not passed


@dataclass(frozen=True)
class MasteryCell:
    user_id: int
    name: str
    topic: str
    earned: float
    possible: float
    items: int

    @property
    def share(self) -> float:
        return self.earned / self.possible if self.possible else 0.0


@dataclass(frozen=True)
class TrendPoint:
    week: date  # the Monday of the week
    mode: str
    attempts: int
    mean_score: float  # fraction 0..1


@dataclass(frozen=True)
class AttemptSummary:
    id: int
    user_id: int
    mode: str
    exam_id: int | None
    exam_name: str | None
    state: str
    started_at: datetime
    submitted_at: datetime | None
    score: float | None
    max_score: float | None
    percent: float | None
    passed: bool | None
    items: int
    topics: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class AnswerDetail:
    position: int
    question_id: str
    version: int
    topic: str
    type: str
    stem: str
    case_scenario: str | None
    options: list[str]
    answer: Any
    answer_text: str
    correct_text: str
    is_correct: bool | None
    score: float
    max_score: float
    explanation: str
    saved_at: datetime | None
    status: str = "answered"  # answered | not_answered (exam) | not_reached (stopped practice/review)


@dataclass(frozen=True)
class AttemptDetail:
    attempt: AttemptSummary
    trainee_name: str
    trainee_email: str
    answers: list[AnswerDetail]


# -- helpers -------------------------------------------------------------------------------------------------

def _members(session: Session, cohort_id: int) -> list[User]:
    q = (select(User).join(CohortMember, CohortMember.user_id == User.id)
         .where(CohortMember.cohort_id == cohort_id).order_by(User.name, User.email))
    return list(session.scalars(q))


def _cohort_members(session: Session, actor: Actor, cohort_id: int, filters: Filters | None) -> list[User]:
    require_cohort(session, actor, cohort_id)
    (filters or Filters()).check()
    finalise_overdue(session)  # an exam past its deadline shows graded, not "in progress"
    return _members(session, cohort_id)


def _attempts(session: Session, user_ids: list[int], filters: Filters | None) -> list[Attempt]:
    if not user_ids:
        return []
    q = select(Attempt).where(Attempt.user_id.in_(user_ids)).order_by(Attempt.started_at, Attempt.id)
    return list(session.scalars((filters or Filters()).apply(q)))


def _summary(a: Attempt, exam_names: dict[int, str], n_items: int = 0) -> AttemptSummary:
    return AttemptSummary(
        id=a.id, user_id=a.user_id, mode=a.mode, exam_id=a.exam_id,
        exam_name=exam_names.get(a.exam_id) if a.exam_id else None, state=a.state, started_at=a.started_at,
        submitted_at=a.submitted_at, score=a.score, max_score=a.max_score, percent=a.percent, passed=a.passed,
        items=n_items, topics=sorted((a.settings or {}).get("topics") or []),
    )


def _exam_names(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Exam.id, Exam.name)).tuples().all())


def data_key(session: Session, user_id: int | None = None) -> tuple:
    """What a cached page is keyed by: overdue attempts are graded first (which bumps the data version), then
    (the data version, the newest attempt id, and - for one trainee's pages, where practice answers count as
    they are given - the number of that trainee's scored answers). Two small indexed queries."""
    finalise_overdue(session, user_id=user_id)
    newest = select(func.max(Attempt.id))
    if user_id is None:
        return (data_version.current(session), session.scalar(newest))
    scored = (select(func.count(Response.id)).join(Attempt, Attempt.id == Response.attempt_id)
              .where(Attempt.user_id == user_id, Response.score.is_not(None)))
    return (data_version.current(session), session.scalar(newest.where(Attempt.user_id == user_id)),
            session.scalar(scored))


# -- overview ------------------------------------------------------------------------------------------------

def cohort_overview(session: Session, actor: Actor, cohort_id: int, filters: Filters | None = None
                    ) -> list[TraineeRow]:
    """One row per trainee, aggregated in SQL: three grouped queries whatever the number of attempts."""
    members = _cohort_members(session, actor, cohort_id, filters)
    ids = [u.id for u in members]
    f = filters or Filters()
    stats: dict[int, tuple] = {}
    latest: dict[int, float] = {}
    last_saved: dict[int, datetime] = {}
    if ids:
        done = Attempt.state.in_(FINISHED_STATES) & Attempt.percent.is_not(None)
        exam = done & (Attempt.mode == "exam")
        q = (select(Attempt.user_id, func.count(Attempt.id), func.count(Attempt.id).filter(done),
                    func.count(Attempt.id).filter(exam), func.max(Attempt.percent).filter(exam),
                    func.count(Attempt.id).filter(exam & Attempt.passed.is_(True)),
                    func.avg(Attempt.percent).filter(done & (Attempt.mode == "practice")),
                    func.max(Attempt.started_at), func.max(Attempt.submitted_at))
             .where(Attempt.user_id.in_(ids)).group_by(Attempt.user_id))
        stats = {row[0]: tuple(row[1:]) for row in session.execute(f.apply(q))}
        # the latest finished exam of each trainee (a few rows each)
        lq = (select(Attempt.user_id, Attempt.percent).where(Attempt.user_id.in_(ids), exam)
              .order_by(Attempt.user_id, func.coalesce(Attempt.submitted_at, Attempt.started_at), Attempt.id))
        latest = dict(session.execute(f.apply(lq)).tuples().all())  # the last row of each trainee wins
        # The last answer saved counts only for attempts in progress: a finished attempt's answers were all
        # saved by its submitted_at (later saves are refused; grading saves the missing ones at that time),
        # which the first query already has. Reading every saved answer of the cohort instead cost 20-40 ms.
        sq = (select(Attempt.user_id, func.max(Response.saved_at)).join(Response, Response.attempt_id == Attempt.id)
              .where(Attempt.user_id.in_(ids), Attempt.state == "in_progress").group_by(Attempt.user_id))
        last_saved = dict(session.execute(f.apply(sq)).tuples().all())
    rows = []
    for u in members:
        n, submitted, n_exams, best, n_passed, mean_practice, started, ended = stats.get(
            u.id, (0, 0, 0, None, 0, None, None, None))
        if n_passed:
            status = "passed"
        elif n_exams:
            status = "not passed yet"
        else:
            status = "no exam yet"
        stamps = [t for t in (started, ended, last_saved.get(u.id)) if t is not None]
        rows.append(TraineeRow(
            user_id=u.id, name=u.name, email=u.email, attempts=int(n), submitted=int(submitted),
            exam_attempts=int(n_exams), best_exam=best, latest_exam=latest.get(u.id), status=status,
            mean_practice=float(mean_practice) if mean_practice is not None else None,
            last_activity=max(stamps) if stamps else None, failed_exams=int(n_exams) - int(n_passed),
        ))
    return rows


# -- mastery -------------------------------------------------------------------------------------------------

def _mastery_sums(session: Session, user_ids: list[int], filters: Filters | None) -> list[tuple]:
    """(user_id, topic, earned, possible, items) summed in SQL over the users' submitted attempts: every saved
    response, plus an exam's items that have none (0 of their points; grading normally saves one for each)."""
    if not user_ids:
        return []
    f = filters or Filters()
    finished = (Attempt.user_id.in_(user_ids), Attempt.state.in_(FINISHED_STATES))
    # Each question version's topic, worked out once (a few hundred rows) and looked up per response: SQLite
    # otherwise joins question_versions and questions row by row for each of a cohort's ~80,000 responses.
    # SQLite plan (academy, one cohort of 200; 75-85 ms of CPU, was 110-130 ms):
    #   MATERIALIZE topics: SCAN question_versions USING COVERING INDEX ix_question_versions_question_id,
    #     SEARCH questions USING INDEX sqlite_autoindex_questions_1 (id=?)
    #   SEARCH attempts USING INDEX ix_attempts_user_state (user_id=? AND state=?)
    #   SEARCH responses USING INDEX ix_responses_attempt_id (attempt_id=?)
    #   SEARCH topics USING AUTOMATIC COVERING INDEX (vid=?); USE TEMP B-TREE FOR GROUP BY
    # PostgreSQL inlines the CTE (MATERIALIZED there would hide the topics' statistics: a serial sort spilling to
    # disk, 390 ms instead of 140-170): hash joins to the 500 versions and questions, a parallel partial
    # GroupAggregate over the 80,000 responses found through ix_attempts_user_state and ix_responses_attempt_id.
    topics = (select(QuestionVersion.id.label("vid"), QuestionRow.topic.label("topic"))
              .join(QuestionRow, QuestionRow.id == QuestionVersion.question_id)
              .cte("version_topics").prefix_with("MATERIALIZED", dialect="sqlite"))
    saved = (
        select(Attempt.user_id, topics.c.topic, func.sum(func.coalesce(Response.score, 0.0)),
               func.sum(Response.max_score), func.count(Response.id))
        .select_from(Attempt)
        .join(Response, Response.attempt_id == Attempt.id)
        .join(topics, topics.c.vid == Response.question_version_id)
        # an exam counts every item (unanswered: 0); practice/review only what was answered, not
        # the items a stopped session never reached
        .where(*finished, (Attempt.mode == "exam") | Response.score.is_not(None))
        .group_by(Attempt.user_id, topics.c.topic)
    )
    acc: dict[tuple[int, str], list[float]] = {
        (uid, topic): [float(earned or 0.0), float(possible or 0.0), int(n)]
        for uid, topic, earned, possible, n in session.execute(f.apply(saved))}
    no_response = ~(select(Response.id).where(Response.attempt_id == Attempt.id,
                                             Response.question_version_id == AttemptItem.question_version_id)
                    .exists())
    unsaved = (
        select(Attempt.user_id, topics.c.topic, AttemptItem.question_version_id, func.count(AttemptItem.id))
        .select_from(Attempt)
        .join(AttemptItem, AttemptItem.attempt_id == Attempt.id)
        .join(topics, topics.c.vid == AttemptItem.question_version_id)
        .where(*finished, Attempt.mode == "exam", no_response)
        .group_by(Attempt.user_id, topics.c.topic, AttemptItem.question_version_id)
    )
    missing = session.execute(f.apply(unsaved)).tuples().all()
    points = _points(session, {vid for _, _, vid, _ in missing})
    for uid, topic, vid, n in missing:
        cell = acc.setdefault((uid, topic), [0.0, 0.0, 0])
        cell[1] += points.get(vid, 1.0) * n
        cell[2] += int(n)
    return [(uid, topic, *cell) for (uid, topic), cell in acc.items()]


def _points(session: Session, version_ids: set[int]) -> dict[int, float]:
    if not version_ids:
        return {}
    q = select(QuestionVersion.id, QuestionVersion.content).where(QuestionVersion.id.in_(version_ids))
    return {vid: float((content or {}).get("points", 1.0)) for vid, content in session.execute(q)}


def mastery(session: Session, actor: Actor, cohort_id: int, filters: Filters | None = None) -> list[MasteryCell]:
    """Share of points earned per trainee x topic; cells only where the trainee met the topic."""
    members = _cohort_members(session, actor, cohort_id, filters)
    names = {u.id: u.name for u in members}
    sums = _mastery_sums(session, list(names), filters)
    return [MasteryCell(uid, names[uid], topic, earned, possible, int(n))
            for uid, topic, earned, possible, n in sorted(sums, key=lambda r: (names[r[0]], r[1]))]


def topic_mastery(cells: list[MasteryCell]) -> dict[str, float]:
    """The cohort's share of points per topic (weakest first), from :func:`mastery` cells."""
    earned: dict[str, float] = defaultdict(float)
    possible: dict[str, float] = defaultdict(float)
    for c in cells:
        earned[c.topic] += c.earned
        possible[c.topic] += c.possible
    shares = {t: earned[t] / possible[t] for t in possible if possible[t]}
    return dict(sorted(shares.items(), key=lambda kv: kv[1]))


# -- trend ---------------------------------------------------------------------------------------------------

def trend(session: Session, actor: Actor, cohort_id: int, filters: Filters | None = None) -> list[TrendPoint]:
    """Mean score of submitted attempts per week (Monday, UTC) and mode, grouped in SQL (one query; a cohort
    of 200 has about 9,400 attempts, which took 40 ms to fetch and group in Python)."""
    members = _cohort_members(session, actor, cohort_id, filters)
    ids = [u.id for u in members]
    if not ids:
        return []
    week = _week_of(func.coalesce(Attempt.submitted_at, Attempt.started_at), session.get_bind().dialect.name)
    q = (select(week, Attempt.mode, func.count(Attempt.id), func.avg(Attempt.percent))
         .where(Attempt.user_id.in_(ids), Attempt.state.in_(FINISHED_STATES), Attempt.percent.is_not(None))
         .group_by(week, Attempt.mode))
    points = [TrendPoint(_as_date(monday), mode, int(n), float(mean))
              for monday, mode, n, mean in session.execute((filters or Filters()).apply(q))]
    return sorted(points, key=lambda p: (p.week, p.mode))


def _week_of(at: Any, dialect: str) -> Any:
    """The Monday (UTC) of the week of ``at``, in SQL: SQLite keeps UTC as text (the next Sunday, or the day
    itself, minus six days); PostgreSQL truncates the UTC timestamp to its week."""
    if dialect == "sqlite":
        return func.date(at, "weekday 0", "-6 days")
    return cast(func.date_trunc("week", func.timezone("UTC", at)), Date)


def _as_date(value: Any) -> date:
    """A week start as the database returns it: a date (PostgreSQL) or ISO text (SQLite)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


# -- drill-down ----------------------------------------------------------------------------------------------

def trainee_attempts(session: Session, actor: Actor, user_id: int, filters: Filters | None = None
                     ) -> list[AttemptSummary]:
    """One trainee's attempts, newest first."""
    require_staff(actor)
    finalise_overdue(session, user_id=user_id)
    if session.get(User, user_id) is None:
        raise NotFound("No such trainee.")
    require_view_user(session, actor, user_id)
    (filters or Filters()).check()
    attempts = _attempts(session, [user_id], filters)
    counts: dict[int, int] = {}
    if attempts:
        q = (select(AttemptItem.attempt_id, func.count(AttemptItem.id))
             .where(AttemptItem.attempt_id.in_([a.id for a in attempts])).group_by(AttemptItem.attempt_id))
        counts = dict(session.execute(q).tuples().all())
    names = _exam_names(session)
    return [_summary(a, names, counts.get(a.id, 0)) for a in reversed(attempts)]


def attempt_detail(session: Session, actor: Actor, attempt_id: int) -> AttemptDetail:
    """Every item of one attempt: the version shown, the answer given, the right answer and the score."""
    require_staff(actor)
    finalise_overdue(session)
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise NotFound("No such attempt.")
    require_view_user(session, actor, attempt.user_id)
    responses = {r.question_version_id: r for r in attempt.responses}
    answers = []
    for item in attempt.items:
        version = item.question_version
        q = to_question(version)
        r = responses.get(version.id)
        answer = r.answer if r else None
        if r is not None and r.score is not None:
            score, mx, correct = float(r.score), float(r.max_score), r.is_correct
        else:
            result = scoring.score_item(q, answer)
            score, mx = result.score, result.max_score
            correct = result.correct if answer is not None else False
        answers.append(AnswerDetail(
            position=item.position, question_id=version.question_id, version=version.version, topic=q.topic,
            type=q.type, stem=q.stem, case_scenario=q.case.scenario if q.case else None,
            # the options in the order and with the letters this attempt showed
            options=[o.label for o in option_views(q, item.option_order)], answer=answer,
            answer_text=display_describe(q, answer, item.option_order),
            correct_text=display_describe(q, scoring.correct_answer(q), item.option_order),
            is_correct=correct, score=score, status=item_status(attempt.mode, r),
            max_score=mx, explanation=q.explanation, saved_at=r.saved_at if r else None,
        ))
    user = attempt.user
    summary = _summary(attempt, _exam_names(session), len(attempt.items))
    return AttemptDetail(attempt=summary, trainee_name=user.name, trainee_email=user.email, answers=answers)
