"""The academy view's figures that are read from every answer, kept as a snapshot refreshed out of the request.

Two columns of the academy view (:mod:`quiz.services.academy`) are aggregates over responses, not attempts:

* the **weakest topic** of a cohort: the topic with the lowest mean mastery of its trainees, mastery being, as
  on the cohort dashboard, the share of the points a trainee earned on the topic over their finished attempts
  (an exam counts every item, unanswered ones 0; practice and review count what was answered);
* **practice answers of the last 30 days** (practice and spaced review).

Each is one ``GROUP BY`` in the database, but over every response ever saved: 4 million rows in the benchmark
academy, several seconds on SQLite and on PostgreSQL (the figures are in bench/RESULTS.md), and growing with the
academy's history, not with what the page shows. So they are computed by :func:`refresh` - two queries, a few
hundred rows back (one per cohort and topic) whatever the size - and kept in one row of ``settings``
(key :data:`KEY`, JSON), which the view reads with one query. The page starts a refresh in the background
(:func:`quiz.background.run_once_in_background`) when the snapshot is missing or older than
:data:`REFRESH_MINUTES`, and says how old the figures are; every other figure of the view is live.

Several app processes may notice the same stale snapshot: :func:`claim` lets one of them refresh it (a
compare-and-set on the ``settings`` row ``KEY + ".claim"``), the others keep showing the previous one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Integer, func, literal, or_, select, text, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from quiz.adapters.orm import Attempt, CohortMember, QuestionRow, QuestionVersion, Response, Setting

KEY = "academy.answers"
CLAIM = KEY + ".claim"
REFRESH_MINUTES = 10  # a snapshot older than this is refreshed when the view is opened
CLAIM_MINUTES = 15  # a refresh that has not finished by then (a process died) may be taken over
PRACTICE_DAYS = 30
TOTAL = -1  # the cohort id of the academy's totals (each trainee once)


@dataclass
class Cell:
    practice: int = 0  # practice and review answers in the PRACTICE_DAYS before the snapshot
    topics: dict[str, list[float]] = field(default_factory=dict)  # topic -> [sum of trainees' mastery, trainees]

    def weakest(self) -> tuple[str, float] | None:
        """(topic, mean mastery) of the topic with the lowest mean; ties: the first topic id."""
        means = sorted((s / n, t) for t, (s, n) in self.topics.items() if n)
        return (means[0][1], means[0][0]) if means else None

    def add(self, other: Cell) -> None:
        self.practice += other.practice
        for t, (s, n) in other.topics.items():
            mine = self.topics.setdefault(t, [0.0, 0])
            mine[0] += s
            mine[1] += n


@dataclass
class Snapshot:
    at: datetime
    cells: dict[int, Cell]  # cohort id (TOTAL: the academy) -> its figures


def read(session: Session) -> Snapshot | None:
    """The stored snapshot, or None if there is none yet (one query)."""
    raw = session.scalar(select(Setting.value).where(Setting.key == KEY))
    if not raw:
        return None
    data = json.loads(raw)
    cells = {int(cid): Cell(int(c["practice"]), {t: [float(s), int(n)] for t, (s, n) in c["topics"].items()})
             for cid, c in data["cells"].items()}
    return Snapshot(datetime.fromisoformat(data["at"]), cells)


def without_jit(session: Session) -> None:
    """PostgreSQL: no JIT compilation for the rest of this transaction. These grouped queries' estimated cost
    passes ``jit_above_cost`` and compiling them took longer than running them (academy view 300 -> 126 ms,
    snapshot 8.1 -> 6.9 s on the benchmark academy). One ``SET LOCAL``; nothing on SQLite."""
    if session.bind.dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))


def compute(session: Session, *, now: datetime | None = None) -> Snapshot:
    """The two aggregates over every cohort (two queries; and on PostgreSQL :func:`without_jit`); nothing is
    stored."""
    now = now or datetime.now(UTC)
    without_jit(session)
    members = select(CohortMember.cohort_id, CohortMember.user_id).cte("members")
    cells: dict[int, Cell] = {}
    for cid, topic, total, n in session.execute(_mastery_query(members)):
        cells.setdefault(int(cid), Cell()).topics[topic] = [float(total), int(n)]
    for cid, n in session.execute(_practice_query(members, now - timedelta(days=PRACTICE_DAYS))):
        cells.setdefault(int(cid), Cell()).practice = int(n or 0)
    return Snapshot(now, cells)


def _mastery_query(members):  # noqa: ANN001, ANN202
    """Per cohort and topic: the sum and number of its trainees' mastery; and per topic over every trainee.
    ``state != 'in_progress'`` (graded: submitted or expired) rather than ``IN (...)``: SQLite would otherwise
    read the attempts through the state index, one lookup per graded attempt."""
    earned = func.sum(func.coalesce(Response.score, 0.0))
    possible = func.sum(Response.max_score)
    shares = (
        select(Attempt.user_id.label("user_id"), QuestionRow.topic.label("topic"),
               (earned / possible).label("share"))
        .select_from(Response)
        .join(Attempt, Attempt.id == Response.attempt_id)
        .join(QuestionVersion, QuestionVersion.id == Response.question_version_id)
        .join(QuestionRow, QuestionRow.id == QuestionVersion.question_id)
        .where(Attempt.state != "in_progress", or_(Attempt.mode == "exam", Response.score.is_not(None)),
               Attempt.user_id.in_(select(members.c.user_id)))
        .group_by(Attempt.user_id, QuestionRow.topic)
        .having(possible > 0)
        .cte("shares"))
    per_cohort = (select(members.c.cohort_id, shares.c.topic, func.sum(shares.c.share), func.count())
                  .join(shares, shares.c.user_id == members.c.user_id)
                  .group_by(members.c.cohort_id, shares.c.topic))
    academy = (select(literal(TOTAL, Integer), shares.c.topic, func.sum(shares.c.share), func.count())
               .group_by(shares.c.topic))
    return union_all(per_cohort, academy)


def _practice_query(members, since: datetime):  # noqa: ANN001, ANN202
    """Per cohort (and in total, each trainee once): practice and review answers saved since ``since``. An
    attempt submitted before then has none (nothing is saved after a submit)."""
    per_user = (
        select(Attempt.user_id.label("user_id"), func.count(Response.id).label("n"))
        .join(Response, Response.attempt_id == Attempt.id)
        .where(Attempt.mode.in_(("practice", "review")), Attempt.user_id.in_(select(members.c.user_id)),
               or_(Attempt.submitted_at.is_(None), Attempt.submitted_at >= since),
               Response.saved_at >= since, Response.score.is_not(None))
        .group_by(Attempt.user_id)
        .cte("practised"))
    per_cohort = (select(members.c.cohort_id, func.sum(per_user.c.n))
                  .join(per_user, per_user.c.user_id == members.c.user_id).group_by(members.c.cohort_id))
    academy = select(literal(TOTAL, Integer), func.sum(per_user.c.n))
    return union_all(per_cohort, academy)


def store(session: Session, snapshot: Snapshot) -> None:
    value = json.dumps({"at": snapshot.at.isoformat(), "cells": {
        str(cid): {"practice": c.practice, "topics": c.topics} for cid, c in snapshot.cells.items()}})
    row = session.get(Setting, KEY)
    if row is None:
        session.add(Setting(key=KEY, value=value, updated_at=snapshot.at))
    else:
        row.value, row.updated_at = value, snapshot.at


def claim(session: Session, *, now: datetime | None = None) -> bool:
    """Take the refresh for this caller (True), unless another process took it less than CLAIM_MINUTES ago.
    Commit right after, so that the others see it."""
    now = now or datetime.now(UTC)
    taken = session.execute(
        update(Setting).where(Setting.key == CLAIM, Setting.updated_at <= now - timedelta(minutes=CLAIM_MINUTES))
        .values(value=now.isoformat(), updated_at=now).execution_options(synchronize_session=False)).rowcount
    if taken:
        return True
    if session.get(Setting, CLAIM) is not None:
        return False
    try:
        with session.begin_nested():  # the first refresh ever; another process may make the row at once
            session.add(Setting(key=CLAIM, value=now.isoformat(), updated_at=now))
    except IntegrityError:
        return False
    return True


def release(session: Session) -> None:
    """The refresh is done: the next stale snapshot may be refreshed at once."""
    session.execute(update(Setting).where(Setting.key == CLAIM)
                    .values(updated_at=datetime(2000, 1, 1, tzinfo=UTC)).execution_options(synchronize_session=False))


def refresh(platform, *, now: datetime | None = None) -> Snapshot | None:  # noqa: ANN001
    """Claim, compute and store the snapshot, each step in its own transaction (the computation holds no
    lock); None when another process holds the claim. The command line, the benchmark and the background
    refresh call this."""
    with platform.transaction() as s:
        if not claim(s, now=now):
            return None
    try:
        with platform.transaction() as s:
            snapshot = compute(s, now=now)
            store(s, snapshot)
    finally:
        with platform.transaction() as s:
            release(s)
    return snapshot
