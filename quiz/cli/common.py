"""What every command needs: the database (or a clear error), error output, writing a file or stdout."""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy.exc import OperationalError


def open_db():  # noqa: ANN201 - a Platform
    """Open (and migrate) the database, or exit 1 with a one-line reason."""
    from quiz.bootstrap import open_platform

    try:
        return open_platform()
    except OperationalError as error:
        print(f"error: cannot reach the database: {error.orig}", file=sys.stderr)
        raise SystemExit(1) from None


def id_by_name(session, model, name: str | None, what: str) -> int | None:  # noqa: ANN001
    """The id of the ``model`` row (a cohort, an exam) called ``name``; None for no name; a ServiceError naming
    ``what`` when there is no such row (commands print it and exit 1)."""
    if name is None:
        return None
    from sqlalchemy import select

    from quiz.services.errors import ServiceError

    found = session.scalar(select(model.id).where(model.name == name))
    if found is None:
        raise ServiceError(f"no {what} named {name!r}")
    return found


def print_error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


def write_out(out: str, data: bytes) -> None:
    """Write to a file (creating its folder) or, for ``-``, to standard output."""
    if out == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_bytes(data)
