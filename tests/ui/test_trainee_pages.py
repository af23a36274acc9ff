"""The trainee pages in Streamlit's AppTest, on a prepared SQLite database and a small hand-made bank.

Each test logs in by putting an Actor in session state (or through the login form) and opens a page through
the app's own "bring me back" switch (``_resume_to``), exactly as a fresh login does.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from quiz.adapters.orm import Attempt, Cohort, Response, User
from quiz.bootstrap import Platform
from quiz.domain.scoring import correct_answer
from quiz.services import accounts, attempts, review
from quiz.services.permissions import Actor
from quiz.services.questions import to_question
from tests.factories import make_bank
from tests.integration import attempt_helpers
from tests.ui.apptest import button, no_trace, open_page, prepare_app, texts


def key_of(platform: Platform, attempt_id: int, position: int):  # noqa: ANN201
    with platform.sessions() as s:
        item = next(i for i in s.get(Attempt, attempt_id).items if i.position == position)
        return correct_answer(to_question(item.question_version))


@pytest.fixture
def app_env(sqlite_platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Platform:
    prepare_app(sqlite_platform, make_bank(per_topic=4, with_case=False), tmp_path, monkeypatch)
    monkeypatch.setattr(review, "ENABLE_FUZZING", False)
    return sqlite_platform


@pytest.fixture
def people(app_env: Platform) -> dict[str, Actor]:
    with app_env.transaction() as s:
        trainer = accounts.create_user(s, None, email="rosa@example.com", name="Rosa Trainer", role="trainer",
                                       password="password123")
        s.add(Cohort(name="Spring", invite_code="SPRING27", trainer_id=trainer.id))
        trainee = accounts.create_user(s, None, email="tia@example.com", name="Tia Trainee", role="trainee",
                                       password="password123")
        return {"trainer": Actor.of(trainer), "trainee": Actor.of(trainee)}


def start_exam(at, name: str = "Foundation certificate") -> None:  # noqa: ANN001
    """Press Start, then confirm."""
    button(at, f"Start {name}").click().run()
    button(at, "Yes, start the exam").click().run()
    no_trace(at)
    assert "**Answered " in texts(at)


def make_exam(platform: Platform, **kw) -> int:  # noqa: ANN003
    """The pages' exam: 'Foundation certificate', 2 spacing + 1 hygiene items, pass mark 60%."""
    blueprint = kw.pop("blueprint", {"topics": {"spacing": 2, "hygiene": 1}})
    return attempt_helpers.make_exam(platform, name="Foundation certificate", topics=blueprint["topics"],
                                     pass_mark=kw.pop("pass_mark", 0.6), **kw)


# -- register, log in ----------------------------------------------------------------------------------------

def test_register_with_an_invite_code_then_log_in(app_env, people):
    at = open_page(None, "register")
    no_trace(at)
    at.text_input(key="reg_code").input("wrong")
    at.text_input(key="reg_name").input("Nia New")
    at.text_input(key="reg_email").input("nia@example.com")
    at.text_input(key="reg_password").input("long-enough-pw")
    at.text_input(key="reg_password2").input("long-enough-pw")
    button(at, "Create my account").click().run()
    assert "invite code is not valid" in texts(at)
    assert "actor" not in at.session_state

    at.text_input(key="reg_code").input("spring27")
    button(at, "Create my account").click().run()
    no_trace(at)
    # Registration does not log in (it must say the same for an email that already has an account): the login
    # form opens with the email filled in and the same words as for any registration.
    assert "actor" not in at.session_state
    assert accounts.REGISTERED_MESSAGE in texts(at)
    assert at.text_input(key="login_email").value == "nia@example.com"
    with app_env.sessions() as s:
        assert s.scalar(select(User.role).where(User.email == "nia@example.com")) == "trainee"


def test_login_form_brings_a_trainee_back_to_their_exam(app_env, people):
    exam = make_exam(app_env)
    with app_env.transaction() as s:
        attempts.start_exam(s, people["trainee"], exam)
        s.get(User, people["trainee"].id).resume_page = "exams"
    at = open_page(None, "login")
    at.text_input(key="login_email").input("tia@example.com")
    at.text_input(key="login_password").input("password123")
    at.button[0].click().run()
    no_trace(at)
    assert "Foundation certificate" in texts(at) and "**Answered " in texts(at)


# -- home ----------------------------------------------------------------------------------------------------

def test_home_offers_the_exam_in_progress_and_the_reviews_due(app_env, people):
    trainee = people["trainee"]
    exam = make_exam(app_env)
    with app_env.transaction() as s:
        attempts.start_exam(s, trainee, exam)
        review.schedule_wrong(s, trainee.id, ["spacing-001"])
    at = open_page(trainee, "home")
    no_trace(at)
    body = texts(at)
    assert "Exam in progress" in body and "Foundation certificate" in body
    assert "**1 question** you missed before is due" in body  # pluralised, not "question(s)"
    button(at, "Resume the exam").click().run()
    no_trace(at)
    assert "**Answered " in texts(at)


def test_home_for_a_newcomer_shows_how_to_get_started(app_env, people):
    at = open_page(people["trainee"], "home")
    no_trace(at)
    assert "Getting started" in texts(at)
    button(at, "Start practising").click().run()
    no_trace(at)
    assert "Pick the topics" in texts(at)


def test_login_and_register_mark_their_password_fields_for_password_managers(app_env, people):
    login = open_page(None, "login")
    assert login.text_input(key="login_password").proto.autocomplete == "current-password"
    reg = open_page(None, "register")
    assert {reg.text_input(key=k).proto.autocomplete for k in ("reg_password", "reg_password2")} == {"new-password"}


# -- practice ------------------------------------------------------------------------------------------------

def test_practice_checks_each_answer_at_once_and_saves_it(app_env, people):
    trainee = people["trainee"]
    at = open_page(trainee, "practice")
    no_trace(at)
    assert at.number_input(key="practice_count").max == 12  # every topic: all the live questions (3 topics of 4)
    assert at.multiselect[0].options == ["Aftercare (4)", "Spacing (4)", "Hygiene (4)"]  # the topics file's order, not A-Z
    at.multiselect[0].set_value(["spacing"]).run()
    assert at.number_input(key="practice_count").max == 4  # capped at what the chosen topics have, not at 50
    at.number_input(key="practice_count").set_value(2)
    button(at, "Start practising").click().run()
    no_trace(at)
    with app_env.sessions() as s:
        aid = s.scalar(select(Attempt.id).where(Attempt.mode == "practice"))
    assert "0 of 2 answered" in texts(at)

    at.radio[0].set_value(key_of(app_env, aid, 0))
    button(at, "Check my answer").click().run()
    no_trace(at)
    body = texts(at)
    # The option's own feedback gives the verdict, so the banner gives the score only (no doubled "Right.").
    assert "You scored 1 of 1 mark." in body and "**Right.**" not in body
    assert "**Why:** Explanation of spacing-" in body and "why option" in body
    # The explanation's source is named (trainees cannot open it, but they learn which it is).
    assert "Source: FAQ (section: Aftercare)" in body
    button(at, "Next question →").click().run()
    wrong = (key_of(app_env, aid, 1) + 1) % 4
    at.radio[0].set_value(wrong)
    button(at, "Check my answer").click().run()
    body = texts(at)
    assert "You scored 0 of 1 mark." in body and "**Not quite.**" not in body
    assert "**Right answer:**" in body and f"why option {wrong}" in body
    with app_env.sessions() as s:
        assert s.scalar(select(Response.id).where(Response.is_correct.is_(False))) is not None
    button(at, "Finish this practice").click().run()
    no_trace(at)
    assert "You finished this practice: 1 of 2 points (50%)" in texts(at)


def test_stopping_a_practice_takes_one_click_and_says_so(app_env, people):
    trainee = people["trainee"]
    with app_env.transaction() as s:
        aid = attempts.start_practice(s, trainee, ["spacing"], 3)
    at = open_page(trainee, "practice")
    at.radio[0].set_value(key_of(app_env, aid, 0))
    button(at, "Check my answer").click().run()
    button(at, "Stop here and see my score").click().run()
    no_trace(at)
    body = texts(at)
    # scored on what was answered; the unseen questions are "not reached" (issue 12), not "1 of 3 (33%)"
    assert ("You stopped this practice after 1 of 3 questions: 1 of 1 point (100%) on the questions you answered. "
            "The other 2 were not reached and count nowhere.") in body
    assert "Review your answers (1 question)" in [e.label for e in at.expander]
    with app_env.sessions() as s:
        assert s.get(Attempt, aid).state == "submitted"


def test_practice_without_a_choice_says_so(app_env, people):
    trainee = people["trainee"]
    with app_env.transaction() as s:
        attempts.start_practice(s, trainee, ["hygiene"], 1)
    at = open_page(trainee, "practice")
    button(at, "Check my answer").click().run()
    no_trace(at)
    assert "Please choose an answer first." in texts(at)


# -- practice and review are closed during an exam -----------------------------------------------------------

EXAM_LOCK = "Finish or submit your exam first: practice and review are closed while an exam is in progress."


@pytest.mark.parametrize("page,start_label", [("practice", "Start practising"), ("review", "Review 1 question now")])
def test_practice_and_review_pages_say_they_are_closed_during_an_exam(app_env, people, page, start_label):
    trainee = people["trainee"]
    exam = make_exam(app_env)
    with app_env.transaction() as s:
        review.schedule_wrong(s, trainee.id, ["spacing-001"])
        attempts.start_practice(s, trainee, ["hygiene"], 1)  # open before the exam: not shown during it
        attempts.start_exam(s, trainee, exam)
    at = open_page(trainee, page)
    no_trace(at)
    body = texts(at)
    assert EXAM_LOCK in body
    labels = [b.label for b in at.button]
    assert start_label not in labels and "Check my answer" not in [b.label for b in at.get("form_submit_button")]
    assert not at.radio  # no question of the open practice is offered
    button(at, "Back to my exam").click().run()
    no_trace(at)
    assert "**Answered " in texts(at)


def test_home_offers_no_practice_or_review_during_an_exam(app_env, people):
    trainee = people["trainee"]
    exam = make_exam(app_env)
    with app_env.transaction() as s:
        review.schedule_wrong(s, trainee.id, ["spacing-001"])
        attempts.start_practice(s, trainee, ["hygiene"], 1)
        attempts.start_exam(s, trainee, exam)
    at = open_page(trainee, "home")
    no_trace(at)
    assert EXAM_LOCK in texts(at)
    labels = [b.label for b in at.button]
    assert "Resume the exam" in labels
    assert not {"Review them now", "Continue practising", "Practise these topics", "Start practising"} & set(labels)


# -- exam ----------------------------------------------------------------------------------------------------

def test_exam_start_answer_flag_navigate_and_submit(app_env, people):
    trainee = people["trainee"]
    make_exam(app_env)
    at = open_page(trainee, "exams")
    no_trace(at)
    assert "Foundation certificate" in texts(at)
    # Starting asks first: it uses an attempt and the clock runs at once; "Not now" starts nothing.
    button(at, "Start Foundation certificate").click().run()
    no_trace(at)
    assert "**Start now?** The clock starts at once (30 minutes) and this uses attempt 1 of 2." in texts(at)
    button(at, "Not now").click().run()
    with app_env.sessions() as s:
        assert s.scalar(select(Attempt.id).where(Attempt.mode == "exam")) is None
    start_exam(at)
    with app_env.sessions() as s:
        aid = s.scalar(select(Attempt.id).where(Attempt.mode == "exam"))

    # Choosing an option saves it at once (no submit button involved)...
    at.radio[0].set_value(key_of(app_env, aid, 0)).run()
    no_trace(at)
    with app_env.sessions() as s:
        assert s.scalar(select(Response.answer).where(Response.attempt_id == aid)) == key_of(app_env, aid, 0)
    # ...no feedback or explanation appears during the exam...
    assert "Explanation of" not in texts(at) and "why option" not in texts(at)
    # ...and flags and moves are saved too.
    at.toggle(key=f"flag_{aid}_0").set_value(True).run()
    button(at, "Next →").click().run()
    with app_env.sessions() as s:
        a = s.get(Attempt, aid)
        assert a.items[0].flagged and a.current_position == 1
    at.radio[0].set_value(key_of(app_env, aid, 1)).run()
    assert "Question 2 of 3" in texts(at)

    # A fresh tab (new session state) shows the same answers.
    again = open_page(trainee, "exams")
    assert again.radio[0].value == key_of(app_env, aid, 1)  # back on question 2, its answer selected

    button(at, "Submit the exam…").click().run()
    body = texts(at)
    assert "Not answered yet: question 3. It scores zero." in body and "Flagged for another look: question 1." in body
    button(at, "Yes, submit my answers").click().run()
    no_trace(at)
    body = texts(at)
    assert "**You passed**" in body and "Your certificate code: **MC-" in body
    links = [b.proto for b in at.get("link_button") if "Download your certificate" in b.proto.label]
    assert len(links) == 1 and links[0].url.startswith("/download/certificate/MC-")  # the PDF route
    with app_env.sessions() as s:
        assert s.get(Attempt, aid).state == "submitted"


def test_an_exam_past_its_deadline_is_shown_as_submitted(app_env, people):
    trainee = people["trainee"]
    exam = make_exam(app_env)
    with app_env.transaction() as s:
        aid = attempts.start_exam(s, trainee, exam, now=datetime.now(UTC) - timedelta(hours=1))
    at = open_page(trainee, "exams")
    no_trace(at)
    assert "**Answered " not in texts(at)
    with app_env.sessions() as s:
        assert s.get(Attempt, aid).state == "expired"
    assert "attempts used 1 of 2" in texts(at)


def test_exam_list_explains_why_an_exam_cannot_be_started(app_env, people):
    make_exam(app_env, opens_at=datetime.now(UTC) + timedelta(days=3))
    at = open_page(people["trainee"], "exams")
    no_trace(at)
    assert "This exam opens on" in texts(at)
    assert not [b for b in at.button if b.label.startswith("Start ")]


# -- results, progress, review, verify -----------------------------------------------------------------------

@pytest.fixture
def finished_exam(app_env, people) -> int:
    trainee = people["trainee"]
    exam = make_exam(app_env, review_options={"show_score": True, "show_answers": False,
                                              "show_explanations": False})
    with app_env.transaction() as s:
        aid = attempts.start_exam(s, trainee, exam)
    with app_env.transaction() as s:
        for pos in range(3):
            attempts.save_answer(s, trainee, aid, pos, key_of(app_env, aid, pos))
        attempts.submit(s, trainee, aid)
    return aid


def test_results_show_score_topics_and_respect_review_options(app_env, people, finished_exam):
    at = open_page(people["trainee"], "results")
    no_trace(at)
    body = texts(at)
    assert "**You passed**" in body and "MC-" in body
    assert at.metric[0].value == "3 / 3"
    assert len(at.dataframe) == 1  # the per-topic table
    assert "not to show the questions and answers" in body
    assert "Explanation of" not in body


def test_progress_shows_charts_and_every_attempt(app_env, people, finished_exam):
    trainee = people["trainee"]
    with app_env.transaction() as s:
        attempts.start_practice(s, trainee, ["hygiene"], 2)
    at = open_page(trainee, "progress")
    no_trace(at)
    assert "Scores over time" in texts(at) and "Mastery by topic" in texts(at)
    charts = at.get("vega_lite_chart")
    assert len(charts) == 2
    import json

    scores, mastery = (json.loads(c.proto.spec) for c in charts)
    x = scores["encoding"]["x"]
    assert x["axis"]["format"] == "%d %b" and x["scale"]["domain"][0]["utc"]  # dates, not seconds
    assert [layer["mark"]["type"] for layer in mastery["layer"]] == ["bar", "text"]  # bars labelled
    assert "Mastery is the share of the marks you earned" in texts(at)
    # each chart has its table (text alternative), then the table of every attempt
    assert {"The scores as a table", "Mastery as a table"} <= {e.label for e in at.expander}
    table = at.dataframe[-1].value
    assert len(table) == 2 and set(table["Kind"]) == {"Exam", "Practice"}


def test_review_serves_due_questions_and_updates_the_schedule(app_env, people):
    trainee = people["trainee"]
    with app_env.transaction() as s:
        review.schedule_wrong(s, trainee.id, ["spacing-002"])
    at = open_page(trainee, "review")
    no_trace(at)
    button(at, "Review 1 question now").click().run()
    no_trace(at)
    with app_env.sessions() as s:
        rid = s.scalar(select(Attempt.id).where(Attempt.mode == "review"))
    at.radio[0].set_value(key_of(app_env, rid, 0))
    button(at, "Check my answer").click().run()
    assert "You scored 1 of 1 mark." in texts(at)
    button(at, "Finish this review").click().run()
    no_trace(at)
    assert "Nothing is due right now" in texts(at)


def test_verify_page_checks_a_code_without_login(app_env, people, finished_exam):
    with app_env.sessions() as s:
        from quiz.adapters.orm import Certificate

        code = s.scalar(select(Certificate.code))
    at = open_page(None, "verify")
    at.text_input(key="verify_code").input(code)
    button(at, "Check").click().run()
    no_trace(at)
    assert "This certificate is valid" in texts(at) and "Tia Trainee" in [t.value for t in at.text]
    at.text_input(key="verify_code").input(code[:-1] + ("0" if code[-1] != "0" else "1"))
    button(at, "Check").click().run()
    assert "No certificate has this code" in texts(at)


# -- ordering items in an exam -------------------------------------------------------------------------------

def one_hygiene_item(platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **question) -> None:  # noqa: ANN003
    """A bank whose only hygiene item is ``make_question("hygiene-001", **question)``."""
    from quiz.domain.bank import Bank
    from tests.factories import make_question

    base = make_bank(per_topic=2, topics=("spacing", "hygiene"), with_case=False)
    bank = Bank(topics=base.topics, sources=base.sources,
                questions=[q for q in base.questions if q.topic == "spacing"]
                + [make_question("hygiene-001", **question)])
    prepare_app(platform, bank, tmp_path, monkeypatch)


@pytest.fixture
def ordering_env(sqlite_platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Platform:
    """One hygiene item only, an ordering item, so an exam on hygiene is that item."""
    from quiz.ui import runtime

    one_hygiene_item(sqlite_platform, tmp_path, monkeypatch, type="ordering", n_options=4, key=[2, 0, 3, 1])
    yield sqlite_platform
    runtime.get_platform.clear()


@pytest.fixture
def multiple_env(sqlite_platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Platform:
    """One hygiene item only, a multiple-response item with partial scoring (right: A, C, E)."""
    from quiz.domain.bank import Option
    from quiz.ui import runtime

    texts_ = ["Keep well hydrated.", "Have a glass of wine.", "Avoid alcohol this evening.",
              "Skip breakfast.", "Come with clean skin.", "Use a rich night cream."]
    options = [Option(text=t, feedback=("Belongs." if i % 2 == 0 else "Does not belong."))
               for i, t in enumerate(texts_)]
    one_hygiene_item(sqlite_platform, tmp_path, monkeypatch, type="multiple", options=options, key=[0, 2, 4],
                     scoring="partial")
    yield sqlite_platform
    runtime.get_platform.clear()


def test_a_partly_built_order_is_saved_at_once_and_shown_again_after_a_reload(ordering_env):
    with ordering_env.transaction() as s:
        trainee = Actor.of(accounts.create_user(s, None, email="tia@example.com", name="Tia Trainee",
                                                role="trainee", password="password123"))
    make_exam(ordering_env, blueprint={"topics": {"hygiene": 1}})
    at = open_page(trainee, "exams")
    start_exam(at)
    with ordering_env.sessions() as s:
        aid = s.scalar(select(Attempt.id).where(Attempt.mode == "exam"))

    assert not at.multiselect  # the ranking control, not a multiselect (whose "Select all" filled the order)
    body = texts(at)
    assert all(f"{letter}. " in body for letter in "ABCD")  # every step listed up front
    assert [sb.label for sb in at.selectbox] == ["Step 1"]  # one position at a time
    step = lambda k: at.selectbox(key=f"exam_{aid}_0_step{k}")  # noqa: E731
    step(0).set_value(2).run()  # the first step placed: saved already
    assert len(step(1).options) == 3  # step 2 offers only the steps not placed yet
    step(1).set_value(0).run()
    no_trace(at)
    assert "your order so far is saved (2 of 4 steps placed)" in texts(at)
    with ordering_env.sessions() as s:
        assert s.scalar(select(Response.answer).where(Response.attempt_id == aid)) == [2, 0]
    step(0).set_value(0).run()  # a step already placed further down: the two swap
    with ordering_env.sessions() as s:
        assert s.scalar(select(Response.answer).where(Response.attempt_id == aid)) == [0, 2]

    again = open_page(trainee, "exams")  # a reload: a new session, the order rebuilt from the database
    no_trace(again)
    assert [again.selectbox(key=f"exam_{aid}_0_step{k}").value for k in range(2)] == [0, 2]
    assert again.selectbox(key=f"exam_{aid}_0_step2").value is None
    assert [b.label for b in again.button if b.key == f"nav_{aid}_0"] == ["1◐"]  # not counted as answered
    assert "◐ order not finished" in texts(again)  # the legend uses the same marker
    button(again, "Submit the exam…").click().run()
    assert "Order not finished: question 1." in texts(again)

    # Placing the remaining steps completes it: the map shows it as answered.
    for k, v in ((2, 3), (3, 1)):
        again.selectbox(key=f"exam_{aid}_0_step{k}").set_value(v).run()
    with ordering_env.sessions() as s:
        assert s.scalar(select(Response.answer).where(Response.attempt_id == aid)) == [0, 2, 3, 1]
    assert [b.label for b in again.button if b.key == f"nav_{aid}_0"] == ["1✓"]
    # Clearing step 2 clears the steps after it (the order is built from the top); "Start the order again"
    # clears it all. Both are saved.
    again.selectbox(key=f"exam_{aid}_0_step1").set_value(None).run()
    no_trace(again)
    with ordering_env.sessions() as s:
        assert s.scalar(select(Response.answer).where(Response.attempt_id == aid)) == [0]
    assert [sb.label for sb in again.selectbox] == ["Step 1", "Step 2"]
    button(again, "Start the order again").click().run()
    with ordering_env.sessions() as s:
        assert s.scalar(select(Response.answer).where(Response.attempt_id == aid)) is None
    assert [sb.label for sb in again.selectbox] == ["Step 1"] and again.selectbox[0].value is None


def test_practice_orders_steps_with_the_ranking_control(ordering_env):
    with ordering_env.transaction() as s:
        trainee = Actor.of(accounts.create_user(s, None, email="tia@example.com", name="Tia Trainee",
                                                role="trainee", password="password123"))
        aid = attempts.start_practice(s, trainee, ["hygiene"], 1)
    at = open_page(trainee, "practice")
    no_trace(at)
    assert not at.multiselect
    key = key_of(ordering_env, aid, 0)
    at.selectbox(key=f"imm_{aid}_0_step0").set_value(key[0]).run()
    button(at, "Check my answer").click().run()
    assert "Please place all 4 steps in order first." in texts(at)
    for k in range(1, 4):
        at.selectbox(key=f"imm_{aid}_0_step{k}").set_value(key[k]).run()
    button(at, "Check my answer").click().run()
    no_trace(at)
    assert "**Right.** You scored 1 of 1 mark." in texts(at)  # no option feedback: the banner says it


def test_multiple_response_feedback_is_rounded_sorted_and_covers_every_option_that_matters(multiple_env):
    with multiple_env.transaction() as s:
        trainee = Actor.of(accounts.create_user(s, None, email="tia@example.com", name="Tia Trainee",
                                                role="trainee", password="password123"))
        aid = attempts.start_practice(s, trainee, ["hygiene"], 1)
        order = s.get(Attempt, aid).items[0].option_order
    at = open_page(trainee, "practice")
    button(at, "Check my answer").click().run()
    assert "Please tick at least one answer first." in texts(at)
    for idx in (2, 0, 3):  # two right (A "hydrated", C "alcohol"), one wrong ("breakfast"), E "clean skin" missed
        at.checkbox(key=f"imm_{aid}_0_{idx}").check()
    button(at, "Check my answer").click().run()
    no_trace(at)
    body = texts(at)
    assert "**Partly right.** You scored 0.33 of 1 mark." in body and "0.333" not in body
    assert ".;" not in body and ".:" not in body
    letter = {idx: "ABCDEF"[pos] for pos, idx in enumerate(order)}
    shown = [m.value.replace("\\", "") for m in at.markdown]  # as read (markdown escapes removed)
    notes = [v for v in shown if "(you ticked it)" in v or "(you did not tick it)" in v]
    assert [n[2] for n in notes] == sorted(letter.values())  # every option, A to Z, marked right or wrong
    assert any("Come with clean skin (you did not tick it): ✗ wrong. Belongs." in n for n in notes)
    assert any("Skip breakfast (you ticked it): ✗ wrong. Does not belong." in n for n in notes)
    assert any("Keep well hydrated (you ticked it): ✓ right. Belongs." in n for n in notes)
    assert any("Use a rich night cream (you did not tick it): ✓ right. Does not belong." in n for n in notes)
    assert "Scoring: Partial credit" in body  # the question states its rule
    yours = next(v for v in shown if v.startswith("**Your answer:**"))
    assert [p.split(". ")[0] for p in yours.removeprefix("**Your answer:** ").split("; ")] == \
        sorted(letter[i] for i in (0, 2, 3))
