"""Every scoring rule of quiz.domain.scoring, with its edge cases."""

from __future__ import annotations

import pytest

from quiz.domain.scoring import (
    InvalidAnswer,
    ItemScore,
    correct_answer,
    describe_answer,
    is_complete,
    normalise_answer,
    score_fraction,
    score_item,
    total_score,
)
from tests.factories import make_question

SINGLE = make_question("spacing-001", key=2)
MULTI_AON = make_question("hygiene-001", type="multiple", key=[0, 2])
MULTI_PARTIAL = make_question("hygiene-002", type="multiple", key=[0, 2], scoring="partial", n_options=5)
TF = make_question("aftercare-001", type="true_false", key=False)
ORDER_AON = make_question("hygiene-003", type="ordering", key=[2, 0, 3, 1])
ORDER_PARTIAL = make_question("hygiene-004", type="ordering", key=[2, 0, 3, 1], scoring="partial")
NUMERIC = make_question("spacing-002", type="numeric", key=7.0, tolerance=1.0)
NUMERIC_EXACT = make_question("spacing-003", type="numeric", key=14, tolerance=0)


@pytest.mark.parametrize("q", [SINGLE, MULTI_AON, MULTI_PARTIAL, TF, ORDER_AON, ORDER_PARTIAL, NUMERIC])
@pytest.mark.parametrize("empty", [None, [], ""])
def test_an_empty_answer_scores_zero_and_normalises_to_none(q, empty):
    assert normalise_answer(q, empty) is None
    s = score_item(q, empty)
    assert (s.score, s.correct, s.max_score) == (0.0, False, 1.0)


def test_single_full_marks_only_for_the_key():
    assert score_item(SINGLE, 2) == ItemScore(1.0, 1.0, True)
    assert [score_fraction(SINGLE, a) for a in (0, 1, 3)] == [0.0, 0.0, 0.0]


def test_true_false():
    assert score_item(TF, False).correct and not score_item(TF, True).correct
    with pytest.raises(InvalidAnswer):
        normalise_answer(TF, 0)  # 0 is not False here: a true/false answer is a boolean


@pytest.mark.parametrize("answer,frac", [([0, 2], 1.0), ([2, 0], 1.0), ([0], 0.0), ([0, 1, 2], 0.0), ([1, 3], 0.0)])
def test_multiple_all_or_nothing(answer, frac):
    assert score_fraction(MULTI_AON, normalise_answer(MULTI_AON, answer)) == frac


@pytest.mark.parametrize("answer,frac", [
    ([0, 2], 1.0),            # both right
    ([0], 0.5),               # one of two right picks
    ([0, 1], 0.5 - 1 / 3),    # a right pick and one of three wrong ones
    ([1, 3], 0.0),            # only wrong picks: floored at zero, never negative
    ([1, 3, 4], 0.0),
    ([0, 1, 2, 3, 4], 0.0),   # picking every option scores nothing
])
def test_multiple_partial(answer, frac):
    assert score_fraction(MULTI_PARTIAL, normalise_answer(MULTI_PARTIAL, answer)) == pytest.approx(frac)


def test_multiple_with_every_option_right_has_no_penalty_denominator():
    q = make_question("hygiene-005", type="multiple", key=[0, 1, 2], n_options=3, scoring="partial")
    assert score_fraction(q, [0, 1, 2]) == 1.0 and score_fraction(q, [0]) == pytest.approx(1 / 3)


def test_multiple_normalises_order_and_duplicates():
    assert normalise_answer(MULTI_AON, (2, 0, 2)) == [0, 2]


def test_ordering_all_or_nothing():
    assert score_fraction(ORDER_AON, [2, 0, 3, 1]) == 1.0
    assert score_fraction(ORDER_AON, [0, 2, 3, 1]) == 0.0


@pytest.mark.parametrize("answer,frac", [
    ([2, 0, 3, 1], 1.0),
    ([0, 3, 1, 2], 2 / 3),  # keeps 0->3 and 3->1 adjacent
    ([1, 3, 0, 2], 0.0),    # reversed: no pair in the right relative order
    ([3, 1, 2, 0], 2 / 3),  # keeps 3->1 and 2->0, loses 0->3
    ([2, 0, 1, 3], 1 / 3),  # keeps only 2->0
])
def test_ordering_partial_counts_neighbouring_pairs(answer, frac):
    assert score_fraction(ORDER_PARTIAL, answer) == pytest.approx(frac)


@pytest.mark.parametrize("bad", [[0, 1, 2, 2], [0, 0], [0, 1, 2, 4], [4], [-1, 0], [True, False, 2, 3],
                                 [0.0, 1.0, 2.0, 3.0], [0, 1, 2, 3, 0], 3, "0123"])
def test_ordering_refuses_repeated_or_unknown_steps(bad):
    with pytest.raises(InvalidAnswer):
        normalise_answer(ORDER_AON, bad)


@pytest.mark.parametrize("q", [ORDER_AON, ORDER_PARTIAL])
@pytest.mark.parametrize("partial", [[2], [2, 0], [2, 0, 3], [1, 3], (0, 1, 2)])
def test_a_partly_built_order_is_kept_as_it_is_and_scores_zero(q, partial):
    """Saved as the trainee builds it (a prefix of their final order); nothing is earned until every step
    is placed, even when the steps placed so far are in the right order."""
    assert normalise_answer(q, partial) == list(partial)
    assert score_item(q, normalise_answer(q, partial)) == ItemScore(0.0, 1.0, False)
    assert describe_answer(q, [2, 0]) == "C. hygiene-00{n} option 2 -> A. hygiene-00{n} option 0".format(
        n=q.id[-1])


def test_only_an_order_placing_every_step_is_complete():
    assert not is_complete(ORDER_AON, None) and not is_complete(ORDER_AON, [2, 0, 3])
    assert is_complete(ORDER_AON, [0, 2, 3, 1])  # complete, even though wrong
    assert is_complete(SINGLE, 0) and is_complete(TF, False) and not is_complete(MULTI_AON, [])


@pytest.mark.parametrize("answer,correct", [(7, True), (6.0, True), (8.0, True), ("7.5", True), (5.9, False),
                                            (8.01, False), (-7, False)])
def test_numeric_within_tolerance(answer, correct):
    assert score_item(NUMERIC, normalise_answer(NUMERIC, answer)).correct is correct


def test_numeric_exact_and_bad_numbers():
    assert score_item(NUMERIC_EXACT, 14.0).correct and not score_item(NUMERIC_EXACT, 14.5).correct
    for bad in ("soon", float("nan"), float("inf"), True, [7]):
        with pytest.raises(InvalidAnswer):
            normalise_answer(NUMERIC, bad)


@pytest.mark.parametrize("bad", [4, -1, True, "B", 1.0])
def test_single_rejects_answers_that_are_not_an_option(bad):
    with pytest.raises(InvalidAnswer):
        normalise_answer(SINGLE, bad)


def test_multiple_rejects_unknown_options():
    for bad in ([0, 9], [True], 2):
        with pytest.raises(InvalidAnswer):
            normalise_answer(MULTI_AON, bad)


def test_points_weight_the_item():
    q = make_question("spacing-009", key=1, points=3)
    assert score_item(q, 1) == ItemScore(3.0, 3.0, True)
    partial = make_question("hygiene-009", type="multiple", key=[0, 2], scoring="partial", points=2)
    s = score_item(partial, [0])
    assert (s.score, s.correct, s.fraction) == (1.0, False, 0.5)


def test_total_score_and_pass_mark():
    items = [ItemScore(1, 1, True), ItemScore(0.5, 1, False), ItemScore(0, 2, False)]
    t = total_score(items, pass_mark=0.375)
    assert (t.score, t.max_score, t.percent, t.passed) == (1.5, 4, 0.375, True)  # exactly the mark passes
    assert total_score(items, pass_mark=0.38).passed is False
    assert total_score(items).passed is None
    assert total_score([]).percent == 0.0


def test_total_score_is_floored_at_zero():
    assert total_score([ItemScore(-2, 1, False), ItemScore(0.5, 1, False)]).score == 0.0


def test_correct_answer_and_describe_answer():
    assert correct_answer(MULTI_AON) == [0, 2] and correct_answer(ORDER_AON) == [2, 0, 3, 1]
    assert describe_answer(SINGLE, 2) == "C. spacing-001 option 2"
    assert describe_answer(ORDER_AON, [2, 0]) == "C. hygiene-003 option 2 -> A. hygiene-003 option 0"
    assert describe_answer(MULTI_AON, [0, 2]).count(";") == 1
    assert describe_answer(NUMERIC, 7) == "7 days"
    assert describe_answer(TF, False) == "False"
    assert describe_answer(SINGLE, None) == "(no answer)"
