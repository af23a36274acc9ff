"""Login hand-off and logout: the two places where the session cookie is set and cleared.

A Streamlit page cannot set a cookie. After the login form has checked the password (through the accounts
service), the page posts a one-time hand-off code to ``/auth/complete``; this route claims it, starts the
session, sets the HttpOnly cookie and sends the browser (303) to the page it came from. Nothing secret is ever
in a URL. ``/auth/logout`` (a POST from the page's own form, or a GET carrying the session's CSRF value) ends the
session, or with ``everywhere`` every session of the user, and clears the cookie.
"""

from __future__ import annotations

import re

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from quiz.services import sessions
from quiz.services.errors import AuthError
from quiz.web import auth

_PAGE = re.compile(r"^[a-z][a-z0-9-]{0,60}$")


def _back_to(page: str | None, **query: str) -> str:
    path = f"/{page}" if page and _PAGE.match(page) else "/"
    if query:
        path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return path


async def complete(request: Request) -> Response:
    if not auth.same_origin(request):
        return PlainTextResponse("Cross-site login refused.", status_code=403)
    form = await request.form()
    code = str(form.get("handoff_code") or "")
    user_agent = request.headers.get("user-agent")

    def claim() -> sessions.Claimed:
        with auth.platform().transaction() as session:
            return sessions.redeem_handoff(session, code, user_agent=user_agent)

    try:
        claimed = await run_in_threadpool(claim)
    except AuthError:
        return RedirectResponse(_back_to("login", login="expired"), status_code=303)
    response = RedirectResponse(_back_to(claimed.next_page), status_code=303)
    auth.set_session_cookie(response, request, claimed.token)
    response.headers["Cache-Control"] = "no-store"
    return response


async def complete_get(_request: Request) -> Response:
    # Only the page's form may complete a login; a bookmarked or typed address goes to the login page.
    return RedirectResponse("/login", status_code=303)


def _end(token: str, everywhere: bool) -> None:
    with auth.platform().transaction() as session:
        user_id = sessions.user_of(session, token)
        if everywhere and user_id is not None:
            sessions.revoke_all_for_user(session, user_id)
        else:
            sessions.revoke(session, token)


async def logout(request: Request) -> Response:
    token = auth.token_from_request(request)
    if request.method == "POST":
        if not auth.same_origin(request):
            return PlainTextResponse("Cross-site logout refused.", status_code=403)
        form = await request.form()
        csrf, everywhere = str(form.get("csrf") or ""), bool(form.get("everywhere"))
    else:
        csrf, everywhere = request.query_params.get("csrf", ""), bool(request.query_params.get("everywhere"))
    if token and not sessions.csrf_ok(token, csrf):
        return PlainTextResponse("This logout link is not valid for your session. Use the Log out button.",
                                 status_code=403)
    if token:
        await run_in_threadpool(_end, token, everywhere)
    response = RedirectResponse(_back_to("login", logged_out="everywhere" if everywhere else "1"), status_code=303)
    auth.clear_session_cookie(response, request)
    response.headers["Cache-Control"] = "no-store"
    return response


routes = [
    Route("/auth/complete", complete, methods=["POST"]),
    Route("/auth/complete", complete_get, methods=["GET"]),
    Route("/auth/logout", logout, methods=["GET", "POST"]),
]
