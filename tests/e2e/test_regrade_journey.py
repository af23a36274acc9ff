"""A trainer fixes a wrong key, in a real browser, on the demo academy: write a new question in the form editor
and approve it; find a suspicious item through the pooled item analysis; open it in the Question bank and fix
its key in the form; preview the regrade, apply it; see the regrade in the audit trail."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from quiz.adapters.db import make_engine, session_factory, transaction
from quiz.adapters.orm import Attempt, AttemptItem, AuditEvent, Exam, QuestionRow, QuestionVersion
from quiz.bootstrap import open_platform, sync_from_files
from quiz.core.config import Settings
from quiz.services import demo, pooled_statistics
from quiz.services.questions import current_questions
from tests.e2e.conftest import wait_idle


def _prepare(tmp_path) -> tuple[str, str, int, str]:  # noqa: ANN001
    """The demo academy; the most suspicious single-answer item, its key, and a module test that showed it."""
    url = f"sqlite:///{tmp_path / 'regrade.db'}"
    platform = open_platform(Settings(database_url=url))
    sync_from_files(platform)
    with platform.transaction() as s:
        report = demo.populate(s, seed=7, trainees=40, days=90)
    with platform.sessions() as s:
        single = {c.question.id: c.question for c in current_questions(s) if c.question.type == "single"}
        target = next(i.question_id for i in pooled_statistics.pooled_items(s, None)
                      if i.question_id in single and i.question_id in report.poor_items)
        exam = s.scalar(select(Exam.name).join(Attempt, Attempt.exam_id == Exam.id)
                        .join(AttemptItem, AttemptItem.attempt_id == Attempt.id)
                        .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
                        .where(QuestionVersion.question_id == target, Exam.name.like("Demo module test%")).limit(1))
    platform.engine.dispose()
    return url, target, int(single[target].key), exam


def _choose(page, label: str, text: str) -> None:  # noqa: ANN001
    """Pick the option of the select box ``label`` whose text contains ``text``."""
    page.get_by_label(label, exact=True).click()
    page.keyboard.type(text)
    option = page.get_by_role("option", name=re.compile(re.escape(text))).first
    expect(option).to_be_visible(timeout=30_000)
    option.click()
    wait_idle(page)


def _tick(page, box) -> None:  # noqa: ANN001
    """Click a Streamlit checkbox (its label takes the click, not the hidden input)."""
    box.locator("xpath=ancestor::label[1]").click()
    wait_idle(page)


def test_regrade_journey(start_app, page, tmp_path):
    url, target, key, exam_name = _prepare(tmp_path)
    server = start_app(database_url=url)
    page.goto(server.url)
    wait_idle(page)
    page.get_by_label("Email").fill(demo.TRAINER_EMAIL)
    page.get_by_label("Password", exact=True).fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    wait_idle(page)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

    # 1. a new question, written in the form, previewed beside it, created as a draft and approved
    page.get_by_role("link", name="Question bank").click()
    wait_idle(page)
    page.get_by_role("button", name="New question").click()
    # the form itself, not just an idle script: wait_idle can return before the click's rerun has started
    expect(page.get_by_label("Stem (the question)")).to_be_visible(timeout=30_000)
    wait_idle(page)
    _choose(page, "Topic", "Aftercare")
    _choose(page, "Learning objective", "aftercare.")
    page.get_by_label("Stem (the question)").fill("A client asks how soon she may go to the gym. What do you advise?")
    page.get_by_label("Stem (the question)").press("Tab")
    answers = [("Wait at least 24 hours", "Right: no strenuous exercise for a day."),
               ("Go straight after the session", "Too soon: sweat and heat irritate the skin."),
               ("Wait a month", "Far longer than needed."),
               ("Only swim, never run", "Swimming is exercise too, and pools carry germs.")]
    for letter, (text, fb) in zip("ABCD", answers):
        page.get_by_label(f"Option {letter}", exact=True).fill(text)
        page.get_by_label(f"Feedback on {letter}", exact=True).fill(fb)
        page.get_by_label(f"Feedback on {letter}", exact=True).press("Tab")
        wait_idle(page)
    page.get_by_label("Explanation (shown after answering)").fill("Avoid strenuous exercise for at least 24 hours.")
    page.get_by_label("Explanation (shown after answering)").press("Tab")
    wait_idle(page)
    _choose(page, "Source", "Clinic article")
    _choose(page, "Source section", "Aftercare")
    _tick(page, page.get_by_role("checkbox", name="Right").first)
    expect(page.get_by_text("As a trainee sees it")).to_be_visible()
    expect(page.get_by_text("Question 1 of 1")).to_be_visible()  # the preview, with the practice widgets
    page.get_by_role("button", name="Create the draft").click()
    wait_idle(page)
    expect(page.get_by_test_id("stAlertContentSuccess").get_by_text(re.compile(r"aftercare-\d+ created as a draft")))\
        .to_be_visible()
    page.get_by_role("button", name="Approve (make live)").click()
    wait_idle(page)
    expect(page.get_by_test_id("stAlertContentSuccess").get_by_text(re.compile(r"is live"))).to_be_visible()

    # 2. the pooled item analysis finds the item whose key looks wrong
    page.get_by_role("link", name="Item analysis").click()
    wait_idle(page)
    page.get_by_text("Pooled over all exams").click()
    wait_idle(page)
    _choose(page, "Item", target)
    expect(page.get_by_text(re.compile("check the key|barely separates")).first).to_be_visible()
    page.get_by_role("button", name="Open it in the Question bank").click()
    wait_idle(page)

    # 3. fix its key in the form: a new version
    expect(page.get_by_role("heading", name="Question bank")).to_be_visible()
    page.get_by_text("Edit this item").click()
    wait_idle(page)
    rights = page.get_by_role("checkbox", name="Right")
    expect(rights.nth(key)).to_be_checked()
    _tick(page, rights.nth(key))
    _tick(page, rights.nth((key + 1) % rights.count()))
    page.get_by_role("button", name="Save as a new version").click()
    wait_idle(page)
    expect(page.get_by_test_id("stAlertContentSuccess").get_by_text(f"{target} saved as version 2")).to_be_visible()

    # 4. dry-run the regrade of a module test that showed it, then apply it
    page.get_by_role("link", name="Regrade and overrides").click()
    wait_idle(page)
    _choose(page, "Exam", exam_name)
    page.get_by_label(re.compile("^Item id")).fill(target)
    page.get_by_label(re.compile("^Item id")).press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Preview the regrade").click()
    wait_idle(page)
    expect(page.get_by_text(re.compile(r"\d+ would change"))).to_be_visible()
    page.get_by_role("button", name="Apply this regrade").click()
    wait_idle(page)
    expect(page.get_by_test_id("stAlertContentSuccess").get_by_text(re.compile(r"Regraded: \d+ attempt"))).to_be_visible()

    # 5. the audit trail shows it
    page.get_by_role("link", name="Audit trail").click()
    wait_idle(page)
    _choose(page, "Action", "regrade_applied")
    expect(page.get_by_text("1 record(s) shown")).to_be_visible()
    assert "Traceback" not in page.content()

    engine = make_engine(server.database_url)
    with transaction(session_factory(engine)) as s:
        assert s.get(QuestionRow, target).current_version == 2
        assert s.scalar(select(AuditEvent.target).where(AuditEvent.action == "regrade_applied")) is not None
        assert s.scalar(select(QuestionRow.status).where(QuestionRow.id.like("aftercare-%"),
                                                         QuestionRow.status_source == "trainer",
                                                         QuestionRow.file_hash.is_(None))) == "live"
    engine.dispose()
