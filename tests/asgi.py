"""Call an ASGI app (a Starlette route list) directly, without a server or another HTTP library.

The call runs on a thread of its own with a fresh event loop, so it works even when the test's thread already
has a running loop (Playwright's sync API leaves one behind in the pytest worker that ran a browser test).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any


def call_asgi(app: Any, path: str, query: bytes = b"", *, method: str = "GET",
              host: str = "meso.example.com") -> tuple[int, dict[str, str], bytes]:
    """One request to ``app`` as https://``host``; returns (status, headers, body)."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "https",
             "path": path, "raw_path": path.encode(), "query_string": query, "root_path": "",
             "headers": [(b"host", host.encode())], "server": (host, 443), "client": ("203.0.113.9", 50000)}
    sent: list[dict] = []

    asked = False

    async def receive() -> dict:
        nonlocal asked
        if asked:  # as a server does: nothing more until the client goes away (a streamed response waits here)
            await asyncio.Event().wait()
        asked = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body
