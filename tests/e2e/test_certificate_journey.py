"""The certificate journey in a real browser: a trainee passes an exam, downloads the PDF from the results page
(through the route that checks the session), and the QR code printed on it opens the public verify page, which
says the certificate is valid. The PDF's first page is kept as tests/e2e/artifacts/certificate-journey.png."""

from __future__ import annotations

import re
from pathlib import Path

import pypdfium2
import zxingcpp
from playwright.sync_api import expect

from quiz.adapters.orm import Cohort, CohortMember, Exam
from quiz.bootstrap import open_platform
from quiz.core.config import Settings
from quiz.services import accounts
from quiz.services.bank_sync import sync_bank
from tests.e2e.conftest import wait_idle
from tests.e2e.trainee_setup import start_exam
from tests.factories import make_bank, write_bank_dir

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
NAME = "Łucja Öztürk-Nuñez"


def prepare(tmp_path: Path) -> tuple[str, Path]:
    bank = make_bank(per_topic=3, with_case=False)
    bank_dir = write_bank_dir(bank, tmp_path / "bank")
    url = f"sqlite:///{tmp_path / 'certs.db'}"
    platform = open_platform(Settings(database_url=url, bank_path=bank_dir))
    with platform.transaction() as s:
        sync_bank(s, bank)
        trainer = accounts.create_user(s, None, email="rosa@example.com", name="Rosa Trainer", role="trainer",
                                       password="password123")
        trainee = accounts.create_user(s, None, email="lucja@example.com", name=NAME, role="trainee",
                                       password="correct-horse")
        cohort = Cohort(name="Spring 2027", invite_code="SPRING27", trainer_id=trainer.id)
        s.add(cohort)
        s.flush()
        s.add(CohortMember(cohort_id=cohort.id, user_id=trainee.id))
        s.add(Exam(name="Foundation certificate", cohort_id=cohort.id, blueprint={"topics": {"spacing": 1,
                   "hygiene": 1}}, time_limit_minutes=20, pass_mark=0.5, attempts_allowed=1, wait_hours=0,
                   created_by=trainer.id, validity_months=24,
                   review_options={"show_score": True, "show_answers": False, "show_explanations": False}))
    platform.engine.dispose()
    return url, bank_dir


def answer_right(page) -> None:  # noqa: ANN001
    """Choose the right option of the question on screen (test items: '<id> option <id number mod 4>')."""
    expect(page.get_by_text(re.compile(r"Scenario for [a-z]+-\d{3}")).first).to_be_visible()
    qid = re.search(r"Scenario for ([a-z]+-\d{3})", page.inner_text("body")).group(1)
    right = f"{qid} option {int(qid[-3:]) % 4}"
    page.get_by_role("radiogroup").first.locator("label").filter(has_text=right).first.click()
    wait_idle(page)


def qr_links(pdf: bytes) -> list[str]:
    doc = pypdfium2.PdfDocument(pdf)
    try:
        image = doc[0].render(scale=2).to_pil()
    finally:
        doc.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    image.save(ARTIFACTS / "certificate-journey.png")
    return [b.text for b in zxingcpp.read_barcodes(image)]


def test_pass_download_the_pdf_and_open_its_qr_link(start_app, browser, page, tmp_path):
    url, bank_dir = prepare(tmp_path)
    server = start_app(database_url=url, QUIZ_BANK_PATH=str(bank_dir))

    page.goto(server.url)
    wait_idle(page)
    page.get_by_label("Email").fill("lucja@example.com")
    page.get_by_label("Password", exact=True).first.fill("correct-horse")
    page.get_by_role("button", name="Log in").click()
    wait_idle(page)
    page.get_by_role("link", name="Certification exams").first.click()
    wait_idle(page)
    start_exam(page)
    answer_right(page)
    page.get_by_role("button", name="Next →").click()
    wait_idle(page)
    answer_right(page)
    page.get_by_role("button", name="Submit the exam…").click()
    wait_idle(page)
    confirm = page.get_by_role("button", name="Yes, submit my answers")
    if confirm.count():
        confirm.click()
        wait_idle(page)
    page.get_by_role("link", name="Results").first.click()
    wait_idle(page)
    expect(page.get_by_text("You passed")).to_be_visible()

    # The results page links to the PDF; the route serves it to this signed-in trainee.
    link = page.get_by_role("link", name=re.compile("Download your certificate"))
    expect(link).to_be_visible()
    href = link.get_attribute("href")
    code = re.fullmatch(r"/download/certificate/(MC-[A-Z0-9-]+)\.pdf", href).group(1)
    expect(page.get_by_text(code).first).to_be_visible()
    reply = page.request.get(server.url + href)
    assert reply.status == 200 and reply.headers["content-type"] == "application/pdf"
    pdf = reply.body()
    assert pdf.startswith(b"%PDF")
    anonymous = browser.new_context().request.get(server.url + href)
    assert anonymous.status == 401  # the route checks the session

    # The QR code on it is the verification link: anyone opening it (not logged in) sees the certificate valid.
    links = qr_links(pdf)
    assert links == [f"{server.url}/verify?code={code}"]
    visitor = browser.new_context().new_page()
    visitor.goto(links[0])
    wait_idle(visitor)
    expect(visitor.get_by_text("This certificate is valid.")).to_be_visible()
    expect(visitor.get_by_text(NAME)).to_be_visible()
    expect(visitor.get_by_text("Foundation certificate")).to_be_visible()
    assert "Traceback" not in visitor.content()
    visitor.context.close()
