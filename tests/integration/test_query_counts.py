"""A fixed number of queries, whatever the size (issue 13): resuming an exam (was one query per item), a
trainee's attempt list and score history (one per attempt), the cohort dashboard (every attempt as an object),
saving an exam answer (was 10 statements, now 2)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from quiz.services import attempts, dashboard, progress
from tests.conftest import make_user
from tests.integration.attempt_helpers import T0, call, load_bank, make_cohort, make_exam, right_answer


@pytest.fixture
def bank(platform):  # noqa: ANN001
    load_bank(platform, per_topic=8)


@contextmanager
def counting(platform):  # noqa: ANN001, ANN202
    seen: list[str] = []

    def count(conn, cursor, statement, *args):  # noqa: ANN001, ANN202
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            seen.append(statement)

    event.listen(platform.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(platform.engine, "before_cursor_execute", count)


def _queries(platform, fn, *args, **kw) -> int:  # noqa: ANN001
    with counting(platform) as seen:
        call(platform, fn, *args, **kw)
    return len(seen)


def test_resuming_an_exam_costs_the_same_queries_for_2_or_12_items(platform, trainer, trainee, bank):  # noqa: ANN001
    small = make_exam(platform, name="Small", topics={"aftercare": 2})
    big = make_exam(platform, name="Big", topics={"aftercare": 4, "spacing": 4, "hygiene": 4})
    counts = []
    for exam in (small, big):
        aid = call(platform, attempts.start_exam, trainee, exam, now=T0)
        call(platform, attempts.save_answer, trainee, aid, 0, right_answer(platform, aid, 0), now=T0)
        counts.append(_queries(platform, attempts.attempt_view, trainee, aid, now=T0))

        call(platform, attempts.submit, trainee, aid, now=T0)
    assert counts[0] == counts[1] and counts[0] <= 10


def test_attempt_list_and_score_history_cost_the_same_for_1_or_5_attempts(platform, trainee, bank):  # noqa: ANN001
    def practise() -> None:
        aid = call(platform, attempts.start_practice, trainee, ["aftercare"], 2, now=T0)
        call(platform, attempts.save_answer, trainee, aid, 0, right_answer(platform, aid, 0), now=T0)
        call(platform, attempts.submit, trainee, aid, now=T0)

    practise()
    before = [_queries(platform, fn, trainee) for fn in (attempts.list_attempts, progress.score_history,
                                                         progress.topic_mastery)]
    for _ in range(4):
        practise()
    after = [_queries(platform, fn, trainee) for fn in (attempts.list_attempts, progress.score_history,
                                                        progress.topic_mastery)]
    assert before == after


def test_the_cohort_dashboard_costs_the_same_for_1_or_4_trainees(platform, trainer, trainee, bank):  # noqa: ANN001
    others = [make_user(platform, "trainee", f"t{i}@example.com", f"Trainee {i}") for i in range(3)]
    exam = make_exam(platform, topics={"aftercare": 2, "spacing": 2})

    def sit(who) -> None:  # noqa: ANN001
        aid = call(platform, attempts.start_exam, who, exam, now=T0)
        call(platform, attempts.save_answer, who, aid, 0, right_answer(platform, aid, 0), now=T0)
        call(platform, attempts.submit, who, aid, now=T0)

    sit(trainee)
    one = make_cohort(platform, trainer.id, [trainee.id], code="ONE00001")
    fns = (dashboard.cohort_overview, dashboard.mastery, dashboard.trend)
    before = [_queries(platform, fn, trainer, one) for fn in fns]
    for who in others:
        sit(who)
    four = make_cohort(platform, trainer.id, [trainee.id] + [o.id for o in others], code="FOUR0001")
    after = [_queries(platform, fn, trainer, four) for fn in fns]
    assert before == after
    rows = call(platform, dashboard.cohort_overview, trainer, four)
    assert [r.exam_attempts for r in rows] == [1, 1, 1, 1]


def test_saving_an_exam_answer_is_two_statements(platform, trainee, bank):  # noqa: ANN001
    """One UPDATE of the attempt (owner, state, deadline, lock; returns the item's question) and one INSERT ...
    ON CONFLICT or UPDATE of the response (with the stale-tab version check): was 10 statements."""
    exam = make_exam(platform, topics={"aftercare": 2, "spacing": 2})
    aid = call(platform, attempts.start_exam, trainee, exam, now=T0)
    answer = right_answer(platform, aid, 0)
    counts = [
        _queries(platform, attempts.save_answer, trainee, aid, 0, answer, now=T0, expected_version=0),  # first
        _queries(platform, attempts.save_answer, trainee, aid, 0, answer, now=T0, expected_version=1),  # changed
        _queries(platform, attempts.save_answer, trainee, aid, 1, answer, now=T0),  # no version shown
        _queries(platform, attempts.save_answer, trainee, aid, 1, answer, now=T0),
    ]
    assert counts == [2, 2, 2, 2]
    view = call(platform, attempts.attempt_view, trainee, aid, now=T0)
    assert [i.version for i in view.items[:2]] == [2, 2] and view.current_position == 1


def test_the_academy_view_costs_the_same_for_1_or_3_cohorts(platform, admin, trainer, trainee, bank):  # noqa: ANN001
    """The academy overview (quiz/services/academy.py) and its answer snapshot: grouped queries, none per cohort,
    trainee or attempt."""
    from quiz.services import academy, academy_answers

    exam = make_exam(platform, topics={"aftercare": 2, "spacing": 2})

    def sit(who) -> None:  # noqa: ANN001
        aid = call(platform, attempts.start_exam, who, exam, now=T0)
        call(platform, attempts.save_answer, who, aid, 0, right_answer(platform, aid, 0), now=T0)
        call(platform, attempts.submit, who, aid, now=T0)

    def costs() -> list[int]:
        return [_queries(platform, academy.academy_view, admin), _queries(platform, academy.academy_view, trainer),
                _queries(platform, academy_answers.compute)]

    sit(trainee)
    make_cohort(platform, trainer.id, [trainee.id], code="ACAD0001")
    before = costs()
    others = [make_user(platform, "trainee", f"a{i}@example.com", f"Academy {i}") for i in range(3)]
    for who in others:
        sit(who)
    make_cohort(platform, trainer.id, [o.id for o in others[:2]], code="ACAD0002")
    make_cohort(platform, trainer.id, [others[2].id, trainee.id], code="ACAD0003")
    jit = platform.engine.dialect.name == "postgresql"  # + SET LOCAL jit = off
    # overdue grading, (a trainer's cohorts,) cohorts, people, snapshot; the snapshot's two aggregates
    assert before == [4 + jit, 5 + jit, 2 + jit] and costs() == before
    view = call(platform, academy.academy_view, admin)
    assert [r.trainees for r in view.cohorts] == [1, 2, 2] and view.totals.exam_attempts == 4
