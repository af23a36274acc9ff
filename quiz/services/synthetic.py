"""A synthetic academy for the benchmark (``python -m quiz bench``), built by bulk inserts (COPY on
PostgreSQL, executemany on SQLite), not the demo's per-row path.

``academy``: 10,000 trainees in 50 cohorts of 200, a bank of 500 single-answer items in 10 topics, each trainee
with 45 practice sessions of 8 items and 2 sittings of a 20-item academy exam: 470,000 attempts, 4,000,000
responses (and as many attempt items). ``small`` (CI): 300 trainees in 2 cohorts of 150, the same shape.
Answers follow a Rasch model (abler trainees and easier items answer right more often), from a fixed seed.

The **item-analysis set** (issue 13's "50,000 first attempts"), built beside it by :func:`build_item_set`: one
more exam of 40 fixed items (4 per topic) sat once by 50,000 trainees of a cohort of their own (``small``: 400),
2% of the items left unanswered; 2,000,000 more responses. The academy's own rows are left as they are, so a
database built before the set existed gets it added by the next ``bench`` run.
Local administrator only (the command line): it writes straight into the tables.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Table, func, select, text
from sqlalchemy.orm import Session

from quiz.adapters.orm import (
    Attempt,
    AttemptItem,
    AttemptVector,
    Cohort,
    CohortMember,
    Exam,
    QuestionVersion,
    Response,
    Setting,
    User,
)
from quiz.core import security
from quiz.domain.bank import Bank, Objective, Option, Question, Source, SourceRef, Topic
from quiz.domain.item_vector import CELL, FULL, HEADER, PICKED, SCORE_SHIFT, ZERO, micros
from quiz.services import bank_sync
from quiz.services.errors import Conflict

SCALES = {"academy": (50, 200), "small": (2, 150)}  # cohorts, trainees per cohort
TOPICS = ("aftercare", "anatomy", "consent", "contraindications", "hygiene", "injection", "products",
          "records", "safety", "spacing")
ITEMS_PER_TOPIC = 50
PRACTICE_SESSIONS, PRACTICE_ITEMS = 45, 8
EXAM_SITTINGS, EXAM_PER_TOPIC = 2, 2
PASSWORD = "bench-password-1"
MARK_KEY = "bench_academy"
DOMAIN = "bench.example"
EXAM_NAME = "Bench academy certification"
ITEM_SET = {"academy": 50_000, "small": 400}  # trainees sitting the item-analysis exam once
ITEM_SET_PER_TOPIC, ITEM_SET_BLANK = 4, 0.02
ITEM_SET_KEY = "bench_item_set"
ITEM_SET_EXAM = "Bench item-analysis exam"
NOW = datetime(2030, 6, 1, 12, tzinfo=UTC)


@dataclass
class Built:
    scale: str
    trainees: int
    cohorts: list[int]
    exam_id: int
    attempts: int
    responses: int
    seconds: float = 0.0


def existing(session: Session) -> Built | None:
    """The academy already in this database (``bench`` reuses it), or None."""
    raw = session.scalar(select(Setting.value).where(Setting.key == MARK_KEY))
    return Built(**json.loads(raw)) if raw else None


def bank() -> Bank:
    qs = []
    for t in TOPICS:
        for i in range(1, ITEMS_PER_TOPIC + 1):
            qid = f"{t}-b{i:03d}"
            qs.append(Question(
                id=qid, topic=t, type="single", stem=f"Case {qid}: what do you do next?",
                options=[Option(text=f"Choice {k} for {qid}", feedback=f"Why choice {k}") for k in range(4)],
                key=i % 4, explanation=f"Explanation of {qid}.", source=SourceRef(id="bench-source", section="All"),
                difficulty=("easy", "medium", "hard")[i % 3], status="live", scoring="all_or_nothing",
                objective=f"{t}.bench"))
    return Bank(topics=[Topic(id=t, name=t.title()) for t in TOPICS],
                sources=[Source(id="bench-source", title="Synthetic source", sections=["All"])],
                objectives=[Objective(id=f"{t}.bench", statement=f"Knows {t}.") for t in TOPICS], questions=qs)


class _Writer:
    """Rows into a table, fast: COPY on PostgreSQL, executemany on SQLite. Values: Python scalars, aware
    datetimes, JSON already as text."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.pg = session.bind.dialect.name == "postgresql"

    def ts(self, dt: datetime | None) -> Any:
        if dt is None or self.pg:
            return dt
        return dt.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")

    def write(self, table: Table, columns: list[str], rows: Iterable[tuple]) -> None:
        filled = _fill_defaults(table, columns)
        cols = columns + [c for c, _ in filled]
        extra = tuple(v for _, v in filled)
        rows = (r + extra for r in rows) if extra else rows
        dbapi = self.session.connection().connection.driver_connection
        names = ", ".join(cols)
        if self.pg:
            with dbapi.cursor() as cur, cur.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(r)
        else:
            marks = ", ".join("?" for _ in cols)
            cur = dbapi.cursor()
            batch: list[tuple] = []
            for r in rows:
                batch.append(r)
                if len(batch) >= 50_000:
                    cur.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", batch)
                    batch = []
            if batch:
                cur.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", batch)

    def next_id(self, model: Any) -> int:
        return int(self.session.scalar(select(func.max(model.id))) or 0) + 1

    def fix_sequence(self, table: str) -> None:
        if self.pg:
            self.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                      f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))


ATTEMPT_COLUMNS = ["id", "user_id", "exam_id", "mode", "state", "seed", "settings", "started_at", "deadline_at",
                   "submitted_at", "score", "max_score", "percent", "passed", "current_position"]
VECTOR_COLUMNS = ["exam_id", "user_id", "started_at", "attempt_id", "vector"]


def _vector(head: tuple[int, int, int, datetime], versions: Any, right: Any, answers: Any,
            answered: Any = True) -> bytes:
    """The item vector (quiz/domain/item_vector.py) of one attempt - (exam, trainee, attempt, start) - of 1-point
    single-answer items marked 1 or 0 (so it lists no mark)."""
    header = np.array([(*head[:3], len(versions), micros(head[3]))], dtype=HEADER)
    cells = np.zeros(len(versions), dtype=CELL)
    cells["version"] = versions
    cells["code"] = (np.where(answered, PICKED | np.left_shift(2, answers), 0)
                     | np.where(right, FULL << SCORE_SHIFT, ZERO << SCORE_SHIFT))
    return header.tobytes() + cells.tobytes()


def _fill_defaults(table: Table, columns: list[str]) -> list[tuple[str, Any]]:
    """NOT NULL columns the caller did not give (e.g. added by a later migration): their scalar default."""
    out = []
    for c in table.columns:
        if c.name in columns or c.nullable or c.primary_key or c.server_default is not None:
            continue
        if c.default is not None and getattr(c.default, "is_scalar", False):
            out.append((c.name, c.default.arg))
        else:
            raise RuntimeError(f"the benchmark does not know how to fill {table.name}.{c.name}")
    return out


def build(session: Session, scale: str = "small", *, seed: int = 13) -> Built:
    """Build the academy in this (empty) database; refused if it already has trainees."""
    if scale not in SCALES:
        raise Conflict(f"Unknown scale {scale!r}; choose one of {', '.join(SCALES)}.")
    if session.scalar(select(func.count(Attempt.id))):
        raise Conflict("This database already has attempts; the benchmark needs an empty one.")
    n_cohorts, per_cohort = SCALES[scale]
    rng = np.random.default_rng(seed)
    w = _Writer(session)
    bank_sync.sync_bank(session, bank())
    versions = dict(session.execute(select(QuestionVersion.question_id, QuestionVersion.id)).tuples().all())
    qids = [f"{t}-b{i:03d}" for t in TOPICS for i in range(1, ITEMS_PER_TOPIC + 1)]
    vid = np.array([versions[q] for q in qids])
    key = np.array([i % 4 for _ in TOPICS for i in range(1, ITEMS_PER_TOPIC + 1)])
    difficulty = rng.normal(0.0, 1.0, len(qids))
    password_hash = security.hash_password(PASSWORD)
    trainer = User(email=f"trainer@{DOMAIN}", name="Bench Trainer", role="trainer", password_hash=password_hash)
    session.add(trainer)
    session.flush()
    exam = Exam(name=EXAM_NAME, cohort_id=None, blueprint={"topics": {t: EXAM_PER_TOPIC for t in TOPICS}},
                time_limit_minutes=60, pass_mark=0.6, attempts_allowed=99, wait_hours=0,
                review_options={"show_score": True, "show_answers": True, "show_explanations": True},
                created_by=trainer.id)
    session.add(exam)
    cohorts = [Cohort(name=f"Bench cohort {c + 1:02d}", invite_code=f"BENCH{c + 1:03d}", trainer_id=trainer.id)
               for c in range(n_cohorts)]
    session.add_all(cohorts)
    session.flush()
    user_id = w.next_id(User)
    attempt_id = w.next_id(Attempt)
    item_id = w.next_id(AttemptItem)
    response_id = w.next_id(Response)
    start = NOW - timedelta(days=150)
    n_attempts = n_responses = 0
    for ci, cohort in enumerate(cohorts):
        ids = list(range(user_id, user_id + per_cohort))
        user_id += per_cohort
        w.write(User.__table__, ["id", "email", "name", "role", "password_hash", "is_active", "failed_logins",
                                 "created_at"],
                ((u, f"t{u}@{DOMAIN}", f"Trainee {u}", "trainee", password_hash, True, 0, w.ts(start))
                 for u in ids))
        w.write(CohortMember.__table__, ["cohort_id", "user_id", "joined_at"],
                ((cohort.id, u, w.ts(start)) for u in ids))
        attempts, items, responses, vectors = _cohort_activity(rng, w, ids, exam.id, vid, key, difficulty, start,
                                                      attempt_id, item_id, response_id)
        attempt_id += len(attempts)
        item_id += len(items)
        response_id += len(responses)
        w.write(Attempt.__table__, ATTEMPT_COLUMNS, attempts)
        w.write(AttemptItem.__table__, ["id", "attempt_id", "position", "question_version_id", "option_order",
                                        "flagged"], items)
        w.write(Response.__table__, ["id", "attempt_id", "question_version_id", "answer", "is_correct", "score",
                                     "max_score", "saved_at"], responses)
        w.write(AttemptVector.__table__, VECTOR_COLUMNS, vectors)
        n_attempts += len(attempts)
        n_responses += len(responses)
        del attempts, items, responses, vectors
        print(f"[bench] cohort {ci + 1}/{n_cohorts}: {n_attempts} attempts, {n_responses} responses", file=sys.stderr,
              flush=True)
    for table in ("users", "attempts", "attempt_items", "responses"):
        w.fix_sequence(table)
    built = Built(scale, n_cohorts * per_cohort, [c.id for c in cohorts], exam.id, n_attempts, n_responses)
    session.add(Setting(key=MARK_KEY, value=json.dumps(built.__dict__), updated_at=datetime.now(UTC)))
    if w.pg:
        session.flush()
        session.execute(text("ANALYZE"))
    return built


def _cohort_activity(rng: np.random.Generator, w: _Writer, users: list[int], exam_id: int, vid: Any, key: Any,
                     difficulty: Any, start: datetime, attempt_id: int, item_id: int, response_id: int
                     ) -> tuple[list[tuple], list[tuple], list[tuple], list[tuple]]:
    attempts: list[tuple] = []
    vectors: list[tuple] = []
    items: list[tuple] = []
    responses: list[tuple] = []
    order = json.dumps([0, 1, 2, 3])
    per_topic = ITEMS_PER_TOPIC
    for u in users:
        ability = rng.normal(0.3, 1.0)
        days = np.sort(rng.uniform(0, 140, PRACTICE_SESSIONS + EXAM_SITTINGS))
        for s, day in enumerate(days):
            exam = s >= PRACTICE_SESSIONS
            if exam:
                picked = np.concatenate([t * per_topic + rng.choice(per_topic, EXAM_PER_TOPIC, replace=False)
                                         for t in range(len(TOPICS))])
                settings = json.dumps({"pass_mark": 0.6})
            else:
                t = int(rng.integers(len(TOPICS)))
                picked = t * per_topic + rng.choice(per_topic, PRACTICE_ITEMS, replace=False)
                settings = json.dumps({"topics": [TOPICS[t]]})
            p_right = 1.0 / (1.0 + np.exp(-(ability + 0.15 * s / 10 - difficulty[picked])))
            right = rng.random(len(picked)) < p_right
            wrong_pick = (key[picked] + rng.integers(1, 4, len(picked))) % 4
            answers = np.where(right, key[picked], wrong_pick)
            began = start + timedelta(days=float(day), minutes=float(rng.uniform(0, 600)))
            ended = began + timedelta(minutes=2 * len(picked))
            score = float(right.sum())
            percent = score / len(picked)
            attempts.append((attempt_id, u, exam_id if exam else None, "exam" if exam else "practice", "submitted",
                             int(rng.integers(1 << 30)), settings, w.ts(began),
                             w.ts(began + timedelta(minutes=60)) if exam else None, w.ts(ended), score,
                             float(len(picked)), percent, (percent >= 0.6) if exam else None, len(picked) - 1))
            if exam:
                vectors.append((exam_id, u, w.ts(began), attempt_id,
                                _vector((exam_id, u, attempt_id, began), vid[picked], right, answers)))
            for pos, (q, a, ok) in enumerate(zip(picked.tolist(), answers.tolist(), right.tolist())):
                items.append((item_id, attempt_id, pos, int(vid[q]), order, False))
                responses.append((response_id, attempt_id, int(vid[q]), str(a), ok, 1.0 if ok else 0.0, 1.0,
                                  w.ts(began + timedelta(minutes=2 * pos + 1))))
                item_id += 1
                response_id += 1
            attempt_id += 1
    return attempts, items, responses, vectors


def trainee_ids(session: Session, cohort_id: int) -> Iterator[int]:
    yield from session.scalars(select(CohortMember.user_id).where(CohortMember.cohort_id == cohort_id)
                               .order_by(CohortMember.user_id))


# -- the item-analysis set --------------------------------------------------------------------------------------

@dataclass
class ItemSet:
    exam_id: int
    cohort_id: int
    trainees: int
    items: int
    seconds: float = 0.0


def item_set(session: Session) -> ItemSet | None:
    """The item-analysis set already in this database, or None."""
    raw = session.scalar(select(Setting.value).where(Setting.key == ITEM_SET_KEY))
    return ItemSet(**json.loads(raw)) if raw else None


def build_item_set(session: Session, scale: str = "small", *, seed: int = 14, chunk: int = 2000) -> ItemSet:
    """Add the item-analysis set to a database holding the academy (see the module doc)."""
    trainees = ITEM_SET[scale]
    rng = np.random.default_rng(seed)
    w = _Writer(session)
    trainer = session.scalar(select(User).where(User.email == f"trainer@{DOMAIN}"))
    versions = dict(session.execute(select(QuestionVersion.question_id, QuestionVersion.id)).tuples().all())
    qids = [f"{t}-b{i:03d}" for t in TOPICS for i in range(1, ITEM_SET_PER_TOPIC + 1)]
    vid = np.array([versions[q] for q in qids])
    key = np.array([int(q[-3:]) % 4 for q in qids])
    difficulty = rng.normal(0.0, 1.0, len(qids))
    exam = Exam(name=ITEM_SET_EXAM, cohort_id=None,
                blueprint={"topics": {t: ITEM_SET_PER_TOPIC for t in TOPICS}}, time_limit_minutes=90, pass_mark=0.6,
                attempts_allowed=1, wait_hours=0, review_options={"show_score": True}, created_by=trainer.id)
    cohort = Cohort(name="Bench item-analysis cohort", invite_code="BENCHITEMS", trainer_id=trainer.id)
    session.add_all([exam, cohort])
    session.flush()
    exam.cohort_id = cohort.id
    user_id, attempt_id = w.next_id(User), w.next_id(Attempt)
    item_id, response_id = w.next_id(AttemptItem), w.next_id(Response)
    start = NOW - timedelta(days=30)
    password_hash = trainer.password_hash
    order, settings = json.dumps([0, 1, 2, 3]), json.dumps({"pass_mark": 0.6})
    n = len(qids)
    for first in range(0, trainees, chunk):
        k = min(chunk, trainees - first)
        ids = range(user_id, user_id + k)
        user_id += k
        w.write(User.__table__, ["id", "email", "name", "role", "password_hash", "is_active", "failed_logins",
                                 "created_at"],
                ((u, f"s{u}@{DOMAIN}", f"Sitter {u}", "trainee", password_hash, True, 0, w.ts(start)) for u in ids))
        w.write(CohortMember.__table__, ["cohort_id", "user_id", "joined_at"],
                ((cohort.id, u, w.ts(start)) for u in ids))
        ability = rng.normal(0.3, 1.0, (k, 1))
        right = rng.random((k, n)) < 1.0 / (1.0 + np.exp(-(ability - difficulty)))
        answered = rng.random((k, n)) >= ITEM_SET_BLANK
        right &= answered
        answers = np.where(right, key, (key + rng.integers(1, 4, (k, n))) % 4)
        began = [start + timedelta(days=float(d)) for d in rng.uniform(0, 20, k)]
        attempts, items, responses, vectors = [], [], [], []
        for r, u in enumerate(ids):
            score = float(right[r].sum())
            ended = began[r] + timedelta(minutes=60)
            attempts.append((attempt_id, u, exam.id, "exam", "submitted", int(rng.integers(1 << 30)), settings,
                             w.ts(began[r]), w.ts(began[r] + timedelta(minutes=90)), w.ts(ended), score, float(n),
                             score / n, score / n >= 0.6, n - 1))
            vectors.append((exam.id, u, w.ts(began[r]), attempt_id,
                            _vector((exam.id, u, attempt_id, began[r]), vid, right[r], answers[r], answered[r])))
            saved = w.ts(ended)
            for pos in range(n):
                items.append((item_id, attempt_id, pos, int(vid[pos]), order, False))
                ok = bool(right[r, pos])
                responses.append((response_id, attempt_id, int(vid[pos]),
                                  str(int(answers[r, pos])) if answered[r, pos] else "null", ok, float(ok), 1.0, saved))
                item_id += 1
                response_id += 1
            attempt_id += 1
        w.write(Attempt.__table__, ATTEMPT_COLUMNS, attempts)
        w.write(AttemptItem.__table__, ["id", "attempt_id", "position", "question_version_id", "option_order",
                                        "flagged"], items)
        w.write(Response.__table__, ["id", "attempt_id", "question_version_id", "answer", "is_correct", "score",
                                     "max_score", "saved_at"], responses)
        w.write(AttemptVector.__table__, VECTOR_COLUMNS, vectors)
        print(f"[bench] item-analysis set: {first + k} of {trainees} sittings", file=sys.stderr, flush=True)
    for table in ("users", "attempts", "attempt_items", "responses"):
        w.fix_sequence(table)
    built = ItemSet(exam.id, cohort.id, trainees, n)
    session.add(Setting(key=ITEM_SET_KEY, value=json.dumps(built.__dict__), updated_at=datetime.now(UTC)))
    if w.pg:
        session.flush()
        session.execute(text("ANALYZE attempts, attempt_items, responses, users, attempt_vectors"))
    return built
