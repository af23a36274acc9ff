"""Page data cached by the data version (quiz/ui/cache.py): a rerun that changes no data does not recompute;
a graded attempt (the data version bumped) or a new attempt does."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from quiz.bootstrap import Platform
from quiz.services import attempts, dashboard
from quiz.ui import cache
from tests.conftest import _make_user
from tests.factories import make_bank
from tests.integration.attempt_helpers import make_cohort, make_exam, right_answer
from tests.ui.apptest import prepare_app


@pytest.fixture
def env(sqlite_platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Platform:
    prepare_app(sqlite_platform, make_bank(per_topic=4, with_case=False), tmp_path, monkeypatch)
    cache._call.clear()
    yield sqlite_platform
    cache._call.clear()


def test_reruns_reuse_the_data_until_an_attempt_is_graded(env, monkeypatch):  # noqa: ANN001
    trainer = _make_user(env, "trainer", "rosa@example.com", "Rosa Trainer")
    tia = _make_user(env, "trainee", "tia@example.com", "Tia Trainee")
    cohort = make_cohort(env, trainer.id, [tia.id])
    exam = make_exam(env, topics={"aftercare": 2})
    calls = []
    real = dashboard.cohort_overview

    @functools.wraps(real)  # the cache finds the function by its module and name
    def counted(*args, **kw):  # noqa: ANN002, ANN003, ANN202
        calls.append(1)
        return real(*args, **kw)

    monkeypatch.setattr(dashboard, "cohort_overview", counted)
    first = cache.cached(dashboard.cohort_overview, trainer, cohort, None)
    again = cache.cached(dashboard.cohort_overview, trainer, cohort, None)
    assert len(calls) == 1 and first == again and first[0].status == "no exam yet"

    with env.transaction() as s:
        aid = attempts.start_exam(s, tia, exam)
    started = cache.cached(dashboard.cohort_overview, trainer, cohort, None)  # a new attempt: recomputed
    assert len(calls) == 2 and started[0].attempts == 1
    with env.transaction() as s:
        attempts.save_answer(s, tia, aid, 0, right_answer(env, aid, 0))
        attempts.submit(s, tia, aid)  # graded: the data version moves
    graded = cache.cached(dashboard.cohort_overview, trainer, cohort, None)
    assert len(calls) == 3 and graded[0].exam_attempts == 1
    cache.cached(dashboard.cohort_overview, trainer, cohort, None)
    assert len(calls) == 3
    other = _make_user(env, "trainer", "olga@example.com", "Olga Other")
    assert cache.cached(dashboard.cohort_overview, other, cohort, None) is None  # refused, never served cached
