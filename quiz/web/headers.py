"""Middleware on every HTTP response: no framing (clickjacking), a content security policy, no MIME sniffing,
a strict referrer policy; and Streamlit's ``/_stcore/metrics`` kept private."""

from __future__ import annotations

import ipaddress
import os

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from quiz.web.csp import policy

METRICS_PATH = "/_stcore/metrics"


def security_headers() -> list[tuple[bytes, bytes]]:
    return [
        (b"x-frame-options", b"DENY"),
        (b"content-security-policy", policy().encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
    ]


def metrics_allowed(scope: Scope) -> bool:
    """Metrics only when QUIZ_METRICS=1, and then only to a client on this machine that did not come through a
    proxy (a local reverse proxy would otherwise make every visitor look local)."""
    if os.environ.get("QUIZ_METRICS", "") != "1":
        return False
    headers = {k.lower(): v for k, v in scope.get("headers", [])}
    if b"x-forwarded-for" in headers or b"forwarded" in headers:
        return False
    client = scope.get("client") or ("", 0)
    try:
        return ipaddress.ip_address(client[0]).is_loopback
    except ValueError:
        return False


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.headers = security_headers()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if path.rstrip("/").endswith(METRICS_PATH) and not metrics_allowed(scope):
            await self._not_found(send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *((k, v) for k, v in self.headers if k not in names)]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _not_found(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": 404,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"), *self.headers]})
        await send({"type": "http.response.body", "body": b"Not Found"})
