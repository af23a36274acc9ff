"""Shared fixtures: a migrated database on SQLite and on PostgreSQL, and ready-made users.

PostgreSQL: QUIZ_TEST_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test). Each test session
makes its own throw-away database there. When the server is missing, PostgreSQL tests are skipped, except in
CI (CI=true), where they fail.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from quiz.adapters.db import make_engine, session_factory, upgrade_to_head
from quiz.adapters.orm import Base
from quiz.bootstrap import Platform
from quiz.core.config import PROJECT_ROOT, Settings
from quiz.services import accounts
from quiz.services.permissions import Actor

PG_URL = os.environ.get("QUIZ_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"


def missing(what: str) -> None:
    """Skip locally, fail in CI: a CI run must never pass without PostgreSQL or Chromium."""
    if IN_CI:
        pytest.fail(f"{what} is required in CI but is not available", pytrace=False)
    pytest.skip(f"{what} not available")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "quiz.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_to_head(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    admin_url = make_url(PG_URL)
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as err:  # noqa: BLE001
        missing(f"PostgreSQL at {admin_url.render_as_string(hide_password=True)} ({type(err).__name__})")
        return
    name = f"quiz_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name)
    engine = make_engine(url.render_as_string(hide_password=False))
    upgrade_to_head(engine)
    engine.dispose()
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _truncate_all(engine) -> None:  # noqa: ANN001
    names = ", ".join(f'"{t.name}"' for t in reversed(Base.metadata.sorted_tables))
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def platform(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[Platform]:
    """A migrated, empty database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        db = tmp_path / "quiz.db"
        shutil.copy(sqlite_template, db)
        url = f"sqlite:///{db}"
    else:
        url = request.getfixturevalue("pg_url")
    settings = Settings(database_url=url, bank_path=PROJECT_ROOT / "question_bank")
    engine = make_engine(url)
    if request.param == "postgresql":
        _truncate_all(engine)
    yield Platform(settings=settings, engine=engine, sessions=session_factory(engine))
    engine.dispose()


@pytest.fixture
def sqlite_platform(tmp_path: Path, sqlite_template: Path) -> Iterator[Platform]:
    """SQLite only (for tests that do not need to run on both backends, e.g. UI tests)."""
    db = tmp_path / "quiz.db"
    shutil.copy(sqlite_template, db)
    url = f"sqlite:///{db}"
    engine = make_engine(url)
    yield Platform(settings=Settings(database_url=url), engine=engine, sessions=session_factory(engine))
    engine.dispose()


def _make_user(platform: Platform, role: str, email: str, name: str) -> Actor:
    with platform.transaction() as s:
        user = accounts.create_user(s, None, email=email, name=name, role=role, password="password123")
        return Actor.of(user)


@pytest.fixture
def admin(platform: Platform) -> Actor:
    return _make_user(platform, "admin", "admin@example.com", "Ada Admin")


@pytest.fixture
def trainer(platform: Platform) -> Actor:
    return _make_user(platform, "trainer", "trainer@example.com", "Tom Trainer")


@pytest.fixture
def trainee(platform: Platform) -> Actor:
    return _make_user(platform, "trainee", "trainee@example.com", "Tia Trainee")


make_user = _make_user
