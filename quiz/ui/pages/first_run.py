"""First run: create the first trainer (an administrator), guarded by the one-time set-up code."""

import streamlit as st

from quiz.services import accounts
from quiz.ui import runtime


def render() -> None:
    st.title("Welcome: set up your training platform")
    st.write(
        "No accounts exist yet. Create the first trainer account; it has administrator rights and can then "
        "create cohorts, exams and other trainers (on the Users page)."
    )
    st.info("To prove you run this server, enter the **one-time set-up code** printed in the server's "
            "console when it started.", icon=":material/key:")
    with st.form("first_run"):
        code = st.text_input("Set-up code", key="setup_code")
        name = st.text_input("Your name", key="setup_name")
        email = st.text_input("Email", key="setup_email")
        password = st.text_input("Password (8 characters or more)", type="password", key="setup_password")
        password2 = st.text_input("Repeat the password", type="password", key="setup_password2")
        submitted = st.form_submit_button("Create the trainer account", type="primary")
    if submitted:
        if password != password2:
            st.error("The two passwords differ.")
            return
        user = runtime.run(accounts.create_first_admin, code, email, name, password)
        if user is not None:
            st.session_state["_has_users"] = True
            st.success("Your account is ready.")
            runtime.sign_in(accounts.Actor.of(user), "dashboard")  # the session cookie, then the dashboard
