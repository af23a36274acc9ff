"""The Question bank's form editor in AppTest, for case sets and per-option weights: a new question put into a
case set (its preview shows the scenario as a trainee sees it), a set's scenario changed from one of its
items, an item taken out, a new set started; a weighted multiple-response item written with a weight per
option."""

from __future__ import annotations

from pathlib import Path

import pytest

from quiz.adapters.orm import QuestionRow
from quiz.bootstrap import Platform
from quiz.domain.bank import Option
from quiz.domain.question_form import NEW_CASE
from quiz.services import accounts, bank_admin
from quiz.services.bank_sync import add_version
from quiz.services.permissions import Actor
from tests.factories import make_bank, make_question
from tests.ui.apptest import button, no_trace, open_page, prepare_app, texts
from tests.ui.test_bank_editor import _fill_new_single

ZOE = ("case-zoe-1", "case-zoe-2", "case-zoe-3")


@pytest.fixture
def app_env(sqlite_platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Platform:
    prepare_app(sqlite_platform, make_bank(per_topic=4, with_case=True), tmp_path, monkeypatch)
    return sqlite_platform


@pytest.fixture
def trainer(app_env: Platform) -> Actor:
    with app_env.transaction() as s:
        return Actor.of(accounts.create_user(s, None, email="rosa@example.com", name="Rosa Trainer", role="trainer",
                                             password="password123"))


def _question(platform: Platform, qid: str):  # noqa: ANN202
    with platform.sessions() as s:
        detail = bank_admin.get_question(s, None, qid)
        return detail.question, detail.summary.version


def _edit(at, qid: str) -> None:  # noqa: ANN001
    at.text_input(key="bank_search").input(qid).run()
    at.selectbox(key="bank_item").set_value(qid).run()
    at.toggle(key="bank_edit_open").set_value(True).run()
    no_trace(at)


def test_a_new_question_joins_a_case_set_and_its_preview_shows_the_scenario(app_env, trainer):
    at = open_page(trainer, "bank")
    button(at, "New question").click().run()
    _fill_new_single(at)
    at.checkbox(key="qe_o0_right").check().run()
    at.selectbox(key="qe_case").set_value("case-zoe").run()
    no_trace(at)
    shown = texts(at)
    assert "Zoe, 35, books a course." in shown and "Zoe's course" in shown  # the scenario above the stem
    assert "This item will be item 4 of 4." in shown
    assert "Items: 1. case-zoe-1 (live), 2. case-zoe-2 (live), 3. case-zoe-3 (live)." in shown
    assert "this set is not drawn" in shown  # a draft in the set keeps it out of exams until approved
    button(at, "Create the draft").click().run()
    no_trace(at)
    assert "hygiene-005 created as a draft" in texts(at)
    assert "other item(s) were saved as new versions too: case-zoe-1, case-zoe-2, case-zoe-3" in texts(at)
    q, version = _question(app_env, "hygiene-005")
    assert (q.case.id, q.case.position, q.case.size, version) == ("case-zoe", 4, 4, 1)
    assert [(_question(app_env, i)[0].case.size, _question(app_env, i)[1]) for i in ZOE] == [(4, 2)] * 3
    # the editor reopens on the new item, in its case set
    assert at.selectbox(key="qe_case").value == "case-zoe"
    assert "This item is item 4 of 4." in texts(at)


def test_a_case_sets_scenario_is_changed_from_one_of_its_items(app_env, trainer):
    at = open_page(trainer, "bank")
    _edit(at, "case-zoe-2")
    assert at.selectbox(key="qe_case").value == "case-zoe"
    assert at.text_area(key="qe_case_scenario").value == "Zoe, 35, books a course."
    at.text_area(key="qe_case_scenario").input("Zoe, 36, comes back for a second course.").run()
    no_trace(at)
    assert "Zoe, 36, comes back for a second course." in texts(at)  # the preview shows it at once
    assert "saving gives the set's 2 other item(s) a new version too" in texts(at)
    button(at, "Save as a new version").click().run()
    no_trace(at)
    assert "case-zoe-2 saved as version 2." in texts(at)
    for qid in ZOE:
        q, version = _question(app_env, qid)
        assert (q.case.scenario, version) == ("Zoe, 36, comes back for a second course.", 2)


def test_an_item_is_taken_out_of_its_case_set(app_env, trainer):
    at = open_page(trainer, "bank")
    _edit(at, "case-zoe-3")
    at.selectbox(key="qe_case").set_value("").run()
    no_trace(at)
    assert "Saving takes this item out of the case set case-zoe" in texts(at)
    button(at, "Save as a new version").click().run()
    no_trace(at)
    assert _question(app_env, "case-zoe-3")[0].case is None
    assert [(_question(app_env, i)[0].case.position, _question(app_env, i)[0].case.size) for i in ZOE[:2]] == [
        (1, 2), (2, 2)]


def test_a_live_item_cannot_join_a_set_and_the_check_says_why(app_env, trainer):
    at = open_page(trainer, "bank")
    _edit(at, "hygiene-001")
    at.selectbox(key="qe_case").set_value("case-zoe").run()
    no_trace(at)
    assert "Only a draft joins a case set, and hygiene-001 is live" in texts(at)
    button(at, "Save as a new version").click().run()
    assert "Not saved" in texts(at)
    assert _question(app_env, "hygiene-001")[0].case is None


def test_a_draft_starts_a_new_case_set(app_env, trainer):
    with app_env.transaction() as s:
        draft = bank_admin.duplicate(s, None, "spacing-002")
    at = open_page(trainer, "bank")
    _edit(at, draft)
    at.selectbox(key="qe_case").set_value(NEW_CASE).run()
    at.text_input(key="qe_case_new_id").input("case-omar")
    at.text_input(key="qe_case_title").input("Omar's course")
    at.text_area(key="qe_case_scenario").input("Omar, 50, has a dull complexion.").run()
    no_trace(at)
    assert "Omar, 50, has a dull complexion." in texts(at)
    button(at, "Save as a new version").click().run()
    no_trace(at)
    q, _ = _question(app_env, draft)
    assert q.case.model_dump() == {"id": "case-omar", "title": "Omar's course",
                                   "scenario": "Omar, 50, has a dull complexion.", "position": 1, "size": 1}


def test_a_weighted_item_has_a_weight_per_option_instead_of_a_tick(app_env, trainer):
    at = open_page(trainer, "bank")
    button(at, "New question").click().run()
    _fill_new_single(at)
    at.selectbox(key="qe_type").set_value("multiple").run()
    at.checkbox(key="qe_o0_right").check()
    at.checkbox(key="qe_o1_right").check().run()
    at.radio(key="qe_scoring").set_value("weighted").run()
    no_trace(at)
    assert not [c for c in at.checkbox if c.key and c.key.startswith("qe_o")]  # no ticks: weights
    assert [at.number_input(key=f"qe_o{i}_weight").value for i in range(4)] == [50, 50, 0, 0]  # from the ticks
    at.number_input(key="qe_o0_weight").set_value(70)
    at.number_input(key="qe_o3_weight").set_value(-50).run()
    no_trace(at)
    assert "the right options' weights add up to 120%, not 100% (A 70%, B 50%)" in texts(at)
    assert "The right options add up to 120%" in texts(at)
    at.number_input(key="qe_o1_weight").set_value(30).run()
    no_trace(at)
    shown = texts(at)
    assert "Question 1 of 1" in shown and "Scoring: Weighted: each right option you tick earns its own share" in shown
    button(at, "Create the draft").click().run()
    no_trace(at)
    q, _ = _question(app_env, "hygiene-005")
    assert (q.scoring, q.key, q.weights) == ("weighted", [0, 1], [70.0, 30.0, 0.0, -50.0])
    # the item's page lists the weights
    at.toggle(key="bank_edit_open").set_value(False).run()
    assert "(weight 70%)" in texts(at) and "(weight -50%)" in texts(at)


def test_an_imported_weighted_item_opens_with_its_weights(app_env, trainer):
    options = [Option(text=f"choice {i}", feedback=f"why {i}", weight=w) for i, w in enumerate([60, 40, -100])]
    with app_env.transaction() as s:
        q = make_question("spacing-050", type="multiple", options=options, key=[0, 1], scoring="weighted",
                          status="draft", objective="spacing.spacing-001")
        row = QuestionRow(id=q.id, topic=q.topic, status="draft", status_source="trainer", current_version=0)
        s.add(row)
        s.flush()
        add_version(s, row, q, "import")
    at = open_page(trainer, "bank")
    _edit(at, "spacing-050")
    assert at.radio(key="qe_scoring").value == "weighted"
    assert [at.number_input(key=f"qe_o{i}_weight").value for i in range(3)] == [60, 40, -100]
