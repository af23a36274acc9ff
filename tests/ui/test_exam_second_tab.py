"""Two tabs on the same exam question (AppTest): a tab shows the answer saved in the other on its next run, and a
change made in a tab that still showed an older answer is refused with "changed in another window — reloaded"."""

from __future__ import annotations

from sqlalchemy import select

from quiz.adapters.orm import Attempt, Response
from quiz.services.questions import to_question
from tests.ui import test_trainee_pages as pages
from tests.ui.apptest import button, no_trace, open_page, texts

app_env = pages.app_env  # the trainee pages' fixtures: a prepared database, a trainer and a trainee
people = pages.people
key_of, make_exam, start_exam = pages.key_of, pages.make_exam, pages.start_exam


def test_a_second_tab_shows_the_newer_answer_and_its_stale_save_is_refused(app_env, people):
    trainee = people["trainee"]
    make_exam(app_env)
    tab_a = open_page(trainee, "exams")
    start_exam(tab_a)
    with app_env.sessions() as s:
        aid = s.scalar(select(Attempt.id).where(Attempt.mode == "exam"))
    right, q = key_of(app_env, aid, 0), None
    with app_env.sessions() as s:
        item = next(i for i in s.get(Attempt, aid).items if i.position == 0)
        q = to_question(item.question_version)
    wrong = (right + 1) % len(q.options)
    tab_b = open_page(trainee, "exams")  # a second tab, open on the same question, nothing saved yet
    assert tab_b.radio[0].value is None

    tab_a.radio[0].set_value(right).run()  # tab A saves an answer
    no_trace(tab_a)
    # Tab B has not seen it; its change is based on the older (empty) answer: refused, and it reloads.
    tab_b.radio[0].set_value(wrong).run()
    no_trace(tab_b)
    assert "changed in another window — reloaded" in texts(tab_b)
    assert tab_b.radio[0].value == right  # it shows what is saved
    with app_env.sessions() as s:
        assert s.scalar(select(Response.answer).where(Response.attempt_id == aid)) == right
    # Now that it shows the saved answer, tab B may change it.
    tab_b.radio[0].set_value(wrong).run()
    with app_env.sessions() as s:
        assert s.scalar(select(Response.answer).where(Response.attempt_id == aid)) == wrong
    # Tab A, on its next run, shows what tab B saved instead of its own older choice.
    button(tab_a, "Next →").click().run()
    button(tab_a, "← Previous").click().run()
    assert tab_a.radio[0].value == wrong
