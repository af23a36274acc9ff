"""The app starts with `streamlit run` on a fresh database and shows the first-run page in Chromium."""

from playwright.sync_api import expect

from tests.e2e.conftest import SETUP_CODE, wait_idle


def test_fresh_database_shows_first_run_page_and_creates_the_first_trainer(start_app, page):
    server = start_app()
    page.goto(server.url)
    wait_idle(page)
    expect(page.get_by_role("heading", name="Welcome: set up your training platform")).to_be_visible()

    # A wrong code is refused with a message, no account is made.
    page.get_by_label("Set-up code").fill("WRONGCODE")
    page.get_by_label("Your name").fill("Rosa Trainer")
    page.get_by_label("Email").fill("rosa@example.com")
    page.get_by_label("Password (8 characters or more)").fill("correct-horse")
    page.get_by_label("Repeat the password").fill("correct-horse")
    page.get_by_role("button", name="Create the trainer account").click()
    wait_idle(page)
    expect(page.get_by_text("That set-up code is not right")).to_be_visible()

    page.get_by_label("Set-up code").fill(SETUP_CODE)
    page.get_by_role("button", name="Create the trainer account").click()
    wait_idle(page)
    expect(page.get_by_text("Logged in as")).to_be_visible()
    assert "Traceback" not in page.content()
