"""``scoring: weighted`` (multiple response, Moodle/GIFT style): each option's weight is a percent of the item's
points; the score is the picked weights added, floored at 0 and capped at 100%. Values computed by hand."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from quiz.adapters.bank_files import BankInvalid, load_bank
from quiz.domain.bank import ItemError, Option, question_from_authoring, question_to_authoring
from quiz.domain.scoring import ItemScore, correct_answer, normalise_answer, score_fraction, score_item
from quiz.domain.statistics import random_guess_score
from tests.factories import make_question


def weighted(weights: list[float | None], *, qid: str = "hygiene-010", points: float = 1.0, **extra):  # noqa: ANN003, ANN201
    options = [Option(text=f"{qid} option {i}", feedback=f"why option {i}", weight=w) for i, w in enumerate(weights)]
    key = [i for i, w in enumerate(weights) if w is not None and w > 0]
    return make_question(qid, type="multiple", options=options, key=key, scoring="weighted", points=points, **extra)


# A: +50, B: +50, C: -25, D: 0, E: -100
Q = weighted([50, 50, -25, 0, -100])


@pytest.mark.parametrize("answer,frac", [
    ([0, 1], 1.0),           # 50 + 50
    ([0], 0.5),              # 50
    ([0, 2], 0.25),          # 50 - 25
    ([0, 1, 2], 0.75),       # 50 + 50 - 25
    ([0, 1, 3], 1.0),        # a wrong option weighing 0 costs nothing
    ([2], 0.0),              # -25, floored at 0
    ([0, 4], 0.0),           # 50 - 100 = -50, floored at 0
    ([0, 1, 2, 3, 4], 0.0),  # 100 - 125, floored at 0
    ([1, 3], 0.5),           # 50 + 0
])
def test_the_score_is_the_sum_of_the_picked_weights_floored_at_zero(answer, frac):
    assert score_fraction(Q, normalise_answer(Q, answer)) == pytest.approx(frac)


def test_full_marks_make_the_answer_correct_and_points_scale_the_score():
    assert score_item(Q, [0, 1]) == ItemScore(1.0, 1.0, True)
    assert score_item(Q, [0, 1, 3]).correct  # as in Moodle: a free wrong option does not spoil full marks
    assert not score_item(Q, [0, 1, 2]).correct
    two = weighted([50, 50, -25, 0, -100], qid="hygiene-011", points=2)
    assert score_item(two, [0, 2]) == ItemScore(0.5, 2.0, False)  # 25% of 2 points
    assert correct_answer(Q) == [0, 1] and Q.correct_indexes == [0, 1]


def test_thirds_written_with_two_decimals_still_earn_full_marks():
    q = weighted([33.33, 33.33, 33.33, -50])
    assert score_item(q, [0, 1, 2]) == ItemScore(1.0, 1.0, True)
    assert score_fraction(q, [0, 1]) == pytest.approx(66.66 / 99.99)
    assert score_fraction(q, [0, 3]) == 0.0  # 33.33 - 50, floored


def test_unequal_right_weights():
    q = weighted([70, 30, -50, -50])  # A is worth more than B
    assert [score_fraction(q, a) for a in ([0], [1], [0, 2], [1, 2], [0, 1, 3])] == pytest.approx(
        [0.7, 0.3, 0.2, 0.0, 0.5])


def test_no_random_guess_score_for_multiple_response_whatever_the_rule():
    assert random_guess_score(Q) is None


# -- validation --------------------------------------------------------------------------------------------------

def _authoring(weights: list, **extra) -> dict:  # noqa: ANN003
    a = question_to_authoring(make_question("hygiene-012", type="multiple", n_options=len(weights), key=[0]))
    a["scoring"] = "weighted"
    a.pop("key")
    for o, w in zip(a["options"], weights):
        if w is not None:
            o["weight"] = w
    return {**a, **extra}


def _problems(a: dict) -> list[str]:
    with pytest.raises(ItemError) as err:
        question_from_authoring(a)
    return err.value.problems


def test_a_weighted_item_from_authoring_takes_its_key_from_the_weights_and_round_trips():
    q = question_from_authoring(_authoring([60, 40, -25, 0]))
    assert (q.scoring, q.key, q.weights) == ("weighted", [0, 1], [60.0, 40.0, -25.0, 0.0])
    back = question_to_authoring(q)
    assert "key" not in back and [o["weight"] for o in back["options"]] == [60, 40, -25, 0]
    assert question_from_authoring(back).content_hash() == q.content_hash()
    assert question_from_authoring(_authoring([60, 40, -25, 0], key=["A", "B"])) == q  # a matching key is fine


def test_an_item_without_weights_keeps_its_stored_form_and_content_hash():
    q = make_question("hygiene-013", type="multiple", key=[0, 2], scoring="partial")
    assert all("weight" not in o for o in q.model_dump(mode="json")["options"])
    assert "weight" not in str(question_to_authoring(q))


@pytest.mark.parametrize("weights,extra,expected", [
    ([50, 40, -25, 0], {}, "the right options' weights add up to 90%, not 100% (A 50%, B 40%)"),
    ([50, 50, None, 0], {}, "option C has no weight: with scoring: weighted every option has one"),
    ([100, -150, 0, 0], {}, "option B weighs -150%: a weight is from -100 to 100"),
    ([150, -50, -50, 0], {}, "option A weighs 150%: a weight is from -100 to 100"),
    ([0, -50, 0, 0], {}, "no option has a positive weight"),
    ([50, "half", 50, 0], {}, "option B: weight 'half' is not a number"),
    ([50, True, 50, 0], {}, "option B: weight True is not a number"),
    ([50, 50, -25, 0], {"key": ["A", "C"]}, "the key (A, C) is not the options with a positive weight (A, B)"),
    ([50, 50, 0, 0], {"scoring": "partial", "key": ["A", "B"]},
     "option A has a weight, but weights count only with scoring: weighted (the item's scoring is partial)"),
])
def test_weight_problems_are_named_with_the_option(weights, extra, expected):
    problems = _problems(_authoring(weights, **extra))
    assert any(p.startswith(expected) for p in problems), problems


def test_weighted_applies_to_multiple_response_only():
    a = question_to_authoring(make_question("hygiene-014", key=0))
    a["scoring"] = "weighted"
    for o, w in zip(a["options"], [100, 0, 0, 0]):
        o["weight"] = w
    assert "weighted scoring applies to multiple items only (this one is single)" in _problems(a)


def test_the_validator_names_file_line_item_and_option(tmp_path: Path):
    from tests.unit.test_bank_validation import OBJECTIVES, PROJECT_ROOT

    root = tmp_path / "question_bank"
    (root / "topics").mkdir(parents=True)
    (root / "objectives").mkdir()
    for name in ("topics.yaml", "sources.yaml"):
        (root / name).write_text((PROJECT_ROOT / "question_bank" / name).read_text())
    (root / "objectives" / "spacing.yaml").write_text(OBJECTIVES)
    path = root / "topics" / "spacing.yaml"
    path.write_text(textwrap.dedent("""\
        topic: spacing
        items:
          - id: spacing-001
            type: multiple
            scoring: weighted
            difficulty: medium
            status: live
            objective: spacing.initial-interval
            stem: Which of these fit the start of a course?
            options:
              - text: Seven days apart.
                feedback: Right.
                weight: 50
              - text: Ten days apart.
                feedback: Right.
                weight: 40
              - text: Daily.
                feedback: Too soon.
                weight: -200
            explanation: Early sessions are 7 to 10 days apart.
            source: {id: clinic-faq-article, section: Sessions and spacing}
        """))
    with pytest.raises(BankInvalid) as err:
        load_bank(root)
    shown = [str(p) for p in err.value.problems]
    option_c = path.read_text().splitlines().index("      - text: Daily.") + 1
    assert f"question_bank/topics/spacing.yaml:{option_c}: spacing-001: option C weighs -200%: a weight is from " \
           "-100 to 100 (percent of the item's points)" in shown
    assert any(p.startswith("question_bank/topics/spacing.yaml:") and ": spacing-001: the right options' weights "
               "add up to 90%, not 100% (A 50%, B 40%)" in p for p in shown), shown
