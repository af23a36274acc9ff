"""Keeping every finished exam attempt's item vector (:mod:`quiz.domain.item_vector`, table ``attempt_vectors``)
true to its marks.

Whatever finishes an exam attempt or changes a mark of a finished one writes the attempt's vector again: grading
(:func:`quiz.services.attempts.grading.finalise`, also for overdue attempts), regrades and manual overrides
(:mod:`quiz.services.regrade`), the demo's and the benchmark's bulk inserts. Migration 0010 gives the attempts
finished before it theirs (:func:`backfill`). Item analysis checks that an exam's finished attempts all have one
and reads that exam from its rows otherwise, so a missing vector costs time, never a wrong figure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete, insert, select

from quiz.adapters.orm import FINISHED_STATES, Attempt, AttemptItem, AttemptVector, QuestionVersion, Response
from quiz.domain.bank import Question
from quiz.domain.item_vector import encode
from quiz.services.questions import to_question

CHUNK = 1000  # attempts per query when rewriting in bulk
VECTORS = AttemptVector.__table__


def needs_vector(attempt: Attempt) -> bool:
    """Item analysis reads finished attempts at an exam; the others keep none."""
    return attempt.exam_id is not None and attempt.state in FINISHED_STATES


def cells_of(attempt: Attempt, responses: Mapping[int, Response] | None = None,
             questions: Mapping[int, Question] | None = None) -> list[tuple]:
    """The cells of an attempt as its items and responses stand in this session (``responses`` and the shown
    ``questions`` by question version id, if the caller has them at hand): (version id, question, score, answer)."""
    if responses is None:
        responses = {r.question_version_id: r for r in attempt.responses}
    cells = []
    for item in attempt.items:  # in position order
        resp = responses.get(item.question_version_id)
        q = questions.get(item.question_version_id) if questions else None
        cells.append((item.question_version_id, q or to_question(item.question_version),
                      resp.score if resp is not None else None, resp.answer if resp is not None else None))
    return cells


def _row(attempt: Any, cells: Iterable[tuple]) -> dict[str, Any]:
    """The attempt_vectors row of an attempt (anything with its id, exam_id, user_id and started_at)."""
    return {"attempt_id": attempt.id, "exam_id": attempt.exam_id, "user_id": attempt.user_id,
            "started_at": attempt.started_at,
            "vector": encode(attempt.exam_id, attempt.user_id, attempt.id, attempt.started_at, cells)}


def write(session: Any, attempt: Attempt, responses: Mapping[int, Response] | None = None,
          questions: Mapping[int, Question] | None = None) -> None:
    """(Re)write the attempt's vector from its items and responses in this session; an attempt that is not a
    finished exam attempt keeps none."""
    if attempt.exam_id is None:
        return  # practice and review never have one
    session.execute(delete(VECTORS).where(VECTORS.c.attempt_id == attempt.id))
    if needs_vector(attempt):
        session.execute(insert(VECTORS).values(**_row(attempt, cells_of(attempt, responses, questions))))


def refresh(conn: Any, attempt_ids: Iterable[int]) -> int:
    """Rewrite the vectors of these attempts from the database's rows (a Session or a Connection: the bulk
    writers and the migration's backfill). Only finished exam attempts get one; returns how many were written."""
    ids = sorted(set(attempt_ids))
    questions: dict[int, Question] = {}
    written = 0
    for start in range(0, len(ids), CHUNK):
        part = ids[start:start + CHUNK]
        conn.execute(delete(VECTORS).where(VECTORS.c.attempt_id.in_(part)))
        attempts = conn.execute(select(Attempt.id, Attempt.exam_id, Attempt.user_id, Attempt.started_at).where(
            Attempt.id.in_(part), Attempt.exam_id.is_not(None), Attempt.state.in_(FINISHED_STATES))).all()
        if not attempts:
            continue
        rows = conn.execute(
            select(AttemptItem.attempt_id, AttemptItem.question_version_id, Response.score, Response.answer)
            .outerjoin(Response, (Response.attempt_id == AttemptItem.attempt_id)
                       & (Response.question_version_id == AttemptItem.question_version_id))
            .where(AttemptItem.attempt_id.in_([a.id for a in attempts]))
            .order_by(AttemptItem.attempt_id, AttemptItem.position)).all()
        missing = {r[1] for r in rows} - set(questions)
        if missing:
            for vid, content in conn.execute(select(QuestionVersion.id, QuestionVersion.content)
                                             .where(QuestionVersion.id.in_(missing))):
                questions[vid] = Question.model_validate(dict(content))
        cells: dict[int, list[tuple]] = {a.id: [] for a in attempts}
        for aid, vid, score, answer in rows:
            cells[aid].append((vid, questions[vid], score, answer))
        conn.execute(insert(VECTORS), [_row(a, cells[a.id]) for a in attempts])
        written += len(attempts)
    return written


def backfill(conn: Any) -> int:
    """Give every finished exam attempt without a vector its vector (migration 0010; safe to repeat)."""
    has = select(VECTORS.c.attempt_id).where(VECTORS.c.attempt_id == Attempt.id).exists()
    ids = list(conn.scalars(select(Attempt.id).where(Attempt.exam_id.is_not(None), Attempt.state.in_(FINISHED_STATES),
                                                     ~has)))
    return refresh(conn, ids)
