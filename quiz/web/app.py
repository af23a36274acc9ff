"""Assemble the HTTP side: every route module's ``routes`` list, and the middleware, for ``st.App`` in app.py."""

from __future__ import annotations

import importlib
import logging

from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from quiz.web.headers import SecurityHeadersMiddleware

log = logging.getLogger("quiz.web")

# Each module has a module-level ``routes`` list. A module that does not exist (yet) is skipped.
ROUTE_MODULES = ("quiz.web.session_routes", "quiz.web.downloads", "quiz.web.certificates")


def routes() -> list[BaseRoute]:
    found: list[BaseRoute] = []
    for name in ROUTE_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name != name:  # the module exists but something it imports is missing: a real error
                raise
            log.info("route module %s not present; skipped", name)
            continue
        found.extend(module.routes)
    return found


def middleware() -> list[Middleware]:
    return [Middleware(SecurityHeadersMiddleware)]
