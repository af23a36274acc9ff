"""Shared by the phone, keyboard and accessibility browser tests (no tests here): a database with a trainer, a
cohort, a trainee and an exam with every question type, signing in through the form, and screenshots into
tests/e2e/artifacts/ (ignored by git) for a reviewer to look at."""

from __future__ import annotations

from pathlib import Path

from quiz.adapters.orm import Cohort, CohortMember, Exam
from quiz.bootstrap import open_platform
from quiz.core.config import PROJECT_ROOT, Settings
from quiz.domain.bank import Bank
from quiz.services import accounts
from quiz.services.bank_sync import sync_bank
from tests.e2e.conftest import wait_idle
from tests.factories import make_bank, make_question, write_bank_dir

ARTIFACTS = PROJECT_ROOT / "tests" / "e2e" / "artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
TRAINEE = ("tia@example.com", "password123")
TRAINER = ("rosa@example.com", "password123")


def every_type_bank(per_topic: int = 10) -> Bank:
    """Single-answer items in three topics, plus one item of each other type in 'hygiene'."""
    bank = make_bank(per_topic=per_topic, with_case=False)
    extra = [
        make_question("hygiene-tf", type="true_false", key=True),
        make_question("hygiene-mr", type="multiple", key=[0, 2], scoring="partial"),
        make_question("hygiene-ord", type="ordering", n_options=3),
        make_question("hygiene-num", type="numeric", key=7.0, unit="days"),
    ]
    return bank.model_copy(update={"questions": list(bank.questions) + extra})


def prepare(tmp_path: Path, *, blueprint: dict[str, int], minutes: int = 30, bank: Bank | None = None
            ) -> tuple[str, Path]:
    """A database with a trainer (Rosa), a cohort with trainee Tia, and an exam 'Foundation certificate'."""
    bank = bank or make_bank(per_topic=10, with_case=False)
    bank_dir = write_bank_dir(bank, tmp_path / "bank")
    url = f"sqlite:///{tmp_path / 'e2e.db'}"
    platform = open_platform(Settings(database_url=url, bank_path=bank_dir))
    with platform.transaction() as s:
        sync_bank(s, bank)
        trainer = accounts.create_user(s, None, email=TRAINER[0], name="Rosa Trainer", role="trainer",
                                       password=TRAINER[1])
        trainee = accounts.create_user(s, None, email=TRAINEE[0], name="Tia Trainee", role="trainee",
                                       password=TRAINEE[1])
        cohort = Cohort(name="Spring 2027", invite_code="SPRING27", trainer_id=trainer.id)
        s.add(cohort)
        s.flush()
        s.add(CohortMember(cohort_id=cohort.id, user_id=trainee.id))
        s.add(Exam(name="Foundation certificate", cohort_id=cohort.id, blueprint={"topics": blueprint},
                   time_limit_minutes=minutes, pass_mark=0.6, attempts_allowed=3, wait_hours=0,
                   created_by=trainer.id,
                   review_options={"show_score": True, "show_answers": True, "show_explanations": True}))
    platform.engine.dispose()
    return url, bank_dir


def sign_in(page, url: str, who: tuple[str, str] = TRAINEE) -> None:  # noqa: ANN001
    page.goto(f"{url}/login")
    wait_idle(page)
    page.get_by_label("Email").fill(who[0])
    page.get_by_label("Password", exact=True).fill(who[1])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    wait_idle(page)


def start_exam(page, exam: str = "Foundation certificate") -> None:  # noqa: ANN001
    """From the exam list: the exam's Start button, then the confirmation's "Yes, start the exam"."""
    page.get_by_role("button", name=f"Start {exam}").click()
    wait_idle(page)
    page.get_by_role("button", name="Yes, start the exam").click()
    wait_idle(page)


def shot(page, name: str) -> Path:  # noqa: ANN001
    """A full-page screenshot for the reviewer: tests/e2e/artifacts/<name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    wait_idle(page)
    page.wait_for_timeout(800)  # tables and charts draw after the script has run
    page.screenshot(path=str(path), full_page=False)
    return path


def in_viewport(page, locator) -> bool:  # noqa: ANN001
    """The element is inside the visible part of the page (not scrolled away, not under the fold)."""
    box = locator.bounding_box()
    if box is None:
        return False
    height = page.viewport_size["height"]
    return box["y"] >= 0 and box["y"] + box["height"] <= height
