"""The academy-wide view (quiz/services/academy.py, academy_answers.py) on SQLite and PostgreSQL, with numbers
worked out by hand below, and its CSV route.

Three cohorts: Alpha (Tom's: Amy, Ben, Cat), Beta (Olga's: Dan, and Amy again), Gamma (Tom's, empty). Two topics,
two items each (key: option 0). NOW is fixed; every answer is saved five minutes after its attempt started.

    Amy   exam E1 at -35 d: aftercare 1/2, spacing 2/2 = 75 %  passed  (her first attempt at E1)
          exam E1 at  -3 d: aftercare 2/2, spacing 2/2 = 100 % passed
    Ben   exam E1 at -20 d: aftercare 0/2, spacing 1/2 = 25 %  failed  (his first)
          exam E1 at -10 d: aftercare 1/2, spacing 2/2 = 75 %  passed
    Cat   practice at -2 d: aftercare 1/1, spacing 0/1 (2 practice answers)
    Dan   exam E2 at -50 d: 4/4 = 100 % passed (his first); practice at -40 d: aftercare 0/1;
          a practice still open (started -45 d) with one answer saved at -1 d (active; 1 practice answer)

Mastery (share of points per topic over finished attempts): Amy aftercare 3/4, spacing 4/4; Ben 1/4, 3/4;
Cat 1/1, 0/1; Dan 2/3, 2/2. Certificates: Amy's first pass expires in 20 days, her second (revoked) in 10,
Ben's in 200, Dan's expired 5 days ago.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from quiz.adapters.orm import Attempt, Certificate, CohortMember, Response
from quiz.services import academy, academy_answers
from quiz.services.errors import PermissionDenied
from quiz.services.permissions import Actor
from tests.asgi import call_asgi
from tests.conftest import make_user
from tests.factories import make_question
from tests.integration.academy import add_attempt, add_trainee, load_questions, make_cohort, make_exam

NOW = datetime(2027, 5, 1, 12, 0, tzinfo=UTC)
RIGHT, WRONG = 0, 1
ITEMS = ["aftercare-001", "aftercare-002", "spacing-001", "spacing-002"]


def _sit(platform, user_id, exam_id, days_ago, marks, *, mode="exam", state="submitted"):  # noqa: ANN001, ANN202
    """An attempt ``days_ago`` days before NOW answering ITEMS (in order) with ``marks``; None skips an item."""
    at = NOW - timedelta(days=days_ago)
    answers = {q: m for q, m in zip(ITEMS, marks, strict=True) if m is not None}
    aid = add_attempt(platform, user_id, exam_id, answers, state=state, at=at, mode=mode)
    with platform.transaction() as s:
        s.execute(update(Response).where(Response.attempt_id == aid).values(saved_at=at + timedelta(minutes=5)))
    return aid


def _certificate(platform, attempt_id: int, expires_in_days: int, *, revoked: bool = False) -> None:  # noqa: ANN001
    with platform.transaction() as s:
        a = s.get(Attempt, attempt_id)
        s.add(Certificate(code=f"MC-TEST-{attempt_id:04d}", user_id=a.user_id, exam_id=a.exam_id, attempt_id=a.id,
                          score_percent=a.percent * 100, issued_at=a.submitted_at,
                          expires_at=NOW + timedelta(days=expires_in_days),
                          revoked_at=NOW - timedelta(days=1) if revoked else None))


@pytest.fixture
def world(platform, admin, trainer):  # noqa: ANN001, ANN201
    load_questions(platform, [make_question(q) for q in ITEMS])
    olga = make_user(platform, "trainer", "olga@example.com", "Olga Other")
    alpha = make_cohort(platform, trainer, "Alpha")
    beta = make_cohort(platform, olga, "Beta")
    gamma = make_cohort(platform, trainer, "Gamma")
    amy = add_trainee(platform, alpha, "amy@example.com")
    ben = add_trainee(platform, alpha, "ben@example.com")
    cat = add_trainee(platform, alpha, "cat@example.com")
    dan = add_trainee(platform, beta, "dan@example.com")
    with platform.transaction() as s:
        s.add(CohortMember(cohort_id=beta, user_id=amy))
    e1, e2 = make_exam(platform, alpha, "E1"), make_exam(platform, beta, "E2")
    amy1 = _sit(platform, amy, e1, 35, [RIGHT, WRONG, RIGHT, RIGHT])
    amy2 = _sit(platform, amy, e1, 3, [RIGHT, RIGHT, RIGHT, RIGHT])
    _sit(platform, ben, e1, 20, [WRONG, WRONG, RIGHT, WRONG])
    ben2 = _sit(platform, ben, e1, 10, [RIGHT, WRONG, RIGHT, RIGHT])
    _sit(platform, cat, None, 2, [RIGHT, None, WRONG, None], mode="practice")
    dan1 = _sit(platform, dan, e2, 50, [RIGHT, RIGHT, RIGHT, RIGHT])
    _sit(platform, dan, None, 40, [WRONG, None, None, None], mode="practice")
    open_ = _sit(platform, dan, None, 45, [RIGHT, None, None, None], mode="practice", state="in_progress")
    with platform.transaction() as s:
        s.execute(update(Response).where(Response.attempt_id == open_).values(saved_at=NOW - timedelta(days=1)))
    _certificate(platform, amy1, 20)
    _certificate(platform, amy2, 10, revoked=True)
    _certificate(platform, ben2, 200)
    _certificate(platform, dan1, -5)
    return {"alpha": alpha, "beta": beta, "gamma": gamma, "olga": olga}


def _view(platform, actor: Actor):  # noqa: ANN001, ANN202
    with platform.transaction() as s:
        return academy.academy_view(s, actor, now=NOW)


def _refresh(platform) -> None:  # noqa: ANN001
    assert academy_answers.refresh(platform, now=NOW) is not None


def test_every_cohort_and_the_totals_as_worked_out_by_hand(platform, admin, world):  # noqa: ANN001
    _refresh(platform)
    view = _view(platform, admin)
    alpha, beta, gamma = view.cohorts
    assert [r.name for r in view.cohorts] == ["Alpha", "Beta", "Gamma"] and view.everything
    assert (alpha.trainer, beta.trainer, gamma.trainer) == ("Tom Trainer", "Olga Other", "Tom Trainer")

    assert (alpha.trainees, alpha.active_7d, alpha.active_30d) == (3, 2, 3)  # Amy, Cat this week; Ben too
    assert (alpha.exam_attempts, alpha.first_attempts, alpha.first_passed) == (4, 2, 1)
    assert alpha.first_pass_rate == pytest.approx(0.5)
    assert alpha.mean_exam == pytest.approx((0.75 + 1.0 + 0.25 + 0.75) / 4)
    assert (alpha.certificates, alpha.expiring, alpha.practice_answers_30d) == (3, 1, 2)
    # aftercare (3/4 + 1/4 + 1) / 3 = 2/3; spacing (1 + 3/4 + 0) / 3 = 7/12
    assert (alpha.weakest_topic, alpha.weakest_mastery) == ("spacing", pytest.approx(7 / 12))

    assert (beta.trainees, beta.active_7d, beta.active_30d) == (2, 2, 2)  # Dan answered yesterday in an open one
    assert (beta.exam_attempts, beta.first_attempts, beta.first_passed) == (3, 2, 2)
    assert beta.mean_exam == pytest.approx((0.75 + 1.0 + 1.0) / 3)
    assert (beta.certificates, beta.expiring, beta.practice_answers_30d) == (3, 1, 1)
    # aftercare (3/4 + 2/3) / 2 = 17/24; spacing (1 + 1) / 2
    assert (beta.weakest_topic, beta.weakest_mastery) == ("aftercare", pytest.approx(17 / 24))

    assert (gamma.trainees, gamma.exam_attempts, gamma.certificates, gamma.practice_answers_30d) == (0, 0, 0, 0)
    assert (gamma.first_pass_rate, gamma.mean_exam, gamma.weakest_topic) == (None, None, None)

    t = view.totals  # Amy once
    assert (t.cohort_id, t.trainees, t.active_7d, t.active_30d) == (None, 4, 3, 4)
    assert (t.exam_attempts, t.first_attempts, t.first_passed) == (5, 3, 2)
    assert t.mean_exam == pytest.approx(3.75 / 5)
    assert (t.certificates, t.expiring, t.practice_answers_30d) == (4, 1, 3)
    # aftercare (3/4 + 1/4 + 1 + 2/3) / 4 = 2/3; spacing (1 + 3/4 + 0 + 1) / 4 = 11/16
    assert (t.weakest_topic, t.weakest_mastery) == ("aftercare", pytest.approx(2 / 3))


def test_a_trainer_sees_the_cohorts_they_run_and_their_totals(platform, trainer, world):  # noqa: ANN001
    _refresh(platform)
    view = _view(platform, trainer)
    assert [r.name for r in view.cohorts] == ["Alpha", "Gamma"] and not view.everything
    t = view.totals
    assert (t.trainees, t.active_7d, t.exam_attempts, t.first_attempts, t.first_passed) == (3, 2, 4, 2, 1)
    assert (t.practice_answers_30d, t.weakest_topic) == (2, "spacing")
    assert [r.name for r in _view(platform, world["olga"]).cohorts] == ["Beta"]


def test_a_trainer_without_cohorts_gets_an_empty_view(platform, world):  # noqa: ANN001
    nobody = make_user(platform, "trainer", "new@example.com", "New Trainer")
    view = _view(platform, nobody)
    assert view.cohorts == [] and view.totals.trainees == 0


def test_trainees_are_refused(platform, world):  # noqa: ANN001
    tia = make_user(platform, "trainee", "tia@example.com", "Tia Trainee")
    with pytest.raises(PermissionDenied), platform.transaction() as s:
        academy.academy_view(s, tia, now=NOW)


def test_answer_figures_wait_for_the_first_refresh_and_go_stale(platform, admin, world):  # noqa: ANN001
    before = _view(platform, admin)
    assert before.answers_at is None and before.answers_stale()
    assert before.totals.practice_answers_30d is None and before.totals.weakest_topic is None
    assert before.totals.exam_attempts == 5  # the attempt figures are live
    _refresh(platform)
    after = _view(platform, admin)
    assert after.answers_at == NOW and not after.answers_stale()
    with platform.transaction() as s:
        later = academy.academy_view(s, admin, now=NOW + timedelta(minutes=academy_answers.REFRESH_MINUTES))
    assert later.answers_stale() and later.totals.practice_answers_30d == 3  # still shown while refreshed


def test_one_process_refreshes_at_a_time(platform, world):  # noqa: ANN001
    with platform.transaction() as s:
        assert academy_answers.claim(s, now=NOW)
    with platform.transaction() as s:
        assert not academy_answers.claim(s, now=NOW + timedelta(minutes=1))  # another process is on it
    assert academy_answers.refresh(platform, now=NOW + timedelta(minutes=2)) is None
    with platform.transaction() as s:  # a claim left by a process that died is taken over after a while
        assert academy_answers.claim(s, now=NOW + timedelta(minutes=academy_answers.CLAIM_MINUTES))
        academy_answers.release(s)
    assert academy_answers.refresh(platform, now=NOW) is not None  # released: the next refresh runs at once
    assert academy_answers.refresh(platform, now=NOW) is not None


def test_the_table_as_csv_through_the_download_route(platform, admin, trainer, world, monkeypatch):  # noqa: ANN001
    from starlette.applications import Starlette

    from quiz.web import auth, downloads

    _refresh(platform)
    monkeypatch.setattr(auth, "platform", lambda: platform)
    app = Starlette(routes=downloads.routes)
    who: list[Actor | None] = [admin]
    monkeypatch.setattr(auth, "actor_from_request", lambda request: who[0])
    status, headers, body = call_asgi(app, downloads.ACADEMY_URL)
    assert status == 200 and headers["content-type"].startswith("text/csv")
    assert headers["content-disposition"].startswith('attachment; filename="academy-')
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join(academy.CSV_COLUMNS)
    assert [line.split(",")[0] for line in lines[1:]] == ["Alpha", "Beta", "Gamma", academy.TOTAL_LABEL]
    assert lines[1].split(",")[7:9] == ["50.0", "68.8"]  # first-attempt pass rate, mean exam score
    assert lines[1].split(",")[-2:] == ["spacing", "58.3"]  # the weakest topic and its mastery
    who[0] = trainer
    _, _, body = call_asgi(app, downloads.ACADEMY_URL)
    assert [line.split(",")[0] for line in body.decode("utf-8-sig").splitlines()[1:]] == [
        "Alpha", "Gamma", academy.TOTAL_LABEL]
    who[0] = Actor(999, "trainee")
    assert call_asgi(app, downloads.ACADEMY_URL)[0] == 403
    who[0] = None
    assert call_asgi(app, downloads.ACADEMY_URL)[0] == 401
