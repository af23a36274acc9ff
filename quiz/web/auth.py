"""Who an HTTP request comes from: the session cookie, checked against the database on every request."""

from __future__ import annotations

import functools
import os

from starlette.requests import HTTPConnection
from starlette.responses import Response

from quiz.bootstrap import Platform, open_platform
from quiz.services import sessions
from quiz.services.permissions import Actor

COOKIE_NAME = sessions.COOKIE_NAME


@functools.lru_cache(maxsize=1)
def _platform(database_url: str) -> Platform:
    from quiz.core.config import Settings

    # The schema is migrated by `serve` (or the Streamlit page's first run); routes only read and write rows.
    return open_platform(Settings(database_url=database_url), migrate=False)


def platform() -> Platform:
    """One database engine per process for the routes (keyed on the URL, so tests can point elsewhere)."""
    from quiz.core.config import get_settings

    return _platform(get_settings().database_url)


def token_from_request(request: HTTPConnection) -> str | None:
    return request.cookies.get(COOKIE_NAME) or None


def actor_from_request(request: HTTPConnection) -> Actor | None:
    """The signed-in user of ``request``, or None (no cookie, or a session that was revoked or has expired, or
    an account that was deactivated)."""
    token = token_from_request(request)
    if not token:
        return None
    with platform().transaction() as session:
        return sessions.resolve(session, token).actor


def is_https(request: HTTPConnection) -> bool:
    """Whether the browser reached us over HTTPS. Behind a reverse proxy, uvicorn turns the proxy's
    X-Forwarded-Proto into the request's scheme only for the proxies it trusts (FORWARDED_ALLOW_IPS, by default
    127.0.0.1): a client cannot claim HTTPS by sending the header itself. QUIZ_COOKIE_SECURE=1 forces Secure."""
    return request.url.scheme in ("https", "wss") or os.environ.get("QUIZ_COOKIE_SECURE", "") == "1"


def set_session_cookie(response: Response, request: HTTPConnection, token: str) -> None:
    response.set_cookie(COOKIE_NAME, token, max_age=int(sessions.ABSOLUTE.total_seconds()), path="/",
                        httponly=True, samesite="lax", secure=is_https(request))


def clear_session_cookie(response: Response, request: HTTPConnection) -> None:
    response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="lax", secure=is_https(request))


def same_origin(request: HTTPConnection) -> bool:
    """A form POST from our own pages (browsers send Origin on POST); refuses cross-site login/logout forcing."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None  # no Origin: a non-browser client or an old browser; SameSite still applies
    host = request.headers.get("host", "")
    return origin.split("://", 1)[-1] == host
