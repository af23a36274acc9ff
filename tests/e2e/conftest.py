"""Real-browser harness: the app started with `streamlit run` on a free port, driven in Debian's Chromium
through pip's playwright (no browser is ever downloaded). In CI a missing Chromium fails the run."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from quiz.core.config import PROJECT_ROOT
from tests.conftest import missing

CHROMIUM = os.environ.get("QUIZ_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage",
]
SETUP_CODE = "E2ESETUP42"

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class AppServer:
    url: str
    database_url: str
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def _wait_healthy(server: AppServer, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the app exited early:\n{server.output()}")
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the app did not become healthy in {timeout}s:\n{server.output()}")


@pytest.fixture
def start_app(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[..., AppServer]]:
    """Start the real app (`streamlit run app.py`) against a fresh SQLite database; stopped after the test."""
    servers: list[AppServer] = []

    def _start(database_url: str | None = None, **env_extra: str) -> AppServer:
        port = free_port()
        db_url = database_url or f"sqlite:///{tmp_path / f'app-{port}.db'}"
        log = tmp_path / f"server-{port}.log"
        env = {**os.environ, "DATABASE_URL": db_url, "QUIZ_SETUP_CODE": SETUP_CODE, "QUIZ_NO_VENV": "1",
               "PYTHONUNBUFFERED": "1", **env_extra}
        cmd = [sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "app.py"),
               "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
        proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
        server = AppServer(f"http://127.0.0.1:{port}", db_url, proc, log)
        servers.append(server)
        _wait_healthy(server)
        return server

    yield _start
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        for srv in servers:
            print(f"\n--- app server log ({srv.url}), last lines ---\n{srv.output()[-4000:]}")
    for s in servers:
        s.process.terminate()
        try:
            s.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            s.process.kill()


@pytest.fixture(scope="session")
def browser():  # noqa: ANN201
    if not Path(CHROMIUM).exists():
        missing(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # noqa: ANN001, ANN201
    """Keep each phase's report on the test item, so fixtures can tell whether the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def page(browser, request, tmp_path):  # noqa: ANN001, ANN201
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    pg = context.new_page()
    yield pg
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        # Evidence for a failure that only happens under load (e.g. in CI): what the browser showed.
        shot = tmp_path / "failure.png"
        try:
            pg.screenshot(path=str(shot), full_page=True)
            text = pg.inner_text("body")[-3000:]
        except Exception as err:  # noqa: BLE001
            text = f"(no page text: {err})"
        print(f"\n--- e2e failure: screenshot {shot}; page text (end) ---\n{text}")
    context.close()


def wait_idle(page, timeout: float = 30_000) -> None:  # noqa: ANN001
    """Wait until Streamlit has finished running the script for the last interaction."""
    page.wait_for_selector("[data-test-script-state=notRunning]", state="attached", timeout=timeout)
    page.wait_for_timeout(150)
    page.wait_for_selector("[data-test-script-state=notRunning]", state="attached", timeout=timeout)
