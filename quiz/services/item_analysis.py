"""Item analysis of exams, computed live from the database (no caching): see quiz/domain/statistics.py.

What is analysed, as Moodle's quiz statistics report does by default: the **first finished attempt** (submitted
or expired) of each trainee at the exam; later attempts (retakes) are left out, because they are not
independent of the first. Items are identified by **question id across versions**: an item edited after some
attempts keeps one row, its marks scaled to the points of the latest version shown. An item shown but left
unanswered scores 0 and counts as "no answer" in the distractor analysis; an item a trainee was not shown
(random selection from the exam's blueprint) is left out of that item's statistics.

Permissions: trainers see the exams of the cohorts they run, administrators every exam, trainees nothing.
``actor=None`` is the command line, acting as a local administrator (as in ``accounts.create_user``).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Select, Text, cast, func, select
from sqlalchemy.orm import Session

from quiz.adapters.orm import (
    FINISHED_STATES,
    Attempt,
    AttemptItem,
    Cohort,
    Exam,
    QuestionRow,
    QuestionVersion,
    Response,
)
from quiz.domain.bank import Question
from quiz.domain.scoring import InvalidAnswer, is_empty, normalise_answer, score_fraction
from quiz.domain.statistics import ItemInput, ItemStatistics, TestStatistics, analyse, option_rows, random_guess_score
from quiz.services.attempts.grading import finalise_overdue
from quiz.services.errors import NotFound, PermissionDenied
from quiz.services.permissions import Actor, require_staff, visible_cohort_ids
from quiz.services.questions import to_question

FINISHED = FINISHED_STATES
BASIS_NOTE = (
    "Computed live over the first finished (submitted or expired) attempt of each trainee, as Moodle does by "
    "default; retakes are left out. An item edited since keeps one row (identified by its question id across "
    "versions)."
)


@dataclass
class QuestionInfo:
    question_id: str
    topic: str
    type: str
    stem: str
    status: str
    versions: list[int]  # versions shown in the analysed attempts
    objective: str | None = None  # the learning objective of its latest version shown


@dataclass
class ExamStatistics:
    exam_id: int
    exam: str
    cohort_id: int | None
    test: TestStatistics
    questions: dict[str, QuestionInfo] = field(default_factory=dict)
    basis: str = BASIS_NOTE

    @property
    def attempts(self) -> int:
        return self.test.attempts

    @property
    def items(self) -> list[ItemStatistics]:
        return self.test.items

    def by_objective(self) -> dict[str, list[ItemStatistics]]:
        """The items' statistics grouped by learning objective ("-" for items without one), sorted by objective."""
        groups: dict[str, list[ItemStatistics]] = {}
        for stat in self.test.items:
            info = self.questions.get(stat.item_id)
            groups.setdefault((info.objective if info else None) or "-", []).append(stat)
        return dict(sorted(groups.items()))

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``python -m quiz stats items --json`` (fractions 0..1, discrimination -1..1)."""
        t = self.test
        items = []
        for stat in t.items:
            d = stat.to_dict()
            d.pop("item_id")
            info = self.questions.get(stat.item_id)
            items.append({
                "question_id": stat.item_id,
                "n": stat.attempts,  # first attempts that were shown the item (as in `stats items --pooled`)
                **({"topic": info.topic, "objective": info.objective, "type": info.type, "status": info.status,
                    "versions": info.versions, "stem": info.stem} if info else {}),
                **d,
            })
        return {
            "exam": self.exam, "exam_id": self.exam_id, "attempts": t.attempts, "alpha": t.alpha, "sem": t.sem,
            "error_ratio": t.error_ratio, "alpha_basis": t.alpha_basis, "mean_total": t.mean_total,
            "max_total": t.max_total, "sd_total": t.sd_total, "basis": self.basis, "items": items,
        }


@dataclass(frozen=True)
class ExamChoice:
    """An exam the actor may analyse, with how many trainees have a finished first attempt."""

    exam_id: int
    name: str
    cohort_id: int | None
    attempts: int


# -- permissions ------------------------------------------------------------------------------------------------

def _check_staff(actor: Actor | None) -> None:
    if actor is not None:
        require_staff(actor)


def _grade_overdue(session: Session) -> None:
    """Every read of results grades overdue attempts first, so that none is left "in progress"."""
    finalise_overdue(session)


def _visible_exam_filter(session: Session, actor: Actor | None) -> list[int] | None:
    """Cohort ids whose exams the actor may analyse; None means every exam."""
    _check_staff(actor)
    _grade_overdue(session)
    if actor is None:
        return None
    return visible_cohort_ids(session, actor)


def require_exam(session: Session, actor: Actor | None, exam_id: int) -> Exam:
    """The exam, if the actor may see its statistics (PermissionDenied, NotFound otherwise)."""
    _check_staff(actor)
    _grade_overdue(session)
    exam = session.get(Exam, exam_id)
    if exam is None:
        raise NotFound("There is no such exam.")
    if actor is None or actor.is_admin:
        return exam
    cohort = session.get(Cohort, exam.cohort_id) if exam.cohort_id is not None else None
    if cohort is None or cohort.trainer_id != actor.id:
        raise PermissionDenied("You can only see the statistics of your own cohorts' exams.")
    return exam


# -- loading ----------------------------------------------------------------------------------------------------

def _first_attempts(exam_ids: list[int] | None, cohort_ids: list[int] | None) -> Any:
    """A subquery (attempt_id, exam_id): each trainee's first finished attempt at each exam."""
    rn = func.row_number().over(
        partition_by=(Attempt.user_id, Attempt.exam_id), order_by=(Attempt.started_at, Attempt.id)
    ).label("rn")
    inner: Select = (
        select(Attempt.id.label("attempt_id"), Attempt.exam_id.label("exam_id"), rn)
        .where(Attempt.exam_id.is_not(None), Attempt.state.in_(FINISHED))
    )
    if exam_ids is not None:
        inner = inner.where(Attempt.exam_id.in_(exam_ids))
    if cohort_ids is not None:
        inner = inner.join(Exam, Exam.id == Attempt.exam_id).where(Exam.cohort_id.in_(cohort_ids))
    sub = inner.subquery()
    return select(sub.c.attempt_id, sub.c.exam_id).where(sub.c.rn == 1).subquery()


@dataclass
class _Data:
    attempt_ids: list[int]
    # one entry per item shown (cell), as parallel arrays: attempt id, position, version id, stored score
    # (NaN: none stored, or no response row)
    cell_attempt: Any
    cell_position: Any
    cell_version: Any
    cell_score: Any
    # answers of the cells without a stored score: (attempt_id, version_id) -> answer
    unscored: dict[tuple[int, int], Any]
    # (version id, answer as JSON text or None) -> how many cells gave it (for the distractor analysis)
    answer_counts: list[tuple[int, str | None, int]]
    versions: dict[int, tuple[str, int, Question]]  # version id -> (question_id, version, question)
    rows: dict[str, QuestionRow]


def _cells(session: Session, shown: Any) -> Any:
    """The (attempt, position, version, score) rows of ``shown`` as an n x 4 float array: the database joins
    them into one text of numbers (string_agg / group_concat) that numpy parses at C speed - no Python object
    per cell. Scores are written exactly (PostgreSQL's shortest exact form; SQLite %.17g); none: nan."""
    sub = shown.subquery()
    if session.bind.dialect.name == "sqlite":
        score = func.coalesce(func.printf("%.17g", sub.c.score), "nan")
        joined = func.group_concat
    else:
        score = func.coalesce(cast(sub.c.score, Text), "nan")
        joined = func.string_agg
    cell = (cast(sub.c.attempt_id, Text) + "," + cast(sub.c.position, Text) + ","
            + cast(sub.c.question_version_id, Text) + "," + score)
    numbers = session.scalar(select(joined(cell, ",")))
    if not numbers:
        return np.empty((0, 4))
    return np.fromstring(numbers, sep=",").reshape(-1, 4)


def _load(session: Session, first: Any) -> _Data:
    """The matrix in one streamed query of four numbers per cell, straight into numpy arrays; the answers only
    as counts per (version, answer) - grouped in SQL, each distinct answer parsed once; the versions shown."""
    attempt_ids = sorted(session.scalars(select(first.c.attempt_id)))
    shown = (
        select(AttemptItem.attempt_id, AttemptItem.position, AttemptItem.question_version_id, Response.score)
        .join(first, first.c.attempt_id == AttemptItem.attempt_id)
        .outerjoin(Response, (Response.attempt_id == AttemptItem.attempt_id)
                   & (Response.question_version_id == AttemptItem.question_version_id))
    )
    cells = _cells(session, shown)
    unscored: dict[tuple[int, int], Any] = {}
    if np.isnan(cells[:, 3]).any():
        q_un = (select(Response.attempt_id, Response.question_version_id, Response.answer)
                .join(first, first.c.attempt_id == Response.attempt_id).where(Response.score.is_(None)))
        unscored = {(a, v): ans for a, v, ans in session.execute(q_un)}
    answer_text = cast(Response.answer, Text)
    q_counts = (
        select(AttemptItem.question_version_id, answer_text, func.count())
        .join(first, first.c.attempt_id == AttemptItem.attempt_id)
        .outerjoin(Response, (Response.attempt_id == AttemptItem.attempt_id)
                   & (Response.question_version_id == AttemptItem.question_version_id))
        .group_by(AttemptItem.question_version_id, answer_text)
    )
    answer_counts = [(v, text, int(n)) for v, text, n in session.execute(q_counts)]
    version_ids = {v for v, _, _ in answer_counts}
    versions: dict[int, tuple[str, int, Question]] = {}
    if version_ids:
        for v in session.scalars(select(QuestionVersion).where(QuestionVersion.id.in_(version_ids))):
            versions[v.id] = (v.question_id, v.version, to_question(v))
    qids = {qid for qid, _, _ in versions.values()}
    rows = {r.id: r for r in session.scalars(select(QuestionRow).where(QuestionRow.id.in_(qids)))} if qids else {}
    return _Data(attempt_ids, cells[:, 0].astype(np.int64), cells[:, 1].astype(np.int64),
                 cells[:, 2].astype(np.int64), cells[:, 3], unscored, answer_counts, versions, rows)


def _canonical_choices(q: Question, answer: Any) -> list[int]:
    """Option indexes an answer chose (single, multiple, true/false); [] for none or other types."""
    if is_empty(answer):
        return []
    if q.type == "true_false":
        return [0] if answer is True else [1] if answer is False else []
    if q.type == "single" and isinstance(answer, int) and not isinstance(answer, bool):
        return [answer]
    if q.type == "multiple" and isinstance(answer, list):
        return sorted({a for a in answer if isinstance(a, int) and not isinstance(a, bool)})
    return []


def _mark(q: Question, answer: Any, score: float | None) -> float:
    """The stored score, or (if it was never stored) the score worked out from the answer."""
    if score is not None:
        return float(score)
    try:
        return score_fraction(q, normalise_answer(q, answer)) * q.points
    except InvalidAnswer:
        return 0.0


def _parse(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _compute(data: _Data, *, slots: bool, pooled: bool) -> tuple[TestStatistics, dict[str, QuestionInfo]]:
    # latest version shown of each question: its points are the item's maximum, its options the labels
    latest: dict[str, tuple[int, Question]] = {}
    shown_versions: dict[str, set[int]] = defaultdict(set)
    for qid, version, q in data.versions.values():
        shown_versions[qid].add(version)
        if qid not in latest or version > latest[qid][0]:
            latest[qid] = (version, q)
    qids = sorted(latest)
    col = {qid: j for j, qid in enumerate(qids)}
    n_attempts = len(data.attempt_ids)
    marks = np.full((n_attempts, len(qids)), np.nan)
    # per version: its column, and the factor from its marks to the latest version's points
    vids = np.array(sorted(data.versions), dtype=np.int64)
    v_col = np.array([col[data.versions[v][0]] for v in vids], dtype=np.int64)
    v_points = np.array([data.versions[v][2].points for v in vids], dtype=float)
    v_max = np.array([latest[data.versions[v][0]][1].points for v in vids], dtype=float)
    cell_v = np.searchsorted(vids, data.cell_version) if len(vids) else np.zeros(0, dtype=np.int64)
    rows_of = np.searchsorted(np.asarray(data.attempt_ids, dtype=np.int64), data.cell_attempt)
    score = data.cell_score.copy()
    for k in np.flatnonzero(np.isnan(score)):  # never stored (rare): worked out from the answer
        vid = int(data.cell_version[k])
        answer = data.unscored.get((int(data.cell_attempt[k]), vid))
        score[k] = _mark(data.versions[vid][2], answer, None)
    points = v_points[cell_v] if len(vids) else np.zeros(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.where(points != 0, score / points * (v_max[cell_v] if len(vids) else 0.0), 0.0)
    if len(x):
        marks[rows_of, v_col[cell_v]] = x
    choices: dict[str, Counter[int]] = defaultdict(Counter)
    no_answer: Counter[str] = Counter()
    for vid, text, n in data.answer_counts:
        qid, _, q = data.versions[vid]
        picked = _canonical_choices(q, _parse(text))
        if not picked:
            no_answer[qid] += n
        for i in picked:
            choices[qid][i] += n
    items = []
    for qid in qids:
        q = latest[qid][1]
        n_opts = len(q.options)
        counts = {i: c for i, c in choices[qid].items() if i < n_opts}
        items.append(ItemInput(item_id=qid, max_mark=q.points, random_guess=random_guess_score(q),
                               options=option_rows(q, counts), no_answer=no_answer[qid]))
    # marks by position in the attempt (Moodle's slots), and which position held each item: for alpha and the
    # effective weights when trainees were shown different items
    slot_marks = positions = None
    if slots and n_attempts:
        per_attempt = np.bincount(rows_of, minlength=n_attempts) if len(x) else np.zeros(n_attempts, dtype=int)
        if len(set(per_attempt.tolist())) == 1:
            width = int(per_attempt[0])
            order = np.lexsort((data.cell_position, rows_of))
            slot_marks = x[order].reshape(n_attempts, width)
            positions = np.full(marks.shape, -1)
            if width:
                positions[rows_of[order], v_col[cell_v[order]]] = np.tile(np.arange(width), n_attempts)
    test = analyse(marks, items, slot_marks=slot_marks, positions=positions, rest_as_fraction=pooled)
    infos = {}
    for qid in qids:
        row = data.rows.get(qid)
        q = latest[qid][1]
        infos[qid] = QuestionInfo(question_id=qid, topic=row.topic if row else q.topic, type=q.type, stem=q.stem,
                                  status=row.status if row else q.status, versions=sorted(shown_versions[qid]),
                                  objective=q.objective)
    return test, infos


# -- public API -------------------------------------------------------------------------------------------------

def exam_item_statistics(session: Session, actor: Actor | None, exam_id: int) -> ExamStatistics:
    """Item and test statistics of one exam over each trainee's first finished attempt (see module doc)."""
    exam = require_exam(session, actor, exam_id)
    data = _load(session, _first_attempts([exam.id], None))
    test, infos = _compute(data, slots=True, pooled=False)
    return ExamStatistics(exam_id=exam.id, exam=exam.name, cohort_id=exam.cohort_id, test=test, questions=infos)


def exam_item_statistics_by_name(session: Session, actor: Actor | None, name: str) -> ExamStatistics:
    exam_id = session.scalar(select(Exam.id).where(Exam.name == name))
    if exam_id is None:
        raise NotFound(f"There is no exam named {name!r}.")
    return exam_item_statistics(session, actor, exam_id)


def bank_item_statistics(session: Session, actor: Actor | None) -> dict[str, ItemStatistics]:
    """Statistics of every question over the first finished attempts at every exam the actor may see.

    Attempts at different exams are pooled; each attempt's rest-of-test score is taken as a fraction of its
    maximum so that exams of different lengths compare (see ``analyse(rest_as_fraction=True)``). Questions
    never shown in such an attempt are absent.
    """
    cohorts = _visible_exam_filter(session, actor)
    if cohorts is not None and not cohorts:
        return {}
    data = _load(session, _first_attempts(None, cohorts))
    test, _ = _compute(data, slots=False, pooled=True)
    return {s.item_id: s for s in test.items}


def analysable_exams(session: Session, actor: Actor | None) -> list[ExamChoice]:
    """Exams the actor may analyse (by name), each with its number of analysed attempts."""
    cohorts = _visible_exam_filter(session, actor)
    first = _first_attempts(None, cohorts)
    counts = dict(session.execute(select(first.c.exam_id, func.count()).group_by(first.c.exam_id)).all())
    q = select(Exam).order_by(Exam.name)
    if cohorts is not None:
        q = q.where(Exam.cohort_id.in_(cohorts))
    return [ExamChoice(e.id, e.name, e.cohort_id, int(counts.get(e.id, 0))) for e in session.scalars(q)]
