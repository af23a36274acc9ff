"""Case sets as the database holds them (quiz/domain/case_sets.py): joining, leaving, a new set, a new title or
scenario, each keeping every item of a set consistent; and the consistency rules the assembly relies on."""

from __future__ import annotations

import pytest

from quiz.domain.assembly import Blueprint, BlueprintError, assemble
from quiz.domain.bank import CaseInfo
from quiz.domain.case_sets import (
    CaseError,
    CasePlacement,
    case_set_problems,
    members_by_case,
    plan_case_edit,
    plan_placement,
)
from tests.factories import make_question


def zoe(pos: int, size: int = 3, **kw) -> CaseInfo:  # noqa: ANN003
    return CaseInfo(**{"id": "case-zoe", "title": "Zoe's course", "scenario": "Zoe, 35, books a course.",
                       "position": pos, "size": size, **kw})


def bank(*extra):  # noqa: ANN002, ANN201
    qs = [make_question(f"case-zoe-{p}", topic="hygiene", case=zoe(p)) for p in (1, 2, 3)]
    qs += [make_question("hygiene-001"), make_question("hygiene-002", status="draft"), *extra]
    return qs


def test_members_are_listed_in_their_order_and_retired_items_are_not_members():
    qs = bank(make_question("case-zoe-0", topic="hygiene", status="retired", case=zoe(2)))
    assert [q.id for q in members_by_case(qs)["case-zoe"]] == ["case-zoe-1", "case-zoe-2", "case-zoe-3"]


def test_a_draft_joins_at_the_next_position_and_every_item_takes_the_new_size():
    qs = bank()
    plan = plan_placement("hygiene-002", qs[4], CasePlacement("case-zoe"), members_by_case(qs))
    assert plan.item == zoe(4, 4)
    assert plan.others == {f"case-zoe-{p}": zoe(p, 4) for p in (1, 2, 3)}
    assert (plan.joined, plan.left, plan.created, plan.retitled) == ("case-zoe", None, False, None)


def test_a_new_item_joins_too():
    plan = plan_placement(None, None, CasePlacement("case-zoe"), members_by_case(bank()))
    assert plan.item == zoe(4, 4) and set(plan.others) == {"case-zoe-1", "case-zoe-2", "case-zoe-3"}


def test_a_live_item_does_not_join_a_set():
    qs = bank()
    with pytest.raises(CaseError, match="Only a draft joins a case set, and hygiene-001 is live"):
        plan_placement("hygiene-001", qs[3], CasePlacement("case-zoe"), members_by_case(qs))


def test_leaving_closes_the_gap_and_any_item_may_leave():
    qs = bank()
    plan = plan_placement("case-zoe-2", qs[1], CasePlacement(None), members_by_case(qs))
    assert plan.item is None and plan.left == "case-zoe"
    assert plan.others == {"case-zoe-1": zoe(1, 2), "case-zoe-3": zoe(2, 2)}


def test_a_new_set_starts_with_the_item_and_needs_id_title_and_scenario():
    qs = bank()
    sets = members_by_case(qs)
    plan = plan_placement("hygiene-002", qs[4], CasePlacement("case-omar", "Omar's peel", "Omar, 50, ...",
                                                              create=True), sets)
    assert plan.item == CaseInfo(id="case-omar", title="Omar's peel", scenario="Omar, 50, ...", position=1, size=1)
    assert plan.others == {} and plan.created and plan.joined == "case-omar"
    with pytest.raises(CaseError, match="already a case set case-zoe"):
        plan_placement("hygiene-002", qs[4], CasePlacement("case-zoe", "T", "S", create=True), sets)
    with pytest.raises(CaseError, match="needs a title and a scenario"):
        plan_placement("hygiene-002", qs[4], CasePlacement("case-omar", "  ", "S", create=True), sets)
    with pytest.raises(CaseError, match="not a case set id"):
        plan_placement("hygiene-002", qs[4], CasePlacement("Case Omar!", "T", "S", create=True), sets)
    with pytest.raises(CaseError, match="There is no case set case-nobody"):
        plan_placement("hygiene-002", qs[4], CasePlacement("case-nobody"), sets)


def test_moving_a_draft_from_one_set_to_another_renumbers_both():
    draft = make_question("case-zoe-4", topic="hygiene", status="draft", case=zoe(2, 4))
    qs = [make_question("case-zoe-1", topic="hygiene", case=zoe(1, 4)), draft,
          make_question("case-zoe-2", topic="hygiene", case=zoe(3, 4)),
          make_question("case-zoe-3", topic="hygiene", case=zoe(4, 4)),
          make_question("omar-1", topic="hygiene", case=CaseInfo(id="case-omar", title="O", scenario="S",
                                                                position=1, size=1))]
    plan = plan_placement("case-zoe-4", draft, CasePlacement("case-omar"), members_by_case(qs))
    assert plan.item.model_dump() == {"id": "case-omar", "title": "O", "scenario": "S", "position": 2, "size": 2}
    assert plan.others["omar-1"].size == 2
    assert plan.others["case-zoe-2"] == zoe(2, 3) and plan.others["case-zoe-3"] == zoe(3, 3)
    assert "case-zoe-1" in plan.others and plan.others["case-zoe-1"] == zoe(1, 3)


def test_a_new_title_or_scenario_is_given_to_every_item_of_the_set():
    qs = bank()
    plan = plan_placement("case-zoe-2", qs[1], CasePlacement("case-zoe", "Zoe's course", "Zoe, 36, returns."),
                          members_by_case(qs))
    assert plan.retitled == "case-zoe" and plan.joined is None and plan.left is None
    assert plan.item == zoe(2, scenario="Zoe, 36, returns.")
    assert set(plan.others) == {"case-zoe-1", "case-zoe-3"}
    changes = plan_case_edit("case-zoe", members_by_case(qs)["case-zoe"], "Zoe's second course", "Zoe, 36.")
    assert changes == {f"case-zoe-{p}": zoe(p, title="Zoe's second course", scenario="Zoe, 36.") for p in (1, 2, 3)}
    assert plan_case_edit("case-zoe", members_by_case(qs)["case-zoe"], "Zoe's course",
                          "Zoe, 35, books a course.") == {}  # nothing changes: no new versions
    with pytest.raises(CaseError, match="needs a title and a scenario"):
        plan_case_edit("case-zoe", members_by_case(qs)["case-zoe"], "Zoe", "")


def test_staying_put_changes_nothing():
    qs = bank()
    plan = plan_placement("case-zoe-2", qs[1], CasePlacement("case-zoe"), members_by_case(qs))
    assert plan.item == qs[1].case and plan.others == {} and not plan.touched
    plan = plan_placement("hygiene-001", qs[3], CasePlacement(None), members_by_case(qs))
    assert plan.item is None and plan.others == {}


def test_case_set_problems_find_what_the_assembly_would_skip():
    assert case_set_problems(bank()) == []
    broken = [make_question("case-zoe-1", topic="hygiene", case=zoe(1, 3)),
              make_question("case-zoe-2", topic="hygiene", case=zoe(2, 4, title="Zoe")),
              make_question("case-zoe-3", topic="hygiene", case=zoe(2, 3))]
    problems = case_set_problems(broken)
    assert "case set case-zoe: its items disagree on the title (Zoe / Zoe's course)" in problems
    assert "case set case-zoe has 3 item(s), but case-zoe-2 says 4" in problems
    assert "case set case-zoe: positions 1, 2, 2, expected 1 to 3" in problems
    assert case_set_problems(broken, only=["case-other"]) == []


def test_what_a_plan_leaves_is_consistent_and_the_assembly_serves_it_once_every_item_is_live():
    qs = bank()
    sets = members_by_case(qs)
    plan = plan_placement("hygiene-002", qs[4], CasePlacement("case-zoe"), sets)
    after = [q.model_copy(update={"case": plan.others.get(q.id, q.case)}) for q in qs if q.id != "hygiene-002"]
    joined = qs[4].model_copy(update={"case": plan.item})
    assert case_set_problems([*after, joined]) == []
    bp = Blueprint(topics={"hygiene": 5})
    with pytest.raises(BlueprintError, match="only 1 is available"):  # while one item is a draft, the set is not
        assemble([*after, joined], bp, seed=1)                          # drawn: one stand-alone live item left
    live = joined.model_copy(update={"status": "live"})
    drawn = assemble([*after, live], bp, seed=1)
    assert [q.id for q in drawn if q.case] == ["case-zoe-1", "case-zoe-2", "case-zoe-3", "hygiene-002"]
