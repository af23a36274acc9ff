"""Register with a cohort invite code, then log in. The page says the same words whether or not the email
already had an account (registration must not tell who has one), so it does not log anyone in by itself."""

from __future__ import annotations

import streamlit as st

from quiz.services import accounts
from quiz.ui import runtime

REGISTERED_KEY = "_registered_note"  # shown once above the login form


def render() -> None:
    st.title("Register")
    st.write("Your trainer gives each cohort an **invite code**. Enter it with your details to create your "
             "trainee account.")
    invited = st.query_params.get("code")
    if invited and "reg_code" not in st.session_state:  # a join link (/register?code=...) fills the code in
        st.session_state["reg_code"] = str(invited).strip()[:40]
    with st.form("register"):
        code = st.text_input("Invite code", key="reg_code")
        name = st.text_input("Your name", key="reg_name")
        email = st.text_input("Email", key="reg_email", autocomplete="username")
        password = st.text_input("Password (8 characters or more)", type="password", key="reg_password",
                                 autocomplete="new-password")
        password2 = st.text_input("Repeat the password", type="password", key="reg_password2",
                                  autocomplete="new-password")
        submitted = st.form_submit_button("Create my account", type="primary")
    if submitted:
        if password != password2:
            st.error("The two passwords differ.")
            return
        done = runtime.run(lambda s: accounts.register_with_code(
            s, invite_code=code, email=email, name=name, password=password) or True)
        if done:  # a new account, or an email that had one: the same words and the same next step
            from quiz.ui.app import switch_to

            st.session_state[REGISTERED_KEY] = accounts.REGISTERED_MESSAGE
            st.session_state["login_email"] = email.strip()
            switch_to("login")
    st.caption("Already registered? Use **Log in** in the menu.")
