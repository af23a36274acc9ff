"""A trainer's day in a real browser: log in, create a cohort, define an exam, see a trainee's result, open
item analysis, import questions from a GIFT file, download an export. The trainees' submitted attempts are prepared in the database (the demo
academy) so that the dashboard and statistics have data."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from quiz.adapters.db import make_engine, session_factory, transaction
from quiz.adapters.orm import Cohort, Exam, QuestionRow
from quiz.bootstrap import open_platform, sync_from_files
from quiz.core.config import Settings
from quiz.services import demo
from tests.e2e.conftest import wait_idle

GOOD_GIFT = """$CATEGORY: hygiene

// source: cocktail-article | Side effects and hygiene
::hygiene-900::Your colleague only wiped the meso gun between two clients. What should happen? {
=Sterilise it thoroughly before the next client.#Right: after every use.
~Carry on; a wipe is enough.#Wrong: a wipe is not sterilisation.
~Ask the next client to sign a waiver.#Wrong: clients cannot waive hygiene.
####Meso guns carry a higher infection risk when not sterilised after each use.
}
"""


def _prepare(tmp_path) -> str:  # noqa: ANN001
    url = f"sqlite:///{tmp_path / 'journey.db'}"
    platform = open_platform(Settings(database_url=url))
    sync_from_files(platform)
    with platform.transaction() as s:
        demo.populate(s, seed=2, trainees=8, days=60)
    platform.engine.dispose()
    return url


def test_trainer_journey(start_app, page, tmp_path):
    server = start_app(database_url=_prepare(tmp_path))
    page.goto(server.url)
    wait_idle(page)
    page.get_by_label("Email").fill(demo.TRAINER_EMAIL)
    page.get_by_label("Password", exact=True).fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    wait_idle(page)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    # a trainee's result: the overview table and the drill-down into one attempt
    expect(page.get_by_text("Mastery by topic")).to_be_visible()
    expect(page.get_by_text("Right answer:").first).to_be_attached()

    # create a cohort
    page.get_by_role("link", name="Cohorts and trainees").click()
    wait_idle(page)
    page.get_by_text("Create a cohort").click()
    page.get_by_label("Cohort name").fill("Browser cohort")
    page.get_by_role("button", name="Create the cohort").click()
    wait_idle(page)
    expect(page.get_by_test_id("stAlertContentSuccess").get_by_text("Cohort 'Browser cohort' created")).to_be_visible()

    # define an exam for it
    page.get_by_role("link", name="Exams").click()
    wait_idle(page)
    page.get_by_label("Exam name").fill("Browser exam")
    page.get_by_label(re.compile(r"^Session spacing and treatment plans \(\d+ live\)")).first.fill("2")
    expect(page.get_by_label("Cohort")).to_have_value("Browser cohort")
    page.get_by_role("button", name="Create the exam").click()
    wait_idle(page)
    # confirmed in a toast (seen wherever the page is scrolled) and in a message on the page
    expect(page.get_by_test_id("stToast").get_by_text("Exam 'Browser exam' created")).to_be_visible()
    expect(page.get_by_test_id("stAlertContentSuccess").get_by_text("Exam 'Browser exam' created")).to_be_visible()
    expect(page.get_by_label("Exam name")).to_have_value("")  # the form starts afresh

    # item analysis of the demo exam
    page.get_by_role("link", name="Item analysis").click()
    wait_idle(page)
    expect(page.get_by_text("first finished attempt of each trainee")).to_be_visible()
    expect(page.get_by_text("Cronbach's alpha")).to_be_visible()

    # import questions from Moodle GIFT: a file with a problem imports nothing and says where; a good one lands
    page.get_by_role("link", name="Question bank").click()
    wait_idle(page)
    page.get_by_text("Import", exact=True).first.click()
    wait_idle(page)
    bad = tmp_path / "bad.gift.txt"
    bad.write_text(GOOD_GIFT + "\n::bad-1::Match each step {=wipe -> clean =autoclave -> sterilise}\n")
    page.locator("input[type=file]").set_input_files(str(bad))
    wait_idle(page)
    page.get_by_role("button", name="Import", exact=True).click()
    wait_idle(page)
    expect(page.get_by_text("Nothing was imported")).to_be_visible()
    bad_line = len(GOOD_GIFT.splitlines()) + 2  # after a blank line
    expect(page.get_by_text(re.compile(rf"line {bad_line}: a matching question"))).to_be_visible()
    good = tmp_path / "good.gift.txt"
    good.write_text(GOOD_GIFT)
    page.locator("input[type=file]").set_input_files(str(good))
    wait_idle(page)
    page.get_by_role("button", name="Import", exact=True).click()
    wait_idle(page)
    expect(page.get_by_text(re.compile("Imported"))).to_be_visible()

    # export results as CSV
    page.get_by_role("link", name="Exports").click()
    wait_idle(page)
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("Download results")).click()
    path = info.value.path()
    content = path.read_text(encoding="utf-8-sig")
    assert content.splitlines()[0].startswith("attempt_id,")
    assert demo.DEMO_DOMAIN in content
    assert "Traceback" not in page.content()

    engine = make_engine(server.database_url)
    with transaction(session_factory(engine)) as s:
        assert s.scalar(select(Cohort.id).where(Cohort.name == "Browser cohort")) is not None
        assert s.scalar(select(Exam.blueprint).where(Exam.name == "Browser exam"))["topics"] == {"spacing": 2}
        assert s.scalar(select(QuestionRow.status).where(QuestionRow.id == "hygiene-900")) == "draft"
        assert s.get(QuestionRow, "bad-1") is None
    engine.dispose()


