"""The exam's time left counts down in the browser (quiz/ui/exam_clock.py): minutes and seconds in the last two
minutes, changing while the server runs nothing (the page's own look at the server is every 15 s), and at
zero the browser asks the server, which submits the attempt and opens its result."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect
from sqlalchemy import select, update

from quiz.adapters.orm import Attempt
from quiz.bootstrap import open_platform
from quiz.core.config import Settings
from tests.e2e.conftest import wait_idle
from tests.e2e.trainee_setup import DESKTOP, prepare, sign_in, start_exam


def _deadline_in(platform, seconds: float) -> None:  # noqa: ANN001
    with platform.transaction() as s:
        aid = s.scalar(select(Attempt.id).where(Attempt.mode == "exam"))
        s.execute(update(Attempt).where(Attempt.id == aid)
                  .values(deadline_at=datetime.now(UTC) + timedelta(seconds=seconds)))


def test_the_time_left_counts_down_in_the_browser_and_time_up_opens_the_result(start_app, browser, tmp_path):
    url, bank_dir = prepare(tmp_path, blueprint={"aftercare": 3})
    server = start_app(database_url=url, QUIZ_BANK_PATH=str(bank_dir))
    platform = open_platform(Settings(database_url=url, bank_path=bank_dir), migrate=False)
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        sign_in(page, server.url)
        page.goto(f"{server.url}/exams")
        wait_idle(page)
        start_exam(page)
        timer = page.get_by_role("timer")
        expect(timer).to_have_attribute("aria-label", "Time left: 30 minutes")

        # 90 seconds left (as if the exam had run that long): the next click draws it, then the browser counts
        _deadline_in(platform, 90)
        page.get_by_role("button", name="Next →").click()
        wait_idle(page)
        expect(timer).to_have_attribute("aria-label", re.compile(r"^Time left: 01:[0-2]\d$"))
        first = timer.get_attribute("aria-label")
        page.wait_for_timeout(2500)  # no click, no server run meanwhile
        assert timer.get_attribute("aria-label") != first, first
        expect(page.get_by_role("alert").filter(has_text="1 minute or less left")).to_have_count(0)

        # 4 seconds left: at zero the browser asks the server, which submits the attempt and opens its result
        _deadline_in(platform, 4)
        page.get_by_role("button", name="← Previous").click()
        wait_idle(page)
        expect(page.get_by_role("alert").filter(has_text="1 minute or less left")).to_be_visible()
        # (sooner than the page's own look at the server, every 15 s, could have found it)
        expect(page.get_by_text("Time ran out: your exam was submitted with 0 saved answers.")).to_be_visible(
            timeout=12_000)
        with platform.transaction() as s:
            assert s.scalar(select(Attempt.state).where(Attempt.mode == "exam")) == "expired"
        assert "Traceback" not in page.content()
    finally:
        context.close()
        platform.engine.dispose()
