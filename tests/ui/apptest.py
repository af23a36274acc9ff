"""Helpers for Streamlit AppTest tests: open a page as someone, read what it shows, find buttons."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from quiz.bootstrap import Platform
from quiz.core.config import PROJECT_ROOT
from quiz.domain.bank import Bank
from quiz.services.bank_sync import sync_bank
from quiz.services.permissions import Actor
from tests.factories import write_bank_dir

APP = str(PROJECT_ROOT / "quiz" / "ui_main.py")  # the script st.App in app.py runs
_ESCAPE = re.compile(r"\\([" + re.escape(string.punctuation) + "])")


def prepare_app(platform: Platform, bank: Bank, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the app at ``platform``'s database with ``bank`` loaded (in the database and as files)."""
    with platform.transaction() as s:
        sync_bank(s, bank)
    monkeypatch.setenv("DATABASE_URL", platform.settings.database_url)
    monkeypatch.setenv("QUIZ_BANK_PATH", str(write_bank_dir(bank, tmp_path / "bank")))
    from quiz.ui import runtime

    runtime.get_platform.clear()  # one platform per server process: here, one per test database


def open_page(actor: Actor | None, page: str | None = None) -> AppTest:
    """Run the app as ``actor`` (None: not logged in) on the page with key ``page``."""
    at = AppTest.from_file(APP, default_timeout=30)
    if actor is not None:
        at.session_state["actor"] = actor
        if page is not None:
            at.session_state["_resume_to"] = page  # what a login does: switch to the remembered page
    elif page is not None:
        at._page_hash = calc_hash(page)  # st.Page hashes its url_path (AppTest.switch_page wants a file)
    return at.run()


def shown(value: object) -> str:
    """Markdown source as a reader sees it: the backslash escapes of quiz/ui/text.plain removed."""
    return _ESCAPE.sub(r"\1", str(value))


def texts(at: AppTest) -> str:
    parts = [e.value for e in (*at.markdown, *at.success, *at.info, *at.warning, *at.error, *at.caption)]
    parts += [e.value for e in at.title] + [e.value for e in at.subheader]
    return "\n".join(shown(p) for p in parts)


def no_trace(at: AppTest) -> None:
    """The page ran to the end: no exception, no trace, and not the app's own 'something went wrong' guard
    (which catches a page's crash so that users never see a trace)."""
    assert not at.exception, [e.value for e in at.exception]
    shown = texts(at)
    assert "Traceback" not in shown
    assert "Something went wrong on our side" not in shown, shown


def button(at: AppTest, label: str):  # noqa: ANN201
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button {label!r}; buttons: {[b.label for b in at.button]}"
    return matches[0]
