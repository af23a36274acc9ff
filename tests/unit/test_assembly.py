"""Quiz assembly: blueprint draws, determinism, least-seen preference, case sets, errors, option orders."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from quiz.domain.assembly import (
    Blueprint,
    BlueprintError,
    apportion,
    assemble,
    attempt_layout,
    option_order,
    pick_practice,
)
from quiz.domain.bank import CaseInfo
from tests.factories import make_bank, make_question

BANK = make_bank(per_topic=6).questions  # 6 singles per topic (aftercare, spacing, hygiene) + a 3-item case


def topics(qs):
    return Counter(q.topic for q in qs)


def test_draws_exactly_the_blueprint_counts_without_repeats():
    bp = Blueprint({"aftercare": 3, "spacing": 2, "hygiene": 1}, include_cases=False)
    qs = assemble(BANK, bp, seed=1)
    assert topics(qs) == {"aftercare": 3, "spacing": 2, "hygiene": 1}
    assert len({q.id for q in qs}) == len(qs) == 6


def test_same_seed_same_attempt_and_different_seeds_differ():
    bp = Blueprint({"aftercare": 3, "spacing": 3})
    first = [q.id for q in assemble(BANK, bp, seed=42)]
    assert [q.id for q in assemble(list(reversed(BANK)), bp, seed=42)] == first  # input order irrelevant
    others = {tuple(q.id for q in assemble(BANK, bp, seed=s)) for s in range(20)}
    assert len(others) > 5


def test_only_live_items_are_drawn():
    bank = [make_question(f"spacing-{i:03d}", status=s) for i, s in enumerate(["live", "draft", "retired", "live"])]
    ids = {q.id for q in assemble(bank, Blueprint({"spacing": 2}), seed=3)}
    assert ids == {"spacing-000", "spacing-003"}


def test_prefers_the_items_seen_least():
    bp = Blueprint({"spacing": 3}, include_cases=False)
    seen = {f"spacing-{i:03d}": 5 for i in (1, 2, 3)}  # 4, 5, 6 never seen
    for seed in range(10):
        assert {q.id for q in assemble(BANK, bp, seed=seed, seen=seen)} == {"spacing-004", "spacing-005",
                                                                             "spacing-006"}


def test_case_sets_are_drawn_whole_together_and_in_order():
    bp = Blueprint({"aftercare": 2, "spacing": 2, "hygiene": 2})
    seen = {q.id: 9 for q in BANK if q.case is None}  # make the case the preferred unit
    qs = assemble(BANK, bp, seed=7, seen=seen)
    ids = [q.id for q in qs]
    assert "case-zoe-1" in ids
    start = ids.index("case-zoe-1")
    assert ids[start:start + 3] == ["case-zoe-1", "case-zoe-2", "case-zoe-3"]
    assert topics(qs) == {"aftercare": 2, "spacing": 2, "hygiene": 2}  # each case item counts for its topic


def test_a_case_set_with_a_non_live_member_or_missing_items_is_never_drawn():
    case = [make_question(f"case-ann-{p}", topic="spacing",
                          case=CaseInfo(id="case-ann", title="Ann", scenario="Ann.", position=p, size=3),
                          status="draft" if p == 2 else "live") for p in (1, 2, 3)]
    singles = [make_question(f"spacing-{i:03d}") for i in range(3)]
    for seed in range(5):
        assert all(q.case is None for q in assemble(case + singles, Blueprint({"spacing": 3}), seed=seed))
    with pytest.raises(BlueprintError):
        assemble(case[:1] + singles[:1], Blueprint({"spacing": 2}), seed=1)  # a lone case item is not drawn


def test_include_cases_false_leaves_cases_out():
    for seed in range(10):
        qs = assemble(BANK, Blueprint({"aftercare": 6, "spacing": 6, "hygiene": 6}, include_cases=False),
                      seed=seed)
        assert all(q.case is None for q in qs)


def test_difficulty_mix_is_followed_when_the_bank_allows():
    bp = Blueprint({"spacing": 4}, difficulty_mix={"easy": 0.5, "hard": 0.5}, include_cases=False)
    qs = assemble(BANK, bp, seed=5)
    assert Counter(q.difficulty for q in qs) == {"easy": 2, "hard": 2}


def test_apportion_splits_by_largest_remainder():
    assert apportion(10, {"easy": 0.3, "medium": 0.5, "hard": 0.2}) == {"easy": 3, "medium": 5, "hard": 2}
    assert sum(apportion(7, {"a": 1, "b": 1, "c": 1}).values()) == 7


def test_a_bank_that_cannot_satisfy_the_blueprint_says_which_topic_and_by_how_much():
    with pytest.raises(BlueprintError, match=r"topic 'hygiene' needs 9 live item\(s\) but only 7 are available"):
        assemble(BANK, Blueprint({"hygiene": 9, "spacing": 1}), seed=1)
    with pytest.raises(BlueprintError, match="topic 'ingredients' needs 1 live item.* only 0 are available"):
        assemble(BANK, Blueprint({"ingredients": 1}), seed=1)


@pytest.mark.parametrize("kwargs", [
    {"topics": {}},
    {"topics": {"spacing": 0}},
    {"topics": {"spacing": -1, "hygiene": 3}},
    {"topics": {"spacing": 2}, "difficulty_mix": {"tricky": 1.0}},
    {"topics": {"spacing": 2}, "difficulty_mix": {"easy": -1, "hard": 2}},
])
def test_invalid_blueprints_are_refused(kwargs):
    with pytest.raises(BlueprintError):
        Blueprint(**kwargs)


def test_blueprint_round_trips_through_a_dict():
    bp = Blueprint({"spacing": 2}, difficulty_mix={"easy": 1.0}, include_cases=False)
    assert Blueprint.from_dict(bp.to_dict()) == bp


def test_ordering_items_are_never_shown_in_the_right_order():
    q = make_question("hygiene-001", type="ordering", n_options=2, key=[1, 0])
    q4 = make_question("hygiene-002", type="ordering", n_options=4, key=[3, 1, 0, 2])
    rng = random.Random(0)
    for _ in range(300):
        assert option_order(q, rng) == [0, 1]
        order = option_order(q4, rng)
        assert order != [3, 1, 0, 2] and sorted(order) == [0, 1, 2, 3]


def test_option_orders_shuffle_choices_keep_true_first_and_numeric_empty():
    rng = random.Random(1)
    single = make_question("spacing-001", n_options=5)
    orders = {tuple(option_order(single, rng)) for _ in range(50)}
    assert len(orders) > 10 and all(sorted(o) == list(range(5)) for o in orders)
    assert option_order(make_question("spacing-002", type="true_false"), rng) == [0, 1]
    assert option_order(make_question("spacing-003", type="numeric"), rng) == []


def test_attempt_layout_is_reproducible_from_the_seed():
    qs = assemble(BANK, Blueprint({"aftercare": 3, "spacing": 3}), seed=9)
    assert attempt_layout(qs, 123) == attempt_layout(qs, 123)
    assert attempt_layout(qs, 123) != attempt_layout(qs, 124)


# -- practice: pick_practice ---------------------------------------------------------------------------------

CASE = ["case-zoe-1", "case-zoe-2", "case-zoe-3"]  # on aftercare, spacing and hygiene, in this order
SINGLES = [q for q in BANK if q.case is None]


def assert_cases_whole(ids):
    present = [i for i in ids if i in CASE]
    if present:
        start = ids.index(CASE[0])
        assert ids[start:start + 3] == CASE, ids


def test_practice_serves_case_sets_whole_together_and_in_order_or_not_at_all():
    served_case = 0
    for seed in range(200):
        ids = [q.id for q in pick_practice(BANK, 5, seed=seed)]
        assert len(ids) == len(set(ids)) == 5
        assert_cases_whole(ids)
        served_case += CASE[0] in ids
    assert served_case > 10  # the case set is offered, not simply left out


def test_practice_takes_a_preferred_case_set_when_it_fits():
    seen = {q.id: 4 for q in SINGLES}  # the case set is the least seen
    for seed in range(20):
        ids = [q.id for q in pick_practice(BANK, 5, seed=seed, seen=seen)]
        assert_cases_whole(ids)
        assert CASE[0] in ids and len(ids) == 5


def test_practice_prefers_stand_alone_items_to_a_case_set_that_does_not_fit():
    seen = {q.id: 4 for q in SINGLES}  # the case set would be preferred, but 3 items do not fit in 2
    for seed in range(20):
        qs = pick_practice(BANK, 2, seed=seed, seen=seen)
        assert len(qs) == 2 and all(q.case is None for q in qs)


def test_practice_keeps_to_the_chosen_topics():
    """A case set is offered only when every one of its items is on a chosen topic."""
    seen = {q.id: 4 for q in SINGLES}
    for seed in range(20):
        qs = pick_practice(BANK, 6, seed=seed, topics=["spacing", "hygiene"], seen=seen)
        assert {q.topic for q in qs} <= {"spacing", "hygiene"} and all(q.case is None for q in qs)
        ids = [q.id for q in pick_practice(BANK, 6, seed=seed, topics=["aftercare", "spacing", "hygiene"],
                                           seen=seen)]
        assert CASE[0] in ids
        assert_cases_whole(ids)


def test_practice_prefers_least_seen_is_reproducible_and_draws_live_items_only():
    seen = {f"spacing-{i:03d}": 3 for i in (1, 2, 3)}
    for seed in range(10):
        assert {q.id for q in pick_practice(BANK, 3, seed=seed, topics=["spacing"], seen=seen)} == {
            "spacing-004", "spacing-005", "spacing-006"}
    first = [q.id for q in pick_practice(BANK, 8, seed=11)]
    assert [q.id for q in pick_practice(list(reversed(BANK)), 8, seed=11)] == first
    bank = [make_question(f"spacing-{i:03d}", status=s) for i, s in enumerate(["live", "draft", "retired", "live"])]
    assert {q.id for q in pick_practice(bank, 4, seed=1)} == {"spacing-000", "spacing-003"}


def test_practice_never_exceeds_the_count_and_serves_what_there_is():
    assert len(pick_practice(BANK, 10, seed=1, topics=["spacing"])) == 6  # 6 stand-alone spacing items
    assert pick_practice([q for q in BANK if q.case], 2, seed=1) == []  # only a case set, too big for 2
    for count in range(1, 22):
        assert len(pick_practice(BANK, count, seed=count)) <= count
