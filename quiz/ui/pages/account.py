"""My account: name, email, role, and changing the password."""

import streamlit as st

from quiz.services import accounts
from quiz.ui import runtime
from quiz.ui.text import plain


def render() -> None:
    actor = runtime.require_actor()
    st.title("My account")
    st.write(f"**{plain(actor.name)}** · {plain(actor.email)} · {actor.role}")
    with st.form("change_password", clear_on_submit=True):
        current = st.text_input("Current password", type="password")
        new = st.text_input("New password (8 characters or more)", type="password")
        new2 = st.text_input("Repeat the new password", type="password")
        if st.form_submit_button("Change password"):
            if new != new2:
                st.error("The two new passwords differ.")
            elif runtime.run(accounts.set_password, actor, actor.id, new, current):
                st.success("Your password has been changed.")
