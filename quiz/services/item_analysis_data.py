"""Loading what item analysis computes on: each trainee's first finished attempt at the exams asked for, as
numpy arrays of cells (one per item shown) and option counts. Used by :mod:`quiz.services.item_analysis`.

Two paths give the same :class:`Data`:

* :func:`load_vectors` (the fast one): two queries - the exams' finished attempts counted, and their item vectors
  (table ``attempt_vectors``, :mod:`quiz.domain.item_vector`) - then each trainee's first attempt picked from
  the vectors' headers and the cells unpacked with numpy. An exam whose vectors do not number its finished
  attempts (some were written without one) is read by the row path and merged in;
* :func:`load_rows`: the first attempts by a window over ``ix_attempts_exam_user_started``, their items joined
  with their responses, four numbers per cell parsed by numpy, and the answers grouped in SQL and parsed once
  each. It is the fallback, and the oracle the fast path is tested against (tests/integration/test_item_vectors.py).

Query plans of the fast path, 50,000 first attempts of one exam (the benchmark). PostgreSQL::

    GroupAggregate -> Index Only Scan using ix_attempts_exam_state on attempts   (exam_id = 2; 12.7 ms)
    Bitmap Heap Scan on attempt_vectors -> Bitmap Index Scan on pk_attempt_vectors   (exam_id = 2; 27 ms)

SQLite: ``SEARCH attempts USING COVERING INDEX ix_attempts_exam_state (exam_id=? AND state=?)`` and
``SEARCH attempt_vectors USING PRIMARY KEY (exam_id=?)`` (a WITHOUT ROWID table: the vectors of an exam are
stored together, in (trainee, start) order, so they come already ordered and are not sorted again).
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
    AttemptVector,
    Exam,
    QuestionRow,
    QuestionVersion,
    Response,
)
from quiz.domain.bank import Question
from quiz.domain.item_vector import FULL, OPTION_BITS, SCORE_SHIFT, canonical_choices, gather, unpack
from quiz.services.questions import to_question

LUT_LIMIT = 50_000_000  # largest version id mapped through a dense lookup table rather than a binary search
MASK_TABLE_LIMIT = 1 << 22  # largest (versions x bitmasks) table counted at once; past it, one pass per option


def first_attempts(exam_ids: list[int] | None, cohort_ids: list[int] | None) -> Any:
    """A subquery (attempt_id, exam_id): each trainee's first finished attempt at each exam."""
    rn = func.row_number().over(
        partition_by=(Attempt.user_id, Attempt.exam_id), order_by=(Attempt.started_at, Attempt.id)
    ).label("rn")
    inner: Select = (
        select(Attempt.id.label("attempt_id"), Attempt.exam_id.label("exam_id"), rn)
        .where(Attempt.exam_id.is_not(None), Attempt.state.in_(FINISHED_STATES))
    )
    if exam_ids is not None:
        inner = inner.where(Attempt.exam_id.in_(exam_ids))
    if cohort_ids is not None:
        inner = inner.join(Exam, Exam.id == Attempt.exam_id).where(Exam.cohort_id.in_(cohort_ids))
    sub = inner.subquery()
    return select(sub.c.attempt_id, sub.c.exam_id).where(sub.c.rn == 1).subquery()


@dataclass
class Data:
    attempt_ids: Any  # sorted int64 array: the analysed attempts, one row of the matrix each
    # one entry per item shown (cell), as parallel arrays: row of its attempt, position (None: see positions()),
    # version id, mark (NaN: none stored, or no response row - worked out from ``unscored``)
    cell_row: Any
    cell_position: Any
    cell_version: Any
    cell_score: Any
    # answers of the cells without a stored score: (attempt_id, version_id) -> answer
    unscored: dict[tuple[int, int], Any]
    # the distractor analysis: version id -> option index -> cells that chose it; version id -> cells that chose none
    choices: dict[int, Counter[int]]
    no_answer: Counter[int]
    versions: dict[int, tuple[str, int, Question]]  # version id -> (question_id, version, question)
    rows: dict[str, QuestionRow]
    ordered: bool = False  # the cells are sorted by (row, position)
    lengths: Any = None  # cells per row, when known
    # from the vectors (``cell_score`` is then None): each cell's index in sorted(versions), whether its mark is the
    # version's full points (else 0), but for the cells whose marks the vectors list (quiz/domain/item_vector.py)
    cell_vidx: Any = None
    cell_full: Any = None
    listed_cells: Any = None
    listed_marks: Any = None
    stats: dict[str, int] = field(default_factory=dict)  # how many attempts came by which path

    @property
    def cell_attempt(self) -> Any:
        return self.attempt_ids[self.cell_row]

    def scores(self) -> Any:
        """Each cell's mark as stored (NaN: worked out from ``unscored``)."""
        if self.cell_score is not None:
            return self.cell_score
        points = np.array([float(self.versions[v][2].points) for v in sorted(self.versions)])
        score = np.where(self.cell_full, points[self.cell_vidx] if len(points) else 0.0, 0.0)
        score[self.listed_cells] = self.listed_marks
        return score

    def positions(self) -> Any:
        """Each cell's position (worked out from ``lengths`` when the vectors gave none: their order)."""
        if self.cell_position is not None:
            return self.cell_position
        starts = np.cumsum(self.lengths) - self.lengths
        return np.arange(len(self.cell_row), dtype=np.int64) - np.repeat(starts, self.lengths)


def version_index(vids: Any, cell_version: Any) -> Any:
    """Each cell's index in the sorted array ``vids`` (which holds every cell's version)."""
    if not len(vids):
        return np.zeros(0, dtype=np.int64)
    top = int(vids[-1])
    if int(vids[0]) >= 0 and top <= LUT_LIMIT and top < 64 * len(cell_version) + 1024:
        lut = np.zeros(top + 1, dtype=np.int32)
        lut[vids] = np.arange(len(vids), dtype=np.int32)
        return np.take(lut, cell_version)
    return np.searchsorted(vids, cell_version)


def _questions(session: Session, version_ids: Any) -> tuple[dict[int, tuple[str, int, Question]],
                                                               dict[str, QuestionRow]]:
    """The versions shown (id -> (question id, version, question)) and their questions' rows, in one query."""
    versions: dict[int, tuple[str, int, Question]] = {}
    rows: dict[str, QuestionRow] = {}
    ids = [int(v) for v in version_ids]
    for start in range(0, len(ids), 10_000):
        q = (select(QuestionVersion, QuestionRow).outerjoin(QuestionRow, QuestionRow.id == QuestionVersion.question_id)
             .where(QuestionVersion.id.in_(ids[start:start + 10_000])))
        for v, row in session.execute(q).tuples():
            versions[v.id] = (v.question_id, v.version, to_question(v))
            if row is not None:
                rows[row.id] = row
    return versions, rows


# -- the row path (fallback and oracle) -------------------------------------------------------------------------

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


def _parse(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def load_rows(session: Session, first: Any) -> Data:
    """The first attempts of the subquery ``first`` read row by row: the matrix in one query of four numbers per
    cell, the answers as counts per (version, answer) grouped in SQL - each distinct answer parsed once."""
    attempt_ids = np.array(sorted(session.scalars(select(first.c.attempt_id))), dtype=np.int64)
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
    versions, rows = _questions(session, sorted({v for v, _, _ in answer_counts}))
    choices: dict[int, Counter[int]] = defaultdict(Counter)
    no_answer: Counter[int] = Counter()
    for vid, text, n in answer_counts:
        picked = canonical_choices(versions[vid][2], _parse(text))
        if not picked:
            no_answer[vid] += n
        for i in picked:
            choices[vid][i] += n
    cell_attempt = cells[:, 0].astype(np.int64)
    return Data(attempt_ids, np.searchsorted(attempt_ids, cell_attempt), cells[:, 1].astype(np.int64),
                cells[:, 2].astype(np.int64), cells[:, 3], unscored, dict(choices), no_answer, versions, rows,
                stats={"rows": len(attempt_ids)})


# -- the vector path --------------------------------------------------------------------------------------------

def _choice_counts(vids: Any, v_idx: Any, code: Any) -> tuple[dict[int, Counter[int]], Counter[int]]:
    """Option counts per version from the cells' codes (quiz/domain/item_vector.py)."""
    nv = len(vids)
    choices: dict[int, Counter[int]] = {}
    no_answer: Counter[int] = Counter()
    if not len(code):
        return choices, no_answer
    slot = code & ((1 << (OPTION_BITS + 1)) - 1)  # 0: none chosen; else 1 | the options' bits
    top = int(slot.max())
    if (top + 1) * nv <= MASK_TABLE_LIMIT:  # one count per (version, options chosen), then each option's bit
        by_slot = np.bincount(v_idx * (top + 1) + slot, minlength=nv * (top + 1)).reshape(nv, top + 1)
        for k in np.flatnonzero(by_slot[:, 0]):
            no_answer[int(vids[k])] = int(by_slot[k, 0])
        for k, s in zip(*np.nonzero(by_slot[:, 1:])):
            n, options = int(by_slot[k, s + 1]), (int(s) + 1) >> 1
            counter = choices.setdefault(int(vids[k]), Counter())
            for i in range(options.bit_length()):
                if options >> i & 1:
                    counter[i] += n
        return choices, no_answer
    none = np.bincount(v_idx[slot == 0], minlength=nv)  # many options chosen together: one pass per option
    no_answer.update({int(vids[k]): int(none[k]) for k in np.flatnonzero(none)})
    for i in range(OPTION_BITS):
        counts = np.bincount(v_idx[((slot >> (i + 1)) & 1) == 1], minlength=nv)
        for k in np.flatnonzero(counts):
            choices.setdefault(int(vids[k]), Counter())[i] += int(counts[k])
    return choices, no_answer


def _finished(session: Session, exam_ids: list[int] | None, cohort_ids: list[int] | None) -> dict[int, int]:
    """exam id -> its finished attempts, for the exams asked for (counted on ``ix_attempts_exam_state``)."""
    q = select(Attempt.exam_id, func.count()).where(Attempt.exam_id.is_not(None), Attempt.state.in_(FINISHED_STATES))
    if exam_ids is not None:
        q = q.where(Attempt.exam_id.in_(exam_ids))
    if cohort_ids is not None:
        q = q.where(Attempt.exam_id.in_(select(Exam.id).where(Exam.cohort_id.in_(cohort_ids))))
    return dict(session.execute(q.group_by(Attempt.exam_id)).tuples().all())


def _raw_scalars(session: Session, stmt: Any) -> list[Any]:
    """The first column of a statement's rows through the driver's own cursor: no SQLAlchemy row objects, and on
    PostgreSQL in binary (a bytea arrives as its bytes, not as hex text twice its size to decode)."""
    conn = session.connection()
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        from psycopg.rows import scalar_row

        with raw.cursor(binary=True, row_factory=scalar_row) as cur:
            cur.execute(str(compiled), compiled.params)
            return cur.fetchall()
    cur = raw.cursor()
    try:
        cur.execute(str(compiled), [compiled.params[k] for k in compiled.positiontup or ()])
        return [row[0] for row in cur.fetchall()]
    finally:
        cur.close()


def _first_order(h: Any) -> Any:
    """The headers' order by (exam, trainee, start, attempt id) - as first_attempts orders attempts - found
    without sorting when they already come in it (as the table stores them on SQLite)."""
    keys = (h["exam"], h["user"], h["started"], h["attempt"])
    if len(h) > 1:
        ahead = np.zeros(len(h) - 1, dtype=bool)  # each record after its predecessor, so far
        tied = np.ones(len(h) - 1, dtype=bool)
        for key in keys:
            step = np.diff(key)
            ahead |= tied & (step > 0)
            tied &= step == 0
        if not ahead.all():
            return np.lexsort(keys[::-1])
    return np.arange(len(h))


def load_vectors(session: Session, exam_ids: list[int] | None, cohort_ids: list[int] | None) -> Data:
    """The first attempts at these exams (None: every exam; ``cohort_ids``: only those cohorts' exams) from their
    item vectors: one query for the vectors of the exams, unpacked at once. Their headers say whose attempt each
    is and when it started, so each trainee's first attempt is picked here, in whatever order they come. An exam
    whose vectors do not number its finished attempts (some were written without one) comes by
    :func:`load_rows` and is merged in."""
    finished = _finished(session, exam_ids, cohort_ids)
    table = AttemptVector.__table__
    vectors = _raw_scalars(session, select(table.c.vector).where(table.c.exam_id.in_(sorted(finished)))) \
        if finished else []
    packed = unpack(vectors)
    del vectors
    h = packed.headers
    exams, counts = np.unique(h["exam"], return_counts=True)
    complete = {int(e) for e, n in zip(exams, counts) if finished.get(int(e)) == n}
    partial = sorted(set(finished) - complete)
    if partial and not complete:
        return load_rows(session, first_attempts(partial, None))
    order = _first_order(h)
    exam_of, user_of = h["exam"][order], h["user"][order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (exam_of[1:] != exam_of[:-1]) | (user_of[1:] != user_of[:-1])
    if partial:
        first &= np.isin(exam_of, list(complete))
    records = order[first]
    records = records[np.argsort(h["attempt"][records], kind="stable")]  # attempt id order, as load_rows has
    ids = h["attempt"][records].astype(np.int64)
    cell_version, code, lengths, listed = gather(packed, records)
    del packed
    n = len(ids)
    top = int(cell_version.max()) if len(cell_version) else 0
    present = np.flatnonzero(np.bincount(cell_version)) if top <= LUT_LIMIT else np.unique(cell_version)
    v_idx = version_index(present, cell_version)
    choices, no_answer = _choice_counts(present, v_idx, code)
    versions, question_rows = _questions(session, present)
    # attempts with marks neither 0 nor full list every mark as stored
    listed_cells = np.concatenate([np.arange(b, b + len(m)) for b, m in listed]) if listed else np.zeros(0, int)
    listed_marks = np.concatenate([m for _, m in listed]) if listed else np.zeros(0)
    cell_row = np.repeat(np.arange(n, dtype=np.int32), lengths)
    data = Data(ids, cell_row, None, cell_version, None, {}, choices, no_answer, versions, question_rows,
                ordered=True, lengths=lengths, cell_vidx=v_idx, cell_full=(code >> SCORE_SHIFT) == FULL,
                listed_cells=listed_cells, listed_marks=listed_marks, stats={"vectors": n})
    if partial:
        data = merge(data, load_rows(session, first_attempts(partial, None)))
    return data


def merge(a: Data, b: Data) -> Data:
    """The cells of two disjoint sets of attempts as one (rows renumbered in attempt id order)."""
    ids = np.concatenate([a.attempt_ids, b.attempt_ids])
    order = np.argsort(ids, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    choices = {v: Counter(c) for v, c in a.choices.items()}
    for v, c in b.choices.items():
        choices.setdefault(v, Counter()).update(c)
    return Data(
        ids[order], np.concatenate([rank[a.cell_row], rank[len(a.attempt_ids) + b.cell_row]]),
        np.concatenate([a.positions(), b.positions()]), np.concatenate([a.cell_version, b.cell_version]),
        np.concatenate([a.scores(), b.scores()]), {**a.unscored, **b.unscored}, choices,
        a.no_answer + b.no_answer, {**a.versions, **b.versions}, {**a.rows, **b.rows},
        stats={k: a.stats.get(k, 0) + b.stats.get(k, 0) for k in {*a.stats, *b.stats}})
