"""Set a new password with a one-time reset link (``/reset?token=...``) that a trainer or administrator made:
no login needed. The link works once and for 24 hours; using it logs the account out everywhere.

:func:`show_link` is the other half: how a trainer's page shows a freshly made link to pass on."""

from __future__ import annotations

import streamlit as st

from quiz.services import password_resets
from quiz.ui import runtime
from quiz.ui.browser import app_address
from quiz.ui.text import plain


def show_link(link: password_resets.ResetLink) -> None:
    """A made link, shown once with what to do with it (it is not stored anywhere it could be shown again)."""
    st.success(f"Reset link for {plain(link.user_name)} ({plain(link.user_email)}), valid until "
               f"{link.expires_at:%d %b %Y, %H:%M} UTC. Pass it on privately (in person, by message); it works once. "
               "It is shown only now.")
    st.code(link.url(app_address()), language=None, wrap_lines=True)


def render() -> None:
    st.title("Set a new password")
    linked = st.query_params.get("token", "")
    with st.form("reset"):
        token = linked or st.text_input("Reset code (the part of your link after token=)", key="reset_token",
                                        max_chars=200)
        if linked:
            with runtime.db() as session:
                name = password_resets.link_owner(session, linked)
            if name is None:
                st.error(password_resets.INVALID)
            else:
                st.write(f"Hello {plain(name)}: choose a new password for your account.")
        new = st.text_input("New password (8 characters or more)", type="password", key="reset_new",
                            autocomplete="new-password")
        new2 = st.text_input("Repeat the new password", type="password", key="reset_new2",
                             autocomplete="new-password")
        go = st.form_submit_button("Set my password", type="primary")
    if not go:
        return
    if new != new2:
        st.error("The two passwords differ.")
        return
    email = runtime.run(password_resets.use_link, token, new)
    if email:
        st.query_params.clear()  # the used link leaves the address bar
        st.success(f"Your password is set. Log in with {plain(email)} and your new password.")
        login = st.session_state.get("_pages", {}).get("login")
        if login is not None:
            st.page_link(login, label="Log in", icon=":material/login:")
