"""The Question bank's form editor in AppTest: a new question written in the form, previewed as a trainee sees
it with the linter beside it, created as a draft under the next free id; an edit that no longer matches the
search stays in view; Duplicate; YAML errors with line and column."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from quiz.adapters.orm import AuditEvent, QuestionRow
from quiz.bootstrap import Platform
from quiz.services import accounts
from quiz.services.permissions import Actor
from tests.factories import make_bank
from tests.ui.apptest import button, no_trace, open_page, prepare_app, texts


@pytest.fixture
def app_env(sqlite_platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Platform:
    prepare_app(sqlite_platform, make_bank(per_topic=4, with_case=False), tmp_path, monkeypatch)
    return sqlite_platform


@pytest.fixture
def trainer(app_env: Platform) -> Actor:
    with app_env.transaction() as s:
        return Actor.of(accounts.create_user(s, None, email="rosa@example.com", name="Rosa Trainer", role="trainer",
                                             password="password123"))


def _fill_new_single(at) -> None:  # noqa: ANN001
    at.selectbox(key="qe_topic").set_value("hygiene").run()
    at.selectbox(key="qe_objective").set_value("hygiene.hygiene-001").run()
    at.text_area(key="qe_stem").input("A client asks when she may wear make-up again. What do you say?")
    for i, (text, fb) in enumerate([("The next day", "Right: after 24 hours"), ("At once", "Too soon"),
                                    ("After a month", "Far longer than needed"), ("Never again", "Not so")]):
        at.text_input(key=f"qe_o{i}_text").input(text)
        at.text_input(key=f"qe_o{i}_fb").input(fb)
    at.text_area(key="qe_explanation").input("The skin needs a day to settle.")
    at.selectbox(key="qe_source_id").set_value("clinic-faq-article").run()
    at.selectbox(key="qe_section_pick").set_value("Aftercare").run()


def test_a_new_question_is_written_in_the_form_previewed_linted_and_created_as_a_draft(app_env, trainer):
    at = open_page(trainer, "bank")
    no_trace(at)
    button(at, "New question").click().run()
    no_trace(at)
    _fill_new_single(at)
    no_trace(at)
    assert "tick exactly one right option (ticked: none)" in texts(at)
    button(at, "Create the draft").click().run()
    assert "Not saved" in texts(at)
    at.checkbox(key="qe_o0_right").check().run()
    no_trace(at)
    shown = texts(at)
    assert "A client asks when she may wear make-up again" in shown  # the preview, as a trainee sees it
    assert "Question 1 of 1" in shown
    assert "Item writing: absolute word only in distractors" in shown  # 'Never' only in a distractor
    # the trainee's preview: answer and check, nothing recorded
    preview_radio = next(r for r in at.radio if r.key and r.key.startswith("qe_pv_"))
    preview_radio.set_value(0).run()  # option "The next day" (canonical index 0), wherever it is shown
    button(at, "Check this answer").click().run()
    no_trace(at)
    assert "Right: after 24 hours" in texts(at) and "The skin needs a day to settle." in texts(at)
    with app_env.sessions() as s:
        assert s.get(QuestionRow, "hygiene-005") is None  # nothing written yet
    button(at, "Create the draft").click().run()
    no_trace(at)
    assert "hygiene-005 created as a draft" in texts(at)
    with app_env.sessions() as s:
        row = s.get(QuestionRow, "hygiene-005")
        assert (row.status, row.current_version, row.objective) == ("draft", 1, "hygiene.hygiene-001")
        assert s.scalar(select(AuditEvent.action).where(AuditEvent.target == "hygiene-005")) == "question_created"
    assert at.selectbox(key="bank_item").value == "hygiene-005"
    button(at, "Approve (make live)").click().run()
    assert "hygiene-005 is live" in texts(at)


def test_an_edit_that_no_longer_matches_the_search_stays_in_view(app_env, trainer):
    at = open_page(trainer, "bank")
    at.text_input(key="bank_search").input("hygiene-002 option").run()
    assert list(at.dataframe[0].value["Item"]) == ["hygiene-002"]
    at.toggle(key="bank_edit_open").set_value(True).run()
    no_trace(at)
    at.text_input(key="qe_o0_text").input("A reworded first option").run()
    at.text_input(key="qe_o1_text").input("A reworded second option").run()
    at.text_input(key="qe_o2_text").input("A reworded third option").run()
    at.text_input(key="qe_o3_text").input("A reworded fourth option").run()
    button(at, "Save as a new version").click().run()
    no_trace(at)
    assert "hygiene-002 saved as version 2" in texts(at)
    assert list(at.dataframe[0].value["Item"]) == ["hygiene-002"]  # not "0 items"
    assert "kept in view" in texts(at)
    assert at.selectbox(key="bank_item").value == "hygiene-002"
    assert at.text_input(key="qe_o0_text").value == "A reworded first option"  # the editor shows the new version


def test_duplicate_makes_a_draft_under_the_next_free_id(app_env, trainer):
    at = open_page(trainer, "bank")
    at.text_input(key="bank_search").input("aftercare-003").run()
    button(at, "Duplicate").click().run()
    no_trace(at)
    assert "aftercare-005 created as a draft copy of aftercare-003" in texts(at)
    with app_env.sessions() as s:
        assert s.get(QuestionRow, "aftercare-005").status == "draft"


def test_the_yaml_tab_says_line_and_column_and_keeps_the_text(app_env, trainer):
    at = open_page(trainer, "bank")
    at.text_input(key="bank_search").input("hygiene-004").run()
    at.toggle(key="bank_edit_open").set_value(True).run()
    at.radio(key="qe_mode").set_value("yaml").run()
    no_trace(at)
    bad = "type: single\nstem: [unclosed\nexplanation: x\n"
    at.text_area(key="qe_yaml").input(bad)
    button(at, "Save the YAML").click().run()
    no_trace(at)
    assert "not valid YAML: line 3, column" in texts(at), texts(at)
    assert at.text_area(key="qe_yaml").value == bad
    with app_env.sessions() as s:
        assert s.get(QuestionRow, "hygiene-004").current_version == 1


@pytest.mark.parametrize("qtype", ["multiple", "true_false", "ordering", "numeric"])
def test_every_type_has_its_form_and_preview(app_env, trainer, qtype):
    at = open_page(trainer, "bank")
    button(at, "New question").click().run()
    _fill_new_single(at)
    at.selectbox(key="qe_type").set_value(qtype).run()
    no_trace(at)
    if qtype == "multiple":
        at.checkbox(key="qe_o0_right").check()
        at.checkbox(key="qe_o2_right").check().run()
    elif qtype == "true_false":
        at.text_input(key="qe_tf_true").input("Right: it is true.")
        at.text_input(key="qe_tf_false").input("Wrong: it is true.").run()
    elif qtype == "numeric":
        at.number_input(key="qe_num_key").set_value(24)
        at.number_input(key="qe_tolerance").set_value(2)
        at.text_input(key="qe_unit").input("hours").run()
    no_trace(at)
    assert "Question 1 of 1" in texts(at), texts(at)  # complete: the trainee's preview shows
    button(at, "Create the draft").click().run()
    no_trace(at)
    assert "hygiene-005 created as a draft" in texts(at)
    with app_env.sessions() as s:
        from quiz.adapters.orm import QuestionVersion
        from quiz.services.questions import to_question

        version = s.scalar(select(QuestionVersion).where(QuestionVersion.question_id == "hygiene-005"))
        q = to_question(version, "draft")
    assert q.type == qtype
    if qtype == "multiple":
        assert q.key == [0, 2]
    elif qtype == "ordering":
        assert q.key == [0, 1, 2, 3] and q.options[0].text == "The next day"
    elif qtype == "numeric":
        assert (q.key, q.tolerance, q.unit) == (24, 2, "hours")
