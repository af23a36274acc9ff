"""The Streamlit entry: builds the page list for who is logged in and runs the chosen page."""

from __future__ import annotations

import importlib

import streamlit as st

from quiz.services import accounts
from quiz.ui import runtime
from quiz.ui.pages import HOME_PAGE, PAGES, PageSpec, pages_for


def _page(spec: PageSpec, default: bool = False) -> st.Page:
    def render() -> None:
        module = importlib.import_module(f"quiz.ui.pages.{spec.module}")
        actor = runtime.current_actor()
        if actor is not None and spec.key not in ("login", "register"):
            remember(spec.key)
        try:
            module.render()
        except Exception as err:  # noqa: BLE001 - the last guard: no stack trace reaches a user
            # (st.stop / st.rerun / st.switch_page raise BaseExceptions, which pass through.)
            runtime.show_unexpected(err)

    render.__name__ = f"page_{spec.key.replace('-', '_')}"
    return st.Page(render, title=spec.title, icon=spec.icon, url_path=spec.key, default=default)


def remember(key: str) -> None:
    """Store where the user is, so a fresh login (after a reload) brings them back here."""
    if st.session_state.get("_remembered") == key:
        return
    actor = runtime.current_actor()
    if actor is None:
        return
    runtime.run(accounts.remember_page, actor.id, key)
    st.session_state["_remembered"] = key


def _first_run() -> None:
    from quiz.ui.pages import first_run

    st.navigation([st.Page(first_run.render, title="Set up", icon=":material/build:", url_path="setup")],
                  position="hidden").run()


def main() -> None:
    st.set_page_config(page_title="MesoCert: mesotherapy training", page_icon=":material/vaccines:",
                       layout="wide")
    runtime.get_platform()
    if not st.session_state.get("_has_users"):
        with runtime.db() as session:
            if not accounts.has_users(session):
                _first_run()
                return
        st.session_state["_has_users"] = True

    actor = runtime.current_actor()
    role = actor.role if actor else "anonymous"
    specs = pages_for(role)
    pages = {spec.key: _page(spec, default=spec.key == HOME_PAGE[role]) for spec in specs}
    st.session_state["_pages"] = pages

    sections: dict[str, list[st.Page]] = {}
    for spec in specs:
        sections.setdefault(spec.section, []).append(pages[spec.key])
    if actor is None:
        # A reloaded tab has lost its session: the address of a logged-in page (e.g. /exams) shows the login
        # form instead of a "page not found" dialog; after logging in, the remembered page opens.
        from quiz.ui.pages import login

        known = {spec.key for spec in specs}
        sections.setdefault("", []).extend(
            st.Page(login.render, title="Log in", url_path=p.key, visibility="hidden")
            for p in PAGES if p.key not in known
        )
    nav = st.navigation(sections)

    if actor is not None:
        with st.sidebar:
            st.caption(f"Logged in as **{actor.name}** ({actor.role})")
            if st.button("Log out", icon=":material/logout:", key="logout"):
                runtime.set_actor(None)
                st.rerun()
        resume = st.session_state.pop("_resume_to", None)
        if resume and resume in pages:
            st.switch_page(pages[resume])
    nav.run()


def switch_to(key: str) -> None:
    """Go to another page by its key (if the current role has it)."""
    pages = st.session_state.get("_pages", {})
    if key in pages:
        st.switch_page(pages[key])


__all__ = ["main", "switch_to", "PAGES"]
