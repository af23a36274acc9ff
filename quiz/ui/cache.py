"""Page data cached across reruns: a service's result is kept (``st.cache_data``) under a key that changes
whenever the data behind it may have (:func:`quiz.services.dashboard.data_key`: the data version bumped by
every grading and regrade, the newest attempt, a trainee's scored answers). A rerun that changes no data -
a click on a filter already seen, a drill-down, a widget elsewhere on the page - costs two small queries.
Entries also expire after ``TTL`` seconds, which bounds how stale "last activity" (a saved answer, which
bumps nothing) can be. Permissions are checked by the service on every miss, and the actor is part of the
cache key, so nobody gets another's cached data.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from quiz.services import dashboard
from quiz.ui import runtime

T = TypeVar("T")
TTL = 60


@st.cache_data(ttl=TTL, max_entries=512, show_spinner=False)
def _call(module: str, name: str, key: tuple, args: tuple) -> Any:  # noqa: ARG001 - key: part of the cache key
    fn = getattr(importlib.import_module(module), name)
    with runtime.db() as session:
        return fn(session, *args)


def cached(fn: Callable[..., T], *args: Any, user_id: int | None = None) -> T | None:
    """``runtime.run(fn, *args)``, cached until the data changes; ``user_id`` for one trainee's pages."""
    key = runtime.run(dashboard.data_key, user_id)
    if key is None:
        return None
    key = (runtime.get_platform().settings.database_url, *key)  # one cache, whichever database is open
    return runtime.run(lambda _session: _call(fn.__module__, fn.__name__, key, args))
