"""Exam assembly and practice draw at most one item per learning objective, unless the bank cannot fill the
attempt otherwise; then they still assemble and the notice (or the refusal) says so."""

from __future__ import annotations

from collections import Counter

import pytest

from quiz.domain.assembly import (
    Blueprint,
    BlueprintError,
    assemble,
    assemble_with_notice,
    pick_practice,
    pick_practice_with_notice,
)
from quiz.domain.bank import CaseInfo
from tests.factories import make_question


def _bank(objectives_per_topic: int = 3, per_objective: int = 2) -> list:
    """spacing and hygiene items, ``per_objective`` items on each of ``objectives_per_topic`` objectives."""
    out = []
    for topic in ("spacing", "hygiene"):
        n = 0
        for o in range(objectives_per_topic):
            for _ in range(per_objective):
                n += 1
                out.append(make_question(f"{topic}-{n:03d}", objective=f"{topic}.obj-{o}"))
    return out


def _repeats(qs) -> dict[str, int]:
    return {o: n for o, n in Counter(q.objective for q in qs if q.objective).items() if n > 1}


def test_exam_never_draws_two_items_of_one_objective_when_the_bank_allows():
    bank = _bank()
    for seed in range(30):
        result = assemble_with_notice(bank, Blueprint({"spacing": 3, "hygiene": 3}), seed=seed)
        assert len(result.questions) == 6
        assert not _repeats(result.questions), seed
        assert result.notice is None


def test_least_seen_preference_does_not_override_distinct_objectives():
    bank = _bank()
    seen = {q.id: 0 if q.id in ("spacing-001", "spacing-002") else 5 for q in bank}  # both on spacing.obj-0
    for seed in range(10):
        qs = assemble(bank, Blueprint({"spacing": 2}), seed=seed, seen=seen)
        assert len({q.objective for q in qs}) == 2


def test_exam_repeats_an_objective_only_when_it_must_and_says_so():
    bank = _bank(objectives_per_topic=2)  # 4 items per topic on 2 objectives
    result = assemble_with_notice(bank, Blueprint({"spacing": 3}), seed=1)
    assert len(result.questions) == 3
    assert result.repeated_objectives and len(result.repeated_objectives) == 1
    assert "more than once" in result.notice and result.repeated_objectives[0] in result.notice


def test_refusal_says_repeating_objectives_would_not_fill_it():
    with pytest.raises(BlueprintError, match="even drawing more than one item per learning objective"):
        assemble(_bank(), Blueprint({"spacing": 7}), seed=1)


def test_case_sets_stay_whole_and_avoid_objectives_already_drawn():
    case = [make_question(f"case-kim-{p}", topic="spacing", objective=f"spacing.obj-{p - 1}",
                          case=CaseInfo(id="case-kim", title="Kim", scenario="Kim.", position=p, size=2))
            for p in (1, 2)]
    bank = _bank() + case
    for seed in range(30):
        qs = assemble(bank, Blueprint({"spacing": 3}), seed=seed)
        ids = [q.id for q in qs]
        if "case-kim-1" in ids:
            assert ids[ids.index("case-kim-1") + 1] == "case-kim-2"
        assert not _repeats(qs)


def test_difficulty_mix_pass_keeps_objectives_distinct():
    bank = [make_question(f"spacing-{i:03d}", objective=f"spacing.obj-{i // 2}", difficulty=d)
            for i, d in enumerate(["easy", "easy", "hard", "hard", "medium", "medium"])]
    bp = Blueprint({"spacing": 3}, difficulty_mix={"easy": 1, "medium": 1, "hard": 1})
    for seed in range(10):
        qs = assemble(bank, bp, seed=seed)
        assert not _repeats(qs) and {q.difficulty for q in qs} == {"easy", "medium", "hard"}


def test_items_without_an_objective_never_clash():
    bank = [make_question(f"spacing-{i:03d}") for i in range(4)]
    result = assemble_with_notice(bank, Blueprint({"spacing": 4}), seed=3)
    assert len(result.questions) == 4 and result.notice is None


def test_practice_draws_distinct_objectives_first_then_fills_with_a_notice():
    bank = _bank()  # 12 items, 6 objectives
    for seed in range(20):
        assert not _repeats(pick_practice(bank, 6, seed=seed))
    result = pick_practice_with_notice(bank, 8, seed=4)
    assert len(result.questions) == 8
    assert len(result.repeated_objectives) == 2 and result.notice
    one_topic = pick_practice_with_notice(bank, 3, seed=2, topics=["hygiene"])
    assert not _repeats(one_topic.questions) and one_topic.notice is None
