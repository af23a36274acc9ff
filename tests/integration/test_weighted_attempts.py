"""A weighted multiple-response item (``scoring: weighted``) in real attempts, on SQLite and PostgreSQL: an exam
scores the picked options' weights (computed by hand below), practice feedback says so, the results show the
rule, and a regrade after the weights are fixed rescores through the same scoring."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from quiz.adapters.orm import Attempt, Cohort, Response
from quiz.domain.bank import Option, question_to_authoring
from quiz.services import attempts, regrade
from quiz.services.bank_admin import edit
from quiz.services.bank_sync import sync_bank
from quiz.services.questions import to_question
from tests.factories import make_bank, make_question, own_objective
from tests.integration.attempt_helpers import T0, call, make_cohort, make_exam, right_answer

# A +50, B +50, C -25, D 0 (percent of the item's 2 points)
WEIGHTS = [50, 50, -25, 0]


@pytest.fixture
def bank(platform):  # noqa: ANN001
    b = make_bank(per_topic=3, with_case=False)
    options = [Option(text=f"hygiene-001 option {i}", feedback=f"why option {i}", weight=w)
               for i, w in enumerate(WEIGHTS)]
    weighted = make_question("hygiene-001", type="multiple", options=options, key=[0, 1], scoring="weighted",
                             points=2.0)
    weighted = weighted.model_copy(update={"objective": own_objective(weighted)})
    b = b.model_copy(update={"questions": [weighted if q.id == "hygiene-001" else q for q in b.questions]})
    with platform.transaction() as s:
        sync_bank(s, b)
    return b


def _position(platform, aid: int, qid: str) -> int:  # noqa: ANN001
    with platform.sessions() as s:
        return next(i.position for i in s.get(Attempt, aid).items if i.question_version.question_id == qid)


def test_an_exam_scores_a_weighted_item_by_the_weights_picked(platform, bank, trainer, trainee):
    make_cohort(platform, trainer.id, [trainee.id])
    with platform.sessions() as s:
        cohort_id = s.scalar(select(Cohort.id))
    exam = make_exam(platform, topics={"hygiene": 3}, pass_mark=0.5, cohort_id=cohort_id)
    aid = call(platform, attempts.start_exam, trainee, exam, now=T0)
    pos = _position(platform, aid, "hygiene-001")
    view = call(platform, attempts.attempt_view, trainee, aid, now=T0)
    assert view.items[pos].scoring == "weighted"  # the page states the rule to the trainee
    call(platform, attempts.save_answer, trainee, aid, pos, [0, 2], now=T0)  # A and C: 50 - 25 = 25%
    others = [p for p in range(3) if p != pos]
    for p in others:
        call(platform, attempts.save_answer, trainee, aid, p, right_answer(platform, aid, p), now=T0)
    res = call(platform, attempts.submit, trainee, aid, now=T0 + timedelta(minutes=3))
    # 25% of 2 points = 0.5, plus the two single items: 2.5 of 4
    assert (res.score, res.max_score, res.percent, res.passed) == (2.5, 4.0, pytest.approx(0.625), True)
    item = next(i for i in res.items if i.question_id == "hygiene-001")
    assert (item.score, item.max_score, item.correct, item.scoring) == (0.5, 2.0, False, "weighted")
    with platform.sessions() as s:
        version_id = next(i.question_version_id for i in s.get(Attempt, aid).items if i.position == pos)
        resp = s.scalar(select(Response).where(Response.attempt_id == aid,
                                               Response.question_version_id == version_id))
        assert (resp.answer, resp.score, resp.is_correct) == ([0, 2], 0.5, False)

    # The weights were wrong: C should have cost nothing. Fix them, and a regrade rescores through the same rule.
    with platform.sessions() as s:
        current = to_question(next(i for i in s.get(Attempt, aid).items if i.position == pos).question_version)
    fixed = question_to_authoring(current)
    fixed["options"][2]["weight"] = 0
    assert call(platform, edit, trainer, "hygiene-001", fixed) == 2
    plan = call(platform, regrade.apply, trainer, exam_id=exam, question_id="hygiene-001", mode="current")
    [change] = plan.changes
    assert (change.old_percent, change.new_percent) == (pytest.approx(0.625), pytest.approx(0.75))  # 3 of 4


def test_practice_feedback_on_a_weighted_item(platform, bank, trainee):
    aid = call(platform, attempts.start_practice, trainee, ["hygiene"], 3, now=T0)
    pos = _position(platform, aid, "hygiene-001")
    fb = call(platform, attempts.save_answer, trainee, aid, pos, [0, 1, 3], now=T0)  # 50 + 50 + 0
    assert (fb.score, fb.max_score, fb.correct) == (2.0, 2.0, True)
