"""A printable certificate as a self-contained HTML page (open it in a browser and print or save as PDF)."""

from __future__ import annotations

from datetime import datetime
from html import escape

TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Certificate {code}</title>
<style>
  @page {{ size: A4 landscape; margin: 0; }}
  body {{ font-family: Georgia, 'Times New Roman', serif; margin: 0; background: #f4f1ea; }}
  .sheet {{ box-sizing: border-box; width: 297mm; height: 210mm; padding: 22mm 28mm; margin: auto;
           background: #fff; border: 6mm solid #0f766e; text-align: center; }}
  h1 {{ font-size: 30pt; letter-spacing: 1pt; margin: 6mm 0 2mm; color: #0f3d3a; }}
  .lead {{ font-size: 13pt; color: #444; margin: 8mm 0 2mm; }}
  .name {{ font-size: 28pt; margin: 2mm 0 6mm; border-bottom: 1px solid #999; display: inline-block;
          padding: 0 12mm 2mm; }}
  .exam {{ font-size: 18pt; margin: 2mm 0 8mm; }}
  .facts {{ font-size: 12pt; color: #333; }}
  .code {{ font-family: 'Courier New', monospace; font-size: 14pt; letter-spacing: 1pt; }}
  .verify {{ font-size: 10pt; color: #555; margin-top: 12mm; }}
</style></head>
<body><div class="sheet">
  <div class="facts">{platform}</div>
  <h1>Certificate of achievement</h1>
  <p class="lead">This certifies that</p>
  <div class="name">{holder}</div>
  <p class="lead">has passed the certification exam</p>
  <div class="exam">{exam}</div>
  <p class="facts">with a score of {score} &middot; issued on {issued}</p>
  <p class="facts">Certificate code: <span class="code">{code}</span></p>
  <p class="verify">{verify}</p>
</div></body></html>
"""


def render_certificate_html(*, holder: str, exam: str, score_percent: float, issued_at: datetime, code: str,
                            verify_url: str | None = None,
                            platform: str = "MesoCert · mesotherapy training and certification") -> str:
    """The certificate page; every value is HTML-escaped (names come from users). ``verify_url`` is the
    address that checks this certificate (the platform's verify page with the code filled in)."""
    if verify_url:
        link = escape(verify_url, quote=True)
        verify = f'Anyone can check this certificate at <a href="{link}">{escape(verify_url)}</a>.'
    else:
        verify = ("Anyone can check this certificate: open the platform's <em>Verify a certificate</em> page and "
                  "enter the code above.")
    return TEMPLATE.format(
        holder=escape(holder), exam=escape(exam), score=f"{score_percent:.0%}", code=escape(code),
        issued=f"{issued_at:%d %B %Y}", platform=escape(platform), verify=verify,
    )
