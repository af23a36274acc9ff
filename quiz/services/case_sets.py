"""Case sets in the bank editor: put an item into a set (an existing one, or a new one), take it out, and change
a set's title and scenario. For trainers and administrators (``actor=None``: the command line).

Each item of a set carries the set's id, title, scenario, its position and the set's size
(:class:`~quiz.domain.bank.CaseInfo`), so that every version keeps what a trainee was shown. A change to a set
therefore saves a new version (origin ``editor``) of each of its items whose copy changes (the rules are in
:mod:`quiz.domain.case_sets`), all in the caller's transaction: the item, the other items, and the audit
record land together or not at all. Before returning, the sets touched are checked again as the database now
holds them (:func:`quiz.domain.case_sets.case_set_problems`); a problem raises, and the caller rolls back.

The items of a set are locked (a no-op write: their rows on PostgreSQL, the database on SQLite) before they are
read for a change, so two trainers adding items to one set at once get positions one after the other.

Exams and practice draw a set only when every item of it is live (:mod:`quiz.domain.assembly`): a draft put
into a live set keeps the whole set out of new attempts until it is approved (the editor says so).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from quiz.adapters.orm import QuestionRow, QuestionVersion
from quiz.domain.bank import CaseInfo, Question, question_to_authoring
from quiz.domain.case_sets import (
    CaseError,
    CasePlacement,
    CasePlan,
    case_set_problems,
    members_by_case,
    plan_case_edit,
    plan_placement,
)
from quiz.services import audit, bank_admin
from quiz.services.bank_sync import add_version
from quiz.services.errors import InvalidInput, NotFound
from quiz.services.permissions import Actor, require_staff
from quiz.services.questions import current_version, to_question

__all__ = ["CasePlacement", "CaseSetView", "SavedItem", "check_case_sets", "check_item", "edit_case_set",
           "list_case_sets", "move_item", "save_item"]


@dataclass(frozen=True)
class CaseMember:
    question_id: str
    status: str
    position: int
    stem: str


@dataclass(frozen=True)
class CaseSetView:
    id: str
    title: str
    scenario: str
    items: tuple[CaseMember, ...]  # in their order; retired items are not members
    from_files: bool  # some of its items came from the bank files (cases/*.yaml)
    problems: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        return len(self.items)

    @property
    def served(self) -> bool:
        """Whether exams and practice can draw it now: every item live."""
        return bool(self.items) and all(m.status == "live" for m in self.items)

    @property
    def drafts(self) -> list[str]:
        return [m.question_id for m in self.items if m.status != "live"]


@dataclass(frozen=True)
class SavedItem:
    question_id: str
    version: int
    others: dict[str, int] = field(default_factory=dict)  # the other items given a new version: id -> version


def _staff(actor: Actor | None) -> None:
    if actor is not None:
        require_staff(actor)


def _in_sets(session: Session, case_ids: set[str] | None = None) -> list[Question]:
    """The current version of every item (not retired) in a case set (``case_ids``: in one of these), found by
    the case id inside the stored content (a JSON path: SQLite's json_extract, PostgreSQL's ->>), so that only
    case-set items are read and validated, not the whole bank."""
    case_id = QuestionVersion.content["case"]["id"].as_string()
    q = (select(QuestionRow, QuestionVersion)
         .join(QuestionVersion, (QuestionVersion.question_id == QuestionRow.id)
               & (QuestionVersion.version == QuestionRow.current_version))
         .where(QuestionRow.status.in_(("live", "draft")), case_id.is_not(None)))
    if case_ids is not None:
        if not case_ids:
            return []
        q = q.where(case_id.in_(sorted(case_ids)))
    return [to_question(v, r.status) for r, v in session.execute(q.order_by(QuestionRow.id))]


def _lock(session: Session, question_ids: set[str]) -> None:
    """Serialise changes to these items' sets: a no-op write, which takes their row locks on PostgreSQL and
    the database's write lock on SQLite (as :func:`quiz.services.attempts.common.lock_user` does)."""
    session.execute(update(QuestionRow).where(QuestionRow.id.in_(sorted(question_ids)))
                    .values(current_version=QuestionRow.current_version))


def _current(session: Session, question_id: str) -> tuple[QuestionRow, Question]:
    row, version = current_version(session, question_id)
    return row, to_question(version, row.status)


def _plan(session: Session, question_id: str | None, placement: CasePlacement, *, lock: bool
          ) -> tuple[CasePlan, dict[str, list[Question]]]:
    current = _current(session, question_id)[1] if question_id is not None else None
    touched = {c for c in (placement.case_id, current.case.id if current and current.case else None) if c}
    sets = members_by_case(_in_sets(session, touched))
    if lock:  # lock the items of every set this may touch, then read them again (now nobody else changes them)
        _lock(session, {q.id for c in touched for q in sets.get(c, [])} | ({question_id} if question_id else set()))
        session.expire_all()
        current = _current(session, question_id)[1] if question_id is not None else None
        sets = members_by_case(_in_sets(session, touched))
    try:
        return plan_placement(question_id, current, placement, sets), sets
    except CaseError as err:
        raise InvalidInput(str(err)) from None


def _rewrite(session: Session, actor: Actor | None, changes: dict[str, CaseInfo | None]) -> dict[str, int]:
    """A new version of each item with its new case copy (content otherwise unchanged); id -> new version."""
    out = {}
    for qid, case in sorted(changes.items()):
        row, q = _current(session, qid)
        moved = Question.model_validate({**q.model_dump(), "case": case.model_dump() if case else None})
        out[qid] = add_version(session, row, moved, "editor", created_by=actor.id if actor else None).version
    session.flush()
    return out


def _verify(session: Session, case_ids: set[str]) -> None:
    problems = case_set_problems(_in_sets(session, case_ids), only=case_ids) if case_ids else []
    if problems:  # e.g. a change another transaction made to the set at the same time (without the lock)
        raise InvalidInput("Nothing was saved: the case set would be left inconsistent: " + "; ".join(problems))


def _audit(session: Session, actor: Actor | None, saved: SavedItem, before: CaseInfo | None, plan: CasePlan,
           sets: dict[str, list[Question]]) -> None:
    question_id, others = saved.question_id, saved.others
    if plan.left or plan.joined:
        after = plan.item
        audit.record(session, actor, "question_case_changed", question_id,
                     before={"case": before.id, "position": before.position} if before else {"case": None},
                     after={"case": after.id, "position": after.position, "size": after.size} if after
                     else {"case": None},
                     created=plan.joined if plan.created else None, versions={question_id: saved.version, **others})
    if plan.retitled:
        stored = sets[plan.retitled][0].case
        audit.record(session, actor, "question_case_set_edited", plan.retitled,
                     before={"title": stored.title, "scenario": stored.scenario},  # type: ignore[union-attr]
                     after={"title": plan.item.title, "scenario": plan.item.scenario},  # type: ignore[union-attr]
                     versions={question_id: saved.version, **others})


# -- reading -----------------------------------------------------------------------------------------------------

def list_case_sets(session: Session, actor: Actor | None) -> list[CaseSetView]:
    """Every case set among the items not retired, by id, with its items in order and any inconsistency."""
    _staff(actor)
    bank = _in_sets(session)
    from_files = set(session.scalars(select(QuestionRow.id).where(QuestionRow.file_hash.is_not(None))))
    out = []
    for cid, members in sorted(members_by_case(bank).items()):
        first = members[0].case
        out.append(CaseSetView(
            id=cid, title=first.title, scenario=first.scenario,  # type: ignore[union-attr]
            items=tuple(CaseMember(q.id, q.status, q.case.position, q.stem) for q in members),  # type: ignore[union-attr]
            from_files=any(q.id in from_files for q in members),
            problems=tuple(case_set_problems(members))))
    return out


def check_case_sets(session: Session, actor: Actor | None) -> list[str]:
    """The case-set rules checked over what the database holds (every set; see
    :func:`quiz.domain.case_sets.case_set_problems`). Empty when every set can be served as it is."""
    _staff(actor)
    return case_set_problems(_in_sets(session))


def check_item(session: Session, actor: Actor | None, authoring: dict[str, Any], *, question_id: str | None,
               placement: CasePlacement, catalogue: bank_admin.Catalogue | None = None) -> Question:
    """The item an editor holds, placed as ``placement`` says (its case copy as it would be saved: the preview
    shows that scenario), validated as :func:`save_item` would. Writes nothing. Raises InvalidInput."""
    _staff(actor)
    plan, _ = _plan(session, question_id, placement, lock=False)
    return bank_admin.check_draft(session, actor, authoring, question_id=question_id, catalogue=catalogue,
                                  case=plan.item)


# -- writing -----------------------------------------------------------------------------------------------------

def save_item(session: Session, actor: Actor | None, authoring: dict[str, Any], *, question_id: str | None,
              placement: CasePlacement, catalogue: bank_admin.Catalogue | None = None) -> SavedItem:
    """Save the editor's item (None: create a new draft) in the case set ``placement`` names: join a set (a
    draft only; last position), leave one, start a new one, or stay (retitling the set if its title or
    scenario changed). The other items of each set touched get new versions; all in one transaction.
    Raises InvalidInput (nothing written) listing what is wrong."""
    _staff(actor)
    before = _current(session, question_id)[1].case if question_id is not None else None
    plan, sets = _plan(session, question_id, placement, lock=True)
    if question_id is None:
        qid, version = bank_admin.create(session, actor, authoring, catalogue=catalogue, case=plan.item), 1
    else:
        qid = question_id
        version = bank_admin.edit(session, actor, question_id, authoring, catalogue=catalogue, case=plan.item)
    saved = SavedItem(qid, version, _rewrite(session, actor, plan.others))
    _verify(session, plan.touched)
    _audit(session, actor, saved, before, plan, sets)
    session.flush()
    return saved


def move_item(session: Session, actor: Actor | None, question_id: str, placement: CasePlacement) -> SavedItem:
    """Put an existing item where ``placement`` says, its content unchanged (see :func:`save_item`)."""
    _staff(actor)
    _, q = _current(session, question_id)
    authoring = question_to_authoring(q)
    return save_item(session, actor, authoring, question_id=question_id, placement=placement)


def edit_case_set(session: Session, actor: Actor | None, case_id: str, *, title: str, scenario: str
                  ) -> dict[str, int]:
    """A new title and scenario for a case set: a new version of each of its items (one transaction); returns
    id -> new version (empty when nothing changed). Also makes the set's positions 1..n of n again."""
    _staff(actor)
    sets = members_by_case(_in_sets(session, {case_id}))
    _lock(session, {q.id for q in sets.get(case_id, [])})
    session.expire_all()
    sets = members_by_case(_in_sets(session, {case_id}))
    members = sets.get(case_id, [])
    if not members:
        raise NotFound(f"There is no case set {case_id!r}.")
    try:
        changes = plan_case_edit(case_id, members, title, scenario)
    except CaseError as err:
        raise InvalidInput(str(err)) from None
    if not changes:
        return {}
    versions = _rewrite(session, actor, dict(changes))
    _verify(session, {case_id})
    stored = members[0].case
    after = next(iter(changes.values()))
    audit.record(session, actor, "question_case_set_edited", case_id,
                 before={"title": stored.title, "scenario": stored.scenario},  # type: ignore[union-attr]
                 after={"title": after.title, "scenario": after.scenario}, versions=versions)
    session.flush()
    return versions
