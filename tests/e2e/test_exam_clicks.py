"""What the exam page costs the server, through Streamlit's websocket as a browser tab talks to it (the load
test's client, bench/wsclient.py): an answer or a move reruns the exam's body alone (a fragment), not the whole
page; the page asks to rerun on its own no more often than every CHECK_EVERY seconds (the time left is
counted down in the browser, not redrawn by the server every few seconds); a session ended elsewhere shows the
login form on the very next click, and that click changes nothing."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select
from streamlit.proto.WidgetStates_pb2 import WidgetState

from bench.wsclient import Tab
from quiz.adapters.orm import Exam, Response, User
from quiz.bootstrap import open_platform
from quiz.core.config import Settings
from quiz.services import attempts, sessions
from quiz.services.permissions import Actor
from quiz.ui.pages.exam import CHECK_EVERY
from tests.e2e.trainee_setup import TRAINEE, prepare

pytestmark = pytest.mark.e2e


def test_a_click_reruns_the_exam_body_alone_and_an_ended_session_stops_the_next(start_app, tmp_path):  # noqa: ANN001
    url, bank_dir = prepare(tmp_path, blueprint={"aftercare": 3})
    platform = open_platform(Settings(database_url=url, bank_path=bank_dir), migrate=False)
    with platform.transaction() as s:
        tia = Actor.of(s.scalar(select(User).where(User.email == TRAINEE[0])))
        aid = attempts.start_exam(s, tia, s.scalar(select(Exam.id)))
        token = sessions.create(s, tia.id)
    server = start_app(database_url=url, QUIZ_BANK_PATH=str(bank_dir))

    async def sit() -> None:
        tab = Tab(server.url, f"{sessions.COOKIE_NAME}={token}", page="exams")
        await tab.open()
        try:
            await tab.run()
            assert any(t.startswith("Question 1 of 3") for t in tab.texts), tab.texts
            assert tab.last_run == []  # opening the page: the whole page
            assert tab.rerun_every and min(tab.rerun_every.values()) >= CHECK_EVERY, tab.rerun_every
            page_elements = tab.drawn[""]

            radio = tab.radios[0]
            await tab.run([WidgetState(id=radio.id, string_value=radio.options[0])])
            assert len(tab.last_run) == 1 and tab.last_run[0] == radio.fragment  # the exam's body alone
            assert tab.drawn[""] is page_elements  # nothing outside it was sent again
            assert any(t.startswith("**Answered 1 of 3**") for t in tab.texts), tab.texts
            nxt = next(b for b in tab.buttons if b.label.startswith("Next"))
            await tab.run([WidgetState(id=nxt.id, trigger_value=True)])
            assert tab.last_run == [nxt.fragment] and any(t.startswith("Question 2 of 3") for t in tab.texts)
            assert not tab.errors, tab.errors

            with platform.transaction() as s:  # logged out elsewhere ("log out everywhere", a password reset...)
                sessions.revoke(s, token)
            radio = tab.radios[0]
            await tab.run([WidgetState(id=radio.id, string_value=radio.options[0])])
            assert tab.last_run == []  # the whole page, which shows the login form and why
            assert "Log in" in tab.texts and sessions.ENDED in tab.texts, tab.texts
            assert not tab.radios
        finally:
            await tab.close()

    # on a thread of its own: a browser test run before this one in the same worker leaves Playwright's event
    # loop running on the main thread, where asyncio.run() refuses to start
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, sit()).result()
    with platform.transaction() as s:  # question 1's answer is saved; the click after the logout saved nothing
        saved = s.scalars(select(Response).where(Response.attempt_id == aid)).all()
        assert [r.version for r in saved] == [1]
    platform.engine.dispose()
