"""Users (administrators only): everyone's account; add trainers and administrators, change a role, deactivate
or reactivate an account (a role change or deactivation logs the user out everywhere), make a one-time
password reset link."""

from __future__ import annotations

from functools import partial

import streamlit as st

from quiz.adapters.orm import ROLES
from quiz.services import password_resets, users
from quiz.ui import runtime
from quiz.ui.pages.cohorts import when
from quiz.ui.pages.reset_password import show_link
from quiz.ui.text import plain

ROLE_LABELS = {"trainee": "Trainee", "trainer": "Trainer", "admin": "Administrator"}
_flash = partial(runtime.show_flash, "users")
_done = partial(runtime.flash_and_rerun, "users")


def _add(actor) -> None:  # noqa: ANN001
    with st.form("add_staff", clear_on_submit=True):
        c1, c2 = st.columns(2)
        name = c1.text_input("Name", key="us_name")
        email = c2.text_input("Email", key="us_email")
        c3, c4 = st.columns(2)
        role = c3.selectbox("Role", users.STAFF_ROLES, format_func=ROLE_LABELS.get, key="us_role")
        pw = c4.text_input("First password (8 characters or more; they can change it on My account)",
                           type="password", key="us_pw")
        if st.form_submit_button("Add the account", type="primary"):
            made = runtime.run(users.add_staff, actor, email=email, name=name, role=role, password=pw)
            if made:
                _done(f"{made.name} ({made.email}) can now log in as {ROLE_LABELS[made.role].lower()}.")


def _change(actor, rows: list[users.UserRow]) -> None:  # noqa: ANN001
    labels = {r.id: f"{r.name} ({r.email}) · {ROLE_LABELS[r.role]}{'' if r.is_active else ' · deactivated'}"
              for r in rows}
    uid = st.selectbox("Account", list(labels), format_func=labels.get, key="us_who", index=None,
                       placeholder="Choose an account")
    if uid is None:
        return
    row = next(r for r in rows if r.id == uid)
    if uid == actor.id:
        st.caption("This is your own account: another administrator changes its role or deactivates it.")
        return
    c1, c2 = st.columns([2, 3])
    role = c1.selectbox("Role", ROLES, index=ROLES.index(row.role), format_func=ROLE_LABELS.get, key=f"us_role_{uid}")
    if c1.button("Change the role", key="us_role_go", disabled=role == row.role,
                 help="The user is logged out everywhere and logs in again with the new role's pages.") \
            and runtime.run(users.change_role, actor, uid, role):
        _done(f"{row.name} is now {ROLE_LABELS[role].lower()}; their sessions have ended.")
    with c2:
        if row.is_active:
            sure = st.checkbox("Yes, deactivate: they can no longer log in (nothing is deleted)", key=f"us_sure_{uid}")
            if st.button("Deactivate the account", key="us_deactivate", disabled=not sure) and runtime.run(
                    users.set_active, actor, uid, False):
                _done(f"{row.name}'s account is deactivated and their sessions have ended.")
        elif st.button("Reactivate the account", key="us_reactivate") and runtime.run(users.set_active, actor, uid,
                                                                                      True):
            _done(f"{row.name} can log in again.")
        if row.is_active and st.button("Create a reset link", key="us_reset",
                                       help="A one-time link, valid 24 hours, with which they choose a new password."):
            link = runtime.run(password_resets.create_link, actor, uid)
            if link:
                st.session_state["_us_link"] = link
    link = st.session_state.get("_us_link")
    if link is not None and link.user_email == row.email:
        show_link(link)


def render() -> None:
    actor = runtime.require_actor()
    if not actor.is_admin:
        st.error("This page is for administrators.")
        st.stop()
    st.title("Users")
    _flash()
    c1, c2, c3 = st.columns([3, 2, 2])
    search = c1.text_input("Search (name or email)", key="us_search")
    role = c2.selectbox("Role", ["", *ROLES], format_func=lambda r: ROLE_LABELS.get(r, "All roles"), key="us_filter")
    inactive = c3.toggle("Show deactivated accounts", value=True, key="us_inactive")
    rows = runtime.run(users.list_users, actor, role=role or None, search=search or None,
                       include_inactive=inactive)
    if rows is None:
        return
    st.caption(f"{len(rows)} account(s). Trainees are added on Cohorts and trainees (or register with an invite code).")
    st.dataframe([{"Name": r.name, "Email": r.email, "Role": ROLE_LABELS[r.role],
                   "Active": "yes" if r.is_active else "no", "Cohorts": ", ".join(r.cohorts),
                   "Last login": when(r.last_login_at), "Created": when(r.created_at)} for r in rows],
                 hide_index=True, width="stretch")
    st.subheader("Change an account")
    _change(actor, rows)
    st.subheader("Add a trainer or administrator")
    _add(actor)
    st.caption(plain("A role change or a deactivation ends the user's sessions at once; every change is in the "
                     "audit trail."))
