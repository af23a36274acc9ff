"""An attempt in progress: its view, saving answers as they are given, flags and navigation."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, exists, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from quiz.adapters.orm import Attempt, AttemptItem, QuestionVersion, Response
from quiz.domain.bank import Question
from quiz.domain.scoring import (
    InvalidAnswer,
    is_complete,
    is_empty,
    normalise_answer,
    score_item,
)
from quiz.services.attempts.common import (
    STALE_ANSWER_MESSAGE,
    DeadlinePassed,
    StaleAnswer,
    attempt_questions,
    attempt_responses,
    attempt_title,
    item_at,
    lock_attempt,
    lock_user,
    now_utc,
    own_attempt,
    viewable_attempt,
)
from quiz.services.attempts.grading import finalise, require_no_exam_in_progress
from quiz.services.attempts.views import AttemptView, FeedbackView, ItemView, feedback_view, option_views
from quiz.services.errors import Conflict, InvalidInput
from quiz.services.permissions import Actor
from quiz.services.questions import to_question


def preload_versions(session: Session, attempt_id: int) -> list[QuestionVersion]:
    """Load the question versions of an attempt's items in one query: ``item.question_version`` then comes from
    the session, so showing or resuming an attempt costs a fixed number of queries (was one per item). Keep
    the list while reading the items: the session holds loaded objects only as long as something else does."""
    q = (select(QuestionVersion).join(AttemptItem, AttemptItem.question_version_id == QuestionVersion.id)
         .where(AttemptItem.attempt_id == attempt_id))
    return list(session.scalars(q))


def attempt_view(session: Session, actor: Actor, attempt_id: int, *, now: datetime | None = None) -> AttemptView:
    """Everything a page needs to show an attempt. Finalises it first if its deadline has passed.

    For an exam in progress the items carry no key, feedback or explanation."""
    now = now or now_utc()
    attempt = viewable_attempt(session, actor, attempt_id)
    if attempt.state == "in_progress" and attempt.deadline_at is not None and now >= attempt.deadline_at:
        finalise(session, attempt, "expired", now)
    versions = preload_versions(session, attempt.id)  # noqa: F841 - held while the items are read
    responses = attempt_responses(attempt)
    deferred = attempt.mode == "exam"
    items = []
    for item, q in attempt_questions(attempt):
        resp = responses.get(item.question_version_id)
        answer = resp.answer if resp is not None else None
        fb = None
        if not deferred and resp is not None and resp.score is not None and not is_empty(answer):
            fb = feedback_view(q, resp, item.option_order)
        items.append(ItemView(
            position=item.position, question_id=q.id, topic=q.topic, type=q.type, stem=q.stem,
            options=option_views(q, item.option_order), unit=q.unit, points=q.points,
            case_title=q.case.title if q.case else None, case_scenario=q.case.scenario if q.case else None,
            answer=answer, flagged=item.flagged, feedback=fb, scoring=q.scoring,
            version=resp.version if resp is not None else 0,
        ))
    seconds_left = None
    if attempt.deadline_at is not None and attempt.state == "in_progress":
        seconds_left = max(0, int((attempt.deadline_at - now).total_seconds()))
    return AttemptView(
        id=attempt.id, user_id=attempt.user_id, mode=attempt.mode, state=attempt.state, exam_id=attempt.exam_id,
        title=attempt_title(attempt), started_at=attempt.started_at, deadline_at=attempt.deadline_at,
        seconds_left=seconds_left, current_position=min(attempt.current_position, max(0, len(items) - 1)),
        items=items,
    )


def save_answer(session: Session, actor: Actor, attempt_id: int, position: int, answer: Any, *,
                now: datetime | None = None, expected_version: int | None = None) -> FeedbackView | None:
    """Save the answer to one item, now. Exams: the answer can be changed until submission and nothing is
    revealed (returns None); an ordering item's order is saved as it is built, step by step. Practice and
    review: the answer (an ordering item's complete order) is scored at once and the feedback returned; it
    cannot be changed afterwards, and it is refused while the trainee has an exam in progress.

    ``expected_version``: the version of the saved answer the page showed (``ItemView.version``, 0 for none);
    if another tab has saved since, the save is refused (:class:`StaleAnswer`) and the page shows the newer
    answer. Each save adds one to the version.

    An exam answer takes two statements (:func:`_save_exam_answer`); everything else - practice and review,
    and every refusal - goes the way below, which loads the attempt and says why."""
    now = now or now_utc()
    if _save_exam_answer(session, actor, attempt_id, position, answer, now, expected_version):
        return None
    attempt = own_attempt(session, actor, attempt_id)
    immediate = attempt.mode in ("practice", "review")
    if immediate:
        lock_user(session, actor.id)  # the trainee first, then the attempt: the order start_exam takes them in
    lock_attempt(session, attempt_id)  # grading in another tab or process waits, or has finished: seen below
    if attempt.state != "in_progress":
        raise Conflict("This attempt has already been submitted; answers can no longer be changed.")
    if attempt.deadline_at is not None and now >= attempt.deadline_at:
        raise DeadlinePassed("Time is up: this answer arrived after the deadline and was not saved. "
                             "Everything you answered before the deadline has been kept and submitted.")
    if immediate:
        require_no_exam_in_progress(session, actor.id, now=now)
    item = item_at(attempt, position)
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
                                                 Response.question_version_id == item.question_version_id)
                          .execution_options(populate_existing=True))
    if expected_version is not None and expected_version != (resp.version if resp is not None else 0):
        raise StaleAnswer(STALE_ANSWER_MESSAGE)
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
    return feedback_view(q, resp, item.option_order)


@cache
def _exam_statements(dialect: str) -> tuple[Any, Any, Any, Any] | None:
    """The statements of :func:`_save_exam_answer`, built once per dialect with named parameters (so
    SQLAlchemy compiles each once); None for a database without INSERT ... ON CONFLICT."""
    if dialect not in ("sqlite", "postgresql"):
        return None
    a, item, qv, r = Attempt.__table__, AttemptItem.__table__, QuestionVersion.__table__, Response.__table__
    at_position = (item.c.attempt_id == bindparam("aid")) & (item.c.position == bindparam("pos"))
    version_id = select(item.c.question_version_id).where(at_position).scalar_subquery()
    # no join: SQLite's RETURNING renders columns unqualified, so each subquery reads one table
    content = select(qv.c.content).where(qv.c.id == version_id).scalar_subquery()
    claim = (update(a).where(a.c.id == bindparam("aid"), a.c.user_id == bindparam("uid"), a.c.mode == "exam",
                             a.c.state == "in_progress",
                             or_(a.c.deadline_at.is_(None), a.c.deadline_at > bindparam("now")),
                             exists().where(at_position))
             .values(current_position=bindparam("pos")).returning(version_id, content))
    fields = {"answer": bindparam("new_answer", type_=r.c.answer.type),
              "saved_at": bindparam("new_saved_at", type_=r.c.saved_at.type),
              "max_score": bindparam("new_max_score", type_=r.c.max_score.type)}
    replace = (update(r).where(r.c.attempt_id == bindparam("aid"), r.c.question_version_id == bindparam("vid"),
                               r.c.version == bindparam("expected"))
               .values(**fields, version=r.c.version + 1).returning(r.c.version))
    # the inserts as text: SQLite and PostgreSQL share the upsert syntax, and SQLAlchemy does not cache the
    # compiled form of its dialects' insert().on_conflict_...() constructs (it would compile them on every save)
    insert = ("INSERT INTO responses (attempt_id, question_version_id, answer, saved_at, max_score, version) "
              "VALUES (:aid, :vid, :new_answer, :new_saved_at, :new_max_score, 1) "
              "ON CONFLICT (attempt_id, question_version_id) DO ")
    first = text(insert + "NOTHING RETURNING version").bindparams(*fields.values())
    upsert = text(insert + "UPDATE SET answer = excluded.answer, saved_at = excluded.saved_at, "
                  "max_score = excluded.max_score, version = responses.version + 1 RETURNING version"
                  ).bindparams(*fields.values())
    return claim, replace, first, upsert


def _save_exam_answer(session: Session, actor: Actor, attempt_id: int, position: int, answer: Any,
                      now: datetime, expected_version: int | None) -> bool:
    """Save an answer to an exam in progress in two statements, with no ORM object loaded; False (nothing
    written) when this is not the actor's exam in progress before its deadline, has no such position, or the
    database has no upsert - the caller then takes the long way, which says why.

    1. ``UPDATE attempts SET current_position = :pos WHERE id = :aid AND user_id = :uid AND mode = 'exam'
       AND state = 'in_progress' AND (deadline_at IS NULL OR deadline_at > :now) AND EXISTS <the item at :pos>
       RETURNING <the item's question version id and content>``: the ownership, state, deadline and position
       checks, and the attempt's lock (the row lock on PostgreSQL, the write lock on SQLite, held until commit,
       as :func:`lock_attempt` takes it) in one statement. A grading that committed first leaves no row to
       update (PostgreSQL re-checks the WHERE on the new row once the lock is free; SQLite's writer sees the
       last commit).
    2. The response, with the stale-tab check in the same statement: ``INSERT ... ON CONFLICT (attempt_id,
       question_version_id) DO UPDATE SET version = responses.version + 1 ...`` (no expected version),
       ``... DO NOTHING`` (the page showed no answer), or ``UPDATE ... WHERE version = :expected`` - nothing
       returned means another tab saved first (:class:`StaleAnswer`; the attempt stays on the question the
       stale save was made on, nothing else changes)."""
    conn = session.connection()
    statements = _exam_statements(conn.dialect.name)
    if statements is None:
        return False
    claim, replace, first, upsert = statements
    row = conn.execute(claim, {"aid": attempt_id, "uid": actor.id, "pos": position, "now": now}).first()
    if row is None:
        return False
    _forget(session, attempt_id)
    vid, q = row[0], Question.model_validate(row[1])  # what to_question does, from the content returned
    try:
        canonical = normalise_answer(q, answer)
    except InvalidAnswer:
        raise InvalidInput("That answer does not fit this question; please choose again.") from None
    params = {"aid": attempt_id, "vid": vid, "new_answer": canonical, "new_saved_at": now,
              "new_max_score": q.points, "expected": expected_version}
    stmt = replace if expected_version else first if expected_version == 0 else upsert
    if conn.execute(stmt, params).first() is None:
        raise StaleAnswer(STALE_ANSWER_MESSAGE)
    return True


def _forget(session: Session, attempt_id: int) -> None:
    """Expire the attempt and its responses if this session had loaded them (written above behind the ORM's
    back): a later read in the same session sees the database. Usually the session holds nothing."""
    for obj in list(session.identity_map.values()):
        if (isinstance(obj, Attempt) and obj.id == attempt_id) or (
                isinstance(obj, Response) and obj.attempt_id == attempt_id):
            session.expire(obj)


def _fill(resp: Response, answer: Any, scored: Any, q: Question, now: datetime) -> None:
    resp.version = (resp.version or 0) + 1  # a new row: 1
    resp.answer = answer
    resp.saved_at = now
    resp.max_score = q.points
    if scored is not None:
        resp.score = scored.score
        resp.is_correct = scored.correct


def set_flag(session: Session, actor: Actor, attempt_id: int, position: int, flagged: bool, *,
             now: datetime | None = None) -> None:
    """Flag an item for review before submitting (or clear the flag); refused after the deadline, as answers
    are."""
    now = now or now_utc()
    attempt = own_attempt(session, actor, attempt_id)
    lock_attempt(session, attempt_id)
    if attempt.state != "in_progress":
        raise Conflict("This attempt has already been submitted.")
    if attempt.deadline_at is not None and now >= attempt.deadline_at:
        raise DeadlinePassed("Time is up: flags can no longer be changed. Everything you answered before the "
                             "deadline has been kept and submitted.")
    item_at(attempt, position).flagged = bool(flagged)


def go_to(session: Session, actor: Actor, attempt_id: int, position: int) -> None:
    """Remember which question the trainee is on, so a resume opens it again."""
    attempt = own_attempt(session, actor, attempt_id)
    if attempt.state == "in_progress":
        item_at(attempt, position)
        attempt.current_position = position
