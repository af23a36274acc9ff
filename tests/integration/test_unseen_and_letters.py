"""Issue 12, on SQLite and PostgreSQL: a stopped practice scores only what was answered (the rest is "not
reached" and counts nowhere), an exam's unanswered items score 0 labelled "not answered", and the trainer's
view, the results and the exports show an option with the letter the attempt showed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from quiz.adapters.orm import Attempt, AttemptItem, ReviewCard
from quiz.services import attempts, dashboard, exports, progress
from quiz.services.attempts.views import NOT_ANSWERED, NOT_REACHED
from tests.integration.attempt_helpers import T0, call, load_bank, make_cohort, make_exam, right_answer

pytestmark = pytest.mark.usefixtures("bank")


@pytest.fixture
def bank(platform):
    load_bank(platform)


@pytest.fixture(autouse=True)
def no_fuzz(monkeypatch):
    from quiz.services import review

    monkeypatch.setattr(review, "ENABLE_FUZZING", False)


def test_a_stopped_practice_scores_what_was_answered_and_the_rest_counts_nowhere(platform, trainer, trainee):
    cohort = make_cohort(platform, trainer.id, [trainee.id])
    aid = call(platform, attempts.start_practice, trainee, ["spacing"], 4, now=T0)
    call(platform, attempts.save_answer, trainee, aid, 0, right_answer(platform, aid, 0), now=T0)
    res = call(platform, attempts.submit, trainee, aid, now=T0)  # "Stop here and see my score"

    assert (res.score, res.max_score, res.percent) == (1.0, 1.0, 1.0)  # not "1 of 4 (25%)"
    assert [i.status for i in res.items] == ["answered", NOT_REACHED, NOT_REACHED, NOT_REACHED]
    assert res.answered == 1 and res.not_reached == 3
    assert [(t.topic, t.items, t.score, t.max_score) for t in res.topics] == [("spacing", 1, 1.0, 1.0)]
    with platform.sessions() as s:
        assert s.get(Attempt, aid).percent == 1.0
        assert s.scalars(select(ReviewCard).where(ReviewCard.user_id == trainee.id)).all() == []

    mastery = call(platform, progress.topic_mastery, trainee)
    assert [(m.topic, m.answered, m.score, m.max_score) for m in mastery] == [("spacing", 1, 1.0, 1.0)]
    assert call(platform, progress.weakest_topics, trainee) == []  # 100% on what was answered: not weak
    cells = call(platform, dashboard.mastery, trainer, cohort)
    assert [(c.topic, c.items, c.earned, c.possible) for c in cells] == [("spacing", 1, 1.0, 1.0)]
    detail = call(platform, dashboard.attempt_detail, trainer, aid)
    assert [a.status for a in detail.answers] == ["answered", NOT_REACHED, NOT_REACHED, NOT_REACHED]


def test_a_practice_stopped_before_any_answer_has_no_score_to_count(platform, trainee):
    aid = call(platform, attempts.start_practice, trainee, ["spacing"], 3, now=T0)
    res = call(platform, attempts.submit, trainee, aid, now=T0)
    assert res.max_score == 0 and res.percent is None and res.topics == []
    assert call(platform, progress.score_history, trainee) == []
    assert call(platform, progress.topic_mastery, trainee) == []


def test_an_exams_unanswered_items_score_zero_labelled_not_answered(platform, trainee):
    exam = make_exam(platform, topics={"spacing": 2, "hygiene": 1})
    aid = call(platform, attempts.start_exam, trainee, exam, now=T0)
    call(platform, attempts.save_answer, trainee, aid, 0, right_answer(platform, aid, 0), now=T0)
    res = call(platform, attempts.submit, trainee, aid, now=T0)
    assert (res.score, res.max_score) == (1.0, 3.0)
    assert [i.status for i in res.items] == ["answered", NOT_ANSWERED, NOT_ANSWERED]
    assert sum(t.items for t in res.topics) == 3


def _reverse_options(platform, aid: int) -> None:
    """Show every item's options in reverse, so the letters on screen differ from the bank's."""
    with platform.transaction() as s:
        for item in s.scalars(select(AttemptItem).where(AttemptItem.attempt_id == aid)):
            n = len(item.question_version.content.get("options") or [])
            item.option_order = list(range(n))[::-1]


def test_the_trainer_the_results_and_the_exports_show_the_letters_the_attempt_showed(platform, trainer, trainee):
    cohort = make_cohort(platform, trainer.id, [trainee.id])
    exam = make_exam(platform, topics={"aftercare": 2})
    aid = call(platform, attempts.start_exam, trainee, exam, now=T0)
    _reverse_options(platform, aid)
    view = call(platform, attempts.attempt_view, trainee, aid, now=T0)
    first = view.items[0]
    chosen = first.options[0]  # what the trainee saw as "A."
    assert chosen.label.startswith("A. ")
    call(platform, attempts.save_answer, trainee, aid, 0,
         [chosen.value] if first.type == "multiple" else chosen.value, now=T0)
    res = call(platform, attempts.submit, trainee, aid, now=T0)

    assert res.items[0].your_answer == chosen.label
    assert res.items[0].options == [o.label for o in first.options]
    detail = call(platform, dashboard.attempt_detail, trainer, aid)
    assert detail.answers[0].answer_text == chosen.label  # was "B."/"C.": the bank's letter
    assert detail.answers[0].options == [o.label for o in first.options]
    rows = [r for r in call(platform, exports.responses_rows, trainer, cohort) if r["attempt_id"] == aid]
    row = next(r for r in rows if r["position"] == 1)
    assert row["answer"] == chosen.label
    assert row["answer_letters"] == "A"
    assert row["answer_text"] == chosen.label.removeprefix("A. ")


def test_a_stopped_review_scores_what_was_answered_and_leaves_the_rest_due(platform, trainee):
    from quiz.services import review

    with platform.transaction() as s:
        review.schedule_wrong(s, trainee.id, ["spacing-001", "spacing-002", "hygiene-001"], T0)
    aid = call(platform, attempts.start_review, trainee, T0)
    call(platform, attempts.save_answer, trainee, aid, 0, right_answer(platform, aid, 0), now=T0)
    res = call(platform, attempts.submit, trainee, aid, now=T0)
    assert (res.score, res.max_score, res.not_reached) == (1.0, 1.0, 2)
    assert call(platform, progress.topic_mastery, trainee)[0].answered == 1
    due = call(platform, review.due_question_ids, trainee, T0, 10)
    assert len(due) == 2  # the two not reached are still due, untouched; the one answered right is not
