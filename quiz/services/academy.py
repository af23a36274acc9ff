"""The academy-wide view: every cohort in one table, with the academy's totals. Administrators see every cohort;
a trainer sees the same for the cohorts they run; trainees nothing (``PermissionDenied``).

Per cohort: its trainer, trainees, trainees active in the last 7 and 30 days, finished exam attempts, the pass
rate of first attempts (each trainee's first finished attempt at each exam, as item analysis counts them), the
mean score of finished exam attempts, certificates issued and those expiring within 60 days (when their
holders are asked to recertify), practice answers of the last 30 days and the weakest topic. The totals count
each trainee once, also one who is in two cohorts (a trainer's totals: over the cohorts they run).

Active in the last N days: started an attempt in them, or saved an answer in them in an attempt still open.

Every figure is aggregated in the database and a fixed number of queries is made whatever the number of
cohorts, trainees or answers, each returning at most one row per cohort plus one for the totals, so the memory
used here does not grow with the academy. The attempt figures are live: per trainee facts in a common table
expression, summed per cohort (``GROUP BY``) and over everyone (``UNION ALL``), reading only exam attempts
(``ix_attempts_exam_user``), recent or open attempts and certificates. The two figures read from every answer
(weakest topic, practice answers) come from a snapshot refreshed in the background
(:mod:`quiz.services.academy_answers`, which says why).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, Select, and_, case, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from quiz.adapters.orm import Attempt, Certificate, Cohort, CohortMember, Response, User
from quiz.services import academy_answers, catalogue, exports
from quiz.services.academy_answers import TOTAL, Cell
from quiz.services.attempts.grading import finalise_overdue
from quiz.services.certificates import RENEWAL_DAYS
from quiz.services.permissions import Actor, require_staff, visible_cohort_ids
from quiz.services.progress import topic_label

ACTIVE_DAYS = (7, 30)
EXPIRING_DAYS = RENEWAL_DAYS


@dataclass(frozen=True)
class CohortFigures:
    """One row of the table (``cohort_id`` None: the totals)."""

    cohort_id: int | None
    name: str
    trainer: str
    trainees: int
    active_7d: int
    active_30d: int
    exam_attempts: int  # finished (submitted or expired) exam attempts
    first_attempts: int  # trainee x exam: the first finished attempt
    first_passed: int
    mean_exam: float | None  # mean score (0..1) of the finished exam attempts
    certificates: int  # issued, whatever became of them since
    expiring: int  # valid, and expiring within EXPIRING_DAYS
    practice_answers_30d: int | None  # None: not computed yet (from the snapshot)
    weakest_topic: str | None  # topic id; None: no finished answer yet, or not computed yet
    weakest_mastery: float | None  # its mean mastery, 0..1

    @property
    def first_pass_rate(self) -> float | None:
        return self.first_passed / self.first_attempts if self.first_attempts else None


@dataclass(frozen=True)
class AcademyView:
    cohorts: list[CohortFigures]  # by name
    totals: CohortFigures
    now: datetime
    everything: bool  # an administrator's view of every cohort (else: a trainer's own cohorts)
    answers_at: datetime | None  # when the weakest topics and practice answers were computed; None: not yet

    def answers_stale(self) -> bool:
        """The answer figures are missing or older than the refresh interval: time to refresh them."""
        return self.answers_at is None or self.now - self.answers_at >= timedelta(
            minutes=academy_answers.REFRESH_MINUTES)


@dataclass(frozen=True)
class LiveFigures:
    """The attempt figures (what the page caches per data version): per cohort id, or TOTAL."""

    cohorts: list[tuple[int, str, str]]  # (id, name, trainer's name), by name
    people: dict[int, dict]
    visible: list[int] | None  # None: every cohort (an administrator)
    now: datetime


def academy_view(session: Session, actor: Actor, *, now: datetime | None = None) -> AcademyView:
    """Every cohort the actor may see with its figures, and the totals: :func:`live_figures` with the stored
    answer figures. Four queries (a trainer: five; and PostgreSQL's ``SET LOCAL jit``) whatever the size of the
    academy."""
    return combine(live_figures(session, actor, now=now), answers_snapshot(session, actor))


def live_figures(session: Session, actor: Actor, *, now: datetime | None = None) -> LiveFigures:
    """The cohorts and their attempt figures (two queries; a trainer: three)."""
    require_staff(actor)
    now = now or datetime.now(UTC)
    finalise_overdue(session)  # an exam past its deadline counts as graded, not "in progress"
    academy_answers.without_jit(session)
    visible = visible_cohort_ids(session, actor)
    if visible is not None and not visible:
        return LiveFigures([], {}, [], now)
    return LiveFigures(_cohorts(session, visible), _people(session, visible, now), visible, now)


def answers_snapshot(session: Session, actor: Actor) -> academy_answers.Snapshot | None:
    """The stored answer figures (one query), for staff; :func:`combine` keeps the actor's cohorts only."""
    require_staff(actor)
    return academy_answers.read(session)


def combine(live: LiveFigures, snapshot: academy_answers.Snapshot | None) -> AcademyView:
    """The table: the live figures and, from the snapshot, the weakest topic and practice answers (no query).
    A trainer's totals of these two add up their cohorts' (a trainee in two of them counts in both)."""
    cells = dict(snapshot.cells) if snapshot else {}
    if snapshot is not None and live.visible is not None:  # a trainer's total: over the cohorts they run
        total = Cell()
        for cid in live.visible:
            total.add(cells.get(cid, Cell()))
        cells[TOTAL] = total

    def cell(cid: int) -> Cell | None:
        return cells.get(cid, Cell()) if snapshot is not None else None

    rows = [_row(cid, name, trainer, live.people.get(cid, {}), cell(cid)) for cid, name, trainer in live.cohorts]
    totals = _row(TOTAL, "Total", "", live.people.get(TOTAL, {}), cell(TOTAL))
    return AcademyView(rows, totals, live.now, live.visible is None, snapshot.at if snapshot else None)


CSV_COLUMNS = ("cohort", "trainer", "trainees", "active_7_days", "active_30_days", "exam_attempts", "first_attempts",
               "first_attempt_pass_percent", "mean_exam_percent", "certificates_issued",
               "certificates_expiring_60_days", "practice_answers_30_days", "weakest_topic",
               "weakest_topic_mastery_percent")
TOTAL_LABEL = "All cohorts"


def table_rows(view: AcademyView, topic_names: dict[str, str]) -> list[dict[str, Any]]:
    """The table as plain rows (the CSV's columns): every cohort, then the totals. Percents 0-100."""

    def pct(x: float | None) -> float | None:
        return None if x is None else round(x * 100, 1)

    return [{
        "cohort": r.name if r.cohort_id is not None else TOTAL_LABEL, "trainer": r.trainer, "trainees": r.trainees,
        "active_7_days": r.active_7d, "active_30_days": r.active_30d, "exam_attempts": r.exam_attempts,
        "first_attempts": r.first_attempts, "first_attempt_pass_percent": pct(r.first_pass_rate),
        "mean_exam_percent": pct(r.mean_exam), "certificates_issued": r.certificates,
        "certificates_expiring_60_days": r.expiring, "practice_answers_30_days": r.practice_answers_30d,
        "weakest_topic": topic_label(r.weakest_topic, topic_names) if r.weakest_topic else None,
        "weakest_topic_mastery_percent": pct(r.weakest_mastery),
    } for r in [*view.cohorts, view.totals]]


def csv_stream(session: Session, actor: Actor, *, now: datetime | None = None) -> Iterator[bytes]:
    """The table as CSV chunks (the export's cells: formulas neutralised), for the download route."""
    view = academy_view(session, actor, now=now)
    return exports.csv_chunks(table_rows(view, catalogue.topic_names(session)), CSV_COLUMNS)


def _row(cid: int, name: str, trainer: str, p: dict, cell: Cell | None) -> CohortFigures:
    scored = int(p.get("exam_n") or 0)
    weakest = cell.weakest() if cell is not None else None
    return CohortFigures(
        cohort_id=None if cid == TOTAL else cid, name=name, trainer=trainer, trainees=int(p.get("trainees") or 0),
        active_7d=int(p.get("active_7") or 0), active_30d=int(p.get("active_30") or 0),
        exam_attempts=int(p.get("exams") or 0), first_attempts=int(p.get("firsts") or 0),
        first_passed=int(p.get("first_passed") or 0),
        mean_exam=float(p["exam_sum"]) / scored if scored else None,
        certificates=int(p.get("certs") or 0), expiring=int(p.get("expiring") or 0),
        practice_answers_30d=cell.practice if cell is not None else None,
        weakest_topic=weakest[0] if weakest else None, weakest_mastery=weakest[1] if weakest else None,
    )


def _cohorts(session: Session, visible: list[int] | None) -> list[tuple[int, str, str]]:
    q = (select(Cohort.id, Cohort.name, User.name).join(User, User.id == Cohort.trainer_id)
         .order_by(Cohort.name, Cohort.id))
    if visible is not None:
        q = q.where(Cohort.id.in_(visible))
    return [(int(cid), name, trainer) for cid, name, trainer in session.execute(q)]


def _members(visible: list[int] | None) -> Select:
    q = select(CohortMember.cohort_id, CohortMember.user_id)
    return q if visible is None else q.where(CohortMember.cohort_id.in_(visible))


def _people(session: Session, visible: list[int] | None, now: datetime) -> dict[int, dict]:
    """cohort id (or TOTAL) -> the per-trainee facts summed. One query.

    Graded attempts are ``state != 'in_progress'`` rather than ``state IN ('submitted', 'expired')``: SQLite
    would otherwise read them through the state index (every graded attempt of the academy)."""
    members = _members(visible).cte("members")
    users = select(members.c.user_id).distinct().cte("scope_users")
    # an administrator's scope is every trainee of a cohort: no filter, so that SQLite reads the exam attempts
    # through the exam index rather than every attempt of every trainee (the joins below keep the members only)
    scope = Attempt.user_id.in_(select(users.c.user_id)) if visible is not None else literal(True)
    since = now - timedelta(days=max(ACTIVE_DAYS))
    started = (select(Attempt.user_id.label("user_id"), func.max(Attempt.started_at).label("at"))
               .where(scope, Attempt.started_at >= since).group_by(Attempt.user_id).subquery("started"))
    saving = (select(Attempt.user_id.label("user_id"), func.max(Response.saved_at).label("at"))
              .join(Response, Response.attempt_id == Attempt.id)
              .where(scope, Attempt.state == "in_progress").group_by(Attempt.user_id).subquery("saving"))
    # every finished exam attempt, numbered per trainee and exam: 1 is the first (as item analysis counts)
    rn = func.row_number().over(partition_by=(Attempt.exam_id, Attempt.user_id),
                                order_by=(Attempt.started_at, Attempt.id)).label("rn")
    sat = (select(Attempt.user_id, Attempt.percent, Attempt.passed, rn)
           .where(scope, Attempt.exam_id.is_not(None), Attempt.mode == "exam", Attempt.state != "in_progress")
           .subquery("sat"))
    exams = (select(sat.c.user_id.label("user_id"), func.count().label("exams"),
                    func.count(sat.c.percent).label("exam_n"), func.sum(sat.c.percent).label("exam_sum"),
                    func.count().filter(sat.c.rn == 1).label("firsts"),
                    func.count().filter(and_(sat.c.rn == 1, sat.c.passed.is_(True))).label("first_passed"))
             .group_by(sat.c.user_id).subquery("exams"))
    expiring = and_(Certificate.revoked_at.is_(None), Certificate.superseded_by.is_(None),
                    Certificate.expires_at.is_not(None), Certificate.expires_at > now,
                    Certificate.expires_at <= now + timedelta(days=EXPIRING_DAYS))
    certs = (select(Certificate.user_id.label("user_id"), func.count().label("certs"),
                    func.count().filter(expiring).label("expiring"))
             .where(Certificate.user_id.in_(select(users.c.user_id)) if visible is not None else literal(True))
             .group_by(Certificate.user_id)
             .subquery("certs"))

    def active(days: int):  # noqa: ANN202
        after = now - timedelta(days=days)
        return case((or_(started.c.at >= after, saving.c.at >= after), 1), else_=0)

    facts = (select(users.c.user_id, active(7).label("active_7"), active(30).label("active_30"),
                    exams.c.exams, exams.c.exam_n, exams.c.exam_sum, exams.c.firsts, exams.c.first_passed,
                    certs.c.certs, certs.c.expiring)
             .select_from(users)
             .outerjoin(started, started.c.user_id == users.c.user_id)
             .outerjoin(saving, saving.c.user_id == users.c.user_id)
             .outerjoin(exams, exams.c.user_id == users.c.user_id)
             .outerjoin(certs, certs.c.user_id == users.c.user_id)
             .cte("facts"))
    names = ("active_7", "active_30", "exams", "exam_n", "exam_sum", "firsts", "first_passed", "certs", "expiring")
    sums = [func.sum(facts.c[n]).label(n) for n in names]
    per_cohort = (select(members.c.cohort_id.label("cid"), func.count().label("trainees"), *sums)
                  .join(facts, facts.c.user_id == members.c.user_id).group_by(members.c.cohort_id))
    total = select(literal(TOTAL, Integer).label("cid"), func.count().label("trainees"), *sums).select_from(facts)
    return {int(row["cid"]): dict(row) for row in session.execute(union_all(per_cohort, total)).mappings()}
