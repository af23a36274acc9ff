"""WCAG 2.2 AA checks in a real browser: axe-core (bundled by axe-playwright-python, no download) finds no
serious or critical violation on any page of either role, at desktop (1366 x 900) and phone (390 x 844) size.
No rule is switched off: a finding is fixed where it comes from (theme colours, markup)."""

from __future__ import annotations

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from quiz.bootstrap import open_platform
from quiz.core.config import Settings
from quiz.services import attempts
from quiz.services.permissions import Actor
from tests.e2e.conftest import wait_idle
from tests.e2e.trainee_setup import DESKTOP, PHONE, TRAINEE, TRAINER, prepare, sign_in, start_exam

SERIOUS = ("serious", "critical")
ANONYMOUS_PAGES = ("login", "register", "verify")
TRAINEE_PAGES = ("home", "practice", "review", "exams", "results", "progress", "account", "verify")
TRAINER_PAGES = ("dashboard", "academy", "cohorts", "exam-setup", "item-analysis", "bank", "exports", "account", "verify")


def _history(url: str, bank_dir: Path) -> None:
    """Tia has a finished practice and a finished exam, so results, progress and the dashboard have content."""
    platform = open_platform(Settings(database_url=url, bank_path=bank_dir), migrate=False)
    with platform.transaction() as s:
        from quiz.adapters.orm import Exam, User

        user = s.query(User).filter_by(email=TRAINEE[0]).one()
        tia = Actor.of(user)
        exam_id = s.query(Exam.id).scalar()
        pid = attempts.start_practice(s, tia, ["spacing"], 3)
        attempts.save_answer(s, tia, pid, 0, 0)
        attempts.submit(s, tia, pid)
        eid = attempts.start_exam(s, tia, exam_id)
        attempts.save_answer(s, tia, eid, 0, 0)
        attempts.submit(s, tia, eid)
    platform.engine.dispose()


def _violations(page) -> list[str]:  # noqa: ANN001
    wait_idle(page)  # and no element left over (faded) from before the last rerun
    page.wait_for_function("!document.querySelector('[data-stale=\"true\"]')")
    found = Axe().run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in found if v.get("impact") in SERIOUS]


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_no_serious_accessibility_violation_on_any_page(start_app, browser, tmp_path, size):
    url, bank_dir = prepare(tmp_path, blueprint={"aftercare": 2, "spacing": 2, "hygiene": 2})
    _history(url, bank_dir)
    server = start_app(database_url=url, QUIZ_BANK_PATH=str(bank_dir))
    problems: dict[str, list[str]] = {}
    for who, pages in ((None, ANONYMOUS_PAGES), (TRAINEE, TRAINEE_PAGES), (TRAINER, TRAINER_PAGES)):
        context = browser.new_context(viewport=DESKTOP if size == "desktop" else PHONE)
        context.set_default_timeout(20_000)
        page = context.new_page()
        try:
            if who is not None:
                sign_in(page, server.url, who)
            for key in pages:
                page.goto(f"{server.url}/{key}")
                page.wait_for_load_state()
                wait_idle(page)
                page.wait_for_timeout(300)
                found = _violations(page)
                if found:
                    problems[f"{who[0] if who else 'anonymous'} /{key}"] = found
            if who == TRAINEE:  # sitting an exam, and its submit dialog
                page.goto(f"{server.url}/exams")
                wait_idle(page)
                start_exam(page)
                page.get_by_role("timer").wait_for()
                if found := _violations(page):
                    problems["trainee sitting the exam"] = found
                page.get_by_role("button", name="Submit the exam…").click()
                page.get_by_role("dialog").wait_for()
                if found := _violations(page):
                    problems["trainee's submit dialog"] = found
        finally:
            context.close()
    assert not problems, "\n".join(f"{k}: {v}" for k, v in problems.items())
