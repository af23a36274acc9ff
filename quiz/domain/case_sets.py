"""Case sets as the database holds them: pure rules for keeping a set consistent while trainers edit it.

A case set has no row of its own: each of its items carries a copy of the set (:class:`CaseInfo`: id, title,
scenario, its position and the set's size), so every version keeps what a trainee was shown. Exam assembly and
practice (:mod:`quiz.domain.assembly`) serve a set whole and in order, and only when its items agree: every one
live, as many as the size they carry. So whenever one item joins or leaves a set, or the set's title or
scenario changes, the other items of the set get a new version too, with the same title and scenario and
positions 1..n of n.

* :func:`plan_placement`: where an item goes (join, leave, a new set, its set retitled) and which other items
  must change with it;
* :func:`plan_case_edit`: a new title and scenario for every item of a set;
* :func:`case_set_problems`: the consistency rules, checked over the current version of every item not retired
  (the bank files' loader builds sets consistent by construction; this checks what the database holds).

Retired items are not members: they keep the case copy of the version they were retired with.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pydantic import ValidationError

from quiz.domain.bank import CaseInfo, Question


class CaseError(ValueError):
    """A case-set change that cannot be made; the message says why and what to do instead."""


@dataclass(frozen=True)
class CasePlacement:
    """Where an item should be: ``case_id`` None for a stand-alone item. ``create``: ``case_id`` names a new
    set (``title`` and ``scenario`` required). For an existing set, ``title`` / ``scenario`` (when given and
    different) retitle the whole set."""

    case_id: str | None
    title: str | None = None
    scenario: str | None = None
    create: bool = False


@dataclass(frozen=True)
class CasePlan:
    """What a placement changes: the item's own case copy, and every other item whose copy changes."""

    item: CaseInfo | None
    others: dict[str, CaseInfo | None] = field(default_factory=dict)
    left: str | None = None  # the set the item leaves
    joined: str | None = None  # the set the item joins (or creates)
    created: bool = False
    retitled: str | None = None  # the set whose title or scenario changes

    @property
    def touched(self) -> set[str]:
        """The sets whose items change."""
        return {c for c in (self.left, self.joined, self.retitled) if c} | {
            i.id for i in self.others.values() if i is not None}


def members_by_case(questions: Iterable[Question]) -> dict[str, list[Question]]:
    """Each case set's items (not retired), in their order (position, then id)."""
    out: dict[str, list[Question]] = defaultdict(list)
    for q in questions:
        if q.case is not None and q.status != "retired":
            out[q.case.id].append(q)
    return {cid: sorted(qs, key=lambda q: (q.case.position, q.id)) for cid, qs in out.items()}  # type: ignore[union-attr]


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _case(case_id: str, title: str, scenario: str, position: int, size: int) -> CaseInfo:
    try:
        return CaseInfo(id=case_id, title=title, scenario=scenario, position=position, size=size)
    except ValidationError as err:
        if any(e["loc"] == ("id",) for e in err.errors()):
            raise CaseError(f"{case_id!r} is not a case set id: use lower-case words and numbers joined by '-', "
                            "e.g. case-amira") from None
        raise CaseError("A case set needs a title and a scenario (the client's story trainees read first).") \
            from None


def _layout(case_id: str, order: list[str], title: str, scenario: str) -> dict[str, CaseInfo]:
    """Positions 1..n of n for the items ``order`` names, all with the same title and scenario."""
    return {qid: _case(case_id, title, scenario, pos, len(order)) for pos, qid in enumerate(order, start=1)}


def _changes(layout: Mapping[str, CaseInfo], members: list[Question], skip: str | None) -> dict[str, CaseInfo]:
    return {q.id: layout[q.id] for q in members if q.id != skip and q.id in layout and q.case != layout[q.id]}


def plan_placement(item_id: str | None, current: Question | None, target: CasePlacement,
                   sets: Mapping[str, list[Question]]) -> CasePlan:
    """Place the item ``item_id`` (None: a new item; ``current``: its current version, None for a new item)
    as ``target`` says, given every set's members (:func:`members_by_case`). Raises :class:`CaseError`.

    Joining puts the item last (the next position; every item of the set gets the new size). Only a draft
    joins a set, so that a live item never changes what it is part of while exams draw it; any item may leave.
    Leaving closes the gap. A new set starts with this item alone."""
    status = current.status if current is not None else "draft"
    old = current.case.id if current is not None and current.case is not None else None
    new = _text(target.case_id)
    title, scenario = _text(target.title), _text(target.scenario)
    if target.create:
        if new is None:
            raise CaseError("Give the new case set an id, e.g. case-amira.")
        if new in sets or new == old:
            raise CaseError(f"There is already a case set {new}: choose it from the list to put the item in it.")
        if not title or not scenario:
            raise CaseError("A new case set needs a title and a scenario (the client's story trainees read first).")
    elif new is not None and new not in sets and new != old:
        raise CaseError(f"There is no case set {new}.")
    if status == "retired" and new == old:
        return CasePlan(item=current.case if current is not None else None)
    if new is not None and new != old and status != "draft":
        raise CaseError(f"Only a draft joins a case set, and {item_id} is {status}. Duplicate it and put the draft "
                        "copy in the case set.")
    left = old if old != new else None
    joined = new if new != old else None
    others: dict[str, CaseInfo | None] = {}
    if left:
        staying = [q for q in sets.get(left, []) if q.id != item_id]
        if staying:
            first = staying[0].case
            layout = _layout(left, [q.id for q in staying], first.title, first.scenario)  # type: ignore[union-attr]
            others.update(_changes(layout, staying, item_id))
    item: CaseInfo | None = None
    retitled = None
    if new is not None:
        members = [] if target.create else list(sets.get(new, []))
        stored = members[0].case if members else None
        title = title or (stored.title if stored else None)
        scenario = scenario or (stored.scenario if stored else None)
        if stored is not None and (title, scenario) != (stored.title, stored.scenario):
            retitled = new
        key = item_id or "\0new"  # a new item has no id yet: a key no item has
        order = [q.id for q in members]
        if key not in order:
            order.append(key)  # joining: the next position
        layout = _layout(new, order, title or "", scenario or "")
        item = layout[key]
        others.update(_changes(layout, members, item_id))
    return CasePlan(item=item, others=others, left=left, joined=joined, created=target.create, retitled=retitled)


def plan_case_edit(case_id: str, members: list[Question], title: str | None, scenario: str | None
                   ) -> dict[str, CaseInfo]:
    """A new title and scenario for the set ``case_id`` (its ``members`` in order): every item whose copy
    changes (positions are made 1..n of n on the way). Raises :class:`CaseError`."""
    title, scenario = _text(title), _text(scenario)
    if not members:
        raise CaseError(f"There is no case set {case_id}.")
    if not title or not scenario:
        raise CaseError("A case set needs a title and a scenario (the client's story trainees read first).")
    return _changes(_layout(case_id, [q.id for q in members], title, scenario), members, None)


def case_set_problems(questions: Iterable[Question], only: Iterable[str] | None = None) -> list[str]:
    """Every way the case sets among ``questions`` (current versions) break the rules the assembly relies on:
    the items of a set (not retired) share one title and scenario, each says the set has as many items as it
    has, and their positions run 1..n. ``only``: check these sets alone."""
    wanted = set(only) if only is not None else None
    problems: list[str] = []
    for cid, members in sorted(members_by_case(questions).items()):
        if wanted is not None and cid not in wanted:
            continue
        cases = [q.case for q in members]
        titles = sorted({c.title for c in cases if c})
        if len(titles) > 1:
            problems.append(f"case set {cid}: its items disagree on the title ({' / '.join(titles)})")
        if len({c.scenario for c in cases if c}) > 1:
            problems.append(f"case set {cid}: its items disagree on the scenario")
        n = len(members)
        wrong_size = [f"{q.id} says {q.case.size}" for q in members if q.case and q.case.size != n]
        if wrong_size:
            problems.append(f"case set {cid} has {n} item(s), but {', '.join(wrong_size)}")
        positions = [c.position for c in cases if c]
        if sorted(positions) != list(range(1, n + 1)):
            problems.append(f"case set {cid}: positions {', '.join(str(p) for p in sorted(positions))}, expected "
                            f"1 to {n}")
    return problems
