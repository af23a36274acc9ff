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

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quiz.adapters.orm import FINISHED_STATES, Cohort, Exam
from quiz.domain.bank import Question
from quiz.domain.item_vector import mark
from quiz.domain.statistics import ItemInput, ItemStatistics, TestStatistics, analyse, option_rows, random_guess_score
from quiz.services.attempts.grading import finalise_overdue
from quiz.services.errors import NotFound, PermissionDenied
from quiz.services.item_analysis_data import Data, first_attempts, load_vectors, version_index
from quiz.services.permissions import Actor, require_staff, visible_cohort_ids

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


# -- computing --------------------------------------------------------------------------------------------------

def _scaled(score: Any, points: Any, latest: Any) -> Any:
    """Marks on a version of ``points`` as marks on the latest version shown (of ``latest`` points)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(points != 0, score / points * latest, 0.0)


def _compute(data: Data, *, slots: bool, pooled: bool) -> tuple[TestStatistics, dict[str, QuestionInfo]]:
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
    cell_v = data.cell_vidx if data.cell_vidx is not None else version_index(vids, data.cell_version)
    rows_of = data.cell_row
    if data.cell_score is None:  # from the vectors: what score / points * latest gives, p / p being 1.0 exactly
        x = np.take(v_max, cell_v) * data.cell_full if len(vids) else np.zeros(0)
        listed = data.listed_cells
        x[listed] = _scaled(data.listed_marks, v_points[cell_v[listed]], v_max[cell_v[listed]])
    else:
        score = data.cell_score
        missing = np.flatnonzero(np.isnan(score))
        if len(missing):  # never stored (rare): worked out from the answer
            score = score.copy()
            cell_attempt = data.cell_attempt
            for k in missing:
                vid = int(data.cell_version[k])
                answer = data.unscored.get((int(cell_attempt[k]), vid))
                score[k] = mark(data.versions[vid][2], answer, None)
        x = _scaled(score, v_points[cell_v] if len(vids) else np.zeros(0), v_max[cell_v] if len(vids) else 0.0)
    cell_col = v_col[cell_v] if len(vids) else np.zeros(0, dtype=np.int64)
    if len(x):
        marks[rows_of, cell_col] = x
    choices: dict[str, Counter[int]] = defaultdict(Counter)
    no_answer: Counter[str] = Counter()
    for vid, (qid, _, _) in data.versions.items():
        no_answer[qid] += data.no_answer.get(vid, 0)
        choices[qid].update(data.choices.get(vid, {}))
    items = []
    for qid in qids:
        q = latest[qid][1]
        n_opts = len(q.options)
        counts = {i: c for i, c in choices[qid].items() if i < n_opts}
        items.append(ItemInput(item_id=qid, max_mark=q.points, random_guess=random_guess_score(q),
                               options=option_rows(q, counts), no_answer=no_answer[qid]))
    # marks by position in the attempt (Moodle's slots), and which position held each item: for alpha and the
    # effective weights when trainees were shown different items (with a complete matrix analyse needs neither)
    slot_marks = positions = None
    if slots and n_attempts and np.isnan(marks).any():
        per_attempt = data.lengths
        if per_attempt is None:
            per_attempt = np.bincount(rows_of, minlength=n_attempts) if len(x) else np.zeros(n_attempts, dtype=int)
        if (per_attempt == per_attempt[0]).all():
            width = int(per_attempt[0])
            order = None if data.ordered else np.lexsort((data.positions(), rows_of))
            ordered_x = x if order is None else x[order]
            slot_marks = ordered_x.reshape(n_attempts, width)
            positions = np.full(marks.shape, -1, dtype=np.int32)
            if width:
                cols = cell_col if order is None else cell_col[order]
                rows = rows_of if order is None else rows_of[order]
                positions[rows, cols] = np.tile(np.arange(width), n_attempts)
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
    data = load_vectors(session, [exam.id], None)
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
    data = load_vectors(session, None, cohorts)
    test, _ = _compute(data, slots=False, pooled=True)
    return {s.item_id: s for s in test.items}


def analysable_exams(session: Session, actor: Actor | None) -> list[ExamChoice]:
    """Exams the actor may analyse (by name), each with its number of analysed attempts."""
    cohorts = _visible_exam_filter(session, actor)
    first = first_attempts(None, cohorts)
    counts = dict(session.execute(select(first.c.exam_id, func.count()).group_by(first.c.exam_id)).all())
    q = select(Exam).order_by(Exam.name)
    if cohorts is not None:
        q = q.where(Exam.cohort_id.in_(cohorts))
    return [ExamChoice(e.id, e.name, e.cohort_id, int(counts.get(e.id, 0))) for e in session.scalars(q)]
