"""The content security policy and the only inline scripts it allows (by their SHA-256), without Starlette or
Streamlit imports so that pages and middleware share the exact same script text."""

from __future__ import annotations

import base64
import hashlib

# Streamlit's own index.html sets this before its bundle loads (verbatim, whitespace included).
STREAMLIT_PRERENDER = "\n      window.prerenderReady = false\n    "

# The login page posts the one-time hand-off form to /auth/complete (quiz.ui.runtime.sign_in).
HANDOFF_SCRIPT = 'document.getElementById("mc-handoff").submit()'

# Every page, as it opens (quiz.ui.browser.page_opened): start at the top, and close the phone menu.
PAGE_OPENED_SCRIPT = """
(function () {
  const main = document.querySelector('[data-testid="stMain"]');
  if (main) main.scrollTo(0, 0);
  window.scrollTo(0, 0);
  if (window.matchMedia('(max-width: 640px)').matches) {
    const open = document.querySelector('[data-testid="stSidebar"][data-collapsed="false"]');
    const close = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
    if (open && close) close.click();
  }
})();
"""

INLINE_SCRIPTS = (STREAMLIT_PRERENDER, HANDOFF_SCRIPT, PAGE_OPENED_SCRIPT)


def script_hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


def policy() -> str:
    """Scripts only from the app and the hashed inline scripts above; Streamlit needs inline styles, data:/blob:
    images and fonts, and its websocket ('self'); no framing by anyone; forms post only to the app."""
    scripts = " ".join(script_hash(s) for s in INLINE_SCRIPTS)
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' {scripts}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob: https://fonts.gstatic.com",  # the page icon (a Material symbol)
        "font-src 'self' data:",
        "connect-src 'self'",
        "media-src 'self' blob: data:",
        "worker-src 'self' blob:",
        "frame-src 'self' blob: data:",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
    ])
