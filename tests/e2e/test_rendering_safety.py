"""User text is shown as typed, never as markdown, in a real browser: a trainee named
``![t](http://host/x.png) Mallory``, an exam named ``[Renew here](http://host/phish)`` and a cohort whose name
holds a link render as plain text (no <img>, no <a>) in the sidebar, on the exams and home pages, on the
trainer dashboard, in a toast, and on the public verify page."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from quiz.adapters.orm import Cohort, CohortMember, Exam
from quiz.bootstrap import open_platform
from quiz.core.config import Settings
from quiz.domain.scoring import correct_answer
from quiz.services import accounts, attempts, certificates
from quiz.services.bank_sync import sync_bank
from quiz.services.permissions import Actor
from quiz.services.questions import to_question
from tests.e2e.conftest import wait_idle
from tests.factories import make_bank, write_bank_dir

TRAINEE = "![t](http://host/x.png) Mallory"
EXAM = "[Renew here](http://host/phish)"
EXAM2 = "Advanced ![badge](http://host/badge.png)"
COHORT = "Spring [join](http://host/cohort) **now**"
NEW_COHORT = "[Click me](http://host/toast) :red[alarm] $x^2$"


def prepare(tmp_path: Path) -> tuple[str, Path, str]:
    """A cohort and an exam with hostile names, and a trainee with a hostile name who passed it once."""
    bank = make_bank(per_topic=3, with_case=False)
    bank_dir = write_bank_dir(bank, tmp_path / "bank")
    url = f"sqlite:///{tmp_path / 'render.db'}"
    platform = open_platform(Settings(database_url=url, bank_path=bank_dir))
    with platform.transaction() as s:
        sync_bank(s, bank)
        trainer = accounts.create_user(s, None, email="rosa@example.com", name="Rosa Trainer", role="trainer",
                                       password="password123")
        trainee = accounts.create_user(s, None, email="mallory@example.com", name=TRAINEE, role="trainee",
                                       password="correct-horse")
        cohort = Cohort(name=COHORT, invite_code="SPRING27", trainer_id=trainer.id)
        s.add(cohort)
        s.flush()
        s.add(CohortMember(cohort_id=cohort.id, user_id=trainee.id))
        s.add(Exam(name=EXAM, cohort_id=cohort.id, blueprint={"topics": {"spacing": 1, "hygiene": 1}},
                   time_limit_minutes=20, pass_mark=0.5, attempts_allowed=3, wait_hours=0, created_by=trainer.id,
                   review_options={"show_score": True, "show_answers": True, "show_explanations": True}))
        s.add(Exam(name=EXAM2, cohort_id=cohort.id, blueprint={"topics": {"spacing": 1}}, time_limit_minutes=20,
                   pass_mark=0.5, attempts_allowed=1, wait_hours=0, created_by=trainer.id, review_options={}))
        actor = Actor.of(trainee)
    with platform.transaction() as s:
        exam_id = s.query(Exam.id).filter(Exam.name == EXAM).scalar()
        aid = attempts.start_exam(s, actor, exam_id)
        for item in attempts.load_attempt(s, aid).items:
            attempts.save_answer(s, actor, aid, item.position, correct_answer(to_question(item.question_version)))
        attempts.submit(s, actor, aid)
    with platform.sessions() as s:
        code = certificates.code_for_attempt(s, aid)
    platform.engine.dispose()
    assert code
    return url, bank_dir, code


def log_in(page, base: str, email: str, password: str) -> None:  # noqa: ANN001
    page.goto(base)
    wait_idle(page)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).first.fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda u: "/auth/" not in u)
    wait_idle(page)


def no_live_markup(page, where: str) -> None:  # noqa: ANN001
    """Nothing the hostile names hold became an image, a link, colour or a formula."""
    assert page.locator("img[src*='//host']").count() == 0, where
    links = page.locator("a[href*='//host']")
    assert links.count() == 0, (where, [links.nth(i).get_attribute("href") for i in range(links.count())])
    assert page.locator(".katex").count() == 0, where


def go(page, name: str) -> None:  # noqa: ANN001
    page.get_by_role("link", name=name).first.click()
    wait_idle(page)


def test_hostile_names_render_as_text_everywhere(start_app, browser, page, tmp_path):
    url, bank_dir, code = prepare(tmp_path)
    server = start_app(database_url=url, QUIZ_BANK_PATH=str(bank_dir))

    # The trainee: sidebar, home (latest result, certificate), exams page (heading and Start button).
    log_in(page, server.url, "mallory@example.com", "correct-horse")
    expect(page.get_by_text(f"Logged in as {TRAINEE}")).to_be_visible()
    no_live_markup(page, "sidebar and home")
    go(page, "Certification exams")
    expect(page.get_by_role("heading", name=EXAM)).to_be_visible()
    expect(page.get_by_role("heading", name=EXAM2)).to_be_visible()
    expect(page.get_by_role("button", name=f"Start {EXAM2}")).to_be_visible()
    no_live_markup(page, "exams page")

    # The public verify page, in a fresh browser with no session.
    anon = browser.new_context().new_page()
    anon.goto(f"{server.url}/verify?code={code}")
    wait_idle(anon)
    expect(anon.get_by_text(TRAINEE).first).to_be_visible()
    no_live_markup(anon, "verify page")

    # The trainer: dashboard (the attempt detail names the trainee), then a toast naming a new cohort.
    trainer = browser.new_context().new_page()
    log_in(trainer, server.url, "rosa@example.com", "password123")
    go(trainer, "Dashboard")
    expect(trainer.get_by_text(re.compile(re.escape(TRAINEE) + " scored")).first).to_be_visible()
    no_live_markup(trainer, "dashboard")
    go(trainer, "Cohorts and trainees")
    trainer.get_by_text("Create a cohort").click()
    trainer.get_by_label("Cohort name").fill(NEW_COHORT)
    trainer.get_by_role("button", name="Create the cohort").click()
    wait_idle(trainer)
    toast = trainer.get_by_test_id("stToast")
    expect(toast.first).to_be_visible()
    expect(toast.first).to_contain_text(NEW_COHORT)
    no_live_markup(trainer, "cohorts page with its toast")
