"""The data version that page caches are keyed by: grading (submit, time-up) and regrading bump it, in their
own transaction; saving an answer does not (an exam in progress changes no result)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from quiz.services import attempts, data_version, regrade
from tests.integration.attempt_helpers import T0, call, load_bank, make_cohort, make_exam, right_answer


@pytest.fixture
def bank(platform):  # noqa: ANN001
    load_bank(platform)


def _version(platform) -> int:  # noqa: ANN001
    with platform.transaction() as s:
        return data_version.current(s)


def test_grading_and_regrading_bump_the_version_and_saving_does_not(platform, trainer, trainee, bank):  # noqa: ANN001
    make_cohort(platform, trainer.id, [trainee.id])
    exam = make_exam(platform, topics={"aftercare": 2})
    assert _version(platform) == 0
    aid = call(platform, attempts.start_exam, trainee, exam, now=T0)
    call(platform, attempts.save_answer, trainee, aid, 0, right_answer(platform, aid, 0), now=T0)
    assert _version(platform) == 0
    call(platform, attempts.submit, trainee, aid, now=T0)
    assert _version(platform) == 1
    call(platform, attempts.submit, trainee, aid, now=T0 + timedelta(seconds=1))  # already graded: no change
    assert _version(platform) == 1
    call(platform, regrade.override_response, trainer, aid, 1, 1.0, "marked by hand after review", now=T0)
    assert _version(platform) == 2


def test_a_rolled_back_grading_leaves_the_version_alone(platform):  # noqa: ANN001
    with pytest.raises(RuntimeError), platform.transaction() as s:
        data_version.bump(s)
        data_version.bump(s)
        assert data_version.current(s) == 2
        raise RuntimeError("grading failed")
    assert _version(platform) == 0
