"""Migration 0003 on a database with certificates issued the old way (attempt number + HMAC code, no expiry):
after the upgrade they still verify, by their stored code, whatever the server key is now."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from quiz.adapters.db import alembic_config, make_engine, session_factory, transaction, upgrade_to_head
from quiz.services import certificates
from tests.conftest import PG_URL, missing

OLD_CODE = "MC-000003-7F3A9C21B0"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database (no schema yet) on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    admin_url = make_url(PG_URL)
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as err:  # noqa: BLE001
        missing(f"PostgreSQL ({type(err).__name__})")
        return
    name = f"quiz_mig_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_certificates_issued_before_keep_verifying(empty_url: str, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("QUIZ_SECRET_KEY", "a-key-set-after-the-fact")
    engine = make_engine(empty_url)
    with engine.begin() as conn:
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
    when = datetime(2027, 3, 4, 10, 0)  # UTC: naive as SQLite stores it, aware for PostgreSQL's timestamptz
    stamp = when if engine.dialect.name == "sqlite" else when.replace(tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO users (id, email, name, role, password_hash, is_active, failed_logins, "
                          "created_at) VALUES (1, 'amira@example.com', 'Amira Haddad', 'trainee', 'x', true, 0, :t)"),
                     {"t": stamp})
        conn.execute(text("INSERT INTO exams (id, name, blueprint, time_limit_minutes, pass_mark, attempts_allowed, "
                          "wait_hours, review_options, is_active, created_at) VALUES (1, 'Foundation certificate', "
                          "'{}', 30, 0.7, 1, 0, '{}', true, :t)"), {"t": stamp})
        conn.execute(text("INSERT INTO attempts (id, user_id, exam_id, mode, state, seed, settings, started_at, "
                          "current_position, passed, percent) VALUES (3, 1, 1, 'exam', 'submitted', 1, '{}', :t, 0, "
                          "true, 0.9)"), {"t": stamp})
        conn.execute(text("INSERT INTO certificates (id, code, user_id, exam_id, attempt_id, score_percent, issued_at) "
                          "VALUES (1, :code, 1, 1, 3, 0.9, :t)"), {"code": OLD_CODE, "t": stamp})
    upgrade_to_head(engine)
    with transaction(session_factory(engine)) as session:
        result = certificates.verify(session, OLD_CODE.lower())
        assert result.valid, result.message
        assert result.certificate.holder == "Amira Haddad" and result.certificate.exam == "Foundation certificate"
        assert result.certificate.expires_at is None and result.certificate.issued_at == when.replace(tzinfo=UTC)
    engine.dispose()
