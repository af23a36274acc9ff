"""What every page needs: the platform (one per server process), the logged-in actor, and a safe way to
call services (a refused action shows its reason; an unexpected error shows a calm message, never a trace).

Who is logged in comes, on every run, from the browser's session cookie (HttpOnly, set by the ``/auth/complete``
route) checked against the database: a session revoked or expired elsewhere (logout in another tab, a password
reset, deactivation) shows the login form on the next interaction. Streamlit's AppTest has no browser and no
cookies; there (and only there: no request headers at all) the actor lives in session state.
"""

from __future__ import annotations

import html
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import streamlit as st
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from quiz.adapters.bank_files import BankInvalid
from quiz.bootstrap import Platform, open_platform, print_setup_code, sync_from_files
from quiz.services import sessions
from quiz.services.accounts import ensure_setup_code
from quiz.services.errors import ServiceError
from quiz.services.permissions import Actor
from quiz.ui.text import plain
from quiz.web.csp import HANDOFF_SCRIPT

log = logging.getLogger("quiz.ui")
T = TypeVar("T")

ACTOR_KEY = "actor"
SESSION_PROBLEM_KEY = "_session_problem"


@st.cache_resource(show_spinner="Preparing the database...")
def get_platform() -> Platform:
    """Open the database once per server process: migrate, sync the bank, print the set-up code if needed."""
    platform = open_platform()
    try:
        sync_from_files(platform)
    except BankInvalid as err:
        print(f"[quiz] the question bank has {len(err.problems)} problem(s); not synced", file=sys.stderr)
    with platform.transaction() as session:
        code = ensure_setup_code(session, platform.settings.setup_code)
    if code and not platform.settings.setup_code:
        print_setup_code(code)
    from quiz.background import start_overdue_sweeper

    start_overdue_sweeper(platform)  # once per process (this function is cached): grades overdue exams
    return platform


def _has_browser() -> bool:
    """A real client (a browser through the server) sends headers; Streamlit's AppTest sends none."""
    return len(st.context.headers) > 0


def session_token() -> str | None:
    return st.context.cookies.get(sessions.COOKIE_NAME) or None


def authenticate() -> Actor | None:
    """Who this run is for: the cookie's session, read from the database (call once at the start of a run)."""
    if not _has_browser():
        return st.session_state.get(ACTOR_KEY)  # AppTest only: no cookies exist there
    token = session_token()
    check = sessions.Check(None)
    if token:
        try:
            with db() as session:
                check = sessions.resolve(session, token)
        except (OperationalError, DBAPIError):
            log.exception("database error while checking the session")
            st.error("The database could not be reached just now. Nothing you saved before is lost; "
                     "please reload the page in a moment.")
            st.stop()
    before = st.session_state.get(ACTOR_KEY)
    if before is not None and (check.actor is None or before.id != check.actor.id):
        st.session_state.clear()  # nothing of the previous user stays in this tab
    if check.actor is None:
        if check.problem:
            st.session_state[SESSION_PROBLEM_KEY] = check.problem
        return None
    st.session_state[ACTOR_KEY] = check.actor
    return check.actor


def still_signed_in(session: Session) -> bool:
    """For a part of a page that reruns alone (a fragment: :func:`authenticate` does not run before it): does
    the browser's session still stand for this run's actor? Read in the caller's transaction. When it does
    not, the caller reruns the whole page, whose :func:`authenticate` shows the login form and says why."""
    actor = current_actor()
    if actor is None:
        return False
    if not _has_browser():
        return True  # AppTest: the actor lives in session state
    return sessions.still_valid(session, session_token(), actor.id)


def current_actor() -> Actor | None:
    """The actor :func:`authenticate` found for this run."""
    return st.session_state.get(ACTOR_KEY)


def sign_in(actor: Actor, next_page: str | None = None) -> None:
    """After the service has verified a login: give the browser its session cookie and open ``next_page``.

    The page posts a one-time hand-off code (valid 60 s, stored hashed) to ``/auth/complete``, which sets the
    HttpOnly cookie and redirects (303) to the page. Never returns."""
    if not _has_browser():
        st.session_state[ACTOR_KEY] = actor
        if next_page:
            st.session_state["_resume_to"] = next_page
        st.rerun()
    with db() as session:
        code = sessions.issue_handoff(session, actor.id, next_page)
    st.html(
        '<form id="mc-handoff" method="post" action="/auth/complete">'
        f'<input type="hidden" name="handoff_code" value="{html.escape(code)}">'
        '<button type="submit">Continue</button></form>'
        f"<script>{HANDOFF_SCRIPT}</script>",
        unsafe_allow_javascript=True,  # one fixed script, allowed by its hash in the CSP (quiz/web/csp.py)
    )
    st.caption("Signing you in...")
    st.stop()


def logout_form() -> None:
    """The sidebar's Log out and Log out everywhere buttons: a plain form posting to ``/auth/logout``."""
    if not _has_browser():
        if st.button("Log out", icon=":material/logout:", key="logout"):
            set_actor(None)
            st.rerun()
        return
    csrf = sessions.csrf_token(session_token() or "")
    button = ("font:inherit;padding:.3rem .7rem;margin:0 .4rem .4rem 0;border-radius:.5rem;cursor:pointer;"
              "border:1px solid #b8c2cc;background:#fff;color:#1f2933")
    st.html(
        '<form method="post" action="/auth/logout" aria-label="Log out">'
        f'<input type="hidden" name="csrf" value="{csrf}">'
        f'<button type="submit" style="{button}">Log out</button>'
        f'<button type="submit" name="everywhere" value="1" style="{button}" '
        'title="End your sessions in every browser and device">Log out everywhere</button></form>'
    )


def take_session_problem() -> str | None:
    """Why the previous session ended (shown once on the login form), if it did."""
    return st.session_state.pop(SESSION_PROBLEM_KEY, None)


def require_actor() -> Actor:
    actor = current_actor()
    if actor is None:
        st.warning("Please log in.")
        st.stop()
    return actor


def set_actor(actor: Actor | None) -> None:
    if actor is None:
        st.session_state.clear()
    else:
        st.session_state[ACTOR_KEY] = actor


@contextmanager
def db() -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back on error."""
    with get_platform().transaction() as session:
        yield session


CLASH_MESSAGE = ("That was not saved: it clashes with something already saved (for example a name or an email "
                 "that is already in use). Please change it and try again.")
BAD_VALUE_MESSAGE = ("That was not saved: a value is too long or not in the expected form. Please shorten or "
                     "correct it and try again.")


def run(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """Call ``fn(session, *args, **kwargs)`` in a transaction and show any failure as a message.

    Returns the result, or None when the action failed (after showing why)."""
    try:
        with db() as session:
            return fn(session, *args, **kwargs)
    except ServiceError as err:
        st.error(plain(err))  # a message may quote what was typed (a name, an email)
    except IntegrityError:  # e.g. the same name or email saved at the same moment elsewhere
        log.warning("refused by a database constraint", exc_info=True)
        st.error(CLASH_MESSAGE)
    except DataError:  # a value the database refuses (too long, out of range) that no check caught first
        log.warning("refused by the database as invalid data", exc_info=True)
        st.error(BAD_VALUE_MESSAGE)
    except (OperationalError, DBAPIError):
        log.exception("database error")
        st.error("The database could not be reached just now. Nothing you saved before is lost; "
                 "please try again in a moment.")
    return None


def show_unexpected(err: Exception) -> None:
    log.exception("unexpected error", exc_info=err)
    st.error("Something went wrong on our side. Your saved answers are safe; please reload the page.")


def show_flash(page: str) -> None:
    """Show, once, the confirmation that :func:`flash_and_rerun` left for ``page``: as a toast (seen wherever
    the user has scrolled to) and as a message at the top."""
    msg = st.session_state.pop(f"_flash_{page}", None)
    if msg:  # confirmations quote names and emails: shown as typed, never as markdown
        st.toast(plain(msg))
        st.success(plain(msg))


def flash_and_rerun(page: str, msg: str) -> None:
    """Rerun the page after an action and confirm it there (see :func:`show_flash`)."""
    st.session_state[f"_flash_{page}"] = msg
    st.rerun()
