"""Log in with email and password; afterwards go back to the page asked for, or to where the user was."""

from __future__ import annotations

from urllib.parse import urlparse

import streamlit as st

from quiz.services import accounts
from quiz.services.errors import ServiceError
from quiz.services.permissions import Actor
from quiz.ui import runtime
from quiz.ui.pages import HOME_PAGE, pages_for
from quiz.ui.text import plain

# Why the login form is shown again (query parameters set by the /auth routes).
NOTES = {
    ("logged_out", "1"): "You have logged out.",
    ("logged_out", "everywhere"): "You have logged out on every browser and device.",
    ("login", "expired"): "That login took too long to complete. Please log in again.",
}


def _asked_for() -> str | None:
    """The page in the address bar (e.g. /exams after a reload or from a link), if any."""
    try:
        path = urlparse(st.context.url or "").path
    except ValueError:
        return None
    key = path.rstrip("/").rsplit("/", 1)[-1]
    return key or None


def next_page(actor: Actor, resume: str | None) -> str | None:
    """Where to go after logging in: the page asked for, else where the user last was, else their home (None:
    the home page, served at the app's root)."""
    allowed = {p.key for p in pages_for(actor.role)}
    for key in (_asked_for(), resume):
        if key and key in allowed and key != HOME_PAGE[actor.role]:
            return key
    return None


def render() -> None:
    st.title("Log in")
    st.caption("Mesotherapy training and certification")
    for (name, value), note in NOTES.items():
        if st.query_params.get(name) == value:
            st.info(note)
    problem = runtime.take_session_problem()
    if problem:
        st.info(problem)
    registered = st.session_state.pop("_registered_note", None)  # set by the register page
    if registered:
        st.success(registered, icon=":material/how_to_reg:")
    with st.form("login"):
        email = st.text_input("Email", key="login_email", autocomplete="username")
        password = st.text_input("Password", type="password", key="login_password", autocomplete="current-password")
        submitted = st.form_submit_button("Log in", type="primary")
    if submitted:
        platform = runtime.get_platform()
        try:
            actor = accounts.login(platform.sessions, email, password,
                                   threshold=platform.settings.lockout_threshold,
                                   lock_minutes=platform.settings.lockout_minutes)
        except ServiceError as err:
            st.error(plain(err))
            return
        with runtime.db() as session:
            resume = session.get(accounts.User, actor.id).resume_page
        runtime.sign_in(actor, next_page(actor, resume) or HOME_PAGE[actor.role])
    st.write("New here? Ask your trainer for your cohort's invite code, then **Register** (in the menu).")
    st.write("Forgot your password? Ask your trainer for a reset link: it opens **Set a new password**.")
