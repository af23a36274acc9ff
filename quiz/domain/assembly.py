"""Quiz assembly: pure functions that pick and order questions for an attempt.

:func:`assemble` draws items for a :class:`Blueprint` (n items per topic, an optional difficulty mix) from
live questions only, never repeating one, preferring those the trainee has seen least, and reproducibly from
a seed. Case sets are drawn whole, their items kept together and in order; each of their items counts
towards its own topic. :func:`pick_practice` picks the items of a practice the same way (case sets whole,
least seen first). :func:`option_order` shuffles the options an attempt shows.

Both draw at most one item per learning objective (``Question.objective``) while the bank allows: units whose
objectives are already in the attempt are passed over, and used only when the attempt cannot be filled
otherwise. :func:`assemble_with_notice` and :func:`pick_practice_with_notice` say when that happened
(:attr:`Assembly.notice`); a refusal says that repeating objectives would not have filled it either.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from quiz.domain.bank import DIFFICULTIES, Question


class BlueprintError(ValueError):
    """The bank cannot satisfy the blueprint; the message says which topic falls short and by how much."""


@dataclass(frozen=True)
class Blueprint:
    topics: Mapping[str, int]
    difficulty_mix: Mapping[str, float] | None = None  # e.g. {"easy": 0.3, "medium": 0.5, "hard": 0.2}
    include_cases: bool = True

    def __post_init__(self) -> None:
        if not self.topics or any(n < 0 for n in self.topics.values()) or sum(self.topics.values()) == 0:
            raise BlueprintError("a blueprint needs at least one topic with one or more items")
        if self.difficulty_mix:
            unknown = set(self.difficulty_mix) - set(DIFFICULTIES)
            if unknown:
                raise BlueprintError(f"unknown difficulty in the mix: {', '.join(sorted(unknown))}")
            if any(v < 0 for v in self.difficulty_mix.values()) or sum(self.difficulty_mix.values()) <= 0:
                raise BlueprintError("difficulty shares must be positive")

    @property
    def total(self) -> int:
        return sum(self.topics.values())

    def to_dict(self) -> dict:
        return {"topics": dict(self.topics), "difficulty_mix": dict(self.difficulty_mix or {}) or None,
                "include_cases": self.include_cases}

    @classmethod
    def from_dict(cls, data: Mapping) -> Blueprint:
        return cls(topics=dict(data["topics"]), difficulty_mix=data.get("difficulty_mix") or None,
                   include_cases=bool(data.get("include_cases", True)))


def apportion(n: int, shares: Mapping[str, float]) -> dict[str, int]:
    """Split n into whole numbers in proportion to shares (largest remainder; ties by name)."""
    total = sum(shares.values())
    exact = {k: n * v / total for k, v in shares.items()}
    out = {k: int(v) for k, v in exact.items()}
    rest = n - sum(out.values())
    for k in sorted(exact, key=lambda k: (-(exact[k] - out[k]), k))[:rest]:
        out[k] += 1
    return out


@dataclass
class _Unit:
    items: list[Question]
    priority: tuple[float, float] = (0.0, 0.0)
    topics: Counter = field(default_factory=Counter)

    @property
    def objectives(self) -> set[str]:
        return {q.objective for q in self.items if q.objective}


@dataclass(frozen=True)
class Assembly:
    """The questions of an attempt, in order, and the objectives it had to draw more than once."""

    questions: list[Question]
    repeated_objectives: list[str] = field(default_factory=list)

    @property
    def notice(self) -> str | None:
        if not self.repeated_objectives:
            return None
        return (f"The question bank could not fill this attempt with one question per learning objective, so "
                f"{len(self.repeated_objectives)} objective(s) appear more than once: "
                f"{', '.join(self.repeated_objectives)}.")


def _repeated(questions: Sequence[Question]) -> list[str]:
    counts = Counter(q.objective for q in questions if q.objective)
    return sorted(o for o, n in counts.items() if n > 1)


def _units(questions: Sequence[Question], include_cases: bool) -> list[_Unit]:
    singles: list[_Unit] = []
    cases: dict[str, list[Question]] = defaultdict(list)
    case_ok: dict[str, bool] = defaultdict(lambda: True)
    for q in sorted(questions, key=lambda q: q.id):
        if q.case is not None:
            cases[q.case.id].append(q)
            case_ok[q.case.id] &= q.status == "live"
        elif q.status == "live":
            singles.append(_Unit([q]))
    units = singles
    if include_cases:
        for cid in sorted(cases):
            members = sorted(cases[cid], key=lambda q: q.case.position)  # type: ignore[union-attr]
            if case_ok[cid] and len(members) == members[0].case.size:  # type: ignore[union-attr]
                units.append(_Unit(members))
    for u in units:
        u.topics = Counter(q.topic for q in u.items)
    return units


def assemble(
    questions: Sequence[Question],
    blueprint: Blueprint,
    *,
    seed: int,
    seen: Mapping[str, int] | None = None,
) -> list[Question]:
    """Pick the questions of an attempt, in the order they will be shown (see :func:`assemble_with_notice`)."""
    return assemble_with_notice(questions, blueprint, seed=seed, seen=seen).questions


def assemble_with_notice(
    questions: Sequence[Question],
    blueprint: Blueprint,
    *,
    seed: int,
    seen: Mapping[str, int] | None = None,
) -> Assembly:
    """Pick the questions of an attempt and say whether a learning objective had to be drawn twice."""
    seen = seen or {}
    rng = random.Random(seed)
    units = _units(questions, blueprint.include_cases)
    for u in units:
        mean_seen = sum(seen.get(q.id, 0) for q in u.items) / len(u.items)
        u.priority = (mean_seen, rng.random())
    units.sort(key=lambda u: u.priority)

    need = {t: n for t, n in blueprint.topics.items() if n > 0}
    want: dict[str, dict[str, int]] = {}
    if blueprint.difficulty_mix:
        want = {t: apportion(n, blueprint.difficulty_mix) for t, n in need.items()}

    chosen: list[_Unit] = []
    taken: set[int] = set()
    used: set[str] = set()

    def fits(u: _Unit, distinct: bool) -> bool:
        if distinct and u.objectives & used:
            return False
        return all(need.get(t, 0) >= c for t, c in u.topics.items())

    def take(i: int, u: _Unit) -> None:
        chosen.append(u)
        taken.add(i)
        used.update(u.objectives)
        for q in u.items:
            need[q.topic] -= 1
            if want and want[q.topic].get(q.difficulty, 0) > 0:
                want[q.topic][q.difficulty] -= 1

    # Pass 1 keeps to the difficulty mix (single items only), pass 2 fills what is left by preference, both
    # with one item per objective; pass 3 repeats objectives only if the blueprint cannot be filled otherwise.
    if want:
        for i, u in enumerate(units):
            q = u.items[0]
            if len(u.items) == 1 and fits(u, True) and want[q.topic].get(q.difficulty, 0) > 0:
                take(i, u)
    for distinct in (True, False):
        for i, u in enumerate(units):
            if i not in taken and fits(u, distinct) and any(need.get(t, 0) for t in u.topics):
                take(i, u)

    short = {t: n for t, n in need.items() if n > 0}
    if short:
        available = Counter(q.topic for u in units for q in u.items)
        parts = [
            f"topic '{t}' needs {blueprint.topics[t]} live item(s) but only {available.get(t, 0)} "
            f"{'is' if available.get(t, 0) == 1 else 'are'} available"
            for t in sorted(short)
        ]
        raise BlueprintError("the question bank cannot satisfy this blueprint, even drawing more than one item "
                             "per learning objective: " + "; ".join(parts))

    rng.shuffle(chosen)
    picked = [q for u in chosen for q in u.items]
    return Assembly(picked, _repeated(picked))


def pick_practice(
    questions: Sequence[Question],
    count: int,
    *,
    seed: int,
    topics: Collection[str] | None = None,
    seen: Mapping[str, int] | None = None,
) -> list[Question]:
    """The questions of a practice (see :func:`pick_practice_with_notice`)."""
    return pick_practice_with_notice(questions, count, seed=seed, topics=topics, seen=seen).questions


def pick_practice_with_notice(
    questions: Sequence[Question],
    count: int,
    *,
    seed: int,
    topics: Collection[str] | None = None,
    seen: Mapping[str, int] | None = None,
) -> Assembly:
    """Pick at most ``count`` live questions for a practice on ``topics`` (every topic when empty), in the
    order they will be shown, preferring those the trainee has seen least, reproducibly from ``seed``.

    Works on units, as :func:`assemble` does: a stand-alone item, or a whole case set (every item live, kept
    together and in its order). A case set is eligible only when each of its items is on a chosen topic, so a
    practice never strays from the topics chosen. Units are ranked by how often their items were seen (the
    mean for a case set), ties at random, and taken in that order as long as they fit and bring no learning
    objective already in the practice; then, if room is left, units that repeat an objective fill it (and the
    notice says so). A case set that does not fit in the room left is passed over for the next units
    (stand-alone items, or a smaller case set). So the practice never has more than ``count`` items, and a
    case set is never cut. It has fewer only when the eligible items run out, or when the room left is
    smaller than every case set still unused (an empty list when even the first unit is too big, e.g. only a
    4-item case set for 2 questions).
    """
    seen = seen or {}
    rng = random.Random(seed)
    wanted = set(topics or ())
    units = [u for u in _units(questions, include_cases=True)
             if not wanted or all(q.topic in wanted for q in u.items)]
    for u in units:
        u.priority = (sum(seen.get(q.id, 0) for q in u.items) / len(u.items), rng.random())
    units.sort(key=lambda u: u.priority)
    chosen: list[_Unit] = []
    taken: set[int] = set()
    used: set[str] = set()
    room = count
    for distinct in (True, False):
        for i, u in enumerate(units):
            if room <= 0:
                break
            if i in taken or (distinct and u.objectives & used):
                continue
            if len(u.items) <= room:
                chosen.append(u)
                taken.add(i)
                used.update(u.objectives)
                room -= len(u.items)
    rng.shuffle(chosen)
    picked = [q for u in chosen for q in u.items]
    return Assembly(picked, _repeated(picked))


def option_order(q: Question, rng: random.Random) -> list[int]:
    """The order to show q's options in (canonical indexes). Ordering items never start in the right order;
    true/false keeps True first; numeric items have no options."""
    n = len(q.options)
    if q.type == "numeric" or n == 0:
        return []
    if q.type == "true_false":
        return [0, 1]
    order = list(range(n))
    rng.shuffle(order)
    if q.type == "ordering" and n >= 2:
        while order == list(q.key):  # type: ignore[arg-type]
            rng.shuffle(order)
    return order


def attempt_layout(questions: Sequence[Question], seed: int) -> list[list[int]]:
    """Option orders for every question of an attempt, reproducible from the attempt's seed."""
    rng = random.Random(seed * 7919 + 1)
    return [option_order(q, rng) for q in questions]
