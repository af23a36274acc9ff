"""Results, responses and the gradebook as rows for CSV / Excel (quiz/adapters/spreadsheet.py neutralises
formula injection), streamed: rows come from the database in chunks (``yield_per``) and a CSV is written chunk by
chunk (:func:`csv_chunks`), so memory stays flat whatever the size of the academy. :func:`csv_stream` has the
database write the big two (responses, results) itself, the same bytes with no Python per row
(quiz/services/export_sql.py); the row dicts here are what those files mean, and what previews and Excel use.

Who sees what: administrators (and the command line, ``actor=None``) every attempt; a trainer the attempts of
the trainees in the cohorts they run, and any attempt at those cohorts' exams; trainees nothing.

Columns: ``mode`` (practice | exam | review) and ``exam`` (its name, empty for practice) are separate;
``percent`` is 0-100 rounded to one decimal; times are UTC without microseconds and the header names the zone
(``started_utc``). The responses export has one row per item each attempt showed: an exam's every item, and
the items a practice or review reached; an unanswered item has a blank answer and score 0.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from quiz.adapters import spreadsheet
from quiz.adapters.orm import (
    FINISHED_STATES,
    Attempt,
    AttemptItem,
    Certificate,
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
from quiz.services import export_sql
from quiz.services.attempts.grading import finalise_overdue
from quiz.services.attempts.views import display_describe
from quiz.services.errors import NotFound
from quiz.services.item_analysis import require_exam
from quiz.services.permissions import Actor, require_cohort, require_staff, visible_cohort_ids
from quiz.services.questions import to_question

CHUNK = 2000  # rows fetched from the database (and written to a CSV) at a time

RESULT_COLUMNS = ("attempt_id", "trainee_email", "trainee_name", "cohort", "mode", "exam", "state",
                  "started_utc", "submitted_utc", "score", "max_score", "percent", "passed", "pass_mark")
RESPONSE_COLUMNS = ("attempt_id", "trainee_email", "mode", "exam", "question_id", "question_version", "topic",
                    "position", "answer", "answer_letters", "answer_text", "correct", "score", "max_score",
                    "saved_utc")
GRADEBOOK_COLUMNS = ("trainee_email", "trainee_name", "cohort", "exam_attempts", "best_exam_percent",
                     "latest_exam_percent", "passed", "certificate", "certificate_expires_utc",
                     "last_activity_utc")


def utc_seconds(value: datetime | None) -> datetime | None:
    """A time as exported: UTC, without microseconds (naive: the column header names the zone)."""
    if value is None:
        return None
    if value.tzinfo is UTC:
        return value.replace(tzinfo=None, microsecond=0)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.replace(microsecond=0)


def percent_0_100(fraction: float | None) -> float | None:
    return None if fraction is None else round(fraction * 100, 1)


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


def _stream(session: Session, q: Any) -> Iterator[Any]:
    """Rows of ``q`` fetched CHUNK at a time (a server-side cursor on PostgreSQL)."""
    yield from session.execute(q.execution_options(yield_per=CHUNK))


# -- results -------------------------------------------------------------------------------------------------

def iter_results(session: Session, actor: Actor | None, cohort_id: int | None = None,
                 exam_id: int | None = None) -> Iterator[dict[str, Any]]:
    """One row per attempt (keys: RESULT_COLUMNS), oldest first, streamed. Permissions are checked now."""
    cohorts, clauses = _scope(session, actor, cohort_id, exam_id)
    names, by_user = _cohort_names(session, cohorts)
    q = (select(Attempt.id, Attempt.user_id, Attempt.mode, Attempt.state, Attempt.started_at,
                Attempt.submitted_at, Attempt.score, Attempt.max_score, Attempt.percent, Attempt.passed,
                User.email, User.name, Exam.name, Exam.cohort_id, Attempt.settings, Exam.pass_mark)
         .join(User, User.id == Attempt.user_id)
         .outerjoin(Exam, Exam.id == Attempt.exam_id).where(*clauses)
         .order_by(Attempt.started_at, Attempt.id))

    def rows() -> Iterator[dict[str, Any]]:
        for (aid, uid, mode, state, started, submitted, score, max_score, percent, passed, email, name,
             exam_name, exam_cohort, settings, exam_mark) in _stream(session, q):
            # the attempt's own pass mark (fixed at its start; an Angoff exam's cut score of its items), 0-100
            mark = (settings or {}).get("pass_mark", exam_mark) if mode == "exam" else None
            cohort = names.get(exam_cohort) if exam_cohort is not None else None
            yield {
                "attempt_id": aid, "trainee_email": email, "trainee_name": name,
                "cohort": cohort or "; ".join(by_user.get(uid, [])), "mode": mode, "exam": exam_name or "",
                "state": state, "started_utc": utc_seconds(started), "submitted_utc": utc_seconds(submitted),
                "score": score, "max_score": max_score, "percent": percent_0_100(percent), "passed": passed,
                "pass_mark": percent_0_100(mark),
            }
    return rows()


def results_rows(session: Session, actor: Actor | None, cohort_id: int | None = None,
                 exam_id: int | None = None) -> list[dict[str, Any]]:
    """:func:`iter_results` as a list (small exports, tests)."""
    return list(iter_results(session, actor, cohort_id, exam_id))


# -- responses -----------------------------------------------------------------------------------------------

def iter_responses(session: Session, actor: Actor | None, cohort_id: int | None = None,
                   exam_id: int | None = None) -> Iterator[dict[str, Any]]:
    """One row per item shown (keys: RESPONSE_COLUMNS), streamed. ``answer`` is human readable with the letters
    the trainee saw (options are shuffled per attempt): "B. Re-plan"; ``answer_letters`` is those letters alone
    ("B", "A; C", "C -> A -> B"), ``answer_text`` the options' text alone; ``position`` is the question's number
    in the attempt (1, 2, ...). An unanswered item: blank answer, score 0."""
    _, clauses = _scope(session, actor, cohort_id, exam_id)
    in_scope = select(AttemptItem.question_version_id).join(Attempt, Attempt.id == AttemptItem.attempt_id)
    questions: dict[int, Any] = {
        v.id: to_question(v) for v in session.scalars(
            select(QuestionVersion).where(QuestionVersion.id.in_(in_scope.where(*clauses).distinct())))
    }
    # Plain columns, not entities: a large export must not build an object per response.
    q = (select(Attempt.id, Attempt.mode, User.email, Exam.name, Response.answer, Response.is_correct,
                Response.score, Response.max_score, Response.saved_at, QuestionVersion.id,
                QuestionVersion.question_id, QuestionVersion.version, QuestionRow.topic, AttemptItem.position,
                AttemptItem.option_order)
         .select_from(AttemptItem)
         .join(Attempt, Attempt.id == AttemptItem.attempt_id)
         .outerjoin(Response, (Response.attempt_id == AttemptItem.attempt_id)
                    & (Response.question_version_id == AttemptItem.question_version_id))
         .join(User, User.id == Attempt.user_id)
         .outerjoin(Exam, Exam.id == Attempt.exam_id)
         .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
         .join(QuestionRow, QuestionRow.id == QuestionVersion.question_id)
         # an exam shows every item; a practice or review only those it reached (saved an answer to)
         .where(*clauses, or_(Attempt.mode == "exam", Response.id.is_not(None)))
         .order_by(Attempt.started_at, Attempt.id, AttemptItem.position))

    described: dict[tuple[int, str, str], tuple[str, str, str]] = {}  # a few per item: each worked out once

    def describe(version_id: int, answer: Any, order: list[int] | None) -> tuple[str, str, str]:
        key = (version_id, repr(answer), repr(order))
        found = described.get(key)
        if found is None:
            try:
                found = _shown_answer(questions.get(version_id), answer, order or [])
            except (AttributeError, IndexError, KeyError, TypeError, ValueError):
                found = (str(answer), "", str(answer))
            if len(described) < 200_000:
                described[key] = found
        return found

    def rows() -> Iterator[dict[str, Any]]:
        for (attempt_id, mode, email, exam_name, answer, is_correct, score, max_score, saved_at, version_id,
             question_id, version, topic, position, order) in _stream(session, q):
            question = questions.get(version_id)
            if is_empty(answer):
                shown = letters = text = ""
                is_correct, score = False, 0.0
            else:
                shown, letters, text = describe(version_id, answer, order)
            if max_score is None:
                max_score = float(question.points) if question is not None else 1.0
            yield {
                "attempt_id": attempt_id, "trainee_email": email, "mode": mode, "exam": exam_name or "",
                "question_id": question_id, "question_version": version, "topic": topic,
                "position": position + 1 if position is not None else None,
                "answer": shown, "answer_letters": letters, "answer_text": text, "correct": is_correct,
                "score": score, "max_score": max_score, "saved_utc": utc_seconds(saved_at),
            }
    return rows()


def _describer(questions: Mapping[int, Any]) -> export_sql.Describe:
    """describe(version id, answer JSON, option order JSON) for the database-written CSV: the answer, letters and
    text as :func:`iter_responses` has them, None for a blank answer."""
    def describe(version_id: int, answer: str, order: str | None) -> tuple[str, str, str] | None:
        value = json.loads(answer)
        if is_empty(value):
            return None
        try:
            return _shown_answer(questions.get(version_id), value, json.loads(order or "[]"))
        except (AttributeError, IndexError, KeyError, TypeError, ValueError):
            return str(value), "", str(value)
    return describe


def _responses_csv(session: Session, clauses: Any, counter: list[int] | None) -> Iterator[bytes]:
    questions: dict[int, Any] = {}
    items = []
    for version, topic in session.execute(select(QuestionVersion, QuestionRow.topic)
                                          .join(QuestionRow, QuestionRow.id == QuestionVersion.question_id)):
        questions[version.id] = q = to_question(version)
        items.append((version.id, version.question_id, version.version, topic, q.points))
    return export_sql.responses_csv(session, clauses, RESPONSE_COLUMNS, items, _describer(questions), counter)


def responses_rows(session: Session, actor: Actor | None, cohort_id: int | None = None,
                   exam_id: int | None = None) -> list[dict[str, Any]]:
    """:func:`iter_responses` as a list (small exports, tests)."""
    return list(iter_responses(session, actor, cohort_id, exam_id))


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


# -- gradebook -----------------------------------------------------------------------------------------------

def iter_gradebook(session: Session, actor: Actor | None, cohort_id: int | None = None,
                   exam_id: int | None = None) -> Iterator[dict[str, Any]]:
    """One row per trainee in scope (keys: GRADEBOOK_COLUMNS), by name: submitted exam attempts, best and
    latest exam percent, passed, the newest valid certificate and when it expires, last activity."""
    cohorts, clauses = _scope(session, actor, cohort_id, exam_id)
    _, by_user = _cohort_names(session, cohorts)
    people = select(User.id, User.email, User.name).where(User.role == "trainee")
    if cohorts is not None:
        people = people.where(User.id.in_(select(CohortMember.user_id).where(CohortMember.cohort_id.in_(cohorts))))
    people = people.order_by(User.name, User.email)
    exams_q = (select(Attempt.user_id, Attempt.percent, Attempt.passed)
               .where(*clauses, Attempt.mode == "exam", Attempt.state.in_(FINISHED_STATES),
                      Attempt.percent.is_not(None))
               .order_by(Attempt.user_id, func.coalesce(Attempt.submitted_at, Attempt.started_at), Attempt.id))
    exams: dict[int, list[tuple[float, bool | None]]] = defaultdict(list)
    for uid, pct, passed in session.execute(exams_q):
        exams[uid].append((pct, passed))
    certs_q = (select(Certificate.user_id, Certificate.code, Certificate.expires_at)
               .where(Certificate.revoked_at.is_(None), Certificate.superseded_by.is_(None))
               .order_by(Certificate.user_id, Certificate.issued_at))
    if exam_id is not None:
        certs_q = certs_q.where(Certificate.exam_id == exam_id)
    certs = {uid: (code, expires) for uid, code, expires in session.execute(certs_q)}  # the newest wins
    last: dict[int, datetime] = {}
    for q in (select(Attempt.user_id, func.max(Attempt.started_at)).where(*clauses).group_by(Attempt.user_id),
              select(Attempt.user_id, func.max(Attempt.submitted_at)).where(*clauses).group_by(Attempt.user_id),
              select(Attempt.user_id, func.max(Response.saved_at)).join(Response, Response.attempt_id == Attempt.id)
              .where(*clauses).group_by(Attempt.user_id)):
        for uid, when in session.execute(q):
            if when is not None and (uid not in last or when > last[uid]):
                last[uid] = when

    def rows() -> Iterator[dict[str, Any]]:
        for uid, email, name in _stream(session, people):
            done = exams.get(uid, [])
            code, expires = certs.get(uid, (None, None))
            yield {
                "trainee_email": email, "trainee_name": name, "cohort": "; ".join(by_user.get(uid, [])),
                "exam_attempts": len(done), "best_exam_percent": percent_0_100(max((p for p, _ in done), default=None)),
                "latest_exam_percent": percent_0_100(done[-1][0]) if done else None,
                "passed": any(bool(ok) for _, ok in done) if done else None,
                "certificate": code or "", "certificate_expires_utc": utc_seconds(expires),
                "last_activity_utc": utc_seconds(last.get(uid)),
            }
    return rows()


def gradebook_rows(session: Session, actor: Actor | None, cohort_id: int | None = None,
                   exam_id: int | None = None) -> list[dict[str, Any]]:
    return list(iter_gradebook(session, actor, cohort_id, exam_id))


KINDS = {"results": (iter_results, RESULT_COLUMNS), "responses": (iter_responses, RESPONSE_COLUMNS),
         "gradebook": (iter_gradebook, GRADEBOOK_COLUMNS)}


# -- files ---------------------------------------------------------------------------------------------------

def _columns_for(rows: list[Mapping[str, Any]]) -> tuple[str, ...] | None:
    if not rows:
        return None
    keys = set(rows[0])
    for cols in (RESULT_COLUMNS, RESPONSE_COLUMNS, GRADEBOOK_COLUMNS):
        if keys == set(cols):
            return cols
    return None


def csv_chunks(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], *, chunk: int = CHUNK) -> Iterator[bytes]:
    """A CSV (UTF-8 with BOM, the same cells as :func:`to_csv_bytes`) as a stream of byte chunks of ``chunk``
    rows each: the first holds the header, so it comes even with no rows. Memory is one chunk."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([spreadsheet.neutralise(c) for c in columns])
    encoding, pending = "utf-8-sig", 0
    for r in rows:
        writer.writerow([_cell(r.get(c)) for c in columns])
        pending += 1
        if pending == chunk:
            yield buf.getvalue().encode(encoding)
            buf.seek(0)
            buf.truncate()
            encoding, pending = "utf-8", 0
    if pending or encoding == "utf-8-sig":
        yield buf.getvalue().encode(encoding)


def csv_stream(session: Session, actor: Actor | None, kind: str, cohort_id: int | None = None,
               exam_id: int | None = None, *, counter: list[int] | None = None) -> Iterator[bytes]:
    """An export (``kind`` in KINDS) as CSV byte chunks, the fastest way: permissions are checked now (the
    header is the first chunk); the responses and results are written by the database (export_sql), the same
    bytes as :func:`to_csv_bytes` of the rows, a chunk at a time. ``counter[0]`` counts the rows written."""
    fetch, columns = KINDS[kind]
    if kind == "responses":
        _, clauses = _scope(session, actor, cohort_id, exam_id)
        return _responses_csv(session, clauses, counter)
    if kind == "results":
        cohorts, clauses = _scope(session, actor, cohort_id, exam_id)
        names, by_user = _cohort_names(session, cohorts)
        return export_sql.results_csv(session, clauses, RESULT_COLUMNS, names, by_user, percent_0_100, counter)
    return csv_chunks(_counted(fetch(session, actor, cohort_id, exam_id), counter), columns)


def _counted(rows: Iterator[Any], counter: list[int] | None) -> Iterator[Any]:
    for row in rows:
        if counter is not None:
            counter[0] += 1
        yield row


def _cell(value: Any) -> Any:
    """spreadsheet.csv_value, with the common cases first (a big export writes millions of cells)."""
    kind = type(value)
    if kind is int or kind is float:
        return value
    if kind is str:
        return "'" + value if value[:1] in _DANGEROUS_FIRST else value
    if value is None:
        return ""
    return spreadsheet.csv_value(value)


_DANGEROUS_FIRST = frozenset(spreadsheet.DANGEROUS_PREFIXES)


def to_csv_bytes(rows: Iterable[Mapping[str, Any]], columns: Sequence[str] | None = None) -> bytes:
    """CSV (UTF-8 with BOM); pass ``columns`` (e.g. RESULT_COLUMNS) to get a header even with no rows."""
    rows = list(rows)
    return spreadsheet.to_csv_bytes(rows, columns or _columns_for(rows))


def to_xlsx_bytes(rows: Iterable[Mapping[str, Any]], columns: Sequence[str] | None = None, *,
                  sheet: str = "Export") -> bytes:
    rows = list(rows)
    return spreadsheet.to_xlsx_bytes(rows, columns or _columns_for(rows), sheet=sheet)
