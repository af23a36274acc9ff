"""My account: name, email, role, changing the password, and the time zone times are shown in."""

from datetime import UTC, datetime

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
    _time_zone(actor)


def _time_zone(actor) -> None:  # noqa: ANN001
    """The time zone pages show times in: the browser's unless one is chosen here (exports stay in UTC)."""
    from quiz.services import preferences
    from quiz.ui import localtime

    st.subheader("Time zone")
    runtime.show_flash("account")
    browser = localtime.browser_zone()
    saved = localtime.saved_zone()
    automatic = f"Automatic: this browser's ({browser or 'UTC'})"
    zones = [""] + preferences.zone_names()
    st.write(f"Times are shown in **{localtime.zone_name()}**: now {localtime.when(datetime.now(UTC))}. "
             "Exports and logs stay in UTC.")
    with st.form("time_zone"):
        choice = st.selectbox("Show times in", zones, index=zones.index(saved) if saved in zones else 0,
                              format_func=lambda z: z or automatic, key="tz_choice")
        if st.form_submit_button("Save the time zone") \
                and runtime.run(preferences.set_time_zone, actor, choice) is not None:
            st.session_state[localtime.TZ_KEY] = choice or ""
            runtime.flash_and_rerun("account", f"Times are now shown in {choice or automatic}.")
