"""The exam at phone size (390 x 844) in a real browser: the question comes first (its stem and first option in
the first screen, not 2,000 px down under 30 full-width map buttons), the map is a compact wrapping grid in a
panel after it, the time left stays visible after Next and after scrolling to the last option, the phone menu
closes once a page is chosen, 10 minutes left raises an alert, and time-up opens that attempt's result with how
many answers were saved.
Screenshots of home, exam and results go to tests/e2e/artifacts/."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect
from sqlalchemy import select, update

from quiz.adapters.orm import Attempt
from quiz.bootstrap import open_platform
from quiz.core.config import Settings
from tests.e2e.conftest import wait_idle
from tests.e2e.trainee_setup import PHONE, in_viewport, prepare, shot, sign_in, start_exam


def test_phone_exam_question_first_sticky_timer_compact_map_and_time_up(start_app, browser, tmp_path):
    url, bank_dir = prepare(tmp_path, blueprint={"aftercare": 10, "spacing": 10, "hygiene": 10})
    server = start_app(database_url=url, QUIZ_BANK_PATH=str(bank_dir))
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, has_touch=True, is_mobile=True)
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        sign_in(page, server.url)
        expect(page.get_by_role("heading", name="Welcome, Tia")).to_be_visible(timeout=15_000)
        shot(page, "phone-home")

        # The phone menu: open it, choose a page, and it closes by itself.
        page.get_by_test_id("stExpandSidebarButton").click()
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar.get_by_role("link", name="Certification exams")).to_be_visible(timeout=15_000)
        sidebar.get_by_role("link", name="Certification exams").click()
        wait_idle(page)
        expect(page.get_by_role("heading", name="Certification exams")).to_be_visible(timeout=15_000)
        expect(sidebar).to_have_attribute("data-collapsed", "true")

        start_exam(page)
        timer = page.get_by_role("timer")
        expect(timer).to_be_visible(timeout=15_000)
        expect(page.get_by_text("Answered 0 of 30")).to_be_visible(timeout=15_000)

        # Question first: its stem and its first option are on the first screen.
        page.evaluate("window.scrollTo(0, 0)")
        stem = page.get_by_text("Question 1 of 30").locator("xpath=following::p[1]")
        first_option = page.get_by_role("radiogroup").first.locator("label").first
        assert in_viewport(page, stem), stem.bounding_box()
        assert in_viewport(page, first_option), first_option.bounding_box()
        shot(page, "phone-exam")

        # Answer, then Next: the time left is still in view.
        first_option.click()
        wait_idle(page)
        expect(page.get_by_text("Answered 1 of 30")).to_be_visible(timeout=15_000)
        expect(page.get_by_text("Saved ", exact=False).first).to_be_visible(timeout=15_000)
        page.get_by_role("button", name="Next →").click()
        wait_idle(page)
        expect(page.get_by_text("Question 2 of 30")).to_be_visible(timeout=15_000)
        assert in_viewport(page, timer), timer.bounding_box()
        # ...and after scrolling down to the last option.
        last_option = page.get_by_role("radiogroup").first.locator("label").last
        last_option.scroll_into_view_if_needed()
        page.mouse.wheel(0, 300)
        page.wait_for_timeout(200)
        assert in_viewport(page, timer), timer.bounding_box()
        shot(page, "phone-exam-scrolled")

        # The map: after the question, compact buttons that wrap (several per row), not 30 full-width bars.
        map_button = page.get_by_role("button", name="30", exact=True)
        map_button.scroll_into_view_if_needed()
        first_box = page.get_by_role("button", name="1✓", exact=True).bounding_box()
        second_box = page.get_by_role("button", name="2", exact=True).bounding_box()
        assert first_box["width"] < 120 and abs(first_box["y"] - second_box["y"]) < 5, (first_box, second_box)
        assert first_box["y"] > first_option.bounding_box()["y"]  # the map comes after the question
        map_button.click()
        wait_idle(page)
        expect(page.get_by_text("Question 30 of 30")).to_be_visible(timeout=15_000)

        # Nine minutes left (the deadline moved in the database, as extra minutes would): the page picks it up
        # and warns, in an alert that screen readers announce, and the warning stays in view.
        platform = open_platform(Settings(database_url=url, bank_path=bank_dir), migrate=False)
        with platform.transaction() as s:
            aid = s.scalar(select(Attempt.id).where(Attempt.mode == "exam"))
            s.execute(update(Attempt).where(Attempt.id == aid)
                      .values(deadline_at=datetime.now(UTC) + timedelta(minutes=9)))
        alert = page.get_by_role("alert").filter(has_text="10 minutes or less left")
        expect(alert).to_be_visible(timeout=30_000)
        assert in_viewport(page, alert)
        shot(page, "phone-exam-warning")

        # Time-up: move the deadline to a moment ago; the page submits and opens this attempt's result.
        with platform.transaction() as s:
            s.execute(update(Attempt).where(Attempt.id == aid)
                      .values(deadline_at=datetime.now(UTC) - timedelta(seconds=1)))
        platform.engine.dispose()
        expect(page.get_by_text("Time ran out: your exam was submitted with 1 saved answer.")).to_be_visible(
            timeout=30_000)
        wait_idle(page)
        expect(page.get_by_role("heading", name="Results")).to_be_visible(timeout=15_000)
        results_title = page.get_by_role("heading", name="Results")
        assert in_viewport(page, results_title)  # the result opens at the top of the page
        shot(page, "phone-results")
        assert "Traceback" not in page.content()
    finally:
        context.close()
