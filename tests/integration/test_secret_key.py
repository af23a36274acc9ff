"""Issue 9, certificate secret: with QUIZ_SECRET_KEY unset, a random key is made on first start and kept in the
database (every restart and every process gets the same one); the public development value is gone."""

from __future__ import annotations

from pathlib import Path

import pytest

from quiz.bootstrap import open_platform
from quiz.core.config import get_settings


def test_a_random_key_is_made_once_and_kept(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'k.db'}")
    monkeypatch.delenv("QUIZ_SECRET_KEY", raising=False)
    assert get_settings().secret_key is None
    first = open_platform()
    key = first.settings.secret_key
    assert key and len(key) >= 40 and key != "dev-insecure-change-me"
    again = open_platform()  # a restart, or a second process
    assert again.settings.secret_key == key
    other = tmp_path / "other.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{other}")
    assert open_platform().settings.secret_key != key  # another installation: another key
    monkeypatch.setenv("QUIZ_SECRET_KEY", "from-the-environment")
    assert open_platform().settings.secret_key == "from-the-environment"
    for p in (first, again):
        p.engine.dispose()
