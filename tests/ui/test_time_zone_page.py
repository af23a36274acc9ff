"""My account's time zone (issue 12) in AppTest: saved, and the exam page shows times in it."""

from __future__ import annotations

from quiz.services import attempts
from tests.integration import attempt_helpers
from tests.ui.apptest import button, no_trace, open_page, texts
from tests.ui.test_trainee_next_steps import env, people  # noqa: F401, F811 (fixtures)


def test_my_account_sets_the_time_zone_times_are_shown_in(env, people):  # noqa: F811
    tia = people["trainee"]
    at = open_page(tia, "account")
    no_trace(at)
    assert "Times are shown in **UTC**" in texts(at)  # no browser zone in AppTest, none saved
    at.selectbox(key="tz_choice").set_value("Asia/Tokyo")
    button(at, "Save the time zone").click().run()
    no_trace(at)
    assert "Times are now shown in Asia/Tokyo." in texts(at)
    from quiz.services import preferences

    with env.sessions() as s:
        assert preferences.time_zone(s, tia) == "Asia/Tokyo"
    exam = attempt_helpers.make_exam(env, name="Foundation certificate", topics={"spacing": 2, "hygiene": 1})
    with env.transaction() as s:
        attempts.start_exam(s, tia, exam)
    at = open_page(tia, "exams")
    no_trace(at)
    assert "JST." in texts(at)  # "The exam ends at 5 Dec 2026, 23:30 JST."

