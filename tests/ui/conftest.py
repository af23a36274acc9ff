"""AppTest fixtures shared by every page test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _fresh_platform_per_test() -> Iterator[None]:
    """The app keeps one platform per process (``runtime.get_platform`` is cached); each test points it at its own
    database with ``apptest.prepare_app``, so the cache is cleared after every test."""
    yield
    from quiz.ui import runtime

    runtime.get_platform.clear()
