"""Wire the platform together: settings -> engine -> migrated schema -> synced bank.

Used by the command line (``python -m quiz init``), the Streamlit app (once per server process) and tests.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from quiz.adapters.bank_files import load_bank
from quiz.adapters.db import make_engine, session_factory, transaction, upgrade_to_head
from quiz.core.config import Settings, get_settings
from quiz.services.bank_sync import SyncReport, sync_bank


@dataclass
class Platform:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]

    def transaction(self):  # noqa: ANN201 - a context manager yielding a Session
        return transaction(self.sessions)


def open_platform(settings: Settings | None = None, *, migrate: bool = True) -> Platform:
    settings = settings or get_settings()
    engine = make_engine(settings.database_url)
    if migrate:
        upgrade_to_head(engine)
    platform = Platform(settings=settings, engine=engine, sessions=session_factory(engine))
    if migrate and not settings.secret_key:
        from quiz.services.site_settings import ensure_secret_key

        with platform.transaction() as session:  # first start: made at random and kept in the database
            platform.settings = replace(settings, secret_key=ensure_secret_key(session, None))
    return platform


def sync_from_files(platform: Platform) -> SyncReport:
    """Validate the bank files and sync them in one transaction (raises BankInvalid before touching the DB)."""
    bank = load_bank(platform.settings.bank_path)
    with platform.transaction() as session:
        return sync_bank(session, bank)


def print_setup_code(code: str) -> None:
    """Show the first-run set-up code on the server's console (from `serve` and from the app's first start)."""
    bar = "*" * 64
    print(f"\n{bar}\n  First run: no accounts yet. Open the app and create the first trainer\n"
          f"  with this one-time set-up code:   {code}\n{bar}\n", flush=True)
