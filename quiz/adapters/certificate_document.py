"""The certificate as a PDF document (A4 landscape) with a QR code of its verification link.

fpdf2 draws the page (no browser needed) in DejaVu Serif, vendored in ``fonts/`` with its licence, which prints
Latin names with accents, Polish, Turkish, Greek and Cyrillic. A name with characters the font lacks (e.g.
Chinese) never fails: a system font that has them is used when one is installed (Noto CJK, WenQuanYi, Droid
Sans Fallback), otherwise those characters print as "?" and the document says so and points to the
verification page, which shows the name exactly as registered. The QR code (segno) encodes the verification
URL printed under it.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import segno
from fontTools.ttLib import TTFont
from fpdf import FPDF

FONTS = Path(__file__).resolve().parent / "fonts"
REGULAR = FONTS / "DejaVuSerif.ttf"
BOLD = FONTS / "DejaVuSerif-Bold.ttf"
# Fonts a machine may have for scripts DejaVu lacks (Debian/Ubuntu package paths), tried in this order.
FALLBACK_FONTS = (
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/arphic/uming.ttc"),
)
MISSING_NOTE = ("Some characters of the holder's name cannot be printed in this document's font and are shown "
                "as \"?\". The verification page shows the name exactly as registered.")

TEAL = (15, 118, 110)
INK = (30, 41, 59)
GREY = (90, 98, 110)
RED = (185, 28, 28)


@dataclass(frozen=True)
class CertificateFacts:
    holder: str
    exam: str
    score_percent: float
    issued_at: datetime
    expires_at: datetime | None
    code: str
    academy: str
    signatory: str | None = None
    verify_url: str | None = None
    status_note: str | None = None  # e.g. "Revoked on 3 March 2027": printed in red across the top


@lru_cache(maxsize=8)
def _cmap(path: Path) -> frozenset[int]:
    font = TTFont(str(path), fontNumber=0, lazy=True)
    try:
        return frozenset(font.getBestCmap() or {})
    finally:
        font.close()


def missing_characters(text: str) -> set[str]:
    """Characters of ``text`` the bundled font cannot print (spaces and controls aside)."""
    have = _cmap(REGULAR)
    return {ch for ch in text if not ch.isspace() and ord(ch) not in have}


def _fallback_for(chars: set[str]) -> Path | None:
    for path in FALLBACK_FONTS:
        if path.suffix == ".ttf" and path.is_file():
            try:
                if all(ord(c) in _cmap(path) for c in chars):
                    return path
            except Exception:  # noqa: BLE001 - an unreadable system font is simply not used
                continue
    return None


def _printable(text: str, missing: set[str]) -> str:
    return "".join("?" if ch in missing else ch for ch in text)


def _date(value: datetime) -> str:
    return f"{value.day} {value:%B %Y}"


class _Doc(FPDF):
    def fit_text(self, text: str, *, style: str, size: float, min_size: float, width: float) -> None:
        """Set the font at ``size``, shrinking (to ``min_size``) until ``text`` fits in ``width``."""
        while True:
            self.set_font("Serif", style, size)
            if self.get_string_width(text) <= width or size <= min_size:
                return
            size -= 1


def render_certificate_pdf(facts: CertificateFacts) -> bytes:
    """The certificate as PDF bytes. Every fact is drawn as text (never interpreted as markup)."""
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    logging.getLogger("fpdf").setLevel(logging.ERROR)
    pdf = _Doc(orientation="L", unit="mm", format="A4")
    pdf.set_title(f"Certificate {facts.code}")
    pdf.set_author(facts.academy)
    pdf.set_creator("MesoCert")
    pdf.set_auto_page_break(False)
    pdf.add_font("Serif", "", str(REGULAR))
    pdf.add_font("Serif", "B", str(BOLD))

    missing = missing_characters(facts.holder + facts.exam)
    fallback = _fallback_for(missing) if missing else None
    if fallback is not None:
        pdf.add_font("Fallback", "", str(fallback))
        pdf.set_fallback_fonts(["Fallback"])
        missing = set()
    holder, exam = _printable(facts.holder, missing), _printable(facts.exam, missing)

    pdf.add_page()
    w, h = pdf.w, pdf.h
    pdf.set_draw_color(*TEAL)
    pdf.set_line_width(3)
    pdf.rect(8, 8, w - 16, h - 16)
    pdf.set_line_width(0.4)
    pdf.rect(13, 13, w - 26, h - 26)
    inner = w - 60

    def line(text: str, *, y: float, size: float, style: str = "", color: tuple[int, int, int] = INK,
             min_size: float | None = None) -> None:
        pdf.set_text_color(*color)
        pdf.fit_text(text, style=style, size=size, min_size=min_size or size, width=inner)
        pdf.set_xy(30, y)
        pdf.cell(inner, size * 0.5, text, align="C")

    if facts.status_note:
        line(facts.status_note.upper(), y=17, size=13, style="B", color=RED, min_size=8)
    line(facts.academy, y=24, size=15, style="B", color=TEAL, min_size=9)
    line("Certificate of achievement", y=40, size=30, style="B")
    line("This certifies that", y=60, size=13, color=GREY)
    line(holder, y=70, size=28, style="B", min_size=10)
    pdf.set_draw_color(*GREY)
    pdf.set_line_width(0.3)
    pdf.line(60, 86, w - 60, 86)
    line("has passed the certification exam", y=92, size=13, color=GREY)
    line(exam, y=102, size=19, style="B", min_size=9)
    expiry = f"valid until {_date(facts.expires_at)}" if facts.expires_at else "does not expire"
    line(f"with a score of {facts.score_percent:.0%}  ·  issued on {_date(facts.issued_at)}  ·  {expiry}",
         y=118, size=12, min_size=8)
    if missing:
        pdf.set_text_color(*RED)
        pdf.set_font("Serif", "", 9)
        pdf.set_xy(40, 126)
        pdf.multi_cell(w - 80, 4.5, MISSING_NOTE, align="C")

    # Signature block, bottom left.
    pdf.set_draw_color(*INK)
    pdf.line(30, 166, 120, 166)
    pdf.set_text_color(*INK)
    pdf.set_xy(30, 168)
    pdf.fit_text(facts.signatory or "Authorised signatory", style="B", size=12, min_size=8, width=90)
    pdf.cell(90, 6, facts.signatory or "Authorised signatory", align="L")
    pdf.set_xy(30, 174)
    pdf.fit_text(f"for {facts.academy}", style="", size=10, min_size=7, width=90)
    pdf.cell(90, 5, f"for {facts.academy}", align="L")

    # Verification block, bottom right: the QR code, the code and the link.
    qr_size = 38
    qr_x, qr_y = w - 30 - qr_size, 138
    if facts.verify_url:
        buf = io.BytesIO()
        segno.make(facts.verify_url, error="m").save(buf, kind="png", scale=8, border=2)
        buf.seek(0)
        pdf.image(buf, x=qr_x, y=qr_y, w=qr_size, h=qr_size)
    text_x, text_w = 130, qr_x - 134
    pdf.set_text_color(*GREY)
    pdf.set_font("Serif", "", 9)
    pdf.set_xy(text_x, 150)
    pdf.cell(text_w, 5, "Certificate code", align="R")
    pdf.set_text_color(*INK)
    pdf.set_font("Serif", "B", 13)
    pdf.set_xy(text_x, 156)
    pdf.cell(text_w, 6, facts.code, align="R")
    pdf.set_text_color(*GREY)
    pdf.set_xy(text_x, 164)
    if facts.verify_url:
        pdf.fit_text(facts.verify_url, style="", size=8, min_size=5, width=text_w)
        pdf.cell(text_w, 4, "Check it at (or scan the code):", align="R")
        pdf.set_xy(text_x, 169)
        pdf.cell(text_w, 4, facts.verify_url, align="R", link=facts.verify_url)
    else:
        pdf.set_font("Serif", "", 8)
        pdf.multi_cell(text_w, 4, "Check it on the platform's \"Verify a certificate\" page.", align="R")
    return bytes(pdf.output())
