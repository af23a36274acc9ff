"""Dashboard: overview, mastery, trend, filters and drill-down, on small hand-made attempts whose expected
figures are worked out by hand below."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

from quiz.adapters.orm import Attempt, AttemptItem, Response
from quiz.domain import scoring
from quiz.services import bank_sync, cohorts, dashboard, exams
from quiz.services.dashboard import Filters
from quiz.services.errors import InvalidInput
from quiz.services.questions import current_questions
from tests.conftest import make_user
from tests.factories import make_bank


def _attempt(s, user_id, answers: dict[str, object], *, mode="practice", exam=None, when: datetime,
             state="submitted", unanswered=()):
    """A scored attempt: ``answers`` maps question id -> canonical answer; ``unanswered`` items are shown but
    have no response (they count 0 of their points)."""
    qs = {c.question.id: c for c in current_questions(s)}
    ids = list(answers) + list(unanswered)
    results = [scoring.score_item(qs[q].question, answers.get(q)) for q in ids]
    total = scoring.total_score(results, exam.pass_mark if exam else None)
    finished = state != "in_progress"
    a = Attempt(user_id=user_id, mode=mode, exam_id=exam.id if exam else None, state=state, seed=1,
                started_at=when, submitted_at=when if finished else None,
                score=total.score if finished else None, max_score=total.max_score,
                percent=total.percent if finished else None,
                passed=total.passed if finished else None)
    s.add(a)
    s.flush()
    for pos, q in enumerate(ids):
        s.add(AttemptItem(attempt_id=a.id, position=pos, question_version_id=qs[q].version_id, option_order=[]))
    for q, r in zip(answers, results):
        s.add(Response(attempt_id=a.id, question_version_id=qs[q].version_id, answer=answers[q],
                       is_correct=r.correct, score=r.score, max_score=r.max_score, saved_at=when))
    s.flush()
    return a.id


def d(day: int) -> datetime:
    return datetime(2030, 3, day, 10, tzinfo=UTC)


@pytest.fixture
def cohort(platform, trainer):
    """Ann: practice on 4 Mar (aftercare 2/2, spacing 0/1), exam on 12 Mar failed 1/4 then 14 Mar passed 4/4.
    Bob: one practice on 5 Mar (aftercare 1/2, one aftercare item left unanswered). Cat: nothing."""
    ann = make_user(platform, "trainee", "ann@example.com", "Ann")
    bob = make_user(platform, "trainee", "bob@example.com", "Bob")
    cat = make_user(platform, "trainee", "cat@example.com", "Cat")
    with platform.transaction() as s:
        bank_sync.sync_bank(s, make_bank(per_topic=4, with_case=False))  # key of <topic>-00i is option i % 4
        c = cohorts.create_cohort(s, trainer, "Spring")
        for u in (ann, bob, cat):
            cohorts.add_trainee(s, trainer, c.id, u.email)
        exam = exams.define_exam(s, trainer, cohort_id=c.id, name="Final", topics={"hygiene": 4}, pass_mark=0.75)
        ids = {
            "ann_practice": _attempt(s, ann.id, {"aftercare-001": 1, "aftercare-002": 2, "spacing-001": 0},
                                     when=d(4)),
            "ann_exam1": _attempt(s, ann.id, {"hygiene-001": 1, "hygiene-002": 0, "hygiene-003": 0,
                                              "hygiene-004": 1}, mode="exam", exam=exam, when=d(12)),
            "ann_exam2": _attempt(s, ann.id, {"hygiene-001": 1, "hygiene-002": 2, "hygiene-003": 3,
                                              "hygiene-004": 0}, mode="exam", exam=exam, when=d(14)),
            "bob_practice": _attempt(s, bob.id, {"aftercare-001": 1, "aftercare-002": 0},
                                     unanswered=["aftercare-003"], when=d(5)),
            "bob_open": _attempt(s, bob.id, {"spacing-002": 2}, when=d(20), state="in_progress"),
        }
    return {"id": c.id, "exam": exam.id, "ann": ann, "bob": bob, "cat": cat, **ids}


def test_overview_counts_scores_status_and_last_activity(platform, trainer, cohort):
    with platform.transaction() as s:
        rows = {r.name: r for r in dashboard.cohort_overview(s, trainer, cohort["id"])}
    ann, bob, cat = rows["Ann"], rows["Bob"], rows["Cat"]
    assert (ann.attempts, ann.submitted, ann.exam_attempts) == (3, 3, 2)
    assert ann.best_exam == pytest.approx(1.0) and ann.latest_exam == pytest.approx(1.0)
    assert ann.status == "passed" and ann.mean_practice == pytest.approx(2 / 3)
    assert ann.last_activity == d(14)
    assert (bob.attempts, bob.submitted, bob.exam_attempts, bob.status) == (2, 1, 0, "no exam yet")
    assert bob.mean_practice == pytest.approx(1 / 3)  # 1 of 3 items: the unanswered one counts 0
    assert bob.last_activity == d(20)  # the attempt in progress counts as activity
    assert (cat.attempts, cat.best_exam, cat.status, cat.last_activity) == (0, None, "no exam yet", None)


def test_failed_only_exam_shows_not_passed_and_latest_differs_from_best(platform, trainer, cohort):
    with platform.transaction() as s:
        _attempt(s, cohort["bob"].id, {"hygiene-001": 1, "hygiene-002": 2, "hygiene-003": 0, "hygiene-004": 1},
                 mode="exam", exam=s.get(dashboard.Exam, cohort["exam"]), when=d(15))
        _attempt(s, cohort["bob"].id, {"hygiene-001": 0, "hygiene-002": 0, "hygiene-003": 0, "hygiene-004": 1},
                 mode="exam", exam=s.get(dashboard.Exam, cohort["exam"]), when=d(17))
        bob = next(r for r in dashboard.cohort_overview(s, trainer, cohort["id"]) if r.name == "Bob")
    assert bob.status == "not passed yet"
    assert bob.best_exam == pytest.approx(0.5) and bob.latest_exam == pytest.approx(0.0)


def test_mastery_is_the_share_of_points_per_trainee_and_topic(platform, trainer, cohort):
    with platform.transaction() as s:
        cells = {(c.name, c.topic): c for c in dashboard.mastery(s, trainer, cohort["id"])}
    # Ann aftercare 2/2, spacing 0/1, hygiene 1/4 + 4/4 = 5/8; Bob aftercare 1 of 2: the practice item he
    # never reached counts nowhere (issue 12), only an exam's unanswered items count 0.
    assert {k: (v.earned, v.possible) for k, v in cells.items()} == {
        ("Ann", "aftercare"): (2, 2), ("Ann", "spacing"): (0, 1), ("Ann", "hygiene"): (5, 8),
        ("Bob", "aftercare"): (1, 2),
    }
    assert cells[("Ann", "hygiene")].share == pytest.approx(0.625)
    with platform.transaction() as s:
        overall = dashboard.topic_mastery(dashboard.mastery(s, trainer, cohort["id"]))
    assert list(overall) == ["spacing", "hygiene", "aftercare"]  # weakest first: 0, 5/8, 3/4
    assert overall["aftercare"] == pytest.approx(3 / 4)


def test_filters_by_exam_mode_and_dates(platform, trainer, cohort):
    with platform.transaction() as s:
        exam_only = dashboard.mastery(s, trainer, cohort["id"], Filters(exam_id=cohort["exam"]))
        assert {(c.name, c.topic) for c in exam_only} == {("Ann", "hygiene")}
        practice = dashboard.cohort_overview(s, trainer, cohort["id"], Filters(mode="practice"))
        assert {r.name: r.attempts for r in practice} == {"Ann": 1, "Bob": 2, "Cat": 0}
        march_5_to_12 = dashboard.cohort_overview(s, trainer, cohort["id"],
                                                  Filters(since=date(2030, 3, 5), until=date(2030, 3, 12)))
        assert {r.name: r.attempts for r in march_5_to_12} == {"Ann": 1, "Bob": 1, "Cat": 0}
        with pytest.raises(InvalidInput, match="after its end"):
            dashboard.trend(s, trainer, cohort["id"], Filters(since=date(2030, 3, 9), until=date(2030, 3, 1)))
        with pytest.raises(InvalidInput, match="Unknown mode"):
            dashboard.trend(s, trainer, cohort["id"], Filters(mode="cheating"))


def test_trend_is_the_weekly_mean_per_mode(platform, trainer, cohort):
    with platform.transaction() as s:
        points = dashboard.trend(s, trainer, cohort["id"])
    # 2030-03-04 is a Monday: practice that week 2/3 (Ann) and 1/3 (Bob); exams on 12th and 14th: 0.25, 1.0
    got = [(p.week, p.mode, p.attempts, round(p.mean_score, 4)) for p in points]
    assert got == [(date(2030, 3, 4), "practice", 2, 0.5), (date(2030, 3, 11), "exam", 2, 0.625)]


def test_drill_down_lists_attempts_then_every_answer_of_one(platform, trainer, cohort):
    with platform.transaction() as s:
        atts = dashboard.trainee_attempts(s, trainer, cohort["bob"].id)
        assert [(a.id, a.state, a.items) for a in atts] == [(cohort["bob_open"], "in_progress", 1),
                                                           (cohort["bob_practice"], "submitted", 3)]
        detail = dashboard.attempt_detail(s, trainer, cohort["bob_practice"])
    assert detail.trainee_email == "bob@example.com"
    first, second, third = detail.answers
    assert (first.question_id, first.is_correct, first.score, first.max_score) == ("aftercare-001", True, 1, 1)
    assert first.answer_text == "B. aftercare-001 option 1" and first.correct_text == first.answer_text
    assert (second.is_correct, second.score) == (False, 0)
    assert second.answer_text == "A. aftercare-002 option 0" and second.correct_text == "C. aftercare-002 option 2"
    assert (third.answer_text, third.is_correct, third.score, third.max_score) == ("(no answer)", False, 0, 1)
    assert third.version == 1 and third.explanation == "Explanation of aftercare-003."


def test_drill_down_shows_the_version_that_was_answered_after_an_edit(platform, trainer, cohort):
    from quiz.domain.bank import Bank

    with platform.transaction() as s:
        bank = make_bank(per_topic=4, with_case=False)
        edited = [q.model_copy(update={"stem": "A new stem"}) if q.id == "aftercare-001" else q
                  for q in bank.questions]
        bank_sync.sync_bank(s, Bank(topics=bank.topics, sources=bank.sources, questions=edited))
        detail = dashboard.attempt_detail(s, trainer, cohort["bob_practice"])
    assert detail.answers[0].version == 1 and detail.answers[0].stem.startswith("Scenario for aftercare-001")


def test_an_exam_the_server_submitted_at_the_deadline_counts_like_any_other(platform, trainer, cohort):
    """Time ran out (state 'expired'): still graded, may pass, and must show everywhere a submitted one does."""
    with platform.transaction() as s:
        exam = s.get(dashboard.Exam, cohort["exam"])
        _attempt(s, cohort["cat"].id, {"hygiene-001": 1, "hygiene-002": 2, "hygiene-003": 3, "hygiene-004": 0},
                 mode="exam", exam=exam, when=d(16), state="expired")
        cat = next(r for r in dashboard.cohort_overview(s, trainer, cohort["id"]) if r.name == "Cat")
        cells = [c for c in dashboard.mastery(s, trainer, cohort["id"]) if c.user_id == cohort["cat"].id]
        weeks = dashboard.trend(s, trainer, cohort["id"], dashboard.Filters(mode="exam"))
        info = next(e for e in exams.list_exams(s, trainer, cohort["id"]) if e.id == cohort["exam"])
    assert (cat.status, cat.best_exam, cat.exam_attempts) == ("passed", pytest.approx(1.0), 1)
    assert [(c.topic, c.earned, c.possible) for c in cells] == [("hygiene", 4, 4)]
    assert sum(p.attempts for p in weeks) == 3  # Ann's two exams and Cat's
    assert info.attempts == 3


def test_trend_weeks_start_on_monday_utc_whatever_the_database_session_time_zone(platform, trainer, cohort):
    """Weeks are worked out in SQL: Sunday 23:59 UTC is still the week before, Monday 00:00 UTC a new one - also
    when a PostgreSQL session runs in another time zone (there, midnight UTC is already Monday noon)."""
    answers = {"hygiene-001": 1, "hygiene-002": 2, "hygiene-003": 3, "hygiene-004": 0}
    with platform.transaction() as s:
        exam = s.get(dashboard.Exam, cohort["exam"])
        for when in (datetime(2030, 3, 10, 23, 59, tzinfo=UTC), datetime(2030, 3, 11, 0, 0, tzinfo=UTC)):
            _attempt(s, cohort["cat"].id, answers, mode="exam", exam=exam, when=when)
    with platform.transaction() as s:
        if s.get_bind().dialect.name == "postgresql":
            s.execute(text("SET LOCAL TIME ZONE 'Pacific/Auckland'"))
        weeks = dashboard.trend(s, trainer, cohort["id"], Filters(mode="exam"))
    assert [(p.week, p.attempts) for p in weeks] == [(date(2030, 3, 4), 1), (date(2030, 3, 11), 3)]
