"""Standard setting in a real browser: two raters rate a small pool (each rating saved as it is clicked), the
trainer closes the study, a trainee sits the Angoff exam, and the result shows the attempt's own pass mark.

Pool: spacing-001 and hygiene-001 (the exam draws both). A third rater rated before (70 % and 40 %), so with
the two raters' 80/60 and 75/50 every item has 3 ratings: means 75 % and 50 %, cut score (75 + 50) / 2 = 62.5 %.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from quiz.adapters.orm import Cohort, CohortMember, StandardSettingRating
from quiz.bootstrap import open_platform
from quiz.core.config import Settings
from quiz.services import accounts, exams
from quiz.services import standard_setting as sts
from quiz.services.bank_sync import sync_bank
from quiz.services.permissions import Actor
from tests.e2e.conftest import wait_idle
from tests.e2e.test_certificate_journey import answer_right
from tests.e2e.trainee_setup import start_exam
from tests.factories import make_bank, write_bank_dir


def prepare(tmp_path: Path) -> tuple[str, Path]:
    bank = make_bank(per_topic=1, topics=("spacing", "hygiene"), with_case=False)
    bank_dir = write_bank_dir(bank, tmp_path / "bank")
    url = f"sqlite:///{tmp_path / 'angoff.db'}"
    platform = open_platform(Settings(database_url=url, bank_path=bank_dir))
    with platform.transaction() as s:
        sync_bank(s, bank)
        users = {key: Actor.of(accounts.create_user(s, None, email=f"{key}@example.com", name=name, role=role,
                                                    password="password123"))
                 for key, name, role in (("rosa", "Rosa Trainer", "trainer"), ("ravi", "Ravi Rater", "trainer"),
                                         ("ada", "Ada Admin", "admin"), ("tia", "Tia Trainee", "trainee"))}
        cohort = Cohort(name="Spring 2027", invite_code="SPRING27", trainer_id=users["rosa"].id)
        s.add(cohort)
        s.flush()
        s.add(CohortMember(cohort_id=cohort.id, user_id=users["tia"].id))
        exam = exams.define_exam(s, users["rosa"], cohort_id=cohort.id, name="Angoff certificate",
                                 topics={"spacing": 1, "hygiene": 1}, include_cases=False, pass_mark=0.5,
                                 pass_mark_method="angoff", review_options={"show_score": True})
        study = sts.open_study(s, users["rosa"], exam.id, "Spring panel")
        for key in ("rosa", "ravi", "ada"):
            sts.invite(s, users["rosa"], study.id, f"{key}@example.com")
        sts.save_rating(s, users["ada"], study.id, "spacing-001", 70)
        sts.save_rating(s, users["ada"], study.id, "hygiene-001", 40)
    platform.engine.dispose()
    return url, bank_dir


def log_in(page, url: str, email: str, password: str = "password123") -> None:  # noqa: ANN001
    page.goto(url)
    wait_idle(page)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).first.fill(password)
    page.get_by_role("button", name="Log in").click()
    wait_idle(page)


def rate(page, url: str, email: str, ratings: dict[str, int]) -> None:  # noqa: ANN001
    log_in(page, url, email)
    page.get_by_role("link", name="Rate items (Angoff)").first.click()
    wait_idle(page)
    for n, (qid, value) in enumerate(ratings.items()):
        expect(page.get_by_text(f"Item {n + 1} of 2 · {qid}")).to_be_visible()
        expect(page.get_by_text("Key:").first).to_be_visible()
        page.get_by_role("radiogroup").first.locator("label").filter(
            has_text=re.compile(rf"^{value}%$")).first.click()
        wait_idle(page)
        expect(page.get_by_text(f"Saved: {qid} {value}%.")).to_be_visible()
        if n + 1 < len(ratings):
            page.get_by_role("button", name="Next item").click()
            wait_idle(page)
    expect(page.get_by_text("Round 1: 2 of 2 items rated")).to_be_visible()
    assert "Traceback" not in page.content()


def test_two_raters_then_a_trainee_sees_the_attempts_own_pass_mark(start_app, browser, page, tmp_path):
    url, bank_dir = prepare(tmp_path)
    server = start_app(database_url=url, QUIZ_BANK_PATH=str(bank_dir))

    rate(page, server.url, "rosa@example.com", {"hygiene-001": 60, "spacing-001": 80})
    second = browser.new_context().new_page()
    rate(second, server.url, "ravi@example.com", {"hygiene-001": 50, "spacing-001": 75})
    second.context.close()
    platform = open_platform(Settings(database_url=url, bank_path=bank_dir))
    with platform.sessions() as s:
        assert len(s.query(StandardSettingRating).all()) == 6
    platform.engine.dispose()

    # The trainer closes the study: its ratings become the exam's cut scores.
    page.get_by_role("link", name="Standard setting").first.click()
    wait_idle(page)
    expect(page.get_by_text("62.5%").first).to_be_visible()
    page.get_by_role("button", name="Close the study and adopt its cut scores").click()
    wait_idle(page)
    expect(page.get_by_text("Study closed").first).to_be_visible()

    trainee = browser.new_context().new_page()
    log_in(trainee, server.url, "tia@example.com")
    trainee.get_by_role("link", name="Certification exams").first.click()
    wait_idle(trainee)
    start_exam(trainee, "Angoff certificate")
    answer_right(trainee)
    trainee.get_by_role("button", name="Next →").click()
    wait_idle(trainee)
    answer_right(trainee)
    trainee.get_by_role("button", name="Submit the exam…").click()
    wait_idle(trainee)
    confirm = trainee.get_by_role("button", name="Yes, submit my answers")
    if confirm.count():
        confirm.click()
        wait_idle(trainee)
    trainee.get_by_role("link", name="Results").first.click()
    wait_idle(trainee)
    expect(trainee.get_by_text("pass mark 62.5%, set for the questions you drew")).to_be_visible()
    expect(trainee.get_by_text("You passed")).to_be_visible()
    assert "Traceback" not in trainee.content()
    trainee.context.close()
