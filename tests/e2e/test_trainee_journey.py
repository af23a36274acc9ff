"""The trainee journey in a real browser: register with a cohort code, practise, start an exam, answer,
reload mid-exam (still signed in), find every answer still there, submit, see the result."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import select

from quiz.adapters.orm import Attempt, Cohort, Exam, Response
from quiz.bootstrap import open_platform
from quiz.core.config import Settings
from quiz.services import accounts
from quiz.services.bank_sync import sync_bank
from tests.e2e.conftest import wait_idle
from tests.factories import make_bank, write_bank_dir


def prepare(tmp_path: Path) -> tuple[str, Path]:
    """A database with a trainer, a cohort with an invite code, an exam for it, and a small bank."""
    bank = make_bank(per_topic=4, with_case=False)
    bank_dir = write_bank_dir(bank, tmp_path / "bank")
    url = f"sqlite:///{tmp_path / 'journey.db'}"
    platform = open_platform(Settings(database_url=url, bank_path=bank_dir))
    with platform.transaction() as s:
        sync_bank(s, bank)
        trainer = accounts.create_user(s, None, email="rosa@example.com", name="Rosa Trainer", role="trainer",
                                       password="password123")
        cohort = Cohort(name="Spring 2027", invite_code="SPRING27", trainer_id=trainer.id)
        s.add(cohort)
        s.flush()
        s.add(Exam(name="Foundation certificate", cohort_id=cohort.id,
                   blueprint={"topics": {"spacing": 2, "hygiene": 1}}, time_limit_minutes=20, pass_mark=0.6,
                   attempts_allowed=1, wait_hours=0, created_by=trainer.id,
                   review_options={"show_score": True, "show_answers": True, "show_explanations": True}))
    platform.engine.dispose()
    return url, bank_dir


def nav(page, name: str) -> None:  # noqa: ANN001
    page.get_by_role("link", name=name).first.click()
    wait_idle(page)


def choose_first_option(page, question: str | None = None) -> str:  # noqa: ANN001
    """Click the first option of the question on screen; returns its label. ``question`` ("Question 2 of 3"):
    first wait until the run showing that question has drawn it and ended. (wait_idle alone can return before
    a click's rerun has even started; the previous question's radio group, still on screen, would be clicked.)"""
    if question is not None:
        expect(page.get_by_text(question)).to_be_visible(timeout=15_000)
        wait_idle(page)
    radio = page.get_by_role("radiogroup").first
    label = radio.locator("label").first
    text = label.inner_text().strip()
    label.click()
    wait_idle(page)
    return text


def test_register_practise_sit_reload_resume_and_submit(start_app, page, tmp_path):
    url, bank_dir = prepare(tmp_path)
    server = start_app(database_url=url, QUIZ_BANK_PATH=str(bank_dir))

    # Register with the cohort's invite code.
    page.goto(f"{server.url}/register")
    wait_idle(page)
    page.get_by_label("Invite code").fill("spring27")
    page.get_by_label("Your name").fill("Nia Newcomer")
    page.get_by_label("Email").fill("nia@example.com")
    page.get_by_label("Password (8 characters or more)").fill("correct-horse")
    page.get_by_label("Repeat the password").fill("correct-horse")
    page.get_by_role("button", name="Create my account").click()
    wait_idle(page)
    # Registration never says whether the email had an account, so it does not log in: the login form opens
    # with the email filled in.
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    expect(page.get_by_text("If this email was new here")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value("nia@example.com")
    page.get_by_label("Password", exact=True).first.fill("correct-horse")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda u: "/auth/" not in u)
    wait_idle(page)
    expect(page.get_by_role("heading", name="Welcome, Nia")).to_be_visible()

    # Practise: one question, checked at once with feedback and the explanation.
    nav(page, "Practice")
    page.get_by_role("button", name="Start practising").click()
    wait_idle(page)
    choose_first_option(page)
    page.get_by_role("button", name="Check my answer").click()
    wait_idle(page)
    expect(page.get_by_text("Why:")).to_be_visible()

    # Start the exam and answer two questions (each saved the moment it is chosen).
    nav(page, "Certification exams")
    page.get_by_role("button", name="Start Foundation certificate").click()
    wait_idle(page)
    expect(page.get_by_text("uses attempt 1 of 1")).to_be_visible()
    page.get_by_role("button", name="Yes, start the exam").click()
    wait_idle(page)
    expect(page.get_by_text("Time left")).to_be_visible()
    first = choose_first_option(page)
    expect(page.get_by_role("button", name="1✓")).to_be_visible()  # the server saved it (map updated)
    page.get_by_role("button", name="Next →").click()
    wait_idle(page)
    second = choose_first_option(page, "Question 2 of 3")
    expect(page.get_by_role("button", name="2✓")).to_be_visible()

    # Reload: the session cookie keeps the trainee signed in (no login form), back in the exam on question 2,
    # with both answers kept.
    page.reload()
    wait_idle(page)
    expect(page.get_by_role("heading", name="Log in")).to_have_count(0)
    expect(page.get_by_text("Time left")).to_be_visible()
    expect(page.get_by_text("Question 2 of 3")).to_be_visible()
    expect(page.get_by_role("radio", name=second)).to_be_checked()
    page.get_by_role("button", name="1✓").click()
    wait_idle(page)
    expect(page.get_by_role("radio", name=first)).to_be_checked()

    # Submit (with confirmation) and see the result.
    page.get_by_role("button", name="Submit the exam…").click()
    wait_idle(page)
    expect(page.get_by_text("Not answered yet: question 3.")).to_be_visible()
    page.get_by_role("button", name="Yes, submit my answers").click()
    wait_idle(page)
    expect(page.get_by_role("heading", name="Results")).to_be_visible()
    # The score metric (the by-topic table below it has a "Score" column too, drawn a moment later).
    score = page.get_by_test_id("stMetric").filter(has=page.get_by_text("Score", exact=True))
    expect(score).to_contain_text(re.compile(r"\d+(\.\d+)? / \d+"), timeout=15_000)
    assert "Traceback" not in page.content()

    platform = open_platform(Settings(database_url=url, bank_path=bank_dir), migrate=False)
    with platform.sessions() as s:
        exam_attempt = s.scalar(select(Attempt).where(Attempt.mode == "exam"))
        assert exam_attempt.state == "submitted" and exam_attempt.score is not None
        responses = s.scalars(select(Response).where(Response.attempt_id == exam_attempt.id)).all()
        assert sorted(r.answer is not None for r in responses) == [False, True, True]  # 2 answered, 1 blank
    platform.engine.dispose()
