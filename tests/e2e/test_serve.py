"""`python -m quiz serve` stops cleanly: SIGTERM (or Ctrl-C) is passed on to its Streamlit child, which it
waits for, so no server is left running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from quiz.core.config import PROJECT_ROOT
from tests.e2e.conftest import free_port

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_serve_stops_its_streamlit_child(tmp_path, sig):
    """`python -m quiz serve` forwards SIGTERM (and Ctrl-C) to Streamlit and waits for it."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}", "QUIZ_NO_VENV": "1",
           "QUIZ_SETUP_CODE": "SERVE1234", "PYTHONUNBUFFERED": "1"}
    log = tmp_path / "serve.log"
    proc = subprocess.Popen([sys.executable, "-m", "quiz", "serve", "--port", str(port), "--address", "127.0.0.1"],
                            cwd=PROJECT_ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    if r.read() == b"ok":
                        break
            except OSError:
                time.sleep(0.3)
        else:
            raise AssertionError(log.read_text())
        children = _children(proc.pid)
        assert children, "serve should run Streamlit as a child process"
        proc.send_signal(sig)
        assert proc.wait(timeout=30) == 0, log.read_text()
        time.sleep(0.5)
        assert not [c for c in children if _alive(c)], f"left running: {children}\n{log.read_text()}"
    finally:
        if proc.poll() is None:
            proc.kill()


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False
