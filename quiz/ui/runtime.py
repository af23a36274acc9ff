"""What every page needs: the platform (one per server process), the logged-in actor, and a safe way to
call services (a refused action shows its reason; an unexpected error shows a calm message, never a trace).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import streamlit as st
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from quiz.adapters.bank_files import BankInvalid
from quiz.bootstrap import Platform, open_platform, sync_from_files
from quiz.services.accounts import ensure_setup_code
from quiz.services.errors import ServiceError
from quiz.services.permissions import Actor

log = logging.getLogger("quiz.ui")
T = TypeVar("T")

ACTOR_KEY = "actor"


@st.cache_resource(show_spinner="Preparing the database...")
def get_platform() -> Platform:
    """Open the database once per server process: migrate, sync the bank, print the set-up code if needed."""
    platform = open_platform()
    try:
        sync_from_files(platform)
    except BankInvalid as err:
        print(f"[quiz] the question bank has {len(err.problems)} problem(s); not synced", file=sys.stderr)
    with platform.transaction() as session:
        code = ensure_setup_code(session, platform.settings.setup_code)
    if code and not platform.settings.setup_code:
        from quiz.cli.server import print_setup_code

        print_setup_code(code)
    from quiz.background import start_overdue_sweeper

    start_overdue_sweeper(platform)  # once per process (this function is cached): grades overdue exams
    return platform


def current_actor() -> Actor | None:
    return st.session_state.get(ACTOR_KEY)


def require_actor() -> Actor:
    actor = current_actor()
    if actor is None:
        st.warning("Please log in.")
        st.stop()
    return actor


def set_actor(actor: Actor | None) -> None:
    if actor is None:
        st.session_state.clear()
    else:
        st.session_state[ACTOR_KEY] = actor


@contextmanager
def db() -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back on error."""
    with get_platform().transaction() as session:
        yield session


def run(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """Call ``fn(session, *args, **kwargs)`` in a transaction and show any failure as a message.

    Returns the result, or None when the action failed (after showing why)."""
    try:
        with db() as session:
            return fn(session, *args, **kwargs)
    except ServiceError as err:
        st.error(str(err))
    except (OperationalError, DBAPIError):
        log.exception("database error")
        st.error("The database could not be reached just now. Nothing you saved before is lost; "
                 "please try again in a moment.")
    return None


def show_unexpected(err: Exception) -> None:
    log.exception("unexpected error", exc_info=err)
    st.error("Something went wrong on our side. Your saved answers are safe; please reload the page.")


def show_flash(page: str) -> None:
    """Show, once, the confirmation that :func:`flash_and_rerun` left for ``page``: as a toast (seen wherever
    the user has scrolled to) and as a message at the top."""
    msg = st.session_state.pop(f"_flash_{page}", None)
    if msg:
        st.toast(msg)
        st.success(msg)


def flash_and_rerun(page: str, msg: str) -> None:
    """Rerun the page after an action and confirm it there (see :func:`show_flash`)."""
    st.session_state[f"_flash_{page}"] = msg
    st.rerun()
