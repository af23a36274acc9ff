"""nginx in front of several app processes (python -m quiz serve --workers N): each browser sticks to one
process (a route cookie), and when that process dies its next request lands on another. Tiny HTTP servers
stand in for the Streamlit processes; tests/e2e/test_failover.py does it with the real app."""

from __future__ import annotations

import http.client
import http.server
import socket
import threading
import time
from pathlib import Path

import pytest

from quiz.cli import workers

pytestmark = pytest.mark.skipif(not Path("/usr/sbin/nginx").exists() and not __import__("shutil").which("nginx"),
                                reason="nginx is not installed (apt-get install -y nginx)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Backend:
    def __init__(self, port: int) -> None:
        me = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                body = f"{me.port} upgrade={self.headers.get('Upgrade')}".encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:  # noqa: ANN002
                pass

        self.port = port
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.thread.is_alive():
            self.server.shutdown()
            self.server.server_close()


def get(port: int, cookie: str | None = None, headers: dict | None = None) -> tuple[int, str, str | None]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/", headers={**({"Cookie": cookie} if cookie else {}), **(headers or {})})
    resp = conn.getresponse()
    body = resp.read().decode()
    conn.close()
    return resp.status, body, resp.getheader("Set-Cookie")


@pytest.fixture
def proxy(tmp_path):  # noqa: ANN001, ANN201
    backends = [Backend(free_port()) for _ in range(3)]
    listen = free_port()
    nginx = workers.start_nginx(listen, [b.port for b in backends], tmp_path / "nginx")
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", listen), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    yield listen, backends
    nginx.terminate()
    nginx.wait(timeout=10)
    for b in backends:
        b.stop()


def test_a_browser_sticks_to_one_process_and_moves_when_it_dies(proxy):  # noqa: ANN001
    listen, backends = proxy
    status, body, set_cookie = get(listen)
    assert status == 200 and set_cookie and set_cookie.startswith("quiz_route=")
    cookie = set_cookie.split(";")[0]
    seen = {get(listen, cookie)[1].split()[0] for _ in range(10)}
    assert len(seen) == 1  # sticky
    status, _, again = get(listen, cookie)
    assert again is None  # the route cookie is set once
    mine = next(b for b in backends if str(b.port) in seen)
    # other browsers spread over the processes
    spread = {get(listen, f"quiz_route=browser-{i}")[1].split()[0] for i in range(30)}
    assert len(spread) >= 2
    mine.stop()  # the process serving this browser dies
    status, body, _ = get(listen, cookie)
    assert status == 200 and body.split()[0] != str(mine.port)
    moved = body.split()[0]
    assert {get(listen, cookie)[1].split()[0] for _ in range(5)} == {moved}  # and sticks there


def test_websocket_upgrades_are_passed_on(proxy):  # noqa: ANN001
    listen, _ = proxy
    _, body, _ = get(listen, "quiz_route=x", {"Upgrade": "websocket", "Connection": "Upgrade"})
    assert body.endswith("upgrade=websocket")


def test_the_deploy_configuration_is_the_generated_one():
    text = (Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    generated = workers.nginx_config(8501, [8502, 8503, 8504, 8505], Path("/var/lib/quiz-nginx"))
    assert text.split("\n", 3)[3].rstrip() == generated.split("\n", 1)[1].rstrip()
