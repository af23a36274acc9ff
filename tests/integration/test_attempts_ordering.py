"""Ordering items, on SQLite and PostgreSQL: an exam saves a partly built order the moment a step is placed,
so a new session (a reload, another tab) shows it again; practice and review only check a complete order."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from quiz.adapters.orm import Attempt, Response
from quiz.domain.bank import Bank
from quiz.services import attempts
from quiz.services.bank_sync import sync_bank
from quiz.services.errors import InvalidInput
from tests.factories import make_bank, make_question
from tests.integration.attempt_helpers import T0, call, make_exam

ORDER_KEY = [2, 0, 3, 1]


@pytest.fixture(autouse=True)
def bank(platform):
    base = make_bank(per_topic=1, topics=("spacing", "hygiene"), with_case=False)
    ordering = make_question("hygiene-002", type="ordering", n_options=4, key=ORDER_KEY)
    with platform.transaction() as s:
        sync_bank(s, Bank(topics=base.topics, sources=base.sources,
                          questions=[*base.questions, ordering]))



def ordering_position(platform, trainee, aid):
    view = call(platform, attempts.attempt_view, trainee, aid, now=T0)
    return next(i.position for i in view.items if i.type == "ordering")


def test_a_partly_built_order_is_saved_and_survives_a_new_session(platform, trainee):
    aid = call(platform, attempts.start_exam, trainee, make_exam(platform, topics={"hygiene": 2}), now=T0)
    pos = ordering_position(platform, trainee, aid)
    call(platform, attempts.save_answer, trainee, aid, pos, [2], now=T0 + timedelta(minutes=1))
    call(platform, attempts.save_answer, trainee, aid, pos, [2, 0], now=T0 + timedelta(minutes=2))

    with platform.sessions() as fresh:  # a reload: nothing but the database
        item = attempts.attempt_view(fresh, trainee, aid, now=T0 + timedelta(minutes=5)).items[pos]
    assert item.answer == [2, 0]
    assert not item.answered and item.partly_answered  # not counted as answered until every step is placed

    with pytest.raises(InvalidInput, match="does not fit"):  # a step twice, or an unknown step: refused
        call(platform, attempts.save_answer, trainee, aid, pos, [2, 2], now=T0 + timedelta(minutes=6))
    with pytest.raises(InvalidInput, match="does not fit"):
        call(platform, attempts.save_answer, trainee, aid, pos, [2, 7], now=T0 + timedelta(minutes=6))
    assert call(platform, attempts.attempt_view, trainee, aid, now=T0).items[pos].answer == [2, 0]

    call(platform, attempts.save_answer, trainee, aid, pos, ORDER_KEY, now=T0 + timedelta(minutes=7))
    item = call(platform, attempts.attempt_view, trainee, aid, now=T0 + timedelta(minutes=8)).items[pos]
    assert item.answered and not item.partly_answered
    res = call(platform, attempts.submit, trainee, aid, now=T0 + timedelta(minutes=9))
    assert next(i for i in res.items if i.position == pos).correct


def test_an_order_left_unfinished_scores_zero_when_the_exam_is_submitted(platform, trainee):
    aid = call(platform, attempts.start_exam, trainee, make_exam(platform, topics={"hygiene": 2}), now=T0)
    pos = ordering_position(platform, trainee, aid)
    call(platform, attempts.save_answer, trainee, aid, pos, ORDER_KEY[:3], now=T0 + timedelta(minutes=1))
    res = call(platform, attempts.submit, trainee, aid, now=T0 + timedelta(minutes=2))
    item = next(i for i in res.items if i.position == pos)
    assert (item.score, item.correct) == (0.0, False)
    assert item.your_answer.count("->") == 2  # the three steps placed, as the trainee saw them
    with platform.sessions() as s:
        resp = s.scalar(select(Response).join(Attempt).where(Attempt.id == aid, Response.score.is_not(None),
                                                              Response.answer.is_not(None)))
        assert resp.answer == ORDER_KEY[:3]


def test_practice_checks_only_a_complete_order(platform, trainee):
    aid = call(platform, attempts.start_practice, trainee, ["hygiene"], 2, now=T0)
    pos = ordering_position(platform, trainee, aid)
    with pytest.raises(InvalidInput, match="place all 4 steps"):
        call(platform, attempts.save_answer, trainee, aid, pos, [2, 0], now=T0)
    assert not call(platform, attempts.attempt_view, trainee, aid, now=T0).items[pos].answer
    fb = call(platform, attempts.save_answer, trainee, aid, pos, ORDER_KEY, now=T0)
    assert fb.correct
