"""The SQLite engine's settings that the guarantees rest on."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from quiz.adapters.db import make_engine


def test_sqlite_commits_are_durable_wal_with_full_sync_and_foreign_keys(tmp_path: Path) -> None:
    """A saved answer survives a power cut: every commit is synced (synchronous=FULL, 2), whatever the
    SQLite build's default for WAL mode (some builds default to NORMAL, which loses recent commits)."""
    engine = make_engine(f"sqlite:///{tmp_path}/quiz.db")
    with engine.connect() as c:
        assert c.scalar(text("PRAGMA journal_mode")) == "wal"
        assert c.scalar(text("PRAGMA synchronous")) == 2
        assert c.scalar(text("PRAGMA foreign_keys")) == 1
    engine.dispose()
