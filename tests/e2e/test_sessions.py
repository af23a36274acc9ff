"""Sessions in a real browser: a reload, a deep link, a second tab and a server restart keep the user signed in
(mid-exam included, with the time left); the cookie is HttpOnly and SameSite=Lax; logging out in one tab shows
the login form in the other on its next interaction; /login is the login page; the CSP lets the app work."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import select

from quiz.adapters.orm import Cohort
from quiz.bootstrap import open_platform
from quiz.core.config import PROJECT_ROOT, Settings
from quiz.services import accounts, sessions
from tests.e2e.conftest import wait_idle
from tests.e2e.test_trainee_journey import choose_first_option, nav, prepare
from tests.e2e.trainee_setup import start_exam

ARTIFACTS = PROJECT_ROOT / "tests" / "e2e" / "artifacts"


def shot(page, name: str) -> None:  # noqa: ANN001
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"sessions-{name}.png"), full_page=True)


def add_trainee(url: str, bank_dir: Path) -> None:
    platform = open_platform(Settings(database_url=url, bank_path=bank_dir), migrate=False)
    with platform.transaction() as s:
        accounts.create_user(s, None, email="nia@example.com", name="Nia Newcomer", role="trainee",
                             password="correct-horse", cohort_id=s.scalar(select(Cohort.id)))
    platform.engine.dispose()


def log_in(page, base: str, path: str = "") -> None:  # noqa: ANN001
    page.goto(base + path)
    wait_idle(page)
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_label("Email").fill("nia@example.com")
    page.get_by_label("Password", exact=True).first.fill("correct-horse")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda u: "/auth/" not in u)
    wait_idle(page)


def csp_violations(messages: list[str]) -> list[str]:
    # The page icon is a Material symbol fetched from Google's font server: allowed, but offline here.
    return [m for m in messages if "Content Security Policy" in m]


def test_reload_restart_and_second_tab_keep_the_exam_going(start_app, page, tmp_path):
    url, bank_dir = prepare(tmp_path)
    add_trainee(url, bank_dir)
    server = start_app(database_url=url, QUIZ_BANK_PATH=str(bank_dir))
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))

    log_in(page, server.url)
    expect(page.get_by_role("heading", name="Welcome, Nia")).to_be_visible()
    cookie = next(c for c in page.context.cookies() if c["name"] == sessions.COOKIE_NAME)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    assert not cookie["secure"]  # plain http on 127.0.0.1; Secure over HTTPS (see test_http_security)
    assert page.evaluate("document.cookie").find(sessions.COOKIE_NAME) == -1  # scripts cannot read it

    nav(page, "Certification exams")
    start_exam(page)
    expect(page.get_by_text("Time left")).to_be_visible()
    first = choose_first_option(page)
    expect(page.get_by_role("button", name="1✓")).to_be_visible()
    page.get_by_role("button", name="Next →").click()
    wait_idle(page)
    second = choose_first_option(page, "Question 2 of 3")
    expect(page.get_by_role("button", name="2✓")).to_be_visible()

    # Reload mid-exam: still signed in, still in the exam, on question 2 with the answer kept.
    page.reload()
    wait_idle(page)
    expect(page.get_by_text("Time left")).to_be_visible()
    expect(page.get_by_text("Question 2 of 3")).to_be_visible()
    expect(page.get_by_role("radio", name=second)).to_be_checked()
    expect(page.get_by_role("heading", name="Log in")).to_have_count(0)
    shot(page, "after-reload")

    # A second tab on a deep link: signed in there too.
    tab = page.context.new_page()
    tab.goto(server.url + "/exams")
    wait_idle(tab)
    expect(tab.get_by_text("Time left")).to_be_visible()
    tab.close()

    # Restart the server on the same database: the session lives there, so the trainee is still signed in.
    server.process.terminate()
    server.process.wait(timeout=20)
    again = start_app(database_url=url, QUIZ_BANK_PATH=str(bank_dir))
    page.goto(again.url + "/exams")
    wait_idle(page)
    expect(page.get_by_text("Time left")).to_be_visible()
    expect(page.get_by_role("heading", name="Log in")).to_have_count(0)
    page.get_by_role("button", name="1✓").click()
    wait_idle(page)
    expect(page.get_by_role("radio", name=first)).to_be_checked()
    shot(page, "after-restart")
    assert not csp_violations(console), csp_violations(console)
    assert "Traceback" not in page.content()


def test_logout_in_one_tab_shows_the_login_form_in_the_other(start_app, page, tmp_path):
    url, bank_dir = prepare(tmp_path)
    add_trainee(url, bank_dir)
    server = start_app(database_url=url, QUIZ_BANK_PATH=str(bank_dir))
    log_in(page, server.url)
    tab_b = page.context.new_page()
    tab_b.goto(server.url + "/progress")
    wait_idle(tab_b)
    expect(tab_b.get_by_role("heading", name="Log in")).to_have_count(0)

    page.get_by_role("button", name="Log out", exact=True).click()
    page.wait_for_url("**/login?logged_out=1")
    wait_idle(page)
    expect(page.get_by_text("You have logged out.")).to_be_visible()
    assert not [c for c in page.context.cookies() if c["name"] == sessions.COOKIE_NAME]

    # Tab B still shows its page; its next interaction finds the session ended.
    nav(tab_b, "Results")
    expect(tab_b.get_by_role("heading", name="Log in")).to_be_visible()
    expect(tab_b.get_by_text(sessions.ENDED)).to_be_visible()
    shot(tab_b, "other-tab-after-logout")


def test_login_page_address_and_deep_link_after_login(start_app, page, tmp_path):
    url, bank_dir = prepare(tmp_path)
    add_trainee(url, bank_dir)
    server = start_app(database_url=url, QUIZ_BANK_PATH=str(bank_dir))
    page.goto(server.url + "/login")
    wait_idle(page)
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    expect(page.get_by_text("Page not found")).to_have_count(0)

    # A link to a page of the app, followed while signed out: log in, and that page opens.
    log_in(page, server.url, "/exams")
    assert page.url.endswith("/exams")
    expect(page.get_by_role("heading", name="Certification exams")).to_be_visible()
    # /login while signed in: the user's home, not a second login
    page.goto(server.url + "/login")
    wait_idle(page)
    expect(page.get_by_role("heading", name="Welcome, Nia")).to_be_visible()
    # "Log out everywhere" ends this browser's session too
    page.get_by_role("button", name="Log out everywhere").click()
    page.wait_for_url("**/login?logged_out=everywhere")
    wait_idle(page)
    expect(page.get_by_text("You have logged out on every browser and device.")).to_be_visible()
