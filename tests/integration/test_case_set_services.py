"""Case sets in the bank editor, on SQLite and PostgreSQL: a new or existing draft joins a set (next position,
every item's size updated), leaves it, starts a new set; a set's title and scenario change as a new version of
each item; all in one transaction, audited, and the sets left as exams and practice can serve them."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from quiz.adapters.orm import AuditEvent, QuestionRow, QuestionVersion
from quiz.domain.assembly import Blueprint, assemble
from quiz.domain.bank import question_to_authoring
from quiz.services import bank_admin, case_sets
from quiz.services.bank_sync import sync_bank
from quiz.services.case_sets import CasePlacement
from quiz.services.errors import InvalidInput, PermissionDenied
from quiz.services.questions import current_questions
from tests.factories import make_bank, make_question

ZOE = ("case-zoe-1", "case-zoe-2", "case-zoe-3")


@pytest.fixture
def bank(platform):  # noqa: ANN001
    b = make_bank(per_topic=3, with_case=True)  # case-zoe: 3 live items (aftercare, spacing, hygiene)
    with platform.transaction() as s:
        sync_bank(s, b)
    return b


def _new_item(**extra) -> dict:  # noqa: ANN003
    a = question_to_authoring(make_question("hygiene-001", objective="hygiene.hygiene-001"))
    for k in ("id", "status"):
        a.pop(k)
    a["stem"] = "Zoe comes back a week later with small bruises. What do you tell her?"
    return {**a, **extra}


def _case(s, qid: str):  # noqa: ANN001, ANN202
    return bank_admin.get_question(s, None, qid).question.case


def _versions(s) -> dict[str, int]:  # noqa: ANN001
    return dict(s.execute(select(QuestionRow.id, QuestionRow.current_version)).all())


def test_a_new_draft_joins_a_set_at_the_next_position_and_the_set_takes_the_new_size(platform, bank, trainer):
    with platform.transaction() as s:
        q = case_sets.check_item(s, trainer, _new_item(), question_id=None, placement=CasePlacement("case-zoe"))
        assert (q.id, q.case.position, q.case.size, q.case.scenario) == ("hygiene-004", 4, 4,
                                                                         "Zoe, 35, books a course.")
    with platform.sessions() as s:
        assert s.get(QuestionRow, "hygiene-004") is None  # the check writes nothing
    with platform.transaction() as s:
        saved = case_sets.save_item(s, trainer, _new_item(), question_id=None, placement=CasePlacement("case-zoe"))
    assert saved.question_id == "hygiene-004" and saved.version == 1
    assert saved.others == dict.fromkeys(ZOE, 2)
    with platform.sessions() as s:
        assert [(_case(s, i).position, _case(s, i).size) for i in (*ZOE, "hygiene-004")] == [
            (1, 4), (2, 4), (3, 4), (4, 4)]
        assert s.get(QuestionRow, "hygiene-004").status == "draft"
        [view] = case_sets.list_case_sets(s, trainer)
        assert [m.question_id for m in view.items] == [*ZOE, "hygiene-004"]
        assert not view.served and view.drafts == ["hygiene-004"] and view.from_files and view.problems == ()
        assert case_sets.check_case_sets(s, trainer) == []
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "question_case_changed"))
        assert (event.target, event.actor_id) == ("hygiene-004", trainer.id)
        assert event.detail["before"] == {"case": None}
        assert event.detail["after"] == {"case": "case-zoe", "position": 4, "size": 4}
        assert event.detail["versions"] == {"hygiene-004": 1, **dict.fromkeys(ZOE, 2)}
        origins = set(s.scalars(select(QuestionVersion.origin).where(QuestionVersion.version == 2)))
        assert origins == {"editor"}
    # the set is drawn again, whole and in order, once its new item is approved
    with platform.transaction() as s:
        bank_admin.approve(s, trainer, "hygiene-004")
        live = [c.question for c in current_questions(s) if c.question.case]  # the set alone fills this:
    drawn = assemble(live, Blueprint(topics={"aftercare": 1, "spacing": 1, "hygiene": 2}), seed=3)
    assert [q.id for q in drawn] == [*ZOE, "hygiene-004"]


def test_an_item_taken_out_closes_the_gap(platform, bank, trainer):
    with platform.transaction() as s:
        case_sets.save_item(s, trainer, _new_item(), question_id=None, placement=CasePlacement("case-zoe"))
    with platform.transaction() as s:
        saved = case_sets.move_item(s, trainer, "case-zoe-2", CasePlacement(None))
    assert saved.version == 3 and saved.others == {"case-zoe-1": 3, "case-zoe-3": 3, "hygiene-004": 2}
    with platform.sessions() as s:
        assert _case(s, "case-zoe-2") is None
        assert [(_case(s, i).position, _case(s, i).size) for i in ("case-zoe-1", "case-zoe-3", "hygiene-004")] == [
            (1, 3), (2, 3), (3, 3)]
        assert case_sets.check_case_sets(s, trainer) == []
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "question_case_changed")
                          .order_by(AuditEvent.id)).all()[-1]
        assert (event.target, event.detail["before"], event.detail["after"]) == (
            "case-zoe-2", {"case": "case-zoe", "position": 2}, {"case": None})


def test_an_existing_draft_starts_a_new_set_and_another_joins_it(platform, bank, trainer):
    with platform.transaction() as s:
        first = bank_admin.create(s, trainer, _new_item())
        second = bank_admin.create(s, trainer, _new_item(stem="Omar asks about a second session."))
    new = CasePlacement("case-omar", title="Omar's course", scenario="Omar, 50, has a dull complexion.", create=True)
    with platform.transaction() as s:
        assert case_sets.move_item(s, trainer, first, new).others == {}
    with platform.transaction() as s, pytest.raises(InvalidInput, match="already a case set case-omar"):
        case_sets.move_item(s, trainer, second, new)
    with platform.transaction() as s:
        case_sets.move_item(s, trainer, second, CasePlacement("case-omar"))
    with platform.sessions() as s:
        assert _case(s, first).model_dump() == {"id": "case-omar", "title": "Omar's course",
                                                "scenario": "Omar, 50, has a dull complexion.", "position": 1,
                                                "size": 2}
        assert (_case(s, second).position, _case(s, second).size) == (2, 2)
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "question_case_changed",
                                                  AuditEvent.target == first))
        assert event.detail["created"] == "case-omar"


def test_a_set_gets_a_new_title_and_scenario_as_a_new_version_of_each_item(platform, bank, trainer):
    with platform.transaction() as s:
        versions = case_sets.edit_case_set(s, trainer, "case-zoe", title="Zoe's facial course",
                                           scenario="Zoe, 35, has dull skin and books a course of four sessions.")
    assert versions == dict.fromkeys(ZOE, 2)
    with platform.transaction() as s:  # the same again: nothing changes, no new versions
        assert case_sets.edit_case_set(s, trainer, "case-zoe", title="Zoe's facial course",
                                       scenario="Zoe, 35, has dull skin and books a course of four sessions.") == {}
    with platform.sessions() as s:
        assert {_case(s, i).title for i in ZOE} == {"Zoe's facial course"}
        assert all(_versions(s)[i] == 2 for i in ZOE)
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "question_case_set_edited"))
        assert event.target == "case-zoe" and event.detail["before"]["title"] == "Zoe's course"
        assert event.detail["after"]["scenario"].startswith("Zoe, 35, has dull skin")
        # past attempts keep what they showed: version 1 still holds the old scenario
        old = s.scalar(select(QuestionVersion.content).where(QuestionVersion.question_id == "case-zoe-1",
                                                             QuestionVersion.version == 1))
        assert old["case"]["scenario"] == "Zoe, 35, books a course."


def test_the_item_editor_saves_the_set_and_the_item_together(platform, bank, trainer):
    with platform.transaction() as s:
        authoring = bank_admin.get_question(s, trainer, "case-zoe-2").authoring
        saved = case_sets.save_item(s, trainer, {**authoring, "stem": "Zoe asks when she may exercise again."},
                                    question_id="case-zoe-2",
                                    placement=CasePlacement("case-zoe", title="Zoe's course", scenario="Zoe, 36."))
    assert (saved.version, saved.others) == (2, {"case-zoe-1": 2, "case-zoe-3": 2})
    with platform.sessions() as s:
        assert {_case(s, i).scenario for i in ZOE} == {"Zoe, 36."}
        assert bank_admin.get_question(s, trainer, "case-zoe-2").question.stem.startswith("Zoe asks when")


def test_refusals_write_nothing(platform, bank, trainer):
    with platform.sessions() as s:
        before, events = _versions(s), s.scalar(select(func.count(AuditEvent.id)))
    with platform.transaction() as s, pytest.raises(InvalidInput, match="Only a draft joins a case set, and "
                                                                        "hygiene-001 is live"):
        case_sets.move_item(s, trainer, "hygiene-001", CasePlacement("case-zoe"))
    with platform.transaction() as s, pytest.raises(InvalidInput, match="needs a title and a scenario"):
        case_sets.edit_case_set(s, trainer, "case-zoe", title="Zoe", scenario="  ")
    with platform.transaction() as s, pytest.raises(InvalidInput, match="key F is out of range"):
        case_sets.save_item(s, trainer, _new_item(key="F"), question_id=None, placement=CasePlacement("case-zoe"))
    with platform.transaction() as s, pytest.raises(InvalidInput, match="There is no case set case-nobody"):
        case_sets.save_item(s, trainer, _new_item(), question_id=None, placement=CasePlacement("case-nobody"))
    with platform.sessions() as s:
        assert _versions(s) == before
        assert s.scalar(select(func.count(AuditEvent.id))) == events


def test_a_failure_half_way_leaves_nothing_half_saved(platform, bank, trainer, monkeypatch):
    with platform.sessions() as s:
        before = _versions(s)
    real = case_sets.add_version
    calls = []

    def failing(*args, **kw):  # noqa: ANN002, ANN003, ANN202
        calls.append(args[1].id)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return real(*args, **kw)

    monkeypatch.setattr(case_sets, "add_version", failing)
    with pytest.raises(RuntimeError), platform.transaction() as s:
        case_sets.edit_case_set(s, trainer, "case-zoe", title="Zoe's course", scenario="Zoe, 37.")
    with platform.sessions() as s:
        assert _versions(s) == before  # the first item's new version went with the rest
        assert {_case(s, i).scenario for i in ZOE} == {"Zoe, 35, books a course."}


def test_only_staff_edit_case_sets(platform, bank, trainee):
    for call in (lambda s: case_sets.list_case_sets(s, trainee),
                 lambda s: case_sets.check_case_sets(s, trainee),
                 lambda s: case_sets.move_item(s, trainee, "case-zoe-1", CasePlacement(None)),
                 lambda s: case_sets.edit_case_set(s, trainee, "case-zoe", title="T", scenario="S"),
                 lambda s: case_sets.save_item(s, trainee, _new_item(), question_id=None,
                                               placement=CasePlacement("case-zoe")),
                 lambda s: case_sets.check_item(s, trainee, _new_item(), question_id=None,
                                                placement=CasePlacement("case-zoe"))):
        with platform.transaction() as s, pytest.raises(PermissionDenied):
            call(s)


def test_two_trainers_adding_to_one_set_at_once_get_the_next_two_positions(platform, bank, trainer):
    from tests.integration.test_attempts_concurrency import together

    items = iter([("hygiene-010", "Zoe asks about make-up the next day."),
                  ("hygiene-011", "Zoe asks about a sauna visit after a session.")])

    def add(s):  # noqa: ANN001, ANN202
        qid, stem = next(items)
        return case_sets.save_item(s, trainer, _new_item(id=qid, stem=stem), question_id=None,
                                   placement=CasePlacement("case-zoe"))

    saved = together(platform, add)
    with platform.sessions() as s:
        placed = sorted((_case(s, r.question_id).position, _case(s, r.question_id).size) for r in saved)
        assert placed == [(4, 5), (5, 5)]
        assert case_sets.check_case_sets(s, trainer) == []
        assert {_case(s, i).size for i in ZOE} == {5}
