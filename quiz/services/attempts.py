"""Attempts: practice, certification exams and spaced-review sessions, from start to results.

Every answer is written to the database the moment it is given, so a refresh, a logout or a lost connection
loses nothing; the view of an attempt is rebuilt from the database each time (same items, same option order,
same answers, the remaining time computed from the stored deadline).

Exams give deferred feedback: while an exam attempt is in progress its view (:class:`AttemptView`) carries no
keys, no feedback and no explanations, only what the trainee may see. The deadline is enforced here, not in
the browser: an answer after it is refused, and an overdue attempt is graded with what was saved (state
``expired``) the next time anyone looks at it (:func:`finalise_overdue`). Grading happens once: the state
change from ``in_progress`` is a compare-and-set, so a second submit (another tab, a double click) only
reads the result.

Practice and review give immediate feedback: an answer is scored when it is given and cannot be changed
afterwards. Because that feedback shows right answers, practice and review are closed while the trainee has an
exam in progress (:func:`require_no_exam_in_progress`): they cannot be started, and an open one takes no
answers, until the exam is submitted or its deadline has passed. Practice answered wrongly, and exam items
answered wrongly (after submission), go into the trainee's spaced-review schedule (:mod:`quiz.services.review`).
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from quiz.adapters.orm import Attempt, AttemptItem, Exam, Response, User
from quiz.domain.assembly import Blueprint, BlueprintError, assemble, attempt_layout, pick_practice
from quiz.domain.bank import LETTERS, Question
from quiz.domain.scoring import (
    InvalidAnswer,
    correct_answer,
    describe_answer,
    is_complete,
    is_empty,
    normalise_answer,
    score_item,
    total_score,
)
from quiz.services import exam_rules
from quiz.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from quiz.services.permissions import Actor, require_view_user
from quiz.services.questions import current_questions, seen_counts, to_question

MAX_PRACTICE_ITEMS = 50
DEFAULT_REVIEW_OPTIONS = {"show_score": True, "show_answers": True, "show_explanations": True}


EXAM_LOCK_MESSAGE = ("Finish or submit your exam first: practice and review are closed while an exam is in "
                     "progress.")


class DeadlinePassed(Conflict):
    """An answer arrived after the attempt's deadline."""


class ExamInProgress(Conflict):
    """Practice or review was asked for while the trainee has an exam in progress."""


def now_utc() -> datetime:
    return datetime.now(UTC)


# -- view models ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OptionView:
    value: int  # the canonical option index (what an answer is made of)
    label: str  # display letter and text, e.g. "B. Book her 7 to 10 days after..."


@dataclass(frozen=True)
class FeedbackView:
    """What a trainee sees after answering a practice or review item (never during an exam)."""

    correct: bool
    score: float
    max_score: float
    your_answer: str
    right_answer: str
    feedback: list[str]  # the feedback of the chosen option(s), or the numeric item's feedback
    explanation: str
    source: tuple[str, str] | None = None  # (source id, section) the explanation draws on


@dataclass(frozen=True)
class ItemView:
    position: int
    question_id: str
    topic: str
    type: str
    stem: str
    options: list[OptionView]  # in the order this attempt shows them
    unit: str | None
    points: float
    case_title: str | None
    case_scenario: str | None
    answer: Any  # canonical; None when not answered
    flagged: bool
    feedback: FeedbackView | None = None  # practice/review once answered; never for an exam in progress

    @property
    def answered(self) -> bool:
        """Answered in full (an ordering item only once every step is placed)."""
        if is_empty(self.answer):
            return False
        return self.type != "ordering" or len(self.answer) == len(self.options)

    @property
    def partly_answered(self) -> bool:
        """An ordering item whose order is saved but does not yet place every step."""
        return not is_empty(self.answer) and not self.answered


@dataclass(frozen=True)
class AttemptView:
    id: int
    user_id: int
    mode: str
    state: str
    exam_id: int | None
    title: str
    started_at: datetime
    deadline_at: datetime | None
    seconds_left: int | None
    current_position: int
    items: list[ItemView]

    @property
    def answered_count(self) -> int:
        return sum(1 for i in self.items if i.answered)

    @property
    def flagged_positions(self) -> list[int]:
        return [i.position for i in self.items if i.flagged]

    @property
    def in_progress(self) -> bool:
        return self.state == "in_progress"


@dataclass(frozen=True)
class TopicResult:
    topic: str
    score: float
    max_score: float
    items: int
    correct: int

    @property
    def percent(self) -> float:
        return self.score / self.max_score if self.max_score else 0.0


@dataclass(frozen=True)
class ItemResult:
    position: int
    question_id: str
    topic: str
    stem: str
    case_scenario: str | None
    correct: bool
    score: float
    max_score: float
    your_answer: str
    right_answer: str | None  # None when the exam's review options hide answers
    feedback: list[str] | None
    explanation: str | None  # None when hidden
    source: tuple[str, str] | None = None  # (source id, section) behind the explanation, when it is shown


@dataclass(frozen=True)
class ResultsView:
    attempt_id: int
    user_id: int
    mode: str
    state: str  # submitted | expired
    title: str
    started_at: datetime
    submitted_at: datetime | None
    passed: bool | None
    pass_mark: float | None
    score: float | None  # None when the exam's review options hide the score
    max_score: float | None
    percent: float | None
    topics: list[TopicResult] = field(default_factory=list)
    items: list[ItemResult] = field(default_factory=list)
    certificate_code: str | None = None
    show_score: bool = True
    show_answers: bool = True
    show_explanations: bool = True


@dataclass(frozen=True)
class AttemptSummary:
    id: int
    mode: str
    state: str
    title: str
    exam_id: int | None
    started_at: datetime
    submitted_at: datetime | None
    deadline_at: datetime | None
    items: int
    percent: float | None
    passed: bool | None


# -- helpers -------------------------------------------------------------------------------------------------

def _load(session: Session, attempt_id: int) -> Attempt:
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise NotFound("That attempt does not exist.")
    return attempt


def _own(session: Session, actor: Actor, attempt_id: int) -> Attempt:
    """The attempt, if it is the actor's own (only its owner may answer, flag or submit it)."""
    attempt = _load(session, attempt_id)
    if attempt.user_id != actor.id:
        raise PermissionDenied("This is not your attempt.")
    return attempt


def _viewable(session: Session, actor: Actor, attempt_id: int) -> Attempt:
    """The attempt, if the actor may see it (its owner, their trainer, an administrator)."""
    attempt = _load(session, attempt_id)
    if attempt.user_id != actor.id:
        try:
            require_view_user(session, actor, attempt.user_id)
        except PermissionDenied:
            raise PermissionDenied("You may not see this attempt.") from None
    return attempt


def _title(attempt: Attempt) -> str:
    if attempt.mode == "exam":
        return attempt.exam.name if attempt.exam else "Exam"
    if attempt.mode == "review":
        return "Spaced review"
    topics = (attempt.settings or {}).get("topic_names") or (attempt.settings or {}).get("topics") or []
    return "Practice: " + (", ".join(topics) if topics else "all topics")


def _questions(attempt: Attempt) -> list[tuple[AttemptItem, Question]]:
    return [(item, to_question(item.question_version)) for item in attempt.items]


def _responses(attempt: Attempt) -> dict[int, Response]:
    return {r.question_version_id: r for r in attempt.responses}


def _options(q: Question, order: list[int]) -> list[OptionView]:
    order = order or list(range(len(q.options)))
    return [OptionView(value=idx, label=f"{LETTERS[pos]}. {q.options[idx].text}") for pos, idx in enumerate(order)]


def _display_describe(q: Question, answer: Any, order: list[int]) -> str:
    """describe_answer, but with the letters the trainee saw."""
    if is_empty(answer) or q.type in ("numeric", "true_false"):
        return describe_answer(q, answer)
    order = order or list(range(len(q.options)))
    shown = {idx: LETTERS[pos] for pos, idx in enumerate(order)}
    idxs = [answer] if q.type == "single" else list(answer)
    if q.type == "multiple":  # in the order shown (A, B, C...), without a doubled full stop before each ';'
        idxs = sorted(idxs, key=lambda i: shown[i])
        return "; ".join(f"{shown[i]}. {_no_stop(q.options[i].text)}" for i in idxs)
    sep = " -> " if q.type == "ordering" else "; "
    return sep.join(f"{shown[i]}. {q.options[i].text}" for i in idxs)


def _no_stop(text: str) -> str:
    return text.strip().removesuffix(".")


def _chosen_feedback(q: Question, answer: Any, correct: bool, order: list[int] | None = None) -> list[str]:
    if is_empty(answer):
        return []
    if q.type == "numeric":
        text = q.feedback.get("correct" if correct else "incorrect")
        return [text] if text else []
    if q.type == "true_false":
        return [q.options[0 if answer else 1].feedback]
    if q.type == "single":
        return [q.options[answer].feedback]
    if q.type == "multiple":  # every option that matters, the ticked ones and the right ones missed, A to Z
        shown = order or list(range(len(q.options)))
        key = set(correct_answer(q))
        ticked = set(answer)
        return [f"{LETTERS[pos]}. {_no_stop(q.options[i].text)} "
                f"({'you ticked it' if i in ticked else 'you did not tick it'}): {q.options[i].feedback}"
                for pos, i in enumerate(shown) if i in ticked or i in key]
    return []  # ordering: the explanation says why the order is right


def _feedback(q: Question, resp: Response, order: list[int]) -> FeedbackView:
    correct = bool(resp.is_correct)
    return FeedbackView(
        correct=correct, score=resp.score or 0.0, max_score=resp.max_score,
        your_answer=_display_describe(q, resp.answer, order),
        right_answer=_display_describe(q, correct_answer(q), order),
        feedback=_chosen_feedback(q, resp.answer, correct, order), explanation=q.explanation,
        source=(q.source.id, q.source.section),
    )


def _item_at(attempt: Attempt, position: int) -> AttemptItem:
    for item in attempt.items:
        if item.position == position:
            return item
    raise NotFound(f"This attempt has no question {position + 1}.")


def _add_items(session: Session, attempt: Attempt, picked: list[tuple[Question, int]]) -> None:
    layout = attempt_layout([q for q, _ in picked], attempt.seed)
    for pos, ((_q, version_id), order) in enumerate(zip(picked, layout)):
        session.add(AttemptItem(attempt_id=attempt.id, position=pos, question_version_id=version_id,
                                option_order=order))
    session.flush()
    session.refresh(attempt)


def _lock_user(session: Session, user_id: int) -> None:
    """Serialise starts for one trainee (a no-op write: a row lock on PostgreSQL, the write lock on SQLite),
    so two tabs clicking Start at once cannot create two attempts."""
    session.execute(update(User).where(User.id == user_id).values(resume_page=User.resume_page))


def require_no_exam_in_progress(session: Session, user_id: int, *, now: datetime | None = None) -> None:
    """Refuse (:class:`ExamInProgress`) while the trainee has an exam attempt in progress: immediate feedback
    would show right answers, perhaps to that exam's own questions. An exam past its deadline is finalised
    first, so it no longer counts. Callers take the trainee's lock first (:func:`_lock_user`), so an exam
    started at the same moment in another tab is seen."""
    finalise_overdue(session, now=now, user_id=user_id)
    running = session.scalar(select(Attempt.id).where(Attempt.user_id == user_id, Attempt.mode == "exam",
                                                      Attempt.state == "in_progress").limit(1))
    if running is not None:
        raise ExamInProgress(EXAM_LOCK_MESSAGE)


# -- starting ------------------------------------------------------------------------------------------------

def start_practice(session: Session, actor: Actor, topics: list[str] | None, count: int, *,
                   now: datetime | None = None, topic_names: dict[str, str] | None = None) -> int:
    """A practice attempt of at most ``count`` live items from ``topics`` (all topics when empty), preferring
    the items this trainee has seen least; case sets come whole and in order, or not at all (see
    :func:`quiz.domain.assembly.pick_practice`). Returns the attempt id. Refused while an exam is in progress."""
    now = now or now_utc()
    try:
        count = int(count)
    except (TypeError, ValueError):
        raise InvalidInput("Please choose how many questions you want.") from None
    if not 1 <= count <= MAX_PRACTICE_ITEMS:
        raise InvalidInput(f"Choose between 1 and {MAX_PRACTICE_ITEMS} questions.")
    _lock_user(session, actor.id)
    require_no_exam_in_progress(session, actor.id, now=now)
    topics = sorted(set(topics or []))
    pool = current_questions(session)  # every topic: a case set is served only when all of it is on topic
    if not any(not topics or c.question.topic in topics for c in pool):
        raise InvalidInput("There are no questions on the chosen topics yet. Please choose other topics.")
    seed = secrets.randbelow(2**31 - 1)
    chosen = pick_practice([c.question for c in pool], count, seed=seed, topics=topics,
                           seen=seen_counts(session, actor.id))
    if not chosen:
        raise InvalidInput(f"The chosen topics have no questions that fit in a practice of {count}: their "
                           "case studies come whole, with several questions each. Please choose more questions "
                           "or other topics.")
    by_id = {c.question.id: c for c in pool}
    picked = [(q, by_id[q.id].version_id) for q in chosen]
    names = topic_names or {}
    attempt = Attempt(user_id=actor.id, mode="practice", seed=seed, started_at=now,
                      settings={"topics": topics, "topic_names": [names.get(t, t) for t in topics],
                                "requested": count})
    session.add(attempt)
    session.flush()
    _add_items(session, attempt, picked)
    return attempt.id


def start_exam(session: Session, actor: Actor, exam_id: int, *, now: datetime | None = None) -> int:
    """Start (or, if one is in progress, resume) an attempt at a certification exam. Returns its id."""
    now = now or now_utc()
    if actor.role != "trainee":
        raise PermissionDenied("Only trainees sit certification exams.")
    _lock_user(session, actor.id)
    finalise_overdue(session, now=now, user_id=actor.id)
    exam = session.get(Exam, exam_id)
    if exam is None or not exam_rules.may_see_exam(session, actor.id, exam):
        raise NotFound("That exam does not exist or is not set for you.")
    status = exam_rules.exam_status(session, actor.id, exam, now)
    if status.in_progress_attempt_id is not None:
        return status.in_progress_attempt_id
    if not status.can_start:
        raise Conflict(status.reason or "You cannot start this exam now.")
    try:
        blueprint = Blueprint.from_dict(exam.blueprint)
    except (BlueprintError, KeyError, TypeError, ValueError) as err:
        raise Conflict(f"This exam is not set up correctly ({err}). Please tell your trainer.") from None
    pool = current_questions(session)
    by_id = {c.question.id: c for c in pool}
    seed = secrets.randbelow(2**31 - 1)
    try:
        chosen = assemble([c.question for c in pool], blueprint, seed=seed, seen=seen_counts(session, actor.id))
    except BlueprintError as err:
        raise Conflict(f"This exam cannot be started just now: {err}. Please tell your trainer.") from None
    ov = exam_rules.override_for(session, exam.id, actor.id)
    attempt = Attempt(
        user_id=actor.id, exam_id=exam.id, mode="exam", seed=seed, started_at=now,
        deadline_at=exam_rules.deadline_for(exam, now, ov.extra_minutes if ov else 0),
        settings={"pass_mark": exam.pass_mark, "review_options": dict(exam.review_options or {})},
    )
    session.add(attempt)
    session.flush()
    _add_items(session, attempt, [(q, by_id[q.id].version_id) for q in chosen])
    return attempt.id


def start_review_session(session: Session, actor: Actor, question_ids: list[str], *,
                         now: datetime | None = None) -> int:
    """A review attempt over the given questions (see quiz.services.review.start_review). Refused while an
    exam is in progress."""
    now = now or now_utc()
    _lock_user(session, actor.id)
    require_no_exam_in_progress(session, actor.id, now=now)
    if not question_ids:
        raise Conflict("Nothing is due for review right now.")
    pool = {c.question.id: c for c in current_questions(session, statuses=("live",))}
    picked = [(pool[q].question, pool[q].version_id) for q in question_ids if q in pool]
    if not picked:
        raise Conflict("Nothing is due for review right now.")
    attempt = Attempt(user_id=actor.id, mode="review", seed=secrets.randbelow(2**31 - 1), started_at=now,
                      settings={})
    session.add(attempt)
    session.flush()
    _add_items(session, attempt, picked)
    return attempt.id


# -- reading -------------------------------------------------------------------------------------------------

def attempt_view(session: Session, actor: Actor, attempt_id: int, *, now: datetime | None = None) -> AttemptView:
    """Everything a page needs to show an attempt. Finalises it first if its deadline has passed.

    For an exam in progress the items carry no key, feedback or explanation."""
    now = now or now_utc()
    attempt = _viewable(session, actor, attempt_id)
    if attempt.state == "in_progress" and attempt.deadline_at is not None and now >= attempt.deadline_at:
        _finalise(session, attempt, "expired", now)
    responses = _responses(attempt)
    deferred = attempt.mode == "exam"
    items = []
    for item, q in _questions(attempt):
        resp = responses.get(item.question_version_id)
        answer = resp.answer if resp is not None else None
        fb = None
        if not deferred and resp is not None and resp.score is not None and not is_empty(answer):
            fb = _feedback(q, resp, item.option_order)
        items.append(ItemView(
            position=item.position, question_id=q.id, topic=q.topic, type=q.type, stem=q.stem,
            options=_options(q, item.option_order), unit=q.unit, points=q.points,
            case_title=q.case.title if q.case else None, case_scenario=q.case.scenario if q.case else None,
            answer=answer, flagged=item.flagged, feedback=fb,
        ))
    seconds_left = None
    if attempt.deadline_at is not None and attempt.state == "in_progress":
        seconds_left = max(0, int((attempt.deadline_at - now).total_seconds()))
    return AttemptView(
        id=attempt.id, user_id=attempt.user_id, mode=attempt.mode, state=attempt.state, exam_id=attempt.exam_id,
        title=_title(attempt), started_at=attempt.started_at, deadline_at=attempt.deadline_at,
        seconds_left=seconds_left, current_position=min(attempt.current_position, max(0, len(items) - 1)),
        items=items,
    )


def in_progress(session: Session, actor: Actor, mode: str | None = None, *,
                now: datetime | None = None) -> list[AttemptSummary]:
    """The actor's attempts still in progress (overdue ones are finalised first), newest first."""
    finalise_overdue(session, now=now, user_id=actor.id)
    q = select(Attempt).where(Attempt.user_id == actor.id, Attempt.state == "in_progress")
    if mode:
        q = q.where(Attempt.mode == mode)
    return [summary(a) for a in session.scalars(q.order_by(Attempt.started_at.desc(), Attempt.id.desc()))]


def current_exam_attempt(session: Session, actor: Actor, *, now: datetime | None = None) -> int | None:
    """The id of the actor's exam attempt in progress, if any."""
    running = in_progress(session, actor, "exam", now=now)
    return running[0].id if running else None


def summary(a: Attempt) -> AttemptSummary:
    return AttemptSummary(id=a.id, mode=a.mode, state=a.state, title=_title(a), exam_id=a.exam_id,
                          started_at=a.started_at, submitted_at=a.submitted_at, deadline_at=a.deadline_at,
                          items=len(a.items), percent=a.percent, passed=a.passed)


def list_attempts(session: Session, actor: Actor, user_id: int | None = None,
                  finished_only: bool = False) -> list[AttemptSummary]:
    """A trainee's attempts, newest first (their own, or, for staff, a trainee they may see)."""
    user_id = actor.id if user_id is None else user_id
    require_view_user(session, actor, user_id)
    q = select(Attempt).where(Attempt.user_id == user_id)
    if finished_only:
        q = q.where(Attempt.state != "in_progress")
    return [summary(a) for a in session.scalars(q.order_by(Attempt.started_at.desc(), Attempt.id.desc()))]


# -- answering -----------------------------------------------------------------------------------------------

def save_answer(session: Session, actor: Actor, attempt_id: int, position: int, answer: Any, *,
                now: datetime | None = None) -> FeedbackView | None:
    """Save the answer to one item, now. Exams: the answer can be changed until submission and nothing is
    revealed (returns None); an ordering item's order is saved as it is built, step by step. Practice and
    review: the answer (an ordering item's complete order) is scored at once and the feedback returned; it
    cannot be changed afterwards, and it is refused while the trainee has an exam in progress."""
    now = now or now_utc()
    attempt = _own(session, actor, attempt_id)
    if attempt.state != "in_progress":
        raise Conflict("This attempt has already been submitted; answers can no longer be changed.")
    if attempt.deadline_at is not None and now >= attempt.deadline_at:
        raise DeadlinePassed("Time is up: this answer arrived after the deadline and was not saved. "
                             "Everything you answered before the deadline has been kept and submitted.")
    immediate = attempt.mode in ("practice", "review")
    if immediate:
        _lock_user(session, actor.id)
        require_no_exam_in_progress(session, actor.id, now=now)
    item = _item_at(attempt, position)
    q = to_question(item.question_version)
    try:
        canonical = normalise_answer(q, answer)
    except InvalidAnswer:
        raise InvalidInput("That answer does not fit this question; please choose again.") from None
    if immediate and is_empty(canonical):
        raise InvalidInput("Please choose an answer first.")
    if immediate and not is_complete(q, canonical):  # checked once, so only a whole order
        raise InvalidInput(f"Please place all {len(q.options)} steps in order first.")
    resp = session.scalar(select(Response).where(Response.attempt_id == attempt.id,
                                                 Response.question_version_id == item.question_version_id))
    if immediate and resp is not None and resp.score is not None:
        raise Conflict("You have already answered this question; its feedback is shown below it.")
    scored = score_item(q, canonical) if immediate else None
    if resp is None:
        resp = Response(attempt_id=attempt.id, question_version_id=item.question_version_id)
        try:
            with session.begin_nested():
                _fill(resp, canonical, scored, q, now)
                session.add(resp)
        except IntegrityError:  # saved at the same moment from another tab: update that row
            resp = session.scalar(select(Response).where(Response.attempt_id == attempt.id,
                                                         Response.question_version_id == item.question_version_id))
            _fill(resp, canonical, scored, q, now)
    else:
        _fill(resp, canonical, scored, q, now)
    attempt.current_position = position
    session.flush()
    if not immediate:
        return None
    from quiz.services import review

    if attempt.mode == "review":
        review.record_review(session, attempt.user_id, q.id, scored.correct, now)
    elif not scored.correct:
        review.schedule_wrong(session, attempt.user_id, [q.id], now)
    return _feedback(q, resp, item.option_order)


def _fill(resp: Response, answer: Any, scored: Any, q: Question, now: datetime) -> None:
    resp.answer = answer
    resp.saved_at = now
    resp.max_score = q.points
    if scored is not None:
        resp.score = scored.score
        resp.is_correct = scored.correct


def set_flag(session: Session, actor: Actor, attempt_id: int, position: int, flagged: bool) -> None:
    """Flag an item for review before submitting (or clear the flag)."""
    attempt = _own(session, actor, attempt_id)
    if attempt.state != "in_progress":
        raise Conflict("This attempt has already been submitted.")
    _item_at(attempt, position).flagged = bool(flagged)


def go_to(session: Session, actor: Actor, attempt_id: int, position: int) -> None:
    """Remember which question the trainee is on, so a resume opens it again."""
    attempt = _own(session, actor, attempt_id)
    if attempt.state == "in_progress":
        _item_at(attempt, position)
        attempt.current_position = position


# -- submitting ----------------------------------------------------------------------------------------------

def submit(session: Session, actor: Actor, attempt_id: int, *, now: datetime | None = None,
           secret_key: str | None = None) -> ResultsView:
    """Submit an attempt and return its results. Submitting again only returns the same results. After the
    deadline the attempt is graded with what was saved and marked ``expired``."""
    now = now or now_utc()
    attempt = _own(session, actor, attempt_id)
    if attempt.state == "in_progress":
        late = attempt.deadline_at is not None and now >= attempt.deadline_at
        _finalise(session, attempt, "expired" if late else "submitted", now, secret_key=secret_key)
    return results(session, actor, attempt_id)


def finalise_overdue(session: Session, *, now: datetime | None = None, user_id: int | None = None) -> int:
    """Grade every in-progress attempt past its deadline (state ``expired``); returns how many."""
    now = now or now_utc()
    q = select(Attempt).where(Attempt.state == "in_progress", Attempt.deadline_at.is_not(None),
                              Attempt.deadline_at <= now)
    if user_id is not None:
        q = q.where(Attempt.user_id == user_id)
    n = 0
    for attempt in session.scalars(q).all():
        n += _finalise(session, attempt, "expired", now)
    return n


def _finalise(session: Session, attempt: Attempt, state: str, now: datetime, *,
              secret_key: str | None = None) -> int:
    """Grade an attempt exactly once. Returns 1 if this call graded it, 0 if someone else already had."""
    ended = min(now, attempt.deadline_at) if (state == "expired" and attempt.deadline_at) else now
    won = session.execute(
        update(Attempt).where(Attempt.id == attempt.id, Attempt.state == "in_progress")
        .values(state=state, submitted_at=ended).execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(attempt)
    if won != 1:
        return 0
    responses = _responses(attempt)
    scores = []
    wrong: list[str] = []
    for item, q in _questions(attempt):
        resp = responses.get(item.question_version_id)
        if resp is None:
            resp = Response(attempt_id=attempt.id, question_version_id=item.question_version_id, answer=None,
                            max_score=q.points, saved_at=ended)
            session.add(resp)
        scored = score_item(q, resp.answer)
        resp.score, resp.is_correct, resp.max_score = scored.score, scored.correct, q.points
        scores.append(scored)
        if not scored.correct:
            wrong.append(q.id)
    pass_mark = (attempt.settings or {}).get("pass_mark") if attempt.mode == "exam" else None
    if attempt.mode == "exam" and pass_mark is None and attempt.exam is not None:
        pass_mark = attempt.exam.pass_mark
    total = total_score(scores, pass_mark)
    attempt.score, attempt.max_score, attempt.percent = total.score, total.max_score, total.percent
    attempt.passed = total.passed
    session.flush()
    if attempt.mode == "exam":
        from quiz.services import certificates, review

        review.schedule_wrong(session, attempt.user_id, wrong, now)
        if attempt.passed:
            certificates.issue(session, attempt, secret_key=secret_key, now=ended)
    return 1


# -- results -------------------------------------------------------------------------------------------------

def results(session: Session, actor: Actor, attempt_id: int, *, now: datetime | None = None) -> ResultsView:
    """The results of a finished attempt. A trainee sees what the exam's review options allow; their trainer
    sees everything."""
    attempt = _viewable(session, actor, attempt_id)
    if attempt.state == "in_progress" and attempt.deadline_at is not None \
            and (now or now_utc()) >= attempt.deadline_at:
        _finalise(session, attempt, "expired", now or now_utc())
    if attempt.state == "in_progress":
        raise Conflict("This attempt is still in progress; its results appear once it is submitted.")
    opts = dict(DEFAULT_REVIEW_OPTIONS)
    if attempt.mode == "exam" and not actor.is_staff:
        stored = (attempt.settings or {}).get("review_options")
        if stored is None and attempt.exam is not None:
            stored = attempt.exam.review_options
        opts.update({k: bool(v) for k, v in (stored or {}).items() if k in opts})
    responses = _responses(attempt)
    per_topic: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0, 0])
    items: list[ItemResult] = []
    for item, q in _questions(attempt):
        resp = responses.get(item.question_version_id)
        answer = resp.answer if resp else None
        scored = score_item(q, answer)
        t = per_topic[q.topic]
        t[0] += scored.score
        t[1] += scored.max_score
        t[2] += 1
        t[3] += int(scored.correct)
        items.append(ItemResult(
            position=item.position, question_id=q.id, topic=q.topic, stem=q.stem,
            case_scenario=q.case.scenario if q.case else None, correct=scored.correct,
            score=scored.score, max_score=scored.max_score,
            your_answer=_display_describe(q, answer, item.option_order),
            right_answer=_display_describe(q, correct_answer(q), item.option_order) if opts["show_answers"] else None,
            feedback=(_chosen_feedback(q, answer, scored.correct, item.option_order)
                      if opts["show_explanations"] else None),
            explanation=q.explanation if opts["show_explanations"] else None,
            source=(q.source.id, q.source.section) if opts["show_explanations"] else None,
        ))
    from quiz.services.certificates import code_for_attempt

    show_score = opts["show_score"]
    show_items = opts["show_answers"] or opts["show_explanations"]
    pass_mark = (attempt.settings or {}).get("pass_mark") if attempt.mode == "exam" else None
    return ResultsView(
        attempt_id=attempt.id, user_id=attempt.user_id, mode=attempt.mode, state=attempt.state,
        title=_title(attempt), started_at=attempt.started_at, submitted_at=attempt.submitted_at,
        passed=attempt.passed, pass_mark=pass_mark,
        score=attempt.score if show_score else None, max_score=attempt.max_score if show_score else None,
        percent=attempt.percent if show_score else None,
        topics=[TopicResult(k, v[0], v[1], int(v[2]), int(v[3])) for k, v in sorted(per_topic.items())]
        if show_score else [],
        items=items if show_items else [],
        certificate_code=code_for_attempt(session, attempt.id),
        show_score=show_score, show_answers=opts["show_answers"], show_explanations=opts["show_explanations"],
    )


def exam_statuses(session: Session, actor: Actor, *, now: datetime | None = None) -> list[exam_rules.ExamStatus]:
    """The exams set for the actor, each with whether it can be started now and why not."""
    now = now or now_utc()
    finalise_overdue(session, now=now, user_id=actor.id)
    return [exam_rules.exam_status(session, actor.id, e, now) for e in exam_rules.visible_exams(session, actor.id)]

