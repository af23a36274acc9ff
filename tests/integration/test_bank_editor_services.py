"""The bank editor's services on SQLite and PostgreSQL: new drafts under the next free id, Duplicate, the
draft check the preview relies on, and the YAML tab's errors with line and column."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from quiz.adapters.orm import AuditEvent, QuestionRow
from quiz.domain.bank import question_to_authoring
from quiz.domain.question_form import authoring_from_fields, fields_from_authoring
from quiz.services import bank_admin
from quiz.services.bank_sync import sync_bank
from quiz.services.errors import Conflict, InvalidInput, PermissionDenied
from tests.factories import make_bank, make_question


@pytest.fixture
def bank(platform):  # noqa: ANN001
    b = make_bank(per_topic=3, with_case=False)
    with platform.transaction() as s:
        sync_bank(s, b)
    return b


def _new_item(**extra) -> dict:  # noqa: ANN003
    q = make_question("hygiene-001", objective="hygiene.hygiene-001")
    a = question_to_authoring(q)
    a.pop("id")
    a.pop("status")
    a["stem"] = "Which gloves does a practitioner wear to draw up a cocktail?"
    return {**a, **extra}


def test_a_new_item_is_a_draft_under_the_next_free_id_of_its_topic(platform, bank, trainer):
    with platform.transaction() as s:
        assert bank_admin.next_free_id(s, "hygiene") == "hygiene-004"
        qid = bank_admin.create(s, trainer, _new_item())
    assert qid == "hygiene-004"
    with platform.transaction() as s:
        assert bank_admin.next_free_id(s, "hygiene") == "hygiene-005"
        row = s.get(QuestionRow, qid)
        assert (row.status, row.status_source, row.current_version) == ("draft", "trainer", 1)
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "question_created"))
        assert (event.target, event.actor_id, event.detail["after"]["status"]) == (qid, trainer.id, "draft")
        with pytest.raises(Conflict):  # a taken id is refused, not overwritten
            bank_admin.create(s, trainer, _new_item(id="hygiene-001"))
    with platform.transaction() as s:  # a live status asked for is ignored: new items are drafts
        assert s.get(QuestionRow, bank_admin.create(s, trainer, _new_item(status="live"))).status == "draft"


def test_a_new_item_with_problems_is_refused_with_every_problem_and_nothing_written(platform, bank, trainer):
    with platform.transaction() as s, pytest.raises(InvalidInput, match="key F is out of range"):
        bank_admin.create(s, trainer, _new_item(key="F"))
    with platform.transaction() as s, pytest.raises(InvalidInput, match="unknown topic 'nowhere'"):
        bank_admin.create(s, trainer, _new_item(topic="nowhere", objective=None))
    with platform.sessions() as s:
        assert s.scalar(select(QuestionRow).where(QuestionRow.status == "draft")) is None


def test_duplicate_copies_the_content_into_a_new_draft(platform, bank, trainer):
    with platform.transaction() as s:
        new_id = bank_admin.duplicate(s, trainer, "spacing-002")
    assert new_id == "spacing-004"
    with platform.sessions() as s:
        copy, original = (bank_admin.get_question(s, trainer, i).question for i in (new_id, "spacing-002"))
        assert copy.status == "draft" and copy.stem == original.stem and copy.key == original.key
        assert s.scalar(select(AuditEvent.detail).where(AuditEvent.action == "question_duplicated")) == {
            "copied_from": "spacing-002"}


def test_only_staff_write_items_and_check_draft_writes_nothing(platform, bank, trainee, trainer):
    with platform.transaction() as s, pytest.raises(PermissionDenied):
        bank_admin.create(s, trainee, _new_item())
    with platform.transaction() as s, pytest.raises(PermissionDenied):
        bank_admin.duplicate(s, trainee, "hygiene-001")
    with platform.transaction() as s:
        q = bank_admin.check_draft(s, trainer, _new_item())
        assert q.id == "hygiene-004" and q.status == "draft"
        assert bank_admin.lint_draft(s, trainer, q) == []
    with platform.sessions() as s:
        assert s.get(QuestionRow, "hygiene-004") is None


def test_yaml_errors_name_line_and_column_and_aliases_are_refused():
    with pytest.raises(InvalidInput, match=r"line 3, column 12: .*expected ',' or ']'"):
        bank_admin.parse_item_yaml("type: single\nstem: [unclosed\nexplanation: x\n")
    with pytest.raises(InvalidInput, match="anchors and aliases"):
        bank_admin.parse_item_yaml("a: &x [1, 2]\nb: *x\n")
    with pytest.raises(InvalidInput, match="mapping"):
        bank_admin.parse_item_yaml("- just a list\n")
    assert bank_admin.parse_item_yaml("id: a-001\ntype: single\n") == {"id": "a-001", "type": "single"}


@pytest.mark.parametrize("qtype", ["single", "multiple", "true_false", "ordering", "numeric"])
def test_every_type_goes_through_the_form_and_back_unchanged(qtype):
    key = {"ordering": [2, 0, 3, 1], "multiple": [1, 3]}.get(qtype)
    q = make_question("spacing-001", type=qtype, key=key, tags=["a", "b"], objective="spacing.spacing-001",
                      **({"scoring": "partial"} if qtype in ("multiple", "ordering") else {}))
    authoring = question_to_authoring(q)
    back, problems = authoring_from_fields(fields_from_authoring(authoring))
    assert problems == []
    from quiz.domain.bank import question_from_authoring

    again = question_from_authoring({**back, "status": q.status})
    if qtype == "ordering":  # the form lists the steps in their right order: the same item, options reordered
        assert [again.options[i] for i in again.key] == [q.options[i] for i in q.key]
        assert again.model_dump(exclude={"options", "key"}) == q.model_dump(exclude={"options", "key"})
    else:
        assert again.content_hash() == q.content_hash()
