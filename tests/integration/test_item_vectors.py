"""Item vectors (migration 0010) on SQLite and PostgreSQL: item analysis read from the vectors gives exactly the
statistics the row-by-row loader gives (the oracle), whatever happened to the attempts - submitted, expired,
retaken, regraded, overridden, an item edited to other points, unanswered items, multiple-response answers - and
an exam some of whose attempts have no vector is read from its rows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from quiz.adapters.orm import Attempt, AttemptVector, Cohort, CohortMember
from quiz.domain.bank import question_to_authoring
from quiz.services import attempts, bank_sync, demo, item_analysis, item_vectors, regrade
from quiz.services.attempts.grading import finalise_overdue
from quiz.services.bank_admin import edit
from quiz.services.item_analysis_data import first_attempts, load_rows, load_vectors
from quiz.services.questions import to_question
from tests.conftest import make_user
from tests.factories import make_bank, make_question
from tests.integration.academy import add_attempt, load_questions
from tests.integration.attempt_helpers import T0, call, make_exam

QUESTIONS = [
    make_question("aftercare-001"),
    make_question("aftercare-002", type="multiple", key=[0, 2], scoring="partial"),
    make_question("aftercare-003", type="true_false"),
    make_question("aftercare-004", type="numeric"),
    make_question("spacing-001", key=2),
    make_question("spacing-002", type="multiple", n_options=5, key=[1, 3]),
    make_question("spacing-003", key=1),
]


def _answer(q: Any, i: int, pos: int) -> Any:
    """A varied answer: right, wrong, several options, or none (None: leave it unanswered)."""
    if (i + pos) % 5 == 4:
        return None
    k = (i + pos) % 3
    if q.type == "single":
        return (q.key + k) % len(q.options)
    if q.type == "multiple":
        return [[0, 2], [1], [0, 1, 3]][k]
    if q.type == "true_false":
        return k == 0
    return [7.0, 7.5, 12.0][k]


def _sit(platform, user: Any, exam: int, i: int, at: Any, *, submit: bool = True) -> int:  # noqa: ANN001
    aid = call(platform, attempts.start_exam, user, exam, now=at)
    with platform.sessions() as s:
        shown = [(item.position, to_question(item.question_version)) for item in s.get(Attempt, aid).items]
    for pos, q in shown:
        answer = _answer(q, i, pos)
        if answer is not None:
            call(platform, attempts.save_answer, user, aid, pos, answer, now=at + timedelta(minutes=1))
    if submit:
        call(platform, attempts.submit, user, aid, now=at + timedelta(minutes=2))
    return aid


@pytest.fixture
def sat(platform, trainer):  # noqa: ANN001
    """Nine trainees at an exam drawn from a blueprint (so they saw different items); one attempt expired, one
    trainee retook it, one mark overridden, one item edited to 2 points and regraded before the last sitting."""
    load_questions(platform, QUESTIONS)
    with platform.transaction() as s:
        cohort = Cohort(name="Vectors", invite_code="VECTORS", trainer_id=trainer.id)
        s.add(cohort)
        s.flush()
        cohort_id = cohort.id
    exam = make_exam(platform, cohort_id=cohort_id, topics={"aftercare": 4, "spacing": 2}, attempts_allowed=3)
    users = []
    for i in range(9):
        user = make_user(platform, "trainee", f"v{i}@example.com", f"V {i}")
        with platform.transaction() as s:
            s.add(CohortMember(cohort_id=cohort_id, user_id=user.id))
        users.append(user)
    sittings = [_sit(platform, user, exam, i, T0 + timedelta(hours=i), submit=i != 5)
                for i, user in enumerate(users[:8])]
    with platform.transaction() as s:  # trainee 5 ran out of time: expired, graded with what was saved
        assert finalise_overdue(s, now=T0 + timedelta(days=1)) == 1
    _sit(platform, users[6], exam, 60, T0 + timedelta(days=2))  # a retake: left out
    call(platform, regrade.override_response, trainer, sittings[7], 0, 0.5, "partly right")
    q = QUESTIONS[0]  # drawn by everyone (all four aftercare items are)
    call(platform, edit, trainer, q.id, question_to_authoring(q.model_copy(update={"points": 2.0})))
    call(platform, regrade.apply, trainer, exam_id=exam, question_id=q.id, mode="current")
    _sit(platform, users[8], exam, 8, T0 + timedelta(days=3))  # shown the 2-point version
    return {"exam": exam, "cohort": cohort_id, "users": users}


def _both(platform, exam_ids: list[int] | None, cohorts: list[int] | None = None) -> tuple[Any, Any]:  # noqa: ANN001
    with platform.sessions() as s:
        fast = load_vectors(s, exam_ids, cohorts)
        rows = load_rows(s, first_attempts(exam_ids, cohorts))
        return fast, rows


def _same(fast: Any, rows: Any, *, slots: bool, pooled: bool) -> dict[str, Any]:
    a, a_info = item_analysis._compute(fast, slots=slots, pooled=pooled)
    b, b_info = item_analysis._compute(rows, slots=slots, pooled=pooled)
    assert a.to_dict() == b.to_dict()  # exactly: the same floats, not approximately
    assert a_info == b_info
    return a.to_dict()


def test_vectors_give_exactly_the_statistics_of_the_rows(platform, sat):  # noqa: ANN001
    fast, rows = _both(platform, [sat["exam"]])
    assert fast.stats == {"vectors": 9} and rows.stats == {"rows": 9}
    stats = _same(fast, rows, slots=True, pooled=False)
    assert stats["attempts"] == 9 and stats["alpha_basis"] == "slots"
    items = {i["item_id"]: i for i in stats["items"]}
    assert items["aftercare-002"]["options"] and items["aftercare-001"]["max_mark"] == 2.0
    assert any(i["no_answer_share"] for i in stats["items"])
    for exams, cohorts in ((None, None), (None, [sat["cohort"]])):  # the bank-wide (pooled) statistics
        _same(*_both(platform, exams, cohorts), slots=False, pooled=True)


def test_an_exam_with_attempts_without_vectors_is_read_from_its_rows(platform, sat, trainer):  # noqa: ANN001
    late = make_user(platform, "trainee", "late@example.com", "Late")
    answers = {q.id: _answer(q, 3, 0) for q in QUESTIONS[:4]}
    add_attempt(platform, late.id, sat["exam"], answers, at=T0 + timedelta(days=4))  # written without a vector
    with platform.transaction() as s:  # and one that lost its vector
        s.execute(delete(AttemptVector).where(AttemptVector.user_id == sat["users"][0].id))
    fast, rows = _both(platform, [sat["exam"]])
    assert fast.stats == {"rows": 10}
    _same(fast, rows, slots=True, pooled=False)
    with platform.transaction() as s:
        assert item_vectors.backfill(s) == 2
    fast, rows = _both(platform, [sat["exam"]])
    assert fast.stats == {"vectors": 10}
    _same(fast, rows, slots=True, pooled=False)


def test_every_finished_exam_attempt_has_its_vector_and_only_those(platform, sat):  # noqa: ANN001
    with platform.sessions() as s:
        finished = s.scalar(select(func.count()).where(Attempt.exam_id.is_not(None),
                                                       Attempt.state.in_(("submitted", "expired"))))
        assert finished == 10
        assert s.scalar(select(func.count()).select_from(AttemptVector)) == finished
    with platform.transaction() as s:  # the migration's backfill finds nothing left to do
        assert item_vectors.backfill(s) == 0


def test_the_demo_writes_the_vectors_of_its_exam_attempts(platform):  # noqa: ANN001
    with platform.transaction() as s:
        bank_sync.sync_bank(s, make_bank(per_topic=9, with_case=False))
        demo.populate(s, seed=3, trainees=8, days=60, now=T0)
    with platform.sessions() as s:
        finished = s.scalar(select(func.count()).where(Attempt.exam_id.is_not(None),
                                                       Attempt.state.in_(("submitted", "expired"))))
        assert finished > 8 and s.scalar(select(func.count()).select_from(AttemptVector)) == finished
    fast, rows = _both(platform, None)
    assert fast.stats == {"vectors": rows.stats["rows"]}
    _same(fast, rows, slots=False, pooled=True)
