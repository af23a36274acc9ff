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


def test_postgresql_connections_run_without_jit(pg_url: str) -> None:
    """PostgreSQL's JIT compiles the dashboards' aggregates at a cost larger than their run time: it is off for
    the app's connections (unless DATABASE_URL sets its own options)."""
    engine = make_engine(pg_url)
    with engine.connect() as c:
        assert c.scalar(text("SHOW jit")) == "off"
    engine.dispose()
