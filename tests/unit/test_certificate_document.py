"""The PDF certificate: its text (read back with pypdf) holds the facts, its QR code (rendered with pypdfium2
and decoded with zxing-cpp) holds the verification link, and names in any script print or say they cannot."""

from __future__ import annotations

import io
import os
from datetime import UTC, datetime
from pathlib import Path

import pypdf
import pypdfium2
import pytest
import zxingcpp

from quiz.adapters.certificate_document import MISSING_NOTE, CertificateFacts, render_certificate_pdf

CODE = "MC-7KQ2-M9XR-4T8P-2HVD"
URL = f"https://meso.example.com/verify?code={CODE}"
ARTIFACTS = Path(__file__).resolve().parents[1] / "e2e" / "artifacts"


def facts(**changes) -> CertificateFacts:  # noqa: ANN003
    base = dict(holder="Amira Haddad", exam="Foundation certificate", score_percent=0.826,
                issued_at=datetime(2027, 3, 4, 10, 0, tzinfo=UTC), expires_at=datetime(2029, 3, 4, 10, 0, tzinfo=UTC),
                code=CODE, academy="Lisbon Aesthetics Academy", signatory="Dr Rita Sousa", verify_url=URL)
    base.update(changes)
    return CertificateFacts(**base)


def text_of(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return " ".join(reader.pages[0].extract_text().split())


def first_page_image(pdf: bytes, scale: float = 2.0):  # noqa: ANN201 - a PIL image
    doc = pypdfium2.PdfDocument(pdf)
    try:
        return doc[0].render(scale=scale).to_pil()
    finally:
        doc.close()


def test_the_pdf_text_holds_name_exam_score_dates_code_academy_and_signatory() -> None:
    pdf = render_certificate_pdf(facts())
    assert pdf.startswith(b"%PDF")
    text = text_of(pdf)
    for fact in ("Amira Haddad", "Foundation certificate", "83%", "4 March 2027", "valid until 4 March 2029", CODE,
                 "Lisbon Aesthetics Academy", "Dr Rita Sousa", URL):
        assert fact in text, fact
    box = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4 landscape, in points


def test_a_certificate_without_expiry_says_so() -> None:
    assert "does not expire" in text_of(render_certificate_pdf(facts(expires_at=None)))


def test_the_qr_code_decodes_to_the_verification_url() -> None:
    image = first_page_image(render_certificate_pdf(facts()))
    found = [b.text for b in zxingcpp.read_barcodes(image) if b.format == zxingcpp.BarcodeFormat.QRCode]
    assert found == [URL]


@pytest.mark.parametrize("name", ["Zoë Ðorđević-Łukasiewicz", "Şükrü Çağlayan Öztürk", "Żaneta Gęś Íñiguez"])
def test_names_with_accents_polish_and_turkish_letters_print_as_they_are(name: str) -> None:
    text = text_of(render_certificate_pdf(facts(holder=name)))
    assert name in text and "?" not in text.replace(URL, "") and MISSING_NOTE[:30] not in text


def test_a_name_in_another_script_does_not_crash_and_the_document_says_so(monkeypatch) -> None:  # noqa: ANN001
    from quiz.adapters import certificate_document

    monkeypatch.setattr(certificate_document, "FALLBACK_FONTS", ())  # as on a machine without CJK fonts
    text = text_of(render_certificate_pdf(facts(holder="王小明 (Wang Xiaoming)")))
    assert "??? (Wang Xiaoming)" in text
    assert "cannot be printed" in text and "exactly as registered" in text
    assert CODE in text


def test_markup_in_names_is_printed_as_text() -> None:
    text = text_of(render_certificate_pdf(facts(holder="[Renew here](http://evil.example) <b>x</b>")))
    assert "[Renew here](http://evil.example) <b>x</b>" in text


def test_without_a_public_address_the_document_points_to_the_verify_page() -> None:
    text = text_of(render_certificate_pdf(facts(verify_url=None)))
    assert "Verify a certificate" in text and "http" not in text


def test_a_revoked_certificate_says_so_on_the_document() -> None:
    assert "REVOKED ON 1 APRIL 2027" in text_of(render_certificate_pdf(facts(status_note="Revoked on 1 April 2027")))


def test_render_the_example_png_for_the_readme() -> None:
    """Writes tests/e2e/artifacts/certificate-example.png (the README's picture is a copy of it:
    docs/certificate-example.png; refresh it with QUIZ_WRITE_DOCS=1)."""
    image = first_page_image(render_certificate_pdf(facts(holder="Amira Haddad-Łukasiewicz")), scale=1.5)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    image.save(ARTIFACTS / "certificate-example.png")
    if os.environ.get("QUIZ_WRITE_DOCS") == "1":
        docs = Path(__file__).resolve().parents[2] / "docs"
        docs.mkdir(exist_ok=True)
        image.save(docs / "certificate-example.png", optimize=True)
    assert image.width > image.height
