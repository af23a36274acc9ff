"""Results and responses as rows for CSV / Excel (quiz/adapters/spreadsheet.py neutralises formula injection).

Who sees what: administrators (and the command line, ``actor=None``) every attempt; a trainer the attempts of
the trainees in the cohorts they run, and any attempt at those cohorts' exams; trainees nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from quiz.adapters import spreadsheet
from quiz.adapters.orm import (
    Attempt,
    AttemptItem,
    Cohort,
    CohortMember,
    Exam,
    QuestionRow,
    QuestionVersion,
    Response,
    User,
)
from quiz.domain.bank import LETTERS
from quiz.domain.scoring import is_empty
from quiz.services.attempts.grading import finalise_overdue
from quiz.services.attempts.views import display_describe
from quiz.services.errors import NotFound
from quiz.services.item_analysis import require_exam
from quiz.services.permissions import Actor, require_cohort, require_staff, visible_cohort_ids
from quiz.services.questions import to_question

RESULT_COLUMNS = ("attempt_id", "trainee_email", "trainee_name", "cohort", "exam_or_mode", "state", "started",
                  "submitted", "score", "max_score", "percent", "passed")
RESPONSE_COLUMNS = ("attempt_id", "trainee_email", "exam_or_mode", "question_id", "question_version", "topic",
                    "position", "answer", "answer_letters", "answer_text", "correct", "score", "max_score",
                    "saved")


def _scope(session: Session, actor: Actor | None, cohort_id: int | None, exam_id: int | None
           ) -> tuple[list[int] | None, Any]:
    """(cohort ids in scope or None for all, a WHERE clause on Attempt). Overdue attempts are graded first."""
    if actor is not None:
        require_staff(actor)
    finalise_overdue(session)
    if cohort_id is not None:
        if actor is None:
            if session.get(Cohort, cohort_id) is None:
                raise NotFound("There is no such cohort.")
        else:
            require_cohort(session, actor, cohort_id)
        cohorts: list[int] | None = [cohort_id]
    else:
        cohorts = None if actor is None else visible_cohort_ids(session, actor)
    clauses = []
    if cohorts is not None:
        members = select(CohortMember.user_id).where(CohortMember.cohort_id.in_(cohorts))
        exams = select(Exam.id).where(Exam.cohort_id.in_(cohorts))
        clauses.append(or_(Attempt.user_id.in_(members), Attempt.exam_id.in_(exams)))
    if exam_id is not None:
        require_exam(session, actor, exam_id)
        clauses.append(Attempt.exam_id == exam_id)
    return cohorts, clauses


def _cohort_names(session: Session, cohorts: list[int] | None) -> tuple[dict[int, str], dict[int, list[str]]]:
    """Cohort names by id, and the (in-scope) cohort names of each trainee."""
    q = select(Cohort.id, Cohort.name)
    if cohorts is not None:
        q = q.where(Cohort.id.in_(cohorts))
    names = dict(session.execute(q).all())
    by_user: dict[int, list[str]] = defaultdict(list)
    mq = select(CohortMember.user_id, CohortMember.cohort_id).order_by(CohortMember.cohort_id)
    if cohorts is not None:
        mq = mq.where(CohortMember.cohort_id.in_(cohorts))
    for uid, cid in session.execute(mq):
        if cid in names:
            by_user[uid].append(names[cid])
    return names, by_user


def _label(attempt: Attempt, exam: Exam | None) -> str:
    return f"exam: {exam.name}" if exam is not None else attempt.mode


def results_rows(session: Session, actor: Actor | None, cohort_id: int | None = None,
                 exam_id: int | None = None) -> list[dict[str, Any]]:
    """One row per attempt (keys: RESULT_COLUMNS), oldest first. ``percent`` is 0..1."""
    cohorts, clauses = _scope(session, actor, cohort_id, exam_id)
    names, by_user = _cohort_names(session, cohorts)
    q = (select(Attempt, User, Exam).join(User, User.id == Attempt.user_id)
         .outerjoin(Exam, Exam.id == Attempt.exam_id).where(*clauses)
         .order_by(Attempt.started_at, Attempt.id))
    rows = []
    for attempt, user, exam in session.execute(q):
        cohort = names.get(exam.cohort_id) if exam is not None and exam.cohort_id in names else None
        rows.append({
            "attempt_id": attempt.id, "trainee_email": user.email, "trainee_name": user.name,
            "cohort": cohort or "; ".join(by_user.get(user.id, [])), "exam_or_mode": _label(attempt, exam),
            "state": attempt.state, "started": attempt.started_at, "submitted": attempt.submitted_at,
            "score": attempt.score, "max_score": attempt.max_score, "percent": attempt.percent,
            "passed": attempt.passed,
        })
    return rows


def responses_rows(session: Session, actor: Actor | None, cohort_id: int | None = None,
                   exam_id: int | None = None) -> list[dict[str, Any]]:
    """One row per saved response (keys: RESPONSE_COLUMNS). ``answer`` is human readable with the letters the
    trainee saw (options are shuffled per attempt): "B. Re-plan"; ``answer_letters`` is those letters alone
    ("B", "A; C", "C -> A -> B"), ``answer_text`` the options' text alone; ``position`` is the question's
    number in the attempt (1, 2, ...). Times are UTC."""
    _, clauses = _scope(session, actor, cohort_id, exam_id)
    # Plain columns, not entities: a large export must not decode every question's JSON once per response.
    q = (select(Attempt.id, Attempt.mode, User.email, Exam.name, Response.answer, Response.is_correct,
                Response.score, Response.max_score, Response.saved_at, QuestionVersion.id,
                QuestionVersion.question_id, QuestionVersion.version, QuestionRow.topic, AttemptItem.position,
                AttemptItem.option_order)
         .select_from(Response)
         .join(Attempt, Attempt.id == Response.attempt_id)
         .outerjoin(AttemptItem, (AttemptItem.attempt_id == Response.attempt_id)
                    & (AttemptItem.question_version_id == Response.question_version_id))
         .join(User, User.id == Attempt.user_id)
         .outerjoin(Exam, Exam.id == Attempt.exam_id)
         .join(QuestionVersion, QuestionVersion.id == Response.question_version_id)
         .join(QuestionRow, QuestionRow.id == QuestionVersion.question_id)
         .where(*clauses)
         .order_by(Attempt.started_at, Attempt.id, Response.id))
    result = session.execute(q).all()
    version_ids = {r[9] for r in result}
    questions: dict[int, Any] = {
        v.id: to_question(v)
        for v in session.scalars(select(QuestionVersion).where(QuestionVersion.id.in_(version_ids)))
    } if version_ids else {}
    rows = []
    for (attempt_id, mode, email, exam_name, answer, is_correct, score, max_score, saved_at, version_id,
         question_id, version, topic, position, order) in result:
        try:
            shown, letters, text = _shown_answer(questions[version_id], answer, order or [])
        except (IndexError, KeyError, TypeError, ValueError):
            shown, letters, text = str(answer), "", str(answer)
        rows.append({
            "attempt_id": attempt_id, "trainee_email": email,
            "exam_or_mode": f"exam: {exam_name}" if exam_name else mode,
            "question_id": question_id, "question_version": version, "topic": topic,
            "position": position + 1 if position is not None else None,
            "answer": shown, "answer_letters": letters, "answer_text": text, "correct": is_correct,
            "score": score, "max_score": max_score, "saved": saved_at,
        })
    return rows


def _shown_answer(q: Any, answer: Any, order: list[int]) -> tuple[str, str, str]:
    """(letter and text, letters alone, text alone) of an answer, with the letters the attempt showed."""
    full = display_describe(q, answer, order)
    if is_empty(answer) or q.type in ("numeric", "true_false"):
        return full, "", full
    order = order or list(range(len(q.options)))
    shown = {idx: LETTERS[pos] for pos, idx in enumerate(order)}
    idxs = [answer] if q.type == "single" else list(answer)
    if q.type == "multiple":
        idxs = sorted(idxs, key=lambda i: shown[i])
    sep = " -> " if q.type == "ordering" else "; "
    return full, sep.join(shown[i] for i in idxs), sep.join(q.options[i].text for i in idxs)


def _columns_for(rows: list[Mapping[str, Any]]) -> tuple[str, ...] | None:
    if not rows:
        return None
    keys = set(rows[0])
    for cols in (RESULT_COLUMNS, RESPONSE_COLUMNS):
        if keys == set(cols):
            return cols
    return None


def to_csv_bytes(rows: Iterable[Mapping[str, Any]], columns: Sequence[str] | None = None) -> bytes:
    """CSV (UTF-8 with BOM); pass ``columns`` (e.g. RESULT_COLUMNS) to get a header even with no rows."""
    rows = list(rows)
    return spreadsheet.to_csv_bytes(rows, columns or _columns_for(rows))


def to_xlsx_bytes(rows: Iterable[Mapping[str, Any]], columns: Sequence[str] | None = None, *,
                  sheet: str = "Export") -> bytes:
    rows = list(rows)
    return spreadsheet.to_xlsx_bytes(rows, columns or _columns_for(rows), sheet=sheet)
