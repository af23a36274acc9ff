"""Standard setting (modified Angoff): panels that rate an exam's item pool, and the cut scores they give.

* A trainer who manages an exam (its cohort's trainer, or an administrator) **opens** a study for the exam's
  item pool (the live items of the blueprint's topics, frozen at that moment) and **invites** raters
  (trainers or administrators).
* Each rater sees each item as a trainee would, with its key and explanation, and rates the probability that
  a *borderline competent* candidate answers it correctly: 0-100 % in steps of 5. Every rating is saved the
  moment it is given, so a rater can stop and resume.
* **Round 2** (optional): each rater sees the panel's round-1 spread and, where the exam has been sat, the
  item's facility among trainees near the round-1 cut score, and may revise. A rating not revised stands.
* **Closing** adopts the study: an exam whose pass mark is "Angoff" then gives each attempt the cut score of
  the items it drew (:func:`attempt_pass_mark`), stored in ``attempt.settings["pass_mark"]`` at start.

Every step is in the audit trail. The maths is in :mod:`quiz.domain.standard_setting`; results, the CSV
export and the check against reality are in :mod:`quiz.services.standard_setting_results`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quiz.adapters.orm import (
    Exam,
    QuestionRow,
    QuestionVersion,
    StandardSettingRater,
    StandardSettingRating,
    StandardSettingStudy,
    User,
)
from quiz.domain import standard_setting as ss
from quiz.domain.assembly import Blueprint
from quiz.domain.bank import Question
from quiz.services import accounts, audit, exams
from quiz.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from quiz.services.permissions import Actor, require_staff, visible_cohort_ids
from quiz.services.questions import to_question
from quiz.services.standard_setting_attempts import facility_near_cut

METHODS = ("fixed", "angoff")


@dataclass(frozen=True)
class StudyInfo:
    id: int
    exam_id: int
    exam: str
    name: str
    round: int
    state: str  # open | closed
    items: int
    raters: int
    opened_at: datetime
    closed_at: datetime | None
    adopted: bool  # the closed study the exam's Angoff pass marks come from


@dataclass(frozen=True)
class RaterInfo:
    user_id: int
    name: str
    email: str
    done_round: int
    rated: int  # items rated in the study's current round
    hofstee: tuple[float, float, float, float] | None  # min cut, max cut, min fail, max fail (fractions)


@dataclass(frozen=True)
class SheetItem:
    question_id: str
    version_id: int
    question: Question
    rating: int | None  # this rater's rating in the current round
    round1: int | None  # this rater's round-1 rating (round 2)
    panel: ss.ItemSummary | None  # the panel's round-1 ratings (round 2), fractions
    facility_near_cut: tuple[float, int] | None  # (facility, attempts) near the round-1 cut (round 2)


@dataclass(frozen=True)
class RatingSheet:
    study: StudyInfo
    round: int
    items: list[SheetItem]
    round1_cut: float | None  # round 2: the panel's round-1 cut score for the blueprint
    done: bool  # the rater said they finished this round
    hofstee: tuple[float, float, float, float] | None

    @property
    def rated(self) -> int:
        return sum(1 for i in self.items if i.rating is not None)


# -- loading and permissions ---------------------------------------------------------------------------------

def _study(session: Session, study_id: int) -> StandardSettingStudy:
    study = session.get(StandardSettingStudy, study_id)
    if study is None:
        raise NotFound("There is no such standard-setting study.")
    return study


def _manage(session: Session, actor: Actor, study_id: int) -> StandardSettingStudy:
    study = _study(session, study_id)
    exams.require_exam(session, actor, study.exam_id)  # the exam's cohort trainer, or an administrator
    return study


def _rater_row(session: Session, actor: Actor, study: StandardSettingStudy) -> StandardSettingRater:
    require_staff(actor)
    row = session.scalar(select(StandardSettingRater).where(StandardSettingRater.study_id == study.id,
                                                           StandardSettingRater.user_id == actor.id))
    if row is None:
        raise PermissionDenied("You are not a rater in this standard-setting study.")
    return row


def _adopted_id(session: Session, exam_id: int) -> int | None:
    return session.scalar(select(StandardSettingStudy.id).where(
        StandardSettingStudy.exam_id == exam_id, StandardSettingStudy.state == "closed")
        .order_by(StandardSettingStudy.closed_at.desc(), StandardSettingStudy.id.desc()).limit(1))


def info(session: Session, study: StandardSettingStudy) -> StudyInfo:
    raters = session.scalar(select(func.count(StandardSettingRater.id))
                            .where(StandardSettingRater.study_id == study.id)) or 0
    return StudyInfo(study.id, study.exam_id, study.exam.name, study.name, study.round, study.state,
                     len(study.question_ids or []), raters, study.opened_at, study.closed_at,
                     study.state == "closed" and _adopted_id(session, study.exam_id) == study.id)


# -- the pool and the ratings ----------------------------------------------------------------------------------

def pool_questions(session: Session, study: StandardSettingStudy) -> list[tuple[Question, int]]:
    """The study's items that are still live, as trainees see them now (current version), in pool order."""
    ids = list(study.question_ids or [])
    q = (select(QuestionRow, QuestionVersion)
         .join(QuestionVersion, (QuestionVersion.question_id == QuestionRow.id)
               & (QuestionVersion.version == QuestionRow.current_version))
         .where(QuestionRow.id.in_(ids), QuestionRow.status == "live"))
    found = {r.id: (to_question(v, r.status), v.id) for r, v in session.execute(q)}
    return [found[i] for i in ids if i in found]


def ratings(session: Session, study_id: int, *, only_round: int | None = None) -> ss.Ratings:
    """``{question_id: {rater_id: fraction}}``: one round's ratings, or (default) the final ones: each rater's
    round-2 rating where they gave one, else their round-1 rating."""
    q = select(StandardSettingRating).where(StandardSettingRating.study_id == study_id)
    if only_round is not None:
        q = q.where(StandardSettingRating.round == only_round)
    out: dict[str, dict[int, float]] = {}
    for row in sorted(session.scalars(q), key=lambda r: r.round):  # a later round overrides an earlier one
        out.setdefault(row.question_id, {})[row.rater_id] = row.rating / 100
    return out


def blueprint_pool(questions: Sequence[Question], blueprint: dict) -> tuple[dict[str, list[tuple[str, float]]],
                                                                                  dict[str, int]]:
    bp = Blueprint.from_dict(blueprint)
    pool: dict[str, list[tuple[str, float]]] = {}
    for q in questions:
        if q.topic in bp.topics and (bp.include_cases or q.case is None):
            pool.setdefault(q.topic, []).append((q.id, q.points))
    return pool, dict(bp.topics)


def cut_score(session: Session, study: StandardSettingStudy, *, only_round: int | None = None
              ) -> ss.CutScore | None:
    pool, counts = blueprint_pool([q for q, _ in pool_questions(session, study)], study.exam.blueprint)
    return ss.blueprint_cut(pool, counts, ratings(session, study.id, only_round=only_round), study.exam.pass_mark)


# -- the trainer who runs the study ---------------------------------------------------------------------------

def open_study(session: Session, actor: Actor, exam_id: int, name: str | None = None, *,
               now: datetime | None = None) -> StudyInfo:
    """Open round 1 for the exam's item pool: every live item of its blueprint's topics."""
    exam = exams.require_exam(session, actor, exam_id)
    now = now or accounts.now()
    label = " ".join((name or "").split()) or f"{exam.name} panel {now:%Y-%m-%d}"
    if len(label) > 200:
        raise InvalidInput("A study name can have at most 200 characters.")
    bp = Blueprint.from_dict(exam.blueprint)
    rows = session.execute(select(QuestionRow.id, QuestionVersion.content)
                           .join(QuestionVersion, (QuestionVersion.question_id == QuestionRow.id)
                                 & (QuestionVersion.version == QuestionRow.current_version))
                           .where(QuestionRow.status == "live", QuestionRow.topic.in_(list(bp.topics)))
                           .order_by(QuestionRow.topic, QuestionRow.id)).all()
    ids = [qid for qid, content in rows if bp.include_cases or not (content or {}).get("case")]
    if not ids:
        raise InvalidInput("The exam's topics have no live items to rate.")
    study = StandardSettingStudy(exam_id=exam.id, name=label, round=1, state="open", question_ids=ids,
                                 opened_by=actor.id, opened_at=now)
    session.add(study)
    session.flush()
    audit.record(session, actor, "standard_setting_opened", exam.name, study_id=study.id, items=len(ids))
    return info(session, study)


def invite(session: Session, actor: Actor, study_id: int, email: str, *, now: datetime | None = None) -> RaterInfo:
    """Invite a trainer (or administrator) by email to rate the study's items."""
    study = _manage(session, actor, study_id)
    if study.state != "open":
        raise Conflict("This study is closed; open a new one to rate again.")
    user = session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None or not user.is_active or user.role not in ("trainer", "admin"):
        raise InvalidInput("Raters must be active trainers or administrators: no such account.")
    row = session.scalar(select(StandardSettingRater).where(StandardSettingRater.study_id == study.id,
                                                           StandardSettingRater.user_id == user.id))
    if row is None:
        row = StandardSettingRater(study_id=study.id, user_id=user.id, invited_by=actor.id,
                                   invited_at=now or accounts.now(), done_round=0)
        session.add(row)
        session.flush()
        audit.record(session, actor, "standard_setting_rater_invited", user.email, study_id=study.id)
    return _rater_info(session, study, row)


def start_round_two(session: Session, actor: Actor, study_id: int, *, now: datetime | None = None) -> StudyInfo:
    study = _manage(session, actor, study_id)
    if study.state != "open" or study.round != 1:
        raise Conflict("Round 2 can only follow an open round 1.")
    if not ratings(session, study.id, only_round=1):
        raise Conflict("No ratings yet: round 2 shows raters the panel's round-1 spread, so it needs some.")
    study.round, study.round2_at = 2, now or accounts.now()
    audit.record(session, actor, "standard_setting_round2_opened", study.exam.name, study_id=study.id)
    return info(session, study)


def close_study(session: Session, actor: Actor, study_id: int, *, now: datetime | None = None) -> StudyInfo:
    """Close the study: its ratings become the exam's Angoff cut scores (the latest closed study counts)."""
    study = _manage(session, actor, study_id)
    if study.state != "open":
        raise Conflict("This study is already closed.")
    cut = cut_score(session, study)
    study.state, study.closed_at = "closed", now or accounts.now()
    session.flush()
    audit.record(session, actor, "standard_setting_closed", study.exam.name, study_id=study.id,
                 cut=None if cut is None else round(cut.cut, 4), se=None if cut is None or cut.se is None
                 else round(cut.se, 4))
    return info(session, study)


def list_studies(session: Session, actor: Actor, exam_id: int | None = None) -> list[StudyInfo]:
    """Studies of the exams the actor manages (every exam for an administrator), newest first."""
    require_staff(actor)
    q = (select(StandardSettingStudy).join(Exam, Exam.id == StandardSettingStudy.exam_id)
         .order_by(StandardSettingStudy.opened_at.desc(), StandardSettingStudy.id.desc()))
    if exam_id is not None:
        exams.require_exam(session, actor, exam_id)
        q = q.where(StandardSettingStudy.exam_id == exam_id)
    else:
        ids = visible_cohort_ids(session, actor)
        if ids is not None:
            q = q.where(Exam.cohort_id.in_(ids))
    return [info(session, s) for s in session.scalars(q)]


def _rater_info(session: Session, study: StandardSettingStudy, row: StandardSettingRater) -> RaterInfo:
    rated = session.scalar(select(func.count(StandardSettingRating.id)).where(
        StandardSettingRating.study_id == study.id, StandardSettingRating.rater_id == row.user_id,
        StandardSettingRating.round == study.round)) or 0
    window = (row.min_cut, row.max_cut, row.min_fail, row.max_fail)
    return RaterInfo(row.user_id, row.user.name, row.user.email, row.done_round, rated,
                     None if any(v is None for v in window) else window)  # type: ignore[arg-type]


def raters(session: Session, actor: Actor, study_id: int) -> list[RaterInfo]:
    study = _manage(session, actor, study_id)
    rows = session.scalars(select(StandardSettingRater).where(StandardSettingRater.study_id == study.id)
                           .order_by(StandardSettingRater.id))
    return [_rater_info(session, study, r) for r in rows]


# -- the rater ----------------------------------------------------------------------------------------------------

def my_studies(session: Session, actor: Actor) -> list[StudyInfo]:
    """The open studies the actor is invited to rate."""
    require_staff(actor)
    q = (select(StandardSettingStudy).join(StandardSettingRater,
                                           StandardSettingRater.study_id == StandardSettingStudy.id)
         .where(StandardSettingRater.user_id == actor.id, StandardSettingStudy.state == "open")
         .order_by(StandardSettingStudy.opened_at.desc()))
    return [info(session, s) for s in session.scalars(q)]


def rating_sheet(session: Session, actor: Actor, study_id: int) -> RatingSheet:
    """The items to rate with the rater's own ratings so far; in round 2 also the panel's round-1 spread and
    each item's facility among trainees near the round-1 cut score (where the exam has been sat)."""
    study = _study(session, study_id)
    row = _rater_row(session, actor, study)
    mine = {(r.round, r.question_id): r.rating for r in session.scalars(select(StandardSettingRating).where(
        StandardSettingRating.study_id == study.id, StandardSettingRating.rater_id == actor.id))}
    panel: dict[str, ss.ItemSummary] = {}
    near: dict[str, tuple[float, int]] = {}
    round1_cut = None
    if study.round == 2:
        panel = ss.item_summaries(ratings(session, study.id, only_round=1))
        cut = cut_score(session, study, only_round=1)
        round1_cut = cut.cut if cut else None
        if round1_cut is not None:
            near = facility_near_cut(session, study.exam_id, round1_cut)
    items = [SheetItem(q.id, vid, q, mine.get((study.round, q.id)),
                       mine.get((1, q.id)) if study.round == 2 else None, panel.get(q.id), near.get(q.id))
             for q, vid in pool_questions(session, study)]
    window = (row.min_cut, row.max_cut, row.min_fail, row.max_fail)
    return RatingSheet(info(session, study), study.round, items, round1_cut, row.done_round >= study.round,
                       None if any(v is None for v in window) else window)  # type: ignore[arg-type]


def save_rating(session: Session, actor: Actor, study_id: int, question_id: str, rating: object, *,
                now: datetime | None = None) -> int:
    """Save (or change) the actor's rating of one item in the study's current round; returns it."""
    study = _study(session, study_id)
    row = _rater_row(session, actor, study)
    if study.state != "open":
        raise Conflict("This study is closed: ratings can no longer change.")
    try:
        value = ss.check_rating(rating)
    except ValueError as err:
        raise InvalidInput(str(err)) from None
    if question_id not in (study.question_ids or []):
        raise InvalidInput("That item is not part of this study.")
    version_id = session.scalar(select(QuestionVersion.id).join(
        QuestionRow, (QuestionRow.id == QuestionVersion.question_id)
        & (QuestionVersion.version == QuestionRow.current_version)).where(QuestionRow.id == question_id,
                                                                          QuestionRow.status == "live"))
    if version_id is None:
        raise Conflict("That item is no longer live; it is left out of the study.")
    # Serialise one rater's saves (a row lock on PostgreSQL; SQLite takes its write lock on the update).
    session.execute(select(StandardSettingRater.id).where(StandardSettingRater.id == row.id).with_for_update())
    found = session.scalar(select(StandardSettingRating).where(
        StandardSettingRating.study_id == study.id, StandardSettingRating.round == study.round,
        StandardSettingRating.rater_id == actor.id, StandardSettingRating.question_id == question_id))
    before = None if found is None else found.rating
    if found is None:
        session.add(StandardSettingRating(study_id=study.id, round=study.round, rater_id=actor.id,
                                          question_id=question_id, question_version_id=version_id, rating=value,
                                          saved_at=now or accounts.now()))
    elif found.rating != value:
        found.rating, found.question_version_id, found.saved_at = value, version_id, now or accounts.now()
    if before != value:
        session.flush()
        audit.record(session, actor, "standard_setting_rated", question_id, study_id=study.id, round=study.round,
                     before=before, after=value)
    return value


def finish_round(session: Session, actor: Actor, study_id: int) -> None:
    """The rater says they have finished the current round (they may still change ratings while it is open)."""
    study = _study(session, study_id)
    row = _rater_row(session, actor, study)
    if study.state != "open":
        raise Conflict("This study is closed.")
    row.done_round = study.round
    audit.record(session, actor, "standard_setting_round_finished", study.exam.name, study_id=study.id,
                 round=study.round)


def set_hofstee(session: Session, actor: Actor, study_id: int, *, min_cut: float, max_cut: float,
                min_fail: float, max_fail: float) -> tuple[float, float, float, float]:
    """The rater's Hofstee judgements, in percent: the lowest and highest acceptable cut score and the lowest
    and highest acceptable fail rate."""
    study = _study(session, study_id)
    row = _rater_row(session, actor, study)
    if study.state != "open":
        raise Conflict("This study is closed.")
    try:
        values = [float(v) for v in (min_cut, max_cut, min_fail, max_fail)]
    except (TypeError, ValueError):
        raise InvalidInput("The Hofstee judgements are percentages from 0 to 100.") from None
    if any(not 0 <= v <= 100 for v in values):
        raise InvalidInput("The Hofstee judgements are percentages from 0 to 100.")
    if values[0] >= values[1] or values[2] >= values[3]:
        raise InvalidInput("Each minimum must be below its maximum (cut score and fail rate).")
    row.min_cut, row.max_cut, row.min_fail, row.max_fail = (v / 100 for v in values)
    audit.record(session, actor, "standard_setting_hofstee", study.exam.name, study_id=study.id,
                 after={"min_cut": values[0], "max_cut": values[1], "min_fail": values[2], "max_fail": values[3]})
    return row.min_cut, row.max_cut, row.min_fail, row.max_fail


# -- the per-attempt pass mark ------------------------------------------------------------------------------------

def attempt_pass_mark(session: Session, exam: Exam, drawn: Sequence[Question]) -> tuple[float, dict]:
    """The pass mark of a new attempt at ``exam`` that drew ``drawn``, and what to note in its settings.

    A fixed exam: its pass mark. An Angoff exam: the cut score of the drawn items from the exam's latest closed
    study, items with fewer than 3 ratings (or no study yet) valued at the exam's pass mark."""
    if (exam.pass_mark_method or "fixed") != "angoff":
        return exam.pass_mark, {}
    study_id = _adopted_id(session, exam.id)
    got = ss.attempt_cut([(q.id, q.points) for q in drawn], ratings(session, study_id) if study_id else {},
                         exam.pass_mark)
    return round(got.pass_mark, 6), {"pass_mark_method": "angoff", "pass_mark_study": study_id,
                                     "pass_mark_fallback": list(got.fallback_ids)}
