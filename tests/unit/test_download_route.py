"""``/download/export/{kind}.{fmt}?cohort=ID``: a cohort that is not a plain number is refused with 400."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette

from quiz.services.permissions import Actor
from quiz.web import auth, downloads
from tests.asgi import call_asgi


def get(app: Starlette, path: str, query: bytes) -> tuple[int, bytes]:
    status, _, body = call_asgi(app, path, query)
    return status, body


@pytest.mark.parametrize("cohort", ["%C2%B2", "%D9%A1", "1%E2%80%8B", "-1", "x"])  # ², Arabic-Indic 1, 1+ZWSP
def test_a_cohort_that_is_not_ascii_digits_is_a_clear_400(monkeypatch, cohort):
    trainer = Actor(id=1, role="trainer", name="Tom", email="t@example.com")
    monkeypatch.setattr(auth, "actor_from_request", lambda request: trainer)
    built: list = []
    monkeypatch.setattr(downloads, "build_export", lambda *args: built.append(args) or b"")
    status, body = get(Starlette(routes=downloads.routes), "/download/export/results.csv",
                       f"cohort={cohort}".encode())
    assert (status, body) == (400, b"The cohort must be a number.")
    assert built == []  # nothing was exported
