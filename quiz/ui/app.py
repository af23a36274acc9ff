"""The Streamlit entry: builds the page list for who is logged in and runs the chosen page."""

from __future__ import annotations

import importlib

import streamlit as st

from quiz.services import accounts
from quiz.ui import runtime
from quiz.ui.pages import HOME_PAGE, PAGES, PageSpec, pages_for
from quiz.ui.text import plain


def _page(spec: PageSpec, default: bool = False, alias: bool = False) -> st.Page:
    """The page for ``spec``. Streamlit serves the default page at ``/`` only, so it gets a spare url_path and
    an ``alias`` (hidden) copy answers at ``/<key>`` (``/login``, ``/home``, ``/dashboard`` work as links)."""

    def render() -> None:
        module = importlib.import_module(f"quiz.ui.pages.{spec.module}")
        actor = runtime.current_actor()
        if actor is not None and spec.key not in ("login", "register", "reset"):
            remember(spec.key)
        try:
            module.render()
        except Exception as err:  # noqa: BLE001 - the last guard: no stack trace reaches a user
            # (st.stop / st.rerun / st.switch_page raise BaseExceptions, which pass through.)
            runtime.show_unexpected(err)

    render.__name__ = f"page_{spec.key.replace('-', '_')}"
    if alias:
        return st.Page(render, title=spec.title, icon=spec.icon, url_path=spec.key, visibility="hidden")
    return st.Page(render, title=spec.title, icon=spec.icon, url_path=f"start-{spec.key}" if default else spec.key,
                   default=default)


def _to_home(home: st.Page) -> st.Page:
    """/login or /register for someone already logged in: their home page."""

    def render() -> None:
        st.switch_page(home)

    return render


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

    actor = runtime.authenticate()  # the cookie's session, checked against the database on every run
    role = actor.role if actor else "anonymous"
    specs = pages_for(role)
    home = HOME_PAGE[role]
    pages = {spec.key: _page(spec, default=spec.key == home) for spec in specs}
    st.session_state["_pages"] = pages

    sections: dict[str, list[st.Page]] = {}
    for spec in specs:
        sections.setdefault(spec.section, []).append(pages[spec.key])
    hidden = sections.setdefault("", [])
    hidden.append(_page(next(s for s in specs if s.key == home), alias=True))
    known = {spec.key for spec in specs}
    if actor is None:
        # Signed out (or the session ended): the address of a logged-in page (e.g. /exams) shows the login
        # form instead of a "page not found" dialog; after logging in, that page opens.
        from quiz.ui.pages import login

        hidden.extend(st.Page(login.render, title="Log in", url_path=p.key, visibility="hidden")
                      for p in PAGES if p.key not in known)
    else:
        hidden.extend(st.Page(_to_home(pages[home]), title=p.title, url_path=p.key, visibility="hidden")
                      for p in PAGES if p.key in ("login", "register") and p.key not in known)
        # A reset link works whoever is signed in on this browser (it carries its own proof: the token).
        reset = next(p for p in PAGES if p.key == "reset")
        hidden.append(_page(reset, alias=True))
    nav = st.navigation(sections, position="hidden")
    from quiz.ui.browser import menu

    menu(sections, nav)  # the sidebar menu as page links (accessible markup), and each page opens at its top

    if actor is not None:
        with st.sidebar:
            st.caption(f"Logged in as **{plain(actor.name)}** ({actor.role})")
            runtime.logout_form()
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
