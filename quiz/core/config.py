"""Settings, read once from the environment (``QUIZ_*`` variables and ``DATABASE_URL``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _default_db_url() -> str:
    return f"sqlite:///{PROJECT_ROOT / 'data' / 'quiz.db'}"


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=_default_db_url)
    bank_path: Path = PROJECT_ROOT / "question_bank"
    # A fixed first-run set-up code (for scripted installs and tests); normally a random one is printed.
    setup_code: str | None = None
    # The server's secret (QUIZ_SECRET_KEY). Unset: open_platform() fills in a random one made on first start
    # and kept in the database. Certificates do not depend on it (their codes are random and looked up).
    secret_key: str | None = None
    # The address people use to reach the app (printed on certificates as the verification link).
    public_url: str | None = None
    lockout_threshold: int = 5
    lockout_minutes: int = 15

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _normalise_url(url: str) -> str:
    # Accept the common postgres:// and postgresql:// forms and use psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def get_settings() -> Settings:
    env = os.environ
    kwargs: dict = {}
    if env.get("DATABASE_URL"):
        kwargs["database_url"] = _normalise_url(env["DATABASE_URL"])
    if env.get("QUIZ_BANK_PATH"):
        kwargs["bank_path"] = Path(env["QUIZ_BANK_PATH"])
    if env.get("QUIZ_SETUP_CODE"):
        kwargs["setup_code"] = env["QUIZ_SETUP_CODE"]
    if env.get("QUIZ_PUBLIC_URL"):
        kwargs["public_url"] = env["QUIZ_PUBLIC_URL"]
    if env.get("QUIZ_SECRET_KEY"):
        kwargs["secret_key"] = env["QUIZ_SECRET_KEY"]
    return Settings(**kwargs)
