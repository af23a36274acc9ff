"""`python -m quiz demo` tells people the address `serve` will really use (--port, else QUIZ_PORT, else 8501)."""

from __future__ import annotations

from pathlib import Path

import pytest

from quiz.cli import main
from quiz.cli.server import serve_port


def test_serve_port_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QUIZ_PORT", raising=False)
    assert serve_port(None) == "8501"
    monkeypatch.setenv("QUIZ_PORT", "8642")
    assert serve_port(None) == "8642"
    assert serve_port(8700) == "8700"


def test_demo_prints_the_port_serve_will_use(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                             capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'demo.db'}")
    monkeypatch.setenv("QUIZ_PORT", "8642")
    assert main(["demo", "--trainees", "2", "--days", "20"]) == 0
    out = capsys.readouterr().out
    assert "http://localhost:8642" in out and "8501" not in out
    assert main(["demo", "--trainees", "2", "--days", "20", "--force", "--port", "8700"]) == 0
    out = capsys.readouterr().out
    assert "http://localhost:8700" in out and "--port 8700" in out
