"""The trainer pages in Streamlit's AppTest on a SQLite database: each page's main path, and no trace."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from quiz.adapters.orm import Cohort, CohortMember, Exam, ExamOverride, QuestionRow, User
from quiz.bootstrap import Platform
from quiz.services import accounts, demo
from quiz.services.permissions import Actor
from tests.factories import make_bank
from tests.ui.apptest import button, no_trace, open_page, prepare_app, texts


@pytest.fixture
def app_env(sqlite_platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Platform:
    prepare_app(sqlite_platform, make_bank(per_topic=9, with_case=False), tmp_path, monkeypatch)
    return sqlite_platform


@pytest.fixture
def trainer(app_env: Platform) -> Actor:
    with app_env.transaction() as s:
        return Actor.of(accounts.create_user(s, None, email="rosa@example.com", name="Rosa Trainer", role="trainer",
                                             password="password123"))


@pytest.fixture
def demo_trainer(app_env: Platform) -> Actor:
    with app_env.transaction() as s:
        demo.populate(s, seed=5, trainees=6, days=40)
        return Actor.of(s.scalar(select(User).where(User.email == demo.TRAINER_EMAIL)))


def test_cohorts_page_creates_a_cohort_shows_its_code_and_creates_a_trainee(app_env, trainer):
    at = open_page(trainer, "cohorts")
    no_trace(at)
    assert "You have no cohort yet" in texts(at)
    at.text_input(key="new_cohort_name").input("Spring 2027")
    button(at, "Create the cohort").click().run()
    no_trace(at)
    with app_env.sessions() as s:
        cohort = s.scalar(select(Cohort))
    assert cohort.name == "Spring 2027"
    assert f"Its invite code is {cohort.invite_code}" in texts(at)
    assert [c.value for c in at.code] == [cohort.invite_code,  # and the join link that fills it in
                                          f"http://localhost:8501/register?code={cohort.invite_code}"]
    assert [t.value for t in at.toast] == [at.success[0].value]

    at.radio(key="cohort_section").set_value("create").run()
    at.text_input(key="create_name").input("Nia New")
    at.text_input(key="create_email").input("not-an-email")
    at.text_input(key="create_password").input("password123")
    button(at, "Create the account").click().run()
    assert "valid email" in texts(at)
    at.text_input(key="create_name").input("Nia New")
    at.text_input(key="create_email").input("nia@example.com")
    at.text_input(key="create_password").input("password123")
    button(at, "Create the account").click().run()
    no_trace(at)
    assert "Account created for Nia New" in texts(at)
    assert at.radio(key="cohort_section").value == "create"  # still where the trainer was
    with app_env.sessions() as s:
        assert s.scalar(select(CohortMember.user_id)) is not None

    button(at, "Close registration").click().run()
    assert "Registration for Spring 2027 is now closed" in texts(at)
    with app_env.sessions() as s:
        assert s.scalar(select(Cohort.is_open)) is False


def test_exam_setup_refuses_an_impossible_blueprint_then_creates_the_exam(app_env, trainer):
    with app_env.transaction() as s:
        s.add(Cohort(name="Spring", invite_code="SPRING27", trainer_id=trainer.id))
    at = open_page(trainer, "exam-setup")
    no_trace(at)
    # no opening or closing date boxes until their box is ticked
    assert not at.get("date_input") and not at.get("time_input")
    at.checkbox(key="new_exam_opens_on").check().run()
    assert [d.label for d in at.date_input] == ["An opening date (date, UTC)"]
    at.checkbox(key="new_exam_opens_on").uncheck().run()
    assert not at.get("date_input")
    at.text_input(key="new_exam_name").input("Foundation")
    at.number_input(key="new_exam_topic_hygiene").set_value(50)
    button(at, "Create the exam").click().run()
    no_trace(at)
    assert "'Hygiene' needs 50 live item(s) but only 9 are available" in texts(at)
    at.number_input(key="new_exam_topic_hygiene").set_value(3)
    at.number_input(key="new_exam_topic_spacing").set_value(2)
    at.number_input(key="new_exam_pass").set_value(80)
    at.checkbox(key="new_exam_show_explanations").check()
    button(at, "Create the exam").click().run()
    no_trace(at)
    assert "Exam 'Foundation' created for Spring: 5 questions" in texts(at)
    assert [t.value for t in at.toast] == [at.success[0].value]
    # the form starts afresh for the next exam, and the page stays on it
    assert at.text_input(key="new_exam1_name").value == ""  # (new keys: the browser resets only new widgets)
    assert at.number_input(key="new_exam1_topic_hygiene").value == 0
    assert at.radio(key="exam_section").value == "new"
    with app_env.sessions() as s:
        exam = s.scalar(select(Exam))
    assert exam.blueprint["topics"] == {"hygiene": 3, "spacing": 2} and exam.pass_mark == pytest.approx(0.8)
    assert exam.review_options["show_explanations"] is True


def test_exam_setup_grants_extra_minutes_only_then_an_extra_attempt(app_env, demo_trainer):
    at = open_page(demo_trainer, "exam-setup")
    no_trace(at)
    at.radio(key="exam_section").set_value("extra").run()
    assert at.number_input(key="override_attempts").value == 0
    assert at.number_input(key="override_minutes").value == 0
    # minutes only: no extra attempt slips in with them
    at.number_input(key="override_minutes").set_value(10)
    button(at, "Grant").click().run()
    no_trace(at)
    assert "10 extra minutes per attempt on" in texts(at)
    assert "0 extra attempts and 10 extra minutes per attempt" in texts(at)
    with app_env.sessions() as s:
        assert s.execute(select(ExamOverride.extra_attempts, ExamOverride.extra_minutes)).one() == (0, 10)
    # then one attempt: the message says what was just granted and what they have in all
    at.number_input(key="override_attempts").set_value(1)
    button(at, "Grant").click().run()
    no_trace(at)
    assert "Granted" in texts(at) and "1 extra attempt on" in texts(at)
    assert "1 extra attempt and 10 extra minutes per attempt" in texts(at)
    assert at.radio(key="exam_section").value == "extra"  # still on the section the trainer was using
    with app_env.sessions() as s:
        assert s.execute(select(ExamOverride.extra_attempts, ExamOverride.extra_minutes)).one() == (1, 10)
    # nothing at all is refused
    button(at, "Grant").click().run()
    no_trace(at)
    assert "Give at least one extra attempt or some extra minutes" in texts(at)


def test_dashboard_shows_the_cohort_heatmap_trend_and_one_attempt_in_detail(app_env, demo_trainer):
    at = open_page(demo_trainer, "dashboard")
    no_trace(at)
    table = at.dataframe[0].value
    assert len(table) == 3 and {"Best exam", "Status", "Last activity"} <= set(table.columns)
    assert "Mastery by topic" in texts(at) and "Scores over time" in texts(at)
    assert len(at.get("vega_lite_chart")) == 2
    # drill down: the first attempt of the chosen trainee, every answer with the right one
    assert at.selectbox(key="dash_attempt").options
    assert "Right answer:" in texts(at) and "Their answer:" in texts(at)
    # each answer is labelled by the start of its question and its topic's name, not by ids
    labels = [e.label for e in at.expander if e.label.startswith("Q")]  # (and the heatmap's table)
    assert "The heatmap as a table" in [e.label for e in at.expander]
    assert all(re.match(r"Q\d+ \(:(green|orange|red)\[[a-z ]+\]\)\. .{5,80} · (Aftercare|Spacing|Hygiene) · ", lab)
               for lab in labels), labels
    assert not any("(v1," in lab for lab in labels)
    # no emoji in the status column (they render as empty boxes without an emoji font)
    assert set(table["Status"]) <= {"passed", "not passed yet", "no exam yet"}
    # the heatmap and the weakest topics name topics as the bank does
    heat = at.get("vega_lite_chart")[0].proto
    assert any(b"Hygiene" in d.data.data for d in heat.datasets) and b"hygiene" not in heat.datasets[0].data.data
    assert re.search(r"Weakest topics for the cohort: \*\*(Aftercare|Spacing|Hygiene)\*\* \(\d+%\)", texts(at))
    # filter to exams only: every counted attempt is then an exam attempt
    at.selectbox(key="dash_mode").set_value("exam").run()
    no_trace(at)
    overview = at.dataframe[0].value
    assert list(overview["Attempts"]) == list(overview["Exam attempts"])
    assert overview["Attempts"].sum() < table["Attempts"].sum()


def test_dashboard_dates_start_at_all_time_and_can_go_back_to_it(app_env, demo_trainer):
    at = open_page(demo_trainer, "dashboard")
    assert at.selectbox(key="dash_period").value == "all"
    everything = at.dataframe[0].value["Attempts"].sum()
    assert "Active in the last 7 days" in [m.label for m in at.metric]
    # a period long past: nothing counts, and the activity card speaks of those dates, not of the last 7 days
    at.selectbox(key="dash_period").set_value("custom").run()
    no_trace(at)
    at.date_input(key="dash_dates").set_value((date(2001, 1, 1), date(2001, 1, 31))).run()
    no_trace(at)
    assert at.dataframe[0].value["Attempts"].sum() == 0
    cards = {m.label: m.value for m in at.metric}
    assert cards.get("Active in these dates") == "0" and "Active in the last 7 days" not in cards
    # and back to all time
    at.selectbox(key="dash_period").set_value("all").run()
    no_trace(at)
    assert not at.get("date_input")
    assert at.dataframe[0].value["Attempts"].sum() == everything


def test_trainer_pages_are_not_in_a_trainees_menu(app_env):
    with app_env.transaction() as s:
        tia = Actor.of(accounts.create_user(s, None, email="tia@example.com", name="Tia", role="trainee",
                                            password="password123"))
    at = open_page(tia, "dashboard")
    no_trace(at)
    assert "Mastery by topic" not in texts(at) and "Dashboard" not in [t.value for t in at.title]



def test_item_analysis_shows_alpha_items_and_the_first_attempt_basis(app_env, demo_trainer):
    at = open_page(demo_trainer, "item-analysis")
    no_trace(at)
    assert "first finished attempt of each trainee" in texts(at)
    labels = [m.label for m in at.metric]
    assert "Cronbach's alpha" in labels and "Standard error of measurement" in labels
    items = at.dataframe[0].value
    assert len(items) > 5 and {"Facility", "Discrimination", "Efficiency", "Flags"} <= set(items.columns)
    options = at.dataframe[1].value
    assert "Share" in options.columns and len(options) >= 2
    # a few demo trainees: no item has enough answers to be judged, so none is flagged, and the topic has its name
    assert all(re.fullmatch(r"too few answers to judge \(\d\)", f) for f in items["Flags"]), set(items["Flags"])
    assert set(items["Topic"]) <= {"Aftercare", "Spacing", "Hygiene"}
    assert all(re.match(r"[a-z]+-\d+ · \S", o) for o in at.selectbox(key="ia_item").options)  # id and stem
    assert [w.value for w in at.warning] == [f"Only {at.metric[0].value} trainee(s) so far: treat these figures as rough."]
    assert "too few answers to judge this item" in texts(at)
    at.toggle(key="ia_flagged").set_value(True).run()
    no_trace(at)
    assert "No item is flagged among those answered by at least 10 trainees" in texts(at)
    assert len(at.dataframe) == 1  # only the options table of the chosen item


def test_item_analysis_flags_only_items_with_enough_answers():
    from quiz.domain.statistics import Flag, ItemStatistics
    from quiz.ui.pages.item_analysis import flags_text, judged

    fields = {f: None for f in ItemStatistics.__dataclass_fields__}
    few = ItemStatistics(**{**fields, "item_id": "a", "attempts": 4, "flags": [Flag("low", "facility below 20%")]})
    many = ItemStatistics(**{**fields, "item_id": "b", "attempts": 12, "flags": [Flag("low", "facility below 20%")]})
    assert (judged(few), flags_text(few)) == (False, "too few answers to judge (4)")
    assert (judged(many), flags_text(many)) == (True, "facility below 20%")


def test_bank_curation_approves_a_draft_then_retires_it_and_refuses_a_bad_edit(app_env, trainer):
    with app_env.transaction() as s:
        row = s.get(QuestionRow, "hygiene-004")
        row.status, row.status_source = "draft", "trainer"  # (a file-decided status is re-synced at start)
    at = open_page(trainer, "bank")
    no_trace(at)
    at.text_input(key="bank_search").input("hygiene-004").run()
    assert list(at.dataframe[0].value["Item"]) == ["hygiene-004"]
    assert list(at.dataframe[0].value["Topic"]) == ["Hygiene"]  # the topic's name, not its id
    button(at, "Approve (make live)").click().run()
    no_trace(at)
    assert "hygiene-004 is live" in texts(at)
    button(at, "Retire").click().run()
    assert "hygiene-004 is retired" in texts(at)
    with app_env.sessions() as s:
        assert s.get(QuestionRow, "hygiene-004").status == "retired"
    at.toggle(key="bank_edit_open").set_value(True).run()
    at.radio(key="qe_mode").set_value("yaml").run()
    at.text_area(key="qe_yaml").input("type: single\nstem: [unclosed")
    button(at, "Save the YAML").click().run()
    no_trace(at)
    assert "not valid YAML" in texts(at)
    # a refused save keeps the editor open, with the trainer's text and the reason
    assert at.toggle(key="bank_edit_open").value
    assert at.text_area(key="qe_yaml").value == "type: single\nstem: [unclosed"
    # and the section stays where the trainer is, after an action too
    assert at.radio(key="bank_section").value == "browse"


def test_bank_editor_refusing_a_key_out_of_range_keeps_the_editor_open_and_the_text(app_env, trainer):
    at = open_page(trainer, "bank")
    at.text_input(key="bank_search").input("hygiene-004").run()
    at.toggle(key="bank_edit_open").set_value(True).run()
    at.radio(key="qe_mode").set_value("yaml").run()
    original = at.text_area(key="qe_yaml").value
    edited = re.sub(r"(?m)^key: .*$", "key: E", original)
    assert edited != original and "key: E" in edited
    at.text_area(key="qe_yaml").input(edited)
    button(at, "Save the YAML").click().run()
    no_trace(at)
    assert at.error and "out of range" in at.error[0].value, [e.value for e in at.error]
    assert at.toggle(key="bank_edit_open").value
    assert at.text_area(key="qe_yaml").value == edited
    with app_env.sessions() as s:
        assert s.get(QuestionRow, "hygiene-004").current_version == 1


def test_bank_import_without_a_file_asks_for_one(app_env, trainer):
    at = open_page(trainer, "bank")
    no_trace(at)
    at.radio(key="bank_section").set_value("import").run()
    button(at, "Import").click().run()
    assert "Choose a file first." in texts(at)


def test_exports_page_offers_results_for_download(app_env, demo_trainer):
    at = open_page(demo_trainer, "exports")
    no_trace(at)
    assert "row(s)" in texts(at) and "percent columns are 0 to 100" in texts(at)
    # the preview is a static table: no dataframe toolbar with a second 'Download as CSV' of 20 rows
    assert not at.dataframe and 0 < len(at.table[0].value) <= 20
    at.radio(key="export_format").set_value("xlsx").run()
    no_trace(at)
    at.selectbox(key="export_kind").set_value("responses").run()
    no_trace(at)
    assert "question_id" in at.table[0].value.columns and "percent columns" not in texts(at)
