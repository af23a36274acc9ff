"""The HTTP side of the real app (started with `streamlit run app.py`), without a browser: security headers on
every response, /_stcore/metrics not public, the login hand-off route and its cookie flags, logout's CSRF check,
and export downloads that check the session and the role."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import Message

import pytest
from sqlalchemy import select

from quiz.adapters.orm import AuthSession
from quiz.bootstrap import open_platform
from quiz.core.config import Settings
from quiz.services import accounts, sessions
from quiz.web.headers import metrics_allowed

pytestmark = pytest.mark.e2e


@dataclass
class Reply:
    status: int
    headers: Message
    body: bytes


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, *, data: dict | None = None, cookie: str | None = None, headers: dict | None = None) -> Reply:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers=dict(headers or {}))
    if cookie:
        req.add_header("Cookie", f"{sessions.COOKIE_NAME}={cookie}")
    try:
        with _opener.open(req, timeout=20) as r:
            return Reply(r.status, r.headers, r.read())
    except urllib.error.HTTPError as err:
        return Reply(err.code, err.headers, err.read())


@pytest.fixture
def app(start_app, tmp_path):  # noqa: ANN001, ANN201
    url = f"sqlite:///{tmp_path / 'http.db'}"
    platform = open_platform(Settings(database_url=url))
    with platform.transaction() as s:
        trainer = accounts.create_user(s, None, email="t@example.com", name="Tom", role="trainer",
                                       password="password123")
        trainee = accounts.create_user(s, None, email="a@example.com", name="Amy", role="trainee",
                                       password="password123")
        ids = {"trainer": trainer.id, "trainee": trainee.id}
    server = start_app(database_url=url)
    yield server, platform, ids
    platform.engine.dispose()


def _token(platform, user_id: int) -> str:  # noqa: ANN001
    with platform.transaction() as s:
        return sessions.create(s, user_id)


def _handoff(platform, user_id: int, page: str | None = "exams") -> str:  # noqa: ANN001
    with platform.transaction() as s:
        return sessions.issue_handoff(s, user_id, page)


def test_every_response_forbids_framing_and_sniffing_and_has_a_csp(app) -> None:  # noqa: ANN001
    server, _, _ = app
    for path in ("/", "/login", "/exams", "/_stcore/health", "/auth/complete", "/download/export/results.csv",
                 "/_stcore/metrics", "/favicon.png"):
        r = fetch(server.url + path)
        assert r.headers["X-Frame-Options"] == "DENY", path
        csp = r.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, path
        assert "script-src 'self' 'sha256-" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
        assert r.headers["X-Content-Type-Options"] == "nosniff", path
        assert r.headers["Referrer-Policy"] == "same-origin", path


def test_metrics_are_not_public(app) -> None:  # noqa: ANN001
    server, _, _ = app
    assert fetch(server.url + "/_stcore/metrics").status == 404
    assert fetch(server.url + "/_stcore/metrics/").status == 404
    assert fetch(server.url + "/_stcore/health").status == 200


def test_metrics_only_locally_and_only_when_turned_on(monkeypatch: pytest.MonkeyPatch) -> None:
    local = {"type": "http", "client": ("127.0.0.1", 5000), "headers": []}
    assert not metrics_allowed(local)
    monkeypatch.setenv("QUIZ_METRICS", "1")
    assert metrics_allowed(local)
    assert not metrics_allowed({**local, "client": ("203.0.113.9", 5000)})
    assert not metrics_allowed({**local, "headers": [(b"x-forwarded-for", b"203.0.113.9")]})


def test_login_handoff_sets_an_httponly_lax_cookie_once(app) -> None:  # noqa: ANN001
    server, platform, ids = app
    code = _handoff(platform, ids["trainee"])
    r = fetch(server.url + "/auth/complete", data={"handoff_code": code}, headers={"Origin": server.url})
    assert r.status == 303 and r.headers["Location"] == "/exams"
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith(f"{sessions.COOKIE_NAME}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie and "Secure" not in cookie
    token = cookie.split(";")[0].split("=", 1)[1]
    with platform.sessions() as s:
        assert s.scalar(select(AuthSession.token_hash)) == sessions.hash_token(token)  # the hash, not the token
    # the same code again: no second session
    again = fetch(server.url + "/auth/complete", data={"handoff_code": code}, headers={"Origin": server.url})
    assert again.status == 303 and "login=expired" in again.headers["Location"] and "Set-Cookie" not in again.headers
    # a GET (a typed or bookmarked address) never completes a login
    assert fetch(server.url + "/auth/complete?handoff_code=" + code).headers["Location"] == "/login"


def test_login_handoff_refuses_another_site_and_odd_next_pages(app) -> None:  # noqa: ANN001
    server, platform, ids = app
    code = _handoff(platform, ids["trainee"])
    r = fetch(server.url + "/auth/complete", data={"handoff_code": code}, headers={"Origin": "https://evil.example"})
    assert r.status == 403 and "Set-Cookie" not in r.headers
    sneaky = _handoff(platform, ids["trainee"], "/evil.example/x")
    r = fetch(server.url + "/auth/complete", data={"handoff_code": sneaky}, headers={"Origin": server.url})
    assert r.status == 303 and r.headers["Location"] == "/"


def test_secure_cookie_over_https_from_a_trusted_proxy_only(app, start_app) -> None:  # noqa: ANN001
    server, platform, ids = app
    # uvicorn trusts X-Forwarded-Proto from 127.0.0.1 by default (a reverse proxy on this machine)
    r = fetch(server.url + "/auth/complete", data={"handoff_code": _handoff(platform, ids["trainee"])},
              headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in r.headers["Set-Cookie"]
    # trusting only another address, the same header from here is ignored
    other = start_app(database_url=server.database_url, FORWARDED_ALLOW_IPS="10.9.9.9")
    r = fetch(other.url + "/auth/complete", data={"handoff_code": _handoff(platform, ids["trainee"])},
              headers={"X-Forwarded-Proto": "https"})
    assert r.status == 303 and "Secure" not in r.headers["Set-Cookie"]


def test_logout_needs_the_sessions_csrf_value_and_clears_the_cookie(app) -> None:  # noqa: ANN001
    server, platform, ids = app
    token = _token(platform, ids["trainee"])
    forged = fetch(server.url + "/auth/logout", cookie=token)
    assert forged.status == 403
    with platform.transaction() as s:
        assert sessions.resolve(s, token).actor is not None  # a forged link ends nothing
    r = fetch(server.url + "/auth/logout?csrf=" + sessions.csrf_token(token), cookie=token)
    assert r.status == 303 and r.headers["Location"].startswith("/login?logged_out=")
    assert f'{sessions.COOKIE_NAME}=""' in r.headers["Set-Cookie"] and "Max-Age=0" in r.headers["Set-Cookie"]
    with platform.transaction() as s:
        assert sessions.resolve(s, token).problem == sessions.ENDED


def test_logout_everywhere_by_post(app) -> None:  # noqa: ANN001
    server, platform, ids = app
    here, there = _token(platform, ids["trainee"]), _token(platform, ids["trainee"])
    r = fetch(server.url + "/auth/logout", data={"csrf": sessions.csrf_token(here), "everywhere": "1"},
              cookie=here, headers={"Origin": server.url})
    assert r.status == 303 and "logged_out=everywhere" in r.headers["Location"]
    with platform.transaction() as s:
        assert sessions.resolve(s, there).actor is None


def test_export_downloads_check_the_session_and_the_role(app) -> None:  # noqa: ANN001
    server, platform, ids = app
    url = server.url + "/download/export/results.csv"
    assert fetch(url).status == 401
    assert fetch(url, cookie="made-up").status == 401
    assert fetch(url, cookie=_token(platform, ids["trainee"])).status == 403
    token = _token(platform, ids["trainer"])
    ok = fetch(url, cookie=token)
    assert ok.status == 200 and ok.body.decode("utf-8-sig").startswith("attempt_id,")
    assert "attachment" in ok.headers["Content-Disposition"]
    assert fetch(server.url + "/download/export/responses.xlsx", cookie=token).body[:2] == b"PK"
    assert fetch(server.url + "/download/export/results.csv?cohort=999", cookie=token).status == 403
    assert fetch(server.url + "/download/export/passwords.csv", cookie=token).status == 404
    with platform.transaction() as s:
        sessions.revoke(s, token)
    assert fetch(url, cookie=token).status == 401


def test_two_app_processes_on_one_postgresql_share_sessions(start_app, pg_url) -> None:  # noqa: ANN001
    """A session started through one process works in another, and a logout in one ends it in both."""
    platform = open_platform(Settings(database_url=pg_url), migrate=False)
    with platform.transaction() as s:
        trainer = accounts.create_user(s, None, email="pg-two@example.com", name="Tom", role="trainer",
                                       password="password123")
        code = sessions.issue_handoff(s, trainer.id, "dashboard")
    try:
        a, b = start_app(database_url=pg_url), start_app(database_url=pg_url)
        r = fetch(a.url + "/auth/complete", data={"handoff_code": code}, headers={"Origin": a.url})
        token = r.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
        assert fetch(b.url + "/download/export/results.csv", cookie=token).status == 200
        fetch(b.url + "/auth/logout?csrf=" + sessions.csrf_token(token), cookie=token)
        assert fetch(a.url + "/download/export/results.csv", cookie=token).status == 401
    finally:
        platform.engine.dispose()
