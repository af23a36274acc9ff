"""Log in with email and password; afterwards go back to where the trainee was."""

import streamlit as st

from quiz.services import accounts
from quiz.services.errors import ServiceError
from quiz.ui import runtime


def render() -> None:
    st.title("Log in")
    st.caption("Mesotherapy training and certification")
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
            st.error(str(err))
            return
        runtime.set_actor(actor)
        with runtime.db() as session:
            resume = session.get(accounts.User, actor.id).resume_page
        st.session_state["_resume_to"] = resume or ("home" if actor.role == "trainee" else "dashboard")
        st.rerun()
    st.write("New here? Ask your trainer for your cohort's invite code, then **Register** (in the menu).")
