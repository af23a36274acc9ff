"""Register with a cohort invite code; the new trainee is logged in straight away."""

from __future__ import annotations

import streamlit as st

from quiz.services import accounts
from quiz.services.permissions import Actor
from quiz.ui import runtime
from quiz.ui.pages.trainee_home import JUST_REGISTERED


def render() -> None:
    st.title("Register")
    st.write("Your trainer gives each cohort an **invite code**. Enter it with your details to create your "
             "trainee account.")
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
        user = runtime.run(lambda s: Actor.of(accounts.register_with_code(
            s, invite_code=code, email=email, name=name, password=password)))
        if user is not None:
            st.session_state[JUST_REGISTERED] = True  # Home welcomes them and shows how to get started
            runtime.sign_in(user, "home")  # the session cookie, then Home
    st.caption("Already registered? Use **Log in** in the menu.")
