"""Bank curation on SQLite and PostgreSQL: browse, approve, retire, edit, import (all or nothing), export."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from quiz.adapters.orm import AuditEvent, QuestionRow, QuestionVersion
from quiz.domain.bank import Bank, Source, SourceRef, Topic
from quiz.services import bank_admin
from quiz.services.bank_sync import sync_bank
from quiz.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tests.factories import make_bank, make_question
from tests.integration.academy import add_attempt, add_trainee, make_cohort, make_exam

SOURCE = SourceRef(id="clinic-faq-article", section="Aftercare")


def _bank(*questions):  # noqa: ANN002
    return Bank(topics=[Topic(id=t, name=t) for t in ("aftercare", "spacing", "hygiene")],
                sources=[Source(id="clinic-faq-article", title="FAQ", sections=["Aftercare"])],
                questions=list(questions))


@pytest.fixture
def bank(platform):  # noqa: ANN001
    questions = [
        make_question("aftercare-001", key=1, tags=["sun"]),
        make_question("aftercare-002", status="draft", review_note="check the wording"),
        make_question("spacing-001", type="multiple", key=[0, 2]),
        make_question("hygiene-001", type="ordering", n_options=3),
    ]
    with platform.transaction() as s:
        sync_bank(s, _bank(*questions))
    return questions


def _count(s, model) -> int:  # noqa: ANN001
    return s.scalar(select(func.count()).select_from(model))


def test_list_and_filter(platform, trainer, bank):  # noqa: ANN001
    with platform.transaction() as s:
        everything = bank_admin.list_questions(s, trainer)
        assert [q.id for q in everything] == ["aftercare-001", "aftercare-002", "hygiene-001", "spacing-001"]
        first = everything[0]
        assert (first.topic, first.type, first.status, first.version, first.origin) == (
            "aftercare", "single", "live", 1, "file")
        assert first.source == "clinic-faq-article | Aftercare" and first.tags == ("sun",)
        assert [q.id for q in bank_admin.list_questions(s, trainer, status="draft")] == ["aftercare-002"]
        assert [q.id for q in bank_admin.list_questions(s, trainer, topic="spacing")] == ["spacing-001"]
        assert [q.id for q in bank_admin.list_questions(s, trainer, type="ordering")] == ["hygiene-001"]
        assert [q.id for q in bank_admin.list_questions(s, trainer, search="SUN")] == ["aftercare-001"]
        assert [q.id for q in bank_admin.list_questions(s, trainer, search="spacing-001 option 2")] == [
            "spacing-001"]
        detail = bank_admin.get_question(s, trainer, "aftercare-001")
        assert detail.authoring["key"] == "B" and [v.version for v in detail.versions] == [1]
        with pytest.raises(NotFound):
            bank_admin.get_question(s, trainer, "nope-001")


def test_approve_survives_a_file_sync(platform, trainer, bank):  # noqa: ANN001
    with platform.transaction() as s:
        summary = bank_admin.approve(s, trainer, "aftercare-002")
        assert (summary.status, summary.status_source) == ("live", "trainer")
        with pytest.raises(Conflict):
            bank_admin.approve(s, trainer, "aftercare-001")
    with platform.transaction() as s:
        sync_bank(s, _bank(*bank))  # the file still says draft
    with platform.transaction() as s:
        assert s.get(QuestionRow, "aftercare-002").status == "live"
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "question_approved"))
        assert (event.actor_id, event.target) == (trainer.id, "aftercare-002")


def test_retire(platform, admin, bank):  # noqa: ANN001
    with platform.transaction() as s:
        assert bank_admin.retire(s, admin, "aftercare-001").status == "retired"
        with pytest.raises(Conflict):
            bank_admin.retire(s, admin, "aftercare-001")
    with platform.transaction() as s:
        sync_bank(s, _bank(*bank))  # the file still says live
    with platform.transaction() as s:
        assert s.get(QuestionRow, "aftercare-001").status == "retired"


def test_edit_makes_a_new_version_and_past_attempts_keep_theirs(platform, trainer, bank):  # noqa: ANN001
    cohort = make_cohort(platform, trainer)
    exam = make_exam(platform, cohort)
    amy = add_trainee(platform, cohort, "amy@example.com")
    attempt_id = add_attempt(platform, amy, exam, {"aftercare-001": 1})
    with platform.transaction() as s:
        authoring = bank_admin.get_question(s, trainer, "aftercare-001").authoring
        authoring["stem"] = "A reworded scenario: what do you advise?"
        authoring["key"] = "C"
        assert bank_admin.edit(s, trainer, "aftercare-001", authoring) == 2
        assert bank_admin.edit(s, trainer, "aftercare-001", authoring) == 2  # unchanged: no new version
    with platform.transaction() as s:
        detail = bank_admin.get_question(s, trainer, "aftercare-001")
        assert detail.question.stem.startswith("A reworded") and detail.question.key == 2
        assert [(v.version, v.origin, v.created_by) for v in detail.versions] == [
            (1, "file", None), (2, "editor", trainer.id)]
        from quiz.adapters.orm import AttemptItem
        shown = s.scalar(select(QuestionVersion.version).join(AttemptItem, AttemptItem.question_version_id ==
                                                              QuestionVersion.id)
                         .where(AttemptItem.attempt_id == attempt_id))
        assert shown == 1


def test_edit_refuses_bad_items(platform, trainer, bank):  # noqa: ANN001
    with platform.transaction() as s:
        authoring = bank_admin.get_question(s, trainer, "aftercare-001").authoring
        with pytest.raises(InvalidInput, match="out of range"):
            bank_admin.edit(s, trainer, "aftercare-001", {**authoring, "key": "F"})
        with pytest.raises(InvalidInput, match="id"):
            bank_admin.edit(s, trainer, "aftercare-001", {**authoring, "id": "aftercare-099"})
        with pytest.raises(InvalidInput, match="Approve or Retire"):
            bank_admin.edit(s, trainer, "aftercare-001", {**authoring, "status": "draft"})
        with pytest.raises(InvalidInput, match="unknown source"):
            bank_admin.edit(s, trainer, "aftercare-001", {**authoring, "source": {"id": "wiki", "section": "x"}})
        with pytest.raises(InvalidInput, match="objective 'spacing.gaps' belongs to topic 'spacing'"):
            bank_admin.edit(s, trainer, "aftercare-001", {**authoring, "objective": "spacing.gaps"})
        assert s.get(QuestionRow, "aftercare-001").current_version == 1


def test_the_editor_shows_the_linters_warnings_for_one_item(platform, trainer, trainee, bank):  # noqa: ANN001
    with platform.transaction() as s:
        authoring = bank_admin.get_question(s, trainer, "aftercare-001").authoring
        bank_admin.edit(s, trainer, "aftercare-001", {**authoring, "stem": "Ola asks about sunbeds next week."})
    with platform.transaction() as s:
        assert bank_admin.lint_warnings(s, trainer, "aftercare-001") == []
        authoring["options"][3]["text"] = "None of the above"
        authoring["stem"] = bank_admin.get_question(s, trainer, "aftercare-002").question.stem + "!"
        bank_admin.edit(s, trainer, "aftercare-001", authoring)
    with platform.transaction() as s:
        warnings = bank_admin.lint_warnings(s, trainer, "aftercare-001")
        assert any(w.startswith("option D is a catch-all") for w in warnings)
        assert any(w.startswith("near-duplicate stem: aftercare-002") for w in warnings)
        with pytest.raises(PermissionDenied):
            bank_admin.lint_warnings(s, trainee, "aftercare-001")


GOOD_GIFT = """\
$CATEGORY: aftercare

// source: clinic-faq-article | Aftercare
::aftercare-050::After treatment the client should use?{=Sunscreen#Yes ~Nothing#No ####Protect the skin.}

::Untitled sun question::What should be avoided for a few days?{=Direct sun ~Water ####Sun.}
"""


def test_import_gift(platform, trainer, bank):  # noqa: ANN001
    with platform.transaction() as s:
        report = bank_admin.import_gift(s, trainer, GOOD_GIFT, source=SOURCE, status="live")
    assert len(report.added) == 2 and report.new_versions == []
    assert any("not an id" in w for w in report.warnings)
    with platform.transaction() as s:
        row = s.get(QuestionRow, "aftercare-050")
        assert (row.status, row.topic) == ("live", "aftercare")
        v = s.scalar(select(QuestionVersion).where(QuestionVersion.question_id == "aftercare-050"))
        assert (v.origin, v.created_by) == ("import", trainer.id)
        # importing the same file again changes nothing
        again = bank_admin.import_gift(s, trainer, GOOD_GIFT, source=SOURCE)
        assert again.added == [] and sorted(again.unchanged) == sorted(report.added)


def test_a_failing_file_imports_nothing(platform, trainer, bank):  # noqa: ANN001
    bad = GOOD_GIFT + "\n::aftercare-051::Match{=a -> 1 =b -> 2}\n\n::aftercare-052::Unknown topic{=a ~b ####e}\n"
    bad = bad.replace("::aftercare-052::", "$CATEGORY: astrology\n\n::aftercare-052::")
    with platform.transaction() as s:
        before = (_count(s, QuestionRow), _count(s, QuestionVersion))
        with pytest.raises(bank_admin.ImportRefused) as err:
            bank_admin.import_gift(s, trainer, bad, source=SOURCE)
        lines = {p.line: p.message for p in err.value.problems}
        assert "matching" in lines[8] and "unknown topic 'astrology'" in lines[12]
        assert "line 8" in str(err.value)
        assert (_count(s, QuestionRow), _count(s, QuestionVersion)) == before


def test_import_gives_known_ids_a_new_version_and_keeps_their_status(platform, trainer, bank):  # noqa: ANN001
    with platform.transaction() as s:
        text = bank_admin.export_gift(s, trainer, ["aftercare-001"])
        text = text.replace("Explanation of aftercare-001.", "A better explanation.")
        report = bank_admin.import_gift(s, trainer, text)  # asks for draft, but the item stays live
        assert report.new_versions == ["aftercare-001"]
        row = s.get(QuestionRow, "aftercare-001")
        assert (row.status, row.current_version) == ("live", 2)


def test_export_import_round_trip_into_a_fresh_database(platform, trainer, bank):  # noqa: ANN001
    with platform.transaction() as s:
        text = bank_admin.export_gift(s, trainer)
        originals = {q.id: q for q in (bank_admin.get_question(s, trainer, i.id).question
                                       for i in bank_admin.list_questions(s, trainer) if i.type != "ordering")}
        assert "hygiene-001" in text.splitlines()[1]  # ordering: listed as not exported
        # wipe the bank and import the file back
        from quiz.adapters.orm import AttemptItem, Response
        s.query(Response).delete()
        s.query(AttemptItem).delete()
        s.query(QuestionVersion).delete()
        s.query(QuestionRow).delete()
        s.flush()
        report = bank_admin.import_gift(s, trainer, text, status="live")
        assert sorted(report.added) == sorted(originals)
        for qid, q in originals.items():
            back = bank_admin.get_question(s, trainer, qid).question
            assert back.model_copy(update={"status": q.status}) == q


def test_export_selected_and_unknown(platform, trainer, bank):  # noqa: ANN001
    with platform.transaction() as s:
        text = bank_admin.export_gift(s, trainer, ["spacing-001"])
        assert "::spacing-001::" in text and "::aftercare-001::" not in text
        assert "// scoring: all_or_nothing" in text
        with pytest.raises(NotFound):
            bank_admin.export_gift(s, trainer, ["nope-001"])


def test_import_aiken(platform, trainer, bank):  # noqa: ANN001
    text = "What should the client avoid?\nA. Sunscreen\nB. Direct sun\nANSWER: B\n"
    with platform.transaction() as s:
        with pytest.raises(bank_admin.ImportRefused, match="topic"):
            bank_admin.import_aiken(s, trainer, text, source=SOURCE)
        report = bank_admin.import_aiken(s, trainer, text, topic="aftercare", source=SOURCE, status="live")
        [qid] = report.added
        row = s.get(QuestionRow, qid)
        assert row.status == "draft"  # placeholders: never live straight away
        with pytest.raises(bank_admin.ImportRefused) as err:
            bank_admin.import_aiken(s, trainer, text + "\nBroken?\nA. x\nANSWER: A\n", topic="aftercare",
                                    source=SOURCE)
        assert err.value.problems[0].line == 6


def test_permissions(platform, trainee, bank):  # noqa: ANN001
    with platform.transaction() as s:
        for call in (lambda: bank_admin.list_questions(s, trainee),
                     lambda: bank_admin.get_question(s, trainee, "aftercare-001"),
                     lambda: bank_admin.approve(s, trainee, "aftercare-002"),
                     lambda: bank_admin.retire(s, trainee, "aftercare-001"),
                     lambda: bank_admin.edit(s, trainee, "aftercare-001", {}),
                     lambda: bank_admin.import_gift(s, trainee, GOOD_GIFT, source=SOURCE),
                     lambda: bank_admin.import_aiken(s, trainee, "", topic="aftercare", source=SOURCE),
                     lambda: bank_admin.export_gift(s, trainee)):
            with pytest.raises(PermissionDenied):
                call()
        assert s.get(QuestionRow, "aftercare-002").status == "draft"


def test_imported_items_survive_a_file_sync(platform, trainer, bank):  # noqa: ANN001
    with platform.transaction() as s:
        bank_admin.import_gift(s, trainer, GOOD_GIFT, source=SOURCE, status="live")
    with platform.transaction() as s:
        sync_bank(s, _bank(*bank))
    with platform.transaction() as s:
        assert s.get(QuestionRow, "aftercare-050").status == "live"


def test_catalogue_comes_from_the_last_sync_not_the_files(platform):  # noqa: ANN001
    with platform.transaction() as s:
        assert bank_admin.load_catalogue(s).topics == frozenset()  # before the first sync: nothing to check
        sync_bank(s, make_bank())
    with platform.transaction() as s:
        cat = bank_admin.load_catalogue(s)
    assert {"aftercare", "spacing", "hygiene"} <= cat.topics
    assert "Aftercare" in cat.sources["clinic-faq-article"]
