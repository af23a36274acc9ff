"""The printable certificate shows the facts and escapes what users typed."""

from datetime import UTC, datetime

from quiz.adapters.certificate_document import render_certificate_html


def test_the_page_shows_holder_exam_score_date_and_code() -> None:
    page = render_certificate_html(holder="Amira Haddad", exam="Foundation certificate", score_percent=0.826,
                                   issued_at=datetime(2027, 3, 4, 10, 0, tzinfo=UTC), code="MC-000042-7F3A9C21B0")
    for fact in ("Amira Haddad", "Foundation certificate", "83%", "04 March 2027", "MC-000042-7F3A9C21B0"):
        assert fact in page


def test_names_are_escaped() -> None:
    page = render_certificate_html(holder="<script>alert(1)</script>", exam="A & B", score_percent=1.0,
                                   issued_at=datetime(2027, 1, 1, tzinfo=UTC), code="MC-000001-AAAAAAAAAA")
    assert "<script>" not in page and "&lt;script&gt;" in page and "A &amp; B" in page


def test_the_verification_link_is_printed_when_the_address_is_known() -> None:
    url = "https://meso.example.com/verify?code=MC-000042-7F3A9C21B0"
    page = render_certificate_html(holder="A", exam="B", score_percent=0.9, code="MC-000042-7F3A9C21B0",
                                   issued_at=datetime(2027, 1, 1, tzinfo=UTC), verify_url=url)
    assert f'href="{url}"' in page
    without = render_certificate_html(holder="A", exam="B", score_percent=0.9, code="MC-000042-7F3A9C21B0",
                                      issued_at=datetime(2027, 1, 1, tzinfo=UTC))
    assert "href" not in without and "Verify a certificate" in without


def test_verify_url_fills_in_the_code() -> None:
    from quiz.services.certificates import verify_url

    assert verify_url("https://meso.example.com/", "MC-000042-7F3A9C21B0") == \
        "https://meso.example.com/verify?code=MC-000042-7F3A9C21B0"
    assert verify_url(None, "MC-1") is None
