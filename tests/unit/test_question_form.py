"""The bank editor's form as plain data (quiz/domain/question_form.py): per-option weights for ``scoring:
weighted`` and the case-set fields."""

from __future__ import annotations

import pytest

from quiz.domain.bank import CaseInfo, Option, question_from_authoring, question_to_authoring
from quiz.domain.case_sets import CasePlacement
from quiz.domain.question_form import (
    NEW_CASE,
    authoring_from_fields,
    default_weights,
    fields_from_authoring,
    placement_from_fields,
    weight_total,
)
from quiz.domain.scoring import score_fraction
from tests.factories import make_question


def _weighted():  # noqa: ANN202
    options = [Option(text=f"option {i}", feedback=f"why {i}", weight=w) for i, w in enumerate([70, 30, -50, 0])]
    return make_question("hygiene-020", type="multiple", options=options, key=[0, 1], scoring="weighted",
                         objective="hygiene.hygiene-020")


def test_a_weighted_item_goes_through_the_form_and_back_unchanged():
    q = _weighted()
    f = fields_from_authoring(question_to_authoring(q))
    assert f["scoring"] == "weighted"
    assert [(o["weight"], o["right"]) for o in f["options"]] == [(70, True), (30, True), (-50, False), (0, False)]
    back, problems = authoring_from_fields(f)
    assert problems == []
    assert question_from_authoring({**back, "status": q.status}).content_hash() == q.content_hash()


def test_switching_ticks_to_weights_starts_from_the_ticks():
    q = make_question("hygiene-021", type="multiple", key=[0, 2], scoring="partial", objective="hygiene.x")
    f = fields_from_authoring(question_to_authoring(q))
    assert default_weights(f["options"]) == [50.0, 0.0, 50.0, 0.0] and weight_total(f["options"]) == 100.0
    f["scoring"] = "weighted"
    back, problems = authoring_from_fields(f)
    assert problems == [] and "key" not in back
    weighted = question_from_authoring({**back, "status": "live"})
    assert (weighted.key, weighted.weights) == ([0, 2], [50.0, 0.0, 50.0, 0.0])
    assert score_fraction(weighted, [0, 1]) == 0.5  # a wrong option weighing 0 costs nothing


def test_three_right_options_start_at_a_third_each_and_the_item_is_valid():
    opts = [{"text": f"o{i}", "feedback": "f", "right": i < 3, "weight": None} for i in range(4)]
    assert default_weights(opts) == [33.33, 33.33, 33.33, 0.0]
    assert weight_total(opts) == pytest.approx(99.99)
    f = fields_from_authoring(question_to_authoring(make_question("hygiene-022", type="multiple", key=[0, 1, 2])))
    f["scoring"] = "weighted"
    back, _ = authoring_from_fields(f)
    q = question_from_authoring({**back, "status": "live"})
    assert score_fraction(q, [0, 1, 2]) == 1.0


def test_a_typed_weight_wins_and_the_domain_checks_the_total():
    f = fields_from_authoring(question_to_authoring(_weighted()))
    f["options"][1]["weight"] = 20.0
    back, problems = authoring_from_fields(f)
    assert problems == []  # the form has nothing to add: the item's own rules say what is wrong
    with pytest.raises(ValueError, match="the right options' weights add up to 90%, not 100%"):
        question_from_authoring({**back, "status": "live"})


def test_ordering_is_never_weighted():
    q = make_question("hygiene-023", type="ordering", objective="hygiene.x")
    f = fields_from_authoring(question_to_authoring(q))
    f["scoring"] = "weighted"
    back, _ = authoring_from_fields(f)
    assert back["scoring"] == "all_or_nothing"


def test_case_fields_and_the_placement_they_give():
    case = CaseInfo(id="case-zoe", title="Zoe's course", scenario="Zoe, 35.", position=2, size=3)
    f = fields_from_authoring(question_to_authoring(make_question("case-zoe-2", topic="hygiene", case=case)), case)
    assert (f["case"], f["case_title"], f["case_scenario"]) == ("case-zoe", "Zoe's course", "Zoe, 35.")
    assert placement_from_fields(f) == CasePlacement("case-zoe", "Zoe's course", "Zoe, 35.")
    assert placement_from_fields({**f, "case": ""}) == CasePlacement(None)
    new = {**f, "case": NEW_CASE, "case_new_id": " case-omar ", "case_title": "Omar", "case_scenario": "Omar, 50."}
    assert placement_from_fields(new) == CasePlacement("case-omar", "Omar", "Omar, 50.", create=True)
    assert fields_from_authoring({"type": "single"})["case"] == ""
