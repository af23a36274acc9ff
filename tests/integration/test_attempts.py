"""Practice and certification-exam attempts, on SQLite and PostgreSQL: starting, saving every answer,
resuming in a new session, the server-side deadline, grading once, permissions, and no keys before submission."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from quiz.adapters.orm import Attempt, Certificate, QuestionRow, Response, ReviewCard
from quiz.services import attempts
from quiz.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tests.conftest import make_user
from tests.integration.attempt_helpers import (
    T0,
    add_override,
    call,
    load_bank,
    make_cohort,
    make_exam,
    right_answer,
    wrong_answer,
)

pytestmark = pytest.mark.usefixtures("bank")


@pytest.fixture
def bank(platform):
    load_bank(platform)


@pytest.fixture(autouse=True)
def no_fuzz(monkeypatch):
    from quiz.services import review

    monkeypatch.setattr(review, "ENABLE_FUZZING", False)


# -- practice ------------------------------------------------------------------------------------------------

def test_practice_draws_the_chosen_topics_and_gives_feedback_at_once(platform, trainee):
    aid = call(platform, attempts.start_practice, trainee, ["spacing"], 4, now=T0)
    view = call(platform, attempts.attempt_view, trainee, aid, now=T0)
    assert view.mode == "practice" and len(view.items) == 4
    assert {i.topic for i in view.items} == {"spacing"}
    assert len({i.question_id for i in view.items}) == 4

    key = right_answer(platform, aid, 0)
    fb = call(platform, attempts.save_answer, trainee, aid, 0, key, now=T0)
    assert fb.correct and fb.score == 1.0
    assert fb.explanation.startswith("Explanation of")
    assert fb.feedback == [f"why option {key}"]  # the chosen option's own feedback

    bad = wrong_answer(platform, aid, 1)
    fb2 = call(platform, attempts.save_answer, trainee, aid, 1, bad, now=T0)
    assert not fb2.correct and fb2.score == 0 and fb2.feedback == [f"why option {bad}"]
    assert fb2.right_answer != fb2.your_answer

    # Saved: a fresh read shows both answers with their feedback; the wrong one is scheduled for review.
    view = call(platform, attempts.attempt_view, trainee, aid, now=T0)
    assert view.items[0].answer == key and view.items[0].feedback.correct
    assert view.items[1].answer == bad and not view.items[1].feedback.correct
    with platform.sessions() as s:
        cards = s.scalars(select(ReviewCard).where(ReviewCard.user_id == trainee.id)).all()
    assert [c.question_id for c in cards] == [view.items[1].question_id]


def test_a_practice_answer_cannot_be_changed_once_checked(platform, trainee):
    aid = call(platform, attempts.start_practice, trainee, [], 2, now=T0)
    call(platform, attempts.save_answer, trainee, aid, 0, wrong_answer(platform, aid, 0), now=T0)
    with pytest.raises(Conflict, match="already answered"):
        call(platform, attempts.save_answer, trainee, aid, 0, right_answer(platform, aid, 0), now=T0)


@pytest.mark.parametrize("topics,count,message", [
    (["spacing"], 0, "between 1 and"),
    (["spacing"], "lots", "how many"),
    (["no-such-topic"], 3, "no questions on the chosen topics"),
])
def test_practice_refuses_bad_choices_with_a_readable_message(platform, trainee, topics, count, message):
    with pytest.raises(InvalidInput, match=message):
        call(platform, attempts.start_practice, trainee, topics, count)


def test_practice_prefers_items_seen_least(platform, trainee):
    first = call(platform, attempts.start_practice, trainee, ["hygiene"], 4, now=T0)
    seen = {i.question_id for i in call(platform, attempts.attempt_view, trainee, first, now=T0).items}
    second = call(platform, attempts.start_practice, trainee, ["hygiene"], 2, now=T0)
    again = {i.question_id for i in call(platform, attempts.attempt_view, trainee, second, now=T0).items}
    # hygiene has 6 stand-alone items (its case item belongs to a case set spanning other topics, which a
    # hygiene-only practice does not serve): 2 are never seen, so none of the 4 seen ones comes back.
    assert len(again) == 2 and not (seen & again)


def test_practice_serves_case_sets_whole_and_in_order(platform, trainee):
    """Many short practices (the least-seen preference soon favours the case set): never a lone case item."""
    case = ["case-zoe-1", "case-zoe-2", "case-zoe-3"]
    served = 0
    for n in range(8):
        aid = call(platform, attempts.start_practice, trainee, [], 5, now=T0 + timedelta(minutes=n))
        ids = [i.question_id for i in call(platform, attempts.attempt_view, trainee, aid, now=T0).items]
        assert len(ids) == 5
        if any(i in case for i in ids):
            start = ids.index(case[0])
            assert ids[start:start + 3] == case, ids
            served += 1
        call(platform, attempts.submit, trainee, aid, now=T0 + timedelta(minutes=n))
    assert served >= 1


def test_practice_too_short_for_any_case_set_says_so(platform, trainee):
    # Every stand-alone item is retired: only the 3-item case set is left, which does not fit in 2.
    with platform.transaction() as s:
        for row in s.scalars(select(QuestionRow)):
            if not row.id.startswith("case-"):
                row.status = "retired"
    with pytest.raises(InvalidInput, match="case stud"):
        call(platform, attempts.start_practice, trainee, [], 2, now=T0)


def test_an_invalid_answer_is_refused_and_nothing_is_saved(platform, trainee):
    aid = call(platform, attempts.start_practice, trainee, ["spacing"], 1, now=T0)
    with pytest.raises(InvalidInput, match="does not fit"):
        call(platform, attempts.save_answer, trainee, aid, 0, 17, now=T0)
    with pytest.raises(NotFound):
        call(platform, attempts.save_answer, trainee, aid, 5, 0, now=T0)
    with platform.sessions() as s:
        assert s.scalar(select(func.count(Response.id))) == 0


# -- exams ---------------------------------------------------------------------------------------------------

def test_exam_follows_the_blueprint_and_starting_twice_resumes(platform, trainee):
    exam = make_exam(platform, time_limit_minutes=20)
    aid = call(platform, attempts.start_exam, trainee, exam, now=T0)
    view = call(platform, attempts.attempt_view, trainee, aid, now=T0)
    topics = [i.topic for i in view.items]
    assert len(topics) == 6 and all(topics.count(t) == 2 for t in ("aftercare", "spacing", "hygiene"))
    assert view.deadline_at == T0 + timedelta(minutes=20)
    assert view.seconds_left == 20 * 60
    assert call(platform, attempts.start_exam, trainee, exam, now=T0 + timedelta(minutes=1)) == aid
    with platform.sessions() as s:
        assert s.scalar(select(func.count(Attempt.id))) == 1


def test_in_progress_exam_view_never_contains_keys_feedback_or_explanations(platform, trainee):
    exam = make_exam(platform)
    aid = call(platform, attempts.start_exam, trainee, exam, now=T0)
    for pos in range(3):
        call(platform, attempts.save_answer, trainee, aid, pos, right_answer(platform, aid, pos), now=T0)
    view = call(platform, attempts.attempt_view, trainee, aid, now=T0)
    data = dataclasses.asdict(view)
    blob = json.dumps(data, default=str)
    assert "Explanation of" not in blob and "why option" not in blob
    assert all(item["feedback"] is None for item in data["items"])
    assert not {"key", "explanation", "correct", "right_answer", "score"} & {k for i in data["items"] for k in i}
    # and the answer itself comes back as saved, without being judged
    assert view.answered_count == 3


def test_resume_in_a_new_session_has_every_answer_the_option_order_flags_and_remaining_time(platform, trainee):
    exam = make_exam(platform, time_limit_minutes=30)
    aid = call(platform, attempts.start_exam, trainee, exam, now=T0)
    before = call(platform, attempts.attempt_view, trainee, aid, now=T0)
    answers = {0: right_answer(platform, aid, 0), 2: wrong_answer(platform, aid, 2)}
    for pos, ans in answers.items():
        call(platform, attempts.save_answer, trainee, aid, pos, ans, now=T0 + timedelta(minutes=2))
    call(platform, attempts.set_flag, trainee, aid, 2, True)
    call(platform, attempts.go_to, trainee, aid, 3)

    # A brand-new Session object (a new tab, a restarted server, another app process).
    later = T0 + timedelta(minutes=12)
    with platform.sessions() as fresh:
        assert call(platform, attempts.current_exam_attempt, trainee, now=later) == aid
        view = attempts.attempt_view(fresh, trainee, aid, now=later)
    assert view.state == "in_progress"
    assert {i.position: i.answer for i in view.items if i.answered} == answers
    assert [i.options for i in view.items] == [i.options for i in before.items]  # same option order
    assert [i.question_id for i in view.items] == [i.question_id for i in before.items]
    assert view.flagged_positions == [2]
    assert view.current_position == 3
    assert view.seconds_left == 18 * 60


def test_an_exam_answer_can_be_changed_and_cleared_until_submission(platform, trainee):
    aid = call(platform, attempts.start_exam, trainee, make_exam(platform), now=T0)
    call(platform, attempts.save_answer, trainee, aid, 0, wrong_answer(platform, aid, 0), now=T0)
    call(platform, attempts.save_answer, trainee, aid, 0, right_answer(platform, aid, 0), now=T0)
    call(platform, attempts.save_answer, trainee, aid, 1, right_answer(platform, aid, 1), now=T0)
    call(platform, attempts.save_answer, trainee, aid, 1, None, now=T0)
    view = call(platform, attempts.attempt_view, trainee, aid, now=T0)
    assert view.items[0].answer == right_answer(platform, aid, 0)
    assert not view.items[1].answered
    with platform.sessions() as s:
        assert s.scalar(select(func.count(Response.id))) == 2  # one row per item, updated in place


def test_an_exam_refuses_an_invalid_answer_or_position_and_saves_nothing(platform, trainee):
    aid = call(platform, attempts.start_exam, trainee, make_exam(platform), now=T0)
    call(platform, attempts.go_to, trainee, aid, 2)
    with pytest.raises(InvalidInput, match="does not fit"):
        call(platform, attempts.save_answer, trainee, aid, 0, 17, now=T0)
    with pytest.raises(NotFound):
        call(platform, attempts.save_answer, trainee, aid, 99, 0, now=T0)
    with platform.sessions() as s:
        assert s.scalar(select(func.count(Response.id))) == 0
        assert s.get(Attempt, aid).current_position == 2  # the refused saves moved nothing


def test_a_save_sees_and_leaves_the_session_current(platform, trainee):
    """A page that read the attempt, saves and reads it again in one transaction sees the saved answer."""
    aid = call(platform, attempts.start_exam, trainee, make_exam(platform), now=T0)
    call(platform, attempts.save_answer, trainee, aid, 0, wrong_answer(platform, aid, 0), now=T0)
    right = right_answer(platform, aid, 0)
    with platform.transaction() as s:
        assert attempts.attempt_view(s, trainee, aid, now=T0).items[0].version == 1
        attempts.save_answer(s, trainee, aid, 0, right, now=T0, expected_version=1)
        attempts.save_answer(s, trainee, aid, 1, right_answer(platform, aid, 1), now=T0)
        view = attempts.attempt_view(s, trainee, aid, now=T0)
    assert view.items[0].answer == right and view.items[0].version == 2
    assert view.items[1].version == 1 and view.current_position == 1


def test_an_answer_after_the_deadline_is_refused(platform, trainee):
    aid = call(platform, attempts.start_exam, trainee, make_exam(platform, time_limit_minutes=10), now=T0)
    call(platform, attempts.save_answer, trainee, aid, 0, right_answer(platform, aid, 0),
         now=T0 + timedelta(minutes=9, seconds=59))
    with pytest.raises(attempts.DeadlinePassed, match="Time is up"):
        call(platform, attempts.save_answer, trainee, aid, 1, right_answer(platform, aid, 1),
             now=T0 + timedelta(minutes=10, seconds=1))
    with platform.sessions() as s:
        assert s.scalar(select(func.count(Response.id)).where(Response.answer.is_not(None))) == 1
    with pytest.raises(attempts.DeadlinePassed):  # at the deadline exactly: too late
        call(platform, attempts.save_answer, trainee, aid, 1, right_answer(platform, aid, 1),
             now=T0 + timedelta(minutes=10))


def test_an_overdue_attempt_is_submitted_with_what_was_saved(platform, trainee):
    exam = make_exam(platform, time_limit_minutes=10, pass_mark=0.5)
    aid = call(platform, attempts.start_exam, trainee, exam, now=T0)
    for pos in range(4):  # 4 of 6 right: 67% passes
        call(platform, attempts.save_answer, trainee, aid, pos, right_answer(platform, aid, pos),
             now=T0 + timedelta(minutes=1))
    assert call(platform, attempts.finalise_overdue, now=T0 + timedelta(minutes=9)) == 0
    assert call(platform, attempts.finalise_overdue, now=T0 + timedelta(hours=3)) == 1
    with platform.sessions() as s:
        a = s.get(Attempt, aid)
        assert a.state == "expired" and a.submitted_at == T0 + timedelta(minutes=10)
        assert a.score == 4 and a.max_score == 6 and a.passed is True
        assert s.scalar(select(func.count(Certificate.id))) == 1
    res = call(platform, attempts.results, trainee, aid)
    assert res.state == "expired" and res.passed and sum(i.correct for i in res.items) == 4


def test_viewing_an_overdue_attempt_finalises_it(platform, trainee):
    aid = call(platform, attempts.start_exam, trainee, make_exam(platform, time_limit_minutes=5), now=T0)
    call(platform, attempts.save_answer, trainee, aid, 0, wrong_answer(platform, aid, 0), now=T0)
    view = call(platform, attempts.attempt_view, trainee, aid, now=T0 + timedelta(minutes=6))
    assert view.state == "expired" and view.seconds_left is None
    assert call(platform, attempts.current_exam_attempt, trainee, now=T0 + timedelta(minutes=6)) is None


def test_submitting_twice_grades_once(platform, trainee):
    exam = make_exam(platform, pass_mark=0.5)
    aid = call(platform, attempts.start_exam, trainee, exam, now=T0)
    for pos in range(6):
        call(platform, attempts.save_answer, trainee, aid, pos, right_answer(platform, aid, pos), now=T0)
    first = call(platform, attempts.submit, trainee, aid, now=T0 + timedelta(minutes=5))
    assert first.passed and first.percent == 1.0 and first.certificate_code
    # A second submit (another tab, a double click), later, from a new session: same result, nothing redone.
    second = call(platform, attempts.submit, trainee, aid, now=T0 + timedelta(minutes=7))
    assert second.submitted_at == first.submitted_at == T0 + timedelta(minutes=5)
    assert second.certificate_code == first.certificate_code
    with platform.sessions() as s:
        assert s.scalar(select(func.count(Certificate.id))) == 1
        assert s.scalar(select(func.count(Response.id))) == 6
    with pytest.raises(Conflict, match="already been submitted"):
        call(platform, attempts.save_answer, trainee, aid, 0, 0, now=T0 + timedelta(minutes=6))


def test_submit_after_the_deadline_is_marked_expired(platform, trainee):
    aid = call(platform, attempts.start_exam, trainee, make_exam(platform, time_limit_minutes=5), now=T0)
    res = call(platform, attempts.submit, trainee, aid, now=T0 + timedelta(minutes=8))
    assert res.state == "expired" and res.passed is False and res.score == 0


def test_unanswered_items_score_zero_and_wrong_exam_items_enter_review_only_after_submission(platform, trainee):
    aid = call(platform, attempts.start_exam, trainee, make_exam(platform), now=T0)
    call(platform, attempts.save_answer, trainee, aid, 0, wrong_answer(platform, aid, 0), now=T0)
    call(platform, attempts.save_answer, trainee, aid, 1, right_answer(platform, aid, 1), now=T0)
    with platform.sessions() as s:
        assert s.scalar(select(func.count(ReviewCard.id))) == 0  # nothing revealed before submission
    res = call(platform, attempts.submit, trainee, aid, now=T0 + timedelta(minutes=1))
    assert res.score == 1 and res.max_score == 6 and not res.passed
    with platform.sessions() as s:
        scheduled = set(s.scalars(select(ReviewCard.question_id)))
    assert scheduled == {i.question_id for i in res.items if not i.correct}
    assert len(scheduled) == 5


def test_results_follow_the_exam_review_options(platform, trainee):
    exam = make_exam(platform, review_options={"show_score": True, "show_answers": False,
                                               "show_explanations": False})
    aid = call(platform, attempts.start_exam, trainee, exam, now=T0)
    res = call(platform, attempts.submit, trainee, aid, now=T0)
    assert res.score == 0 and res.topics
    assert res.items == []  # neither answers nor explanations may be shown

    exam2 = make_exam(platform, name="Hidden score", review_options={"show_score": False, "show_answers": True,
                                                                      "show_explanations": False})
    aid2 = call(platform, attempts.start_exam, trainee, exam2, now=T0)
    res2 = call(platform, attempts.submit, trainee, aid2, now=T0)
    assert res2.score is None and res2.percent is None and res2.topics == [] and res2.passed is False
    assert res2.items and all(i.right_answer and i.explanation is None for i in res2.items)


def test_results_give_a_per_topic_breakdown_and_each_question_when_allowed(platform, trainee):
    aid = call(platform, attempts.start_exam, trainee, make_exam(platform), now=T0)
    view = call(platform, attempts.attempt_view, trainee, aid, now=T0)
    for item in view.items:
        if item.topic == "spacing":
            call(platform, attempts.save_answer, trainee, aid, item.position,
                 right_answer(platform, aid, item.position), now=T0)
    res = call(platform, attempts.submit, trainee, aid, now=T0)
    by_topic = {t.topic: t for t in res.topics}
    assert by_topic["spacing"].percent == 1.0 and by_topic["spacing"].correct == 2
    assert by_topic["hygiene"].percent == 0.0 and by_topic["aftercare"].items == 2
    wrong = next(i for i in res.items if not i.correct)
    assert wrong.your_answer == "(no answer)" and wrong.right_answer and wrong.explanation.startswith("Explanation")


def test_results_of_an_attempt_in_progress_are_refused(platform, trainee):
    aid = call(platform, attempts.start_exam, trainee, make_exam(platform), now=T0)
    with pytest.raises(Conflict, match="still in progress"):
        call(platform, attempts.results, trainee, aid, now=T0)


# -- permissions ---------------------------------------------------------------------------------------------

def test_a_trainee_cannot_see_or_touch_someone_elses_attempt(platform, trainee):
    other = make_user(platform, "trainee", "other@example.com", "Olly Other")
    aid = call(platform, attempts.start_exam, trainee, make_exam(platform), now=T0)
    for fn, args in [
        (attempts.attempt_view, (aid,)),
        (attempts.save_answer, (aid, 0, 0)),
        (attempts.set_flag, (aid, 0, True)),
        (attempts.submit, (aid,)),
        (attempts.list_attempts, (trainee.id,)),
    ]:
        with pytest.raises(PermissionDenied):
            call(platform, fn, other, *args)
    call(platform, attempts.submit, trainee, aid, now=T0)
    with pytest.raises(PermissionDenied):
        call(platform, attempts.results, other, aid)


def test_a_trainer_sees_their_trainees_results_but_cannot_answer(platform, trainee, trainer):
    stranger = make_user(platform, "trainer", "t2@example.com", "Tess Two")
    make_cohort(platform, trainer.id, [trainee.id])
    aid = call(platform, attempts.start_exam, trainee, make_exam(platform), now=T0)
    with pytest.raises(PermissionDenied):
        call(platform, attempts.save_answer, trainer, aid, 0, 0, now=T0)
    call(platform, attempts.submit, trainee, aid, now=T0)
    assert call(platform, attempts.results, trainer, aid).attempt_id == aid
    with pytest.raises(PermissionDenied):
        call(platform, attempts.results, stranger, aid)


def test_only_trainees_sit_exams(platform, trainer):
    with pytest.raises(PermissionDenied):
        call(platform, attempts.start_exam, trainer, make_exam(platform), now=T0)


# -- exam rules ----------------------------------------------------------------------------------------------

def test_an_exam_opens_and_closes_on_its_dates(platform, trainee):
    exam = make_exam(platform, opens_at=T0 + timedelta(days=1), closes_at=T0 + timedelta(days=2))
    with pytest.raises(Conflict, match="opens on"):
        call(platform, attempts.start_exam, trainee, exam, now=T0)
    with pytest.raises(Conflict, match="closed on"):
        call(platform, attempts.start_exam, trainee, exam, now=T0 + timedelta(days=3))
    # Starting 10 minutes before closing: the attempt ends when the exam closes, not after 30 minutes.
    start = T0 + timedelta(days=2) - timedelta(minutes=10)
    aid = call(platform, attempts.start_exam, trainee, exam, now=start)
    assert call(platform, attempts.attempt_view, trainee, aid, now=start).deadline_at == T0 + timedelta(days=2)


def test_attempts_allowed_wait_between_attempts_and_overrides(platform, trainee):
    exam = make_exam(platform, attempts_allowed=1, wait_hours=24)
    first = call(platform, attempts.start_exam, trainee, exam, now=T0)
    call(platform, attempts.submit, trainee, first, now=T0 + timedelta(minutes=5))
    with pytest.raises(Conflict, match="used all 1 attempt"):
        call(platform, attempts.start_exam, trainee, exam, now=T0 + timedelta(days=2))

    add_override(platform, exam, trainee.id, extra_attempts=1, extra_minutes=15)
    with pytest.raises(Conflict, match="try again from"):
        call(platform, attempts.start_exam, trainee, exam, now=T0 + timedelta(hours=23))
    later = T0 + timedelta(hours=25)
    second = call(platform, attempts.start_exam, trainee, exam, now=later)
    view = call(platform, attempts.attempt_view, trainee, second, now=later)
    assert view.deadline_at == later + timedelta(minutes=30 + 15)  # the extra minutes are honoured
    statuses = call(platform, attempts.exam_statuses, trainee, now=later)
    assert statuses[0].attempts_allowed == 2 and statuses[0].in_progress_attempt_id == second


def test_a_passed_exam_cannot_be_sat_again(platform, trainee):
    exam = make_exam(platform, attempts_allowed=3)
    aid = call(platform, attempts.start_exam, trainee, exam, now=T0)
    for pos in range(6):
        call(platform, attempts.save_answer, trainee, aid, pos, right_answer(platform, aid, pos), now=T0)
    call(platform, attempts.submit, trainee, aid, now=T0)
    with pytest.raises(Conflict, match="passed"):
        call(platform, attempts.start_exam, trainee, exam, now=T0 + timedelta(days=1))


def test_a_cohort_exam_is_only_for_its_members(platform, trainee, trainer):
    outsider = make_user(platform, "trainee", "out@example.com", "Otto Out")
    cohort = make_cohort(platform, trainer.id, [trainee.id])
    exam = make_exam(platform, cohort_id=cohort)
    assert [s.exam_id for s in call(platform, attempts.exam_statuses, outsider, now=T0)] == []
    with pytest.raises(NotFound):
        call(platform, attempts.start_exam, outsider, exam, now=T0)
    assert call(platform, attempts.start_exam, trainee, exam, now=T0)


def test_a_blueprint_the_bank_cannot_fill_gives_a_clear_message(platform, trainee):
    exam = make_exam(platform, topics={"spacing": 40})
    with pytest.raises(Conflict, match="topic 'spacing' needs 40"):
        call(platform, attempts.start_exam, trainee, exam, now=T0)
    with platform.sessions() as s:
        assert s.scalar(select(func.count(Attempt.id))) == 0
