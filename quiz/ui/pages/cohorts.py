"""Cohorts and trainees: create a cohort, share or renew its invite code, open or close registration, add,
create and remove trainees, make a one-time password reset link for a trainee."""

from __future__ import annotations

from datetime import datetime
from functools import partial

import streamlit as st

from quiz.services import cohorts, password_resets
from quiz.services.permissions import Actor
from quiz.ui import runtime
from quiz.ui.pages.reset_password import show_link

PICK = "cohort_pick"


def when(dt: datetime | None) -> str:
    return dt.strftime("%d %b %Y, %H:%M UTC") if dt else "never"


def require_trainer() -> Actor:
    actor = runtime.require_actor()
    if not actor.is_staff:
        st.error("This page is for trainers.")
        st.stop()
    return actor


def pick_cohort(actor: Actor, options: list[cohorts.CohortInfo], key: str = PICK) -> cohorts.CohortInfo | None:
    """A cohort chooser shared by the trainer pages (remembers the choice across pages)."""
    if not options:
        return None
    ids = [c.id for c in options]
    chosen = st.session_state.get("_cohort_id")
    index = ids.index(chosen) if chosen in ids else 0
    labels = {c.id: c.name + ("" if c.trainer_id == actor.id else f" ({c.trainer_name})") for c in options}
    cid = st.selectbox("Cohort", ids, index=index, format_func=labels.get, key=key)
    st.session_state["_cohort_id"] = cid
    return next(c for c in options if c.id == cid)


SECTIONS = {"add": "Add an existing trainee", "create": "Create a trainee account", "remove": "Remove a trainee",
            "reset": "Password reset link"}


_flash = partial(runtime.show_flash, "cohorts")
_done = partial(runtime.flash_and_rerun, "cohorts")


def render() -> None:
    actor = require_trainer()
    st.title("Cohorts and trainees")
    _flash()

    with st.expander("Create a cohort", expanded=False):
        with st.form("new_cohort", clear_on_submit=True):
            name = st.text_input("Cohort name", placeholder="e.g. Spring 2027", key="new_cohort_name")
            if st.form_submit_button("Create the cohort", type="primary"):
                made = runtime.run(cohorts.create_cohort, actor, name)
                if made:
                    st.session_state["_cohort_id"] = made.id
                    st.session_state[PICK] = made.id  # the chooser below is not drawn yet in this run
                    _done(f"Cohort '{made.name}' created. Its invite code is {made.invite_code}.")

    options = runtime.run(cohorts.list_cohorts, actor) or []
    if not options:
        st.info("You have no cohort yet. Create one above; trainees join it with its invite code.")
        return
    cohort = pick_cohort(actor, options)
    assert cohort is not None

    left, right = st.columns([2, 3])
    with left:
        st.subheader("Invite code")
        st.code(cohort.invite_code, language=None)
        from quiz.ui.browser import join_link

        st.caption("Or share this join link: it opens Register with the code filled in.")
        st.code(join_link(cohort.invite_code), language=None, wrap_lines=True)
        if cohort.is_open:
            st.caption("Registration is **open**: a trainee can register with this code on the Register page.")
        else:
            st.caption("Registration is **closed**: the code is refused until you open it again.")
        b1, b2 = st.columns(2)
        if b1.button("New invite code", key="regen_code", help="The old code stops working at once."):
            code = runtime.run(cohorts.regenerate_code, actor, cohort.id)
            if code:
                _done(f"New invite code for {cohort.name}: {code}. The old code no longer works.")
        label = "Close registration" if cohort.is_open else "Open registration"
        if b2.button(label, key="toggle_open") and runtime.run(cohorts.set_registration_open, actor, cohort.id,
                                                                 not cohort.is_open):
            _done(f"Registration for {cohort.name} is now {'closed' if cohort.is_open else 'open'}.")
    with right:
        st.subheader(f"Trainees ({cohort.members})")
        members = runtime.run(cohorts.list_members, actor, cohort.id) or []
        if members:
            st.dataframe(
                [{"Name": m.name, "Email": m.email, "Joined": when(m.joined_at),
                  "Last login": when(m.last_login_at), "Active": "yes" if m.is_active else "no"} for m in members],
                hide_index=True, width="stretch",
            )
        else:
            st.caption("Nobody has joined yet.")

    # a remembered choice rather than st.tabs, which jump back to the first tab after every action
    section = st.radio("What to do", list(SECTIONS), format_func=SECTIONS.get, horizontal=True,
                       key="cohort_section", label_visibility="collapsed") or "add"
    if section == "add":
        with st.form("add_trainee", clear_on_submit=True):
            email = st.text_input("Trainee's email", key="add_email")
            if st.form_submit_button("Add to the cohort"):
                m = runtime.run(cohorts.add_trainee, actor, cohort.id, email)
                if m:
                    _done(f"{m.name} is now in {cohort.name}.")
    elif section == "create":
        with st.form("create_trainee", clear_on_submit=True):
            name = st.text_input("Name", key="create_name")
            email = st.text_input("Email", key="create_email")
            pw = st.text_input("Password (8 characters or more; tell it to the trainee)", type="password",
                               key="create_password")
            if st.form_submit_button("Create the account"):
                m = runtime.run(cohorts.create_trainee, actor, cohort.id, email=email, name=name, password=pw)
                if m:
                    _done(f"Account created for {m.name} ({m.email}) in {cohort.name}.")
    labels = {m.user_id: f"{m.name} ({m.email})" for m in members}
    if section == "remove":
        if not members:
            st.caption("Nobody to remove.")
        else:
            uid = st.selectbox("Trainee", list(labels), format_func=labels.get, key="remove_who")
            sure = st.checkbox("Yes, take this trainee out of the cohort (their account and results are kept)",
                               key="remove_sure")
            if st.button("Remove from the cohort", key="remove_go", disabled=not sure) and runtime.run(
                    cohorts.remove_trainee, actor, cohort.id, uid):
                _done(f"{labels[uid]} was removed from {cohort.name}.")
    elif section == "reset":
        if not members:
            st.caption("Nobody here yet.")
        else:
            st.caption("A one-time link, valid 24 hours, with which the trainee chooses their own new password "
                       "(any lock-out is lifted, and they are logged out everywhere). A new link replaces the last.")
            uid = st.selectbox("Trainee", list(labels), format_func=labels.get, key="reset_who")
            if st.button("Create a reset link", key="reset_link", type="primary"):
                link = runtime.run(password_resets.create_link, actor, uid)
                if link:
                    st.session_state["_reset_link"] = link
            link = st.session_state.get("_reset_link")
            if link is not None and link.user_email == next((m.email for m in members if m.user_id == uid), None):
                show_link(link)
