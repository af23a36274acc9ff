"""What the browser does when a page opens: start at the top of the page (not where the previous page was
scrolled to), and on a phone close the menu the page was chosen from. One fixed script (no user data), allowed
by its hash in the content security policy (quiz/web/csp.py), run by st.html each time the page or ``token``
changes."""

from __future__ import annotations

import html

import streamlit as st

try:  # the script text lives beside the policy that allows it
    from quiz.web.csp import PAGE_OPENED_SCRIPT
except ImportError:  # pragma: no cover - the policy module is not there yet
    PAGE_OPENED_SCRIPT = ""

PHONE_CSS = """
<style>
/* The exam's header (time left, answered N of M, save state) stays at the top while the page scrolls. */
div:has(> .st-key-exam_header) {  /* Streamlit's wrapper around the header: the box that sticks */
  position: sticky; top: 3.75rem; z-index: 99; background: #ffffff;
  box-shadow: 0 1px 0 #c9ced6; padding: .25rem 0;
}
.st-key-exam_header { padding-bottom: .75rem; }
.st-key-exam_header p { margin-bottom: 0; }
/* the question map: compact numbered buttons that wrap */
.st-key-exam_map button { min-width: 3.1rem; padding: .2rem .45rem; }
/* focus always visible, also on Streamlit's own controls */
button:focus-visible, a:focus-visible, input:focus-visible, [role="radio"]:focus-visible,
[role="checkbox"]:focus-visible, [role="switch"]:focus-visible, summary:focus-visible,
[tabindex]:focus-visible {
  outline: 3px solid #0b57d0 !important; outline-offset: 2px !important;
}
label:has(input:focus-visible) { outline: 3px solid #0b57d0; outline-offset: 2px; border-radius: 4px; }
</style>
"""


def page_opened(token: str) -> None:
    """Scroll to the top and close the phone menu, once per page (and once per new ``token`` on it)."""
    if not PAGE_OPENED_SCRIPT:
        return
    st.html(f'<div data-mc-page="{html.escape(token)}" hidden></div><script>{PAGE_OPENED_SCRIPT}</script>',
            unsafe_allow_javascript=True, width="content")


def page_css() -> None:
    st.html(PHONE_CSS)


def menu(sections: dict[str, list[st.Page]], current: st.Page) -> None:
    """The sidebar menu as plain links (st.page_link), under st.navigation(position="hidden"): Streamlit's own
    menu puts <div>s inside its <ul> (axe: list/listitem). Then the page starts at its top (and, on a phone,
    the menu closes)."""
    with st.sidebar:
        for section, pages in sections.items():
            shown = [p for p in pages if p.visibility != "hidden"]
            if not shown:
                continue
            if section:
                st.markdown(f"**{html.escape(section)}**")
            for p in shown:
                st.page_link(p, label=p.title, icon=p.icon or None, width="stretch")
    page_css()  # the focus ring on every page (and the exam's sticky header where there is one)
    page_opened(current.url_path or "home")


def app_address() -> str:
    """The app's public address (``QUIZ_PUBLIC_URL``), else the address this page was opened at."""
    from urllib.parse import urlparse

    from quiz.core.config import get_settings

    public = get_settings().public_url
    if public:
        return public.rstrip("/")
    try:
        url = urlparse(st.context.url or "")
    except ValueError:
        url = None
    if url and url.scheme and url.netloc:
        return f"{url.scheme}://{url.netloc}"
    return "http://localhost:8501"


def join_link(invite_code: str) -> str:
    """The link a trainer shares: Register with the cohort's invite code filled in."""
    from urllib.parse import quote

    return f"{app_address()}/register?code={quote(invite_code)}"
