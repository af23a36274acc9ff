"""Item analysis from the database, on SQLite and PostgreSQL: first attempts, versions, distractors, permissions.

Cohorts, exams and attempts are written straight through the ORM by tests/integration/academy.py.
"""

from __future__ import annotations

import json
import math
import statistics as st
from datetime import timedelta

import pytest

from quiz.adapters.orm import (
    QuestionRow,
)
from quiz.services import item_analysis
from quiz.services.bank_sync import add_version
from quiz.services.errors import NotFound, PermissionDenied
from tests.conftest import make_user
from tests.factories import make_question
from tests.integration.academy import (
    CHOICES,
    QIDS,
    T0,
    add_attempt,
    add_trainee,
    load_questions,
    make_cohort,
    make_exam,
)


@pytest.fixture
def exam_setup(platform, trainer):  # noqa: ANN001
    load_questions(platform, [make_question(q, key=0) for q in QIDS])
    cohort = make_cohort(platform, trainer)
    exam = make_exam(platform, cohort)
    users = []
    for i, row in enumerate(CHOICES):
        uid = add_trainee(platform, cohort, f"t{i}@example.com")
        users.append(uid)
        # the last trainee's unanswered item has no response row at all (counts 0, "no answer")
        add_attempt(platform, uid, exam, dict(zip(QIDS, row)), at=T0 + timedelta(hours=i),
                    skip=(QIDS[2],) if i == 5 else ())
    return {"cohort": cohort, "exam": exam, "users": users}


def _marks() -> list[list[float]]:
    return [[1.0 if c == 0 else 0.0 for c in row] for row in CHOICES]


# -- tests ------------------------------------------------------------------------------------------------------


def test_statistics_match_an_independent_calculation(platform, trainer, exam_setup):  # noqa: ANN001
    with platform.transaction() as s:
        stats = item_analysis.exam_item_statistics(s, trainer, exam_setup["exam"])
    marks = _marks()
    totals = [sum(r) for r in marks]
    assert stats.attempts == 6
    assert [i.item_id for i in stats.items] == QIDS
    for j, item in enumerate(stats.items):
        x = [r[j] for r in marks]
        rest = [t - v for t, v in zip(totals, x)]
        assert item.facility == pytest.approx(sum(x) / 6)
        assert item.sd == pytest.approx(st.stdev(x))
        if st.variance(x) > 0:
            assert item.discrimination == pytest.approx(st.correlation(x, rest))
    p = len(QIDS)
    alpha = p / (p - 1) * (1 - sum(st.variance([r[j] for r in marks]) for j in range(p)) / st.variance(totals))
    assert stats.test.alpha == pytest.approx(alpha)
    assert stats.test.sem == pytest.approx(st.stdev(totals) * math.sqrt(1 - alpha))


def test_distractor_shares_come_from_the_answers(platform, trainer, exam_setup):  # noqa: ANN001
    with platform.transaction() as s:
        stats = item_analysis.exam_item_statistics(s, trainer, exam_setup["exam"])
    third = stats.items[2]  # choices 0,2,0,0,1,None
    assert [(o.label, o.count, o.correct) for o in third.options] == [
        ("A", 3, True), ("B", 1, False), ("C", 1, False), ("D", 0, False)]
    assert [o.share for o in third.options] == pytest.approx([0.5, 1 / 6, 1 / 6, 0.0])
    assert third.no_answer_share == pytest.approx(1 / 6)
    assert any(f.code == "weak_distractor" and "distractor D" in f.reason for f in third.flags)
    assert third.random_guess == pytest.approx(0.25)
    first = stats.items[0]  # right in 5 of 6: facility 0.83, not flagged as too easy
    assert not any(f.code == "high_facility" for f in first.flags)


def test_only_the_first_finished_attempt_of_each_trainee_counts(platform, trainer, exam_setup):  # noqa: ANN001
    u0 = exam_setup["users"][0]
    # an in-progress attempt that started earlier, and a later retake, are both ignored
    add_attempt(platform, u0, exam_setup["exam"], dict(zip(QIDS, [3, 3, 3, 3])), state="in_progress",
                at=T0 - timedelta(days=1))
    add_attempt(platform, u0, exam_setup["exam"], dict(zip(QIDS, [3, 3, 3, 3])), at=T0 + timedelta(days=3))
    # a practice attempt without exam is ignored
    add_attempt(platform, u0, None, dict(zip(QIDS, [3, 3, 3, 3])), mode="practice")
    # an expired first attempt counts for a new trainee
    u6 = add_trainee(platform, exam_setup["cohort"], "late@example.com")
    add_attempt(platform, u6, exam_setup["exam"], dict(zip(QIDS, [1, 1, 1, 1])), state="expired")
    with platform.transaction() as s:
        stats = item_analysis.exam_item_statistics(s, trainer, exam_setup["exam"])
    assert stats.attempts == 7
    assert stats.items[0].facility == pytest.approx(5 / 7)


def test_items_are_identified_across_versions(platform, trainer, exam_setup):  # noqa: ANN001
    with platform.transaction() as s:
        row = s.get(QuestionRow, QIDS[0])
        add_version(s, row, make_question(QIDS[0], key=0, stem="Edited wording for aftercare-001?"), "editor")
    u = add_trainee(platform, exam_setup["cohort"], "new@example.com")
    add_attempt(platform, u, exam_setup["exam"], dict(zip(QIDS, [1, 0, 0, 0])))
    with platform.transaction() as s:
        stats = item_analysis.exam_item_statistics(s, trainer, exam_setup["exam"])
    first = stats.items[0]
    assert [i.item_id for i in stats.items].count(QIDS[0]) == 1
    assert first.attempts == 7 and first.facility == pytest.approx(5 / 7)
    assert stats.questions[QIDS[0]].versions == [1, 2]
    assert stats.questions[QIDS[0]].stem.startswith("Edited")


# Six trainees each drawn two of the four items (first at position 0, second at position 1), and right (1) or
# wrong (0) on each position.
DRAWN = [(0, 1), (1, 2), (2, 3), (3, 0), (1, 3), (2, 0)]
DRAWN_RIGHT = [(1, 1), (1, 0), (0, 0), (1, 1), (1, 0), (1, 1)]


def _drawn_exam(platform, trainer) -> int:  # noqa: ANN001
    load_questions(platform, [make_question(q, key=0) for q in QIDS])
    cohort = make_cohort(platform, trainer)
    exam = make_exam(platform, cohort)
    for i, (pair, r) in enumerate(zip(DRAWN, DRAWN_RIGHT)):
        uid = add_trainee(platform, cohort, f"r{i}@example.com")
        add_attempt(platform, uid, exam, {QIDS[pair[0]]: 0 if r[0] else 1, QIDS[pair[1]]: 0 if r[1] else 1})
    return exam


def test_random_selection_uses_slots_for_alpha(platform, trainer):  # noqa: ANN001
    exam = _drawn_exam(platform, trainer)
    with platform.transaction() as s:
        stats = item_analysis.exam_item_statistics(s, trainer, exam)
    right = DRAWN_RIGHT
    assert [i.attempts for i in stats.items] == [3, 3, 3, 3]
    assert stats.test.alpha_basis == "slots"
    slots = [list(map(float, r)) for r in right]
    totals = [sum(r) for r in slots]
    alpha = 2 * (1 - (st.variance([r[0] for r in slots]) + st.variance([r[1] for r in slots])) / st.variance(totals))
    assert stats.test.alpha == pytest.approx(alpha)


def test_random_selection_weights_are_shares_of_one_attempt(platform, trainer):  # noqa: ANN001
    exam = _drawn_exam(platform, trainer)
    with platform.transaction() as s:
        stats = item_analysis.exam_item_statistics(s, trainer, exam)
    # every attempt has 2 one-mark items: each item is half of a test, whatever the size of the bank
    assert stats.test.max_total == 2.0
    assert [i.intended_weight for i in stats.items] == pytest.approx([0.5] * 4)
    # effective weights per position, computed here in plain Python; an item gets the mean over the attempts
    # that showed it of the weight of the position it held
    slots = [[float(v) for v in r] for r in DRAWN_RIGHT]
    totals = [sum(r) for r in slots]

    def cov(a: list[float], b: list[float]) -> float:
        ma, mb = sum(a) / len(a), sum(b) / len(b)
        return sum((x - ma) * (y - mb) for x, y in zip(a, b)) / (len(a) - 1)

    roots = [math.sqrt(cov([r[k] for r in slots], totals)) for k in range(2)]
    w = [r / sum(roots) for r in roots]
    held = {j: [k for pair in DRAWN for k, item in enumerate(pair) if item == j] for j in range(4)}
    expected = [sum(w[k] for k in held[j]) / len(held[j]) for j in range(4)]
    assert [i.effective_weight for i in stats.items] == pytest.approx(expected)
    # by hand: position 0 = 1,1,0,1,1,1 (mean 5/6) and position 1 = 1,0,0,1,0,1 (mean 1/2) against totals
    # 2,1,0,2,1,2 (mean 4/3): C_0 = (2 - 1 + 20 + 2 - 1 + 2)/18/5 = 4/15, C_1 = (2 + 1 + 4 + 2 + 1 + 2)/6/5 = 2/5;
    # sqrt(4/15) : sqrt(6/15) = 2 : sqrt(6). Items 0 and 3 held positions 0, 1, 1; items 1 and 2 held 1, 0, 0.
    w0, w1 = 2 / (2 + math.sqrt(6)), math.sqrt(6) / (2 + math.sqrt(6))
    assert w == pytest.approx([w0, w1])
    by_hand = [(w0 + 2 * w1) / 3, (w1 + 2 * w0) / 3, (w1 + 2 * w0) / 3, (w0 + 2 * w1) / 3]
    assert [i.effective_weight for i in stats.items] == pytest.approx(by_hand)


def test_json_shape(platform, trainer, exam_setup):  # noqa: ANN001
    with platform.transaction() as s:
        d = item_analysis.exam_item_statistics(s, trainer, exam_setup["exam"]).to_dict()
    json.dumps(d, allow_nan=False)
    assert d["exam"] == "Certification 1" and d["attempts"] == 6
    assert isinstance(d["alpha"], float) and isinstance(d["sem"], float)
    item = d["items"][0]
    assert {"question_id", "facility", "sd", "discrimination", "discriminative_efficiency", "flags"} <= set(item)
    assert 0 <= item["facility"] <= 1 and -1 <= item["discrimination"] <= 1
    assert all(set(f) == {"code", "reason"} for i in d["items"] for f in i["flags"])


def test_an_exam_without_attempts(platform, trainer):  # noqa: ANN001
    exam = make_exam(platform, make_cohort(platform, trainer))
    with platform.transaction() as s:
        stats = item_analysis.exam_item_statistics(s, trainer, exam)
    assert stats.attempts == 0 and stats.items == [] and stats.test.alpha is None


def test_permissions(platform, trainer, admin, trainee, exam_setup):  # noqa: ANN001
    other = make_user(platform, "trainer", "other@example.com", "Olga Other")
    with platform.transaction() as s:
        with pytest.raises(PermissionDenied):
            item_analysis.exam_item_statistics(s, other, exam_setup["exam"])
        with pytest.raises(PermissionDenied):
            item_analysis.exam_item_statistics(s, trainee, exam_setup["exam"])
        with pytest.raises(PermissionDenied):
            item_analysis.bank_item_statistics(s, trainee)
        with pytest.raises(NotFound):
            item_analysis.exam_item_statistics(s, trainer, 9999)
        assert item_analysis.exam_item_statistics(s, admin, exam_setup["exam"]).attempts == 6
        assert item_analysis.bank_item_statistics(s, other) == {}
        assert [e.name for e in item_analysis.analysable_exams(s, other)] == []
        assert [(e.name, e.attempts) for e in item_analysis.analysable_exams(s, trainer)] == [("Certification 1", 6)]


def test_bank_statistics_pool_the_visible_exams(platform, trainer, admin, exam_setup):  # noqa: ANN001
    other = make_user(platform, "trainer", "other@example.com", "Olga Other")
    cohort2 = make_cohort(platform, other, "Autumn 2027")
    exam2 = make_exam(platform, cohort2, "Certification 2")
    for i in range(3):
        uid = add_trainee(platform, cohort2, f"a{i}@example.com")
        add_attempt(platform, uid, exam2, {QIDS[0]: 1, QIDS[1]: 0})
    with platform.transaction() as s:
        mine = item_analysis.bank_item_statistics(s, trainer)
        everything = item_analysis.bank_item_statistics(s, admin)
        theirs = item_analysis.bank_item_statistics(s, other)
    assert mine[QIDS[0]].attempts == 6 and mine[QIDS[0]].facility == pytest.approx(5 / 6)
    assert everything[QIDS[0]].attempts == 9 and everything[QIDS[0]].facility == pytest.approx(5 / 9)
    assert set(theirs) == {QIDS[0], QIDS[1]} and theirs[QIDS[0]].facility == 0.0


def test_items_carry_their_objective_and_group_by_it(platform, trainer):  # noqa: ANN001
    objectives = {QIDS[0]: "aftercare.sun", QIDS[1]: "aftercare.sun", QIDS[2]: "aftercare.exercise"}
    load_questions(platform, [make_question(q, key=0, objective=objectives.get(q)) for q in QIDS])
    cohort = make_cohort(platform, trainer)
    exam = make_exam(platform, cohort)
    for i, row in enumerate(CHOICES):
        add_attempt(platform, add_trainee(platform, cohort, f"o{i}@example.com"), exam, dict(zip(QIDS, row)),
                    at=T0 + timedelta(hours=i))
    with platform.transaction() as s:
        stats = item_analysis.exam_item_statistics(s, trainer, exam)
    rows = {i["question_id"]: i for i in stats.to_dict()["items"]}
    assert rows[QIDS[0]]["objective"] == "aftercare.sun" and rows[QIDS[3]]["objective"] is None
    groups = {o: [i.item_id for i in items] for o, items in stats.by_objective().items()}
    assert groups == {"-": [QIDS[3]], "aftercare.exercise": [QIDS[2]], "aftercare.sun": [QIDS[0], QIDS[1]]}
