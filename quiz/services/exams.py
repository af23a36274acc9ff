"""Certification exams: what a trainer defines for a cohort, and per-trainee extra attempts or time.

An exam is a blueprint (items per topic, optional difficulty mix) drawn fresh for every attempt from the live
bank, plus its rules: time limit, pass mark (a fraction 0..1), attempts allowed, the wait between attempts,
what a trainee sees afterwards, and an optional window (UTC) in which it can be started. The trainee side
(``quiz.services.attempts``) reads these rows and the :class:`ExamOverride` rows when an exam is started.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quiz.adapters.orm import FINISHED_STATES, Attempt, Exam, ExamOverride, User
from quiz.domain.assembly import Blueprint, BlueprintError, assemble
from quiz.services import accounts, audit, catalogue, exam_rules
from quiz.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from quiz.services.permissions import Actor, require_cohort, require_staff, require_view_user, visible_cohort_ids
from quiz.services.questions import current_questions
from quiz.services.text_rules import clean_name

REVIEW_KEYS = ("show_score", "show_answers", "show_explanations")
DEFAULT_REVIEW = {"show_score": True, "show_answers": False, "show_explanations": False}
MAX_TIME_LIMIT = 24 * 60


@dataclass(frozen=True)
class ExamInfo:
    id: int
    name: str
    cohort_id: int | None
    cohort_name: str | None
    blueprint: dict[str, Any]
    total_items: int
    time_limit_minutes: int
    pass_mark: float
    attempts_allowed: int
    wait_hours: float
    review_options: dict[str, bool]
    opens_at: datetime | None
    closes_at: datetime | None
    is_active: bool
    attempts: int  # submitted attempts so far
    created_at: datetime
    validity_months: int | None = None  # certificates earned expire after this; None: never
    pass_mark_method: str = "fixed"  # fixed | angoff (each attempt's own cut score; quiz.services.standard_setting)


@dataclass(frozen=True)
class OverrideInfo:
    user_id: int
    name: str
    email: str
    extra_attempts: int
    extra_minutes: int
    granted_at: datetime


def _info(session: Session, exam: Exam) -> ExamInfo:
    n = session.scalar(select(func.count(Attempt.id)).where(Attempt.exam_id == exam.id,
                                                            Attempt.state.in_(FINISHED_STATES))) or 0
    bp = dict(exam.blueprint or {})
    return ExamInfo(
        id=exam.id, name=exam.name, cohort_id=exam.cohort_id, cohort_name=exam.cohort.name if exam.cohort else None,
        blueprint=bp, total_items=sum((bp.get("topics") or {}).values()), time_limit_minutes=exam.time_limit_minutes,
        pass_mark=exam.pass_mark, attempts_allowed=exam.attempts_allowed, wait_hours=exam.wait_hours,
        review_options={k: bool((exam.review_options or {}).get(k, False)) for k in REVIEW_KEYS},
        opens_at=exam.opens_at, closes_at=exam.closes_at, is_active=exam.is_active, attempts=n,
        created_at=exam.created_at, validity_months=exam.validity_months,
        pass_mark_method=exam.pass_mark_method or "fixed",
    )


def check_blueprint(session: Session, topics: Mapping[str, int], difficulty_mix: Mapping[str, float] | None = None,
                    include_cases: bool = True) -> Blueprint:
    """A valid blueprint the live bank can fill, or InvalidInput saying which topic (by its title) falls short."""
    clean: dict[str, int] = {}
    titles = catalogue.topic_names(session)
    for topic, n in (topics or {}).items():
        title = titles.get(str(topic), topic)
        try:
            count = int(n)
        except (TypeError, ValueError):
            raise InvalidInput(f"The number of items for '{title}' must be a whole number.") from None
        if count != n and not (isinstance(n, float) and n.is_integer()):
            raise InvalidInput(f"The number of items for '{title}' must be a whole number.")
        if count < 0:
            raise InvalidInput(f"The number of items for '{title}' cannot be negative.")
        if count:
            clean[str(topic)] = count
    if not clean:
        raise InvalidInput("Choose at least one topic with one or more items.")
    mix = {k: float(v) for k, v in (difficulty_mix or {}).items() if v} or None
    try:
        blueprint = Blueprint(topics=clean, difficulty_mix=mix, include_cases=include_cases)
        assemble([c.question for c in current_questions(session, topics=list(clean))], blueprint, seed=0)
    except BlueprintError as err:
        msg = topic_titles(session, str(err))
        raise InvalidInput(msg[:1].upper() + msg[1:] + ".") from None
    return blueprint


def topic_titles(session: Session, message: str) -> str:
    """A message of the assembly with each "topic 'hygiene'" replaced by the topic's title ("'Hygiene'")."""
    for tid, title in sorted(catalogue.topic_names(session).items(), key=lambda kv: -len(kv[0])):
        message = message.replace(f"topic '{tid}'", f"'{title}'")
    return message


def _check_rules(name: str, time_limit_minutes: Any, pass_mark: Any, attempts_allowed: Any, wait_hours: Any,
                 opens_at: datetime | None, closes_at: datetime | None) -> tuple[str, int, float, int, float]:
    if not (name or "").strip():
        raise InvalidInput("Please give the exam a name.")
    name = clean_name(name, "exam name")
    try:
        minutes = int(time_limit_minutes)
        mark = float(pass_mark)
        tries = int(attempts_allowed)
        wait = float(wait_hours or 0)
    except (TypeError, ValueError):
        raise InvalidInput("Time limit, pass mark, attempts and wait must be numbers.") from None
    if not 1 <= minutes <= MAX_TIME_LIMIT:
        raise InvalidInput(f"The time limit must be between 1 and {MAX_TIME_LIMIT} minutes.")
    if not math.isfinite(mark) or not 0 < mark <= 1:
        raise InvalidInput("The pass mark must be more than 0% and at most 100%.")
    if tries < 1:
        raise InvalidInput("At least one attempt must be allowed.")
    if not math.isfinite(wait) or wait < 0:
        raise InvalidInput("The wait between attempts cannot be negative.")
    for label, value in (("opening", opens_at), ("closing", closes_at)):
        if value is not None and value.tzinfo is None:
            raise InvalidInput(f"The {label} date needs a time zone (UTC).")
    if opens_at and closes_at and closes_at <= opens_at:
        raise InvalidInput("The exam must close after it opens.")
    return name, minutes, mark, tries, wait


MAX_VALIDITY_MONTHS = 120


def _validity(months: Any) -> int | None:
    """Months a certificate stays valid: a whole number from 1 to 120, or blank (None) for never."""
    if months is None or (isinstance(months, str) and not months.strip()):
        return None
    try:
        value = int(months)
    except (TypeError, ValueError):
        raise InvalidInput("The certificate validity must be a whole number of months (or blank: never expires).") \
            from None
    if isinstance(months, float) and not months.is_integer():
        raise InvalidInput("The certificate validity must be a whole number of months (or blank: never expires).")
    if not 1 <= value <= MAX_VALIDITY_MONTHS:
        raise InvalidInput(f"The certificate validity must be between 1 and {MAX_VALIDITY_MONTHS} months "
                           "(or blank: never expires).")
    return value


def _method(method: Any) -> str:
    """How attempts get their pass mark: 'fixed' (the pass mark) or 'angoff' (the cut score of the items drawn,
    from the exam's standard-setting panel; the pass mark stands in for items without enough ratings)."""
    value = str(method or "fixed").strip().lower()
    if value not in ("fixed", "angoff"):
        raise InvalidInput("The pass mark method is 'fixed' or 'angoff'.")
    return value


def _review(options: Mapping[str, Any] | None) -> dict[str, bool]:
    options = dict(DEFAULT_REVIEW if options is None else options)
    unknown = set(options) - set(REVIEW_KEYS)
    if unknown:
        raise InvalidInput(f"Unknown review option(s): {', '.join(sorted(unknown))}.")
    return {k: bool(options.get(k, False)) for k in REVIEW_KEYS}


def _name_free(session: Session, name: str, exclude_id: int | None = None) -> None:
    q = select(Exam.id).where(func.lower(Exam.name) == name.lower())
    if exclude_id is not None:
        q = q.where(Exam.id != exclude_id)
    if session.scalar(q) is not None:
        raise Conflict(f"An exam named '{name}' already exists; please choose another name.")


def define_exam(session: Session, actor: Actor, *, cohort_id: int, name: str, topics: Mapping[str, int],
                difficulty_mix: Mapping[str, float] | None = None, include_cases: bool = True,
                time_limit_minutes: int = 30, pass_mark: float = 0.7, attempts_allowed: int = 1,
                wait_hours: float = 0, review_options: Mapping[str, Any] | None = None,
                opens_at: datetime | None = None, closes_at: datetime | None = None,
                validity_months: int | None = None, pass_mark_method: str = "fixed") -> ExamInfo:
    """A new, active exam for one of the actor's cohorts."""
    require_cohort(session, actor, cohort_id)
    name, minutes, mark, tries, wait = _check_rules(name, time_limit_minutes, pass_mark, attempts_allowed,
                                                    wait_hours, opens_at, closes_at)
    review = _review(review_options)
    validity = _validity(validity_months)
    blueprint = check_blueprint(session, topics, difficulty_mix, include_cases)
    _name_free(session, name)
    exam = Exam(name=name, cohort_id=cohort_id, blueprint=blueprint.to_dict(), time_limit_minutes=minutes,
                pass_mark=mark, attempts_allowed=tries, wait_hours=wait, review_options=review, opens_at=opens_at,
                closes_at=closes_at, is_active=True, created_by=actor.id, validity_months=validity,
                pass_mark_method=_method(pass_mark_method))
    session.add(exam)
    session.flush()
    audit.record(session, actor, "exam_defined", name, exam_id=exam.id, cohort_id=cohort_id)
    return _info(session, exam)


def require_exam(session: Session, actor: Actor, exam_id: int) -> Exam:
    """The exam, if the actor manages it: a trainer of its cohort, or an administrator (any exam)."""
    require_staff(actor)
    exam = session.get(Exam, exam_id)
    if exam is None:
        raise NotFound("No such exam.")
    if exam.cohort_id is None:
        if not actor.is_admin:
            raise PermissionDenied("Only an administrator can manage an exam without a cohort.")
    else:
        require_cohort(session, actor, exam.cohort_id)
    return exam


def get_exam(session: Session, actor: Actor, exam_id: int) -> ExamInfo:
    return _info(session, require_exam(session, actor, exam_id))


_UNSET: Any = object()


def update_exam(session: Session, actor: Actor, exam_id: int, *, name: str = _UNSET,
                topics: Mapping[str, int] = _UNSET, difficulty_mix: Mapping[str, float] | None = _UNSET,
                include_cases: bool = _UNSET, time_limit_minutes: int = _UNSET, pass_mark: float = _UNSET,
                attempts_allowed: int = _UNSET, wait_hours: float = _UNSET,
                review_options: Mapping[str, Any] = _UNSET, opens_at: datetime | None = _UNSET,
                closes_at: datetime | None = _UNSET, is_active: bool = _UNSET,
                validity_months: int | None = _UNSET, pass_mark_method: str = _UNSET) -> ExamInfo:
    """Change an exam. Attempts already made keep their questions and their score; new rules apply to new
    attempts (a changed pass mark does not re-grade past attempts)."""
    exam = require_exam(session, actor, exam_id)

    def pick(value: Any, current: Any) -> Any:
        return current if value is _UNSET else value

    bp = Blueprint.from_dict(exam.blueprint)
    new_name, minutes, mark, tries, wait = _check_rules(
        pick(name, exam.name), pick(time_limit_minutes, exam.time_limit_minutes), pick(pass_mark, exam.pass_mark),
        pick(attempts_allowed, exam.attempts_allowed), pick(wait_hours, exam.wait_hours),
        pick(opens_at, exam.opens_at), pick(closes_at, exam.closes_at))
    if any(v is not _UNSET for v in (topics, difficulty_mix, include_cases)):
        bp = check_blueprint(session, pick(topics, bp.topics), pick(difficulty_mix, bp.difficulty_mix),
                             pick(include_cases, bp.include_cases))
        exam.blueprint = bp.to_dict()
    if new_name != exam.name:
        _name_free(session, new_name, exclude_id=exam.id)
    exam.name, exam.time_limit_minutes, exam.pass_mark = new_name, minutes, mark
    exam.attempts_allowed, exam.wait_hours = tries, wait
    exam.opens_at, exam.closes_at = pick(opens_at, exam.opens_at), pick(closes_at, exam.closes_at)
    if review_options is not _UNSET:
        exam.review_options = _review(review_options)
    if is_active is not _UNSET:
        exam.is_active = bool(is_active)
    if validity_months is not _UNSET:  # applies to certificates issued from now on
        exam.validity_months = _validity(validity_months)
    if pass_mark_method is not _UNSET:  # applies to attempts started from now on
        exam.pass_mark_method = _method(pass_mark_method)
    session.flush()
    audit.record(session, actor, "exam_updated", exam.name, exam_id=exam.id)
    return _info(session, exam)


def set_active(session: Session, actor: Actor, exam_id: int, active: bool) -> ExamInfo:
    """Deactivate (no new attempts; results kept) or reactivate an exam."""
    exam = require_exam(session, actor, exam_id)
    exam.is_active = bool(active)
    audit.record(session, actor, "exam_activated" if active else "exam_deactivated", exam.name, exam_id=exam.id)
    return _info(session, exam)


def deactivate_exam(session: Session, actor: Actor, exam_id: int) -> ExamInfo:
    return set_active(session, actor, exam_id, False)


def list_exams(session: Session, actor: Actor, cohort_id: int | None = None, *,
               include_inactive: bool = True) -> list[ExamInfo]:
    """Exams of the actor's cohorts (all exams for an admin), newest first; optionally of one cohort."""
    require_staff(actor)
    q = select(Exam).order_by(Exam.created_at.desc(), Exam.id.desc())
    if cohort_id is not None:
        require_cohort(session, actor, cohort_id)
        q = q.where(Exam.cohort_id == cohort_id)
    else:
        ids = visible_cohort_ids(session, actor)
        if ids is not None:
            q = q.where(Exam.cohort_id.in_(ids))
    if not include_inactive:
        q = q.where(Exam.is_active.is_(True))
    return [_info(session, e) for e in session.scalars(q)]


def grant_override(session: Session, actor: Actor, exam_id: int, user_id: int, *, extra_attempts: int = 0,
                   extra_minutes: int = 0) -> OverrideInfo:
    """Give one trainee extra attempts and/or extra minutes on one exam (added to what they already have)."""
    exam = require_exam(session, actor, exam_id)
    require_view_user(session, actor, user_id)
    user = session.get(User, user_id)
    if user is None or user.role != "trainee":
        raise InvalidInput("Extra attempts or time can only be given to a trainee.")
    try:
        add_attempts, add_minutes = int(extra_attempts or 0), int(extra_minutes or 0)
    except (TypeError, ValueError):
        raise InvalidInput("Extra attempts and minutes must be whole numbers.") from None
    if add_attempts < 0 or add_minutes < 0:
        raise InvalidInput("Extra attempts and minutes cannot be negative.")
    if add_attempts == 0 and add_minutes == 0:
        raise InvalidInput("Give at least one extra attempt or some extra minutes.")
    row = session.scalar(select(ExamOverride).where(ExamOverride.exam_id == exam.id,
                                                    ExamOverride.user_id == user_id))
    if row is None:
        row = ExamOverride(exam_id=exam.id, user_id=user_id, extra_attempts=0, extra_minutes=0)
        session.add(row)
    row.extra_attempts = (row.extra_attempts or 0) + add_attempts
    row.extra_minutes = (row.extra_minutes or 0) + add_minutes
    row.granted_by = actor.id
    row.granted_at = accounts.now()
    if add_minutes:
        # An attempt the trainee is sitting right now gets the extra time too (not graded yet, so even one
        # whose time has just run out is given it back); never later than the exam closes.
        for attempt in session.scalars(select(Attempt).where(Attempt.exam_id == exam.id, Attempt.user_id == user_id,
                                                             Attempt.state == "in_progress")):
            longer = exam_rules.deadline_for(exam, attempt.started_at, row.extra_minutes)
            if attempt.deadline_at is None or longer > attempt.deadline_at:
                attempt.deadline_at = longer
    session.flush()
    audit.record(session, actor, "exam_override", user.email, exam_id=exam.id, extra_attempts=add_attempts,
                   extra_minutes=add_minutes)
    return OverrideInfo(user.id, user.name, user.email, row.extra_attempts, row.extra_minutes, row.granted_at)


def clear_override(session: Session, actor: Actor, exam_id: int, user_id: int) -> bool:
    exam = require_exam(session, actor, exam_id)
    row = session.scalar(select(ExamOverride).where(ExamOverride.exam_id == exam.id,
                                                    ExamOverride.user_id == user_id))
    if row is None:
        raise NotFound("This trainee has no extra attempts or time on this exam.")
    session.delete(row)
    audit.record(session, actor, "exam_override_cleared", str(user_id), exam_id=exam.id)
    return True


def list_overrides(session: Session, actor: Actor, exam_id: int) -> list[OverrideInfo]:
    exam = require_exam(session, actor, exam_id)
    q = (select(ExamOverride, User).join(User, User.id == ExamOverride.user_id)
         .where(ExamOverride.exam_id == exam.id).order_by(User.name))
    return [OverrideInfo(u.id, u.name, u.email, o.extra_attempts, o.extra_minutes, o.granted_at)
            for o, u in session.execute(q)]
