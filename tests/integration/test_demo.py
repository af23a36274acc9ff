"""The demo academy: plausible data (abler trainees score better, harder items are answered worse),
deterministic from the seed, refused on a database that already has attempts unless forced."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from quiz.adapters.orm import Attempt, CohortMember, Exam, QuestionVersion, Response, User
from quiz.domain import scoring
from quiz.services import accounts, bank_sync, certificates, cohorts, dashboard, demo
from quiz.services.errors import Conflict
from quiz.services.questions import to_question
from quiz.services.standard_setting_demo import PANEL
from tests.conftest import make_user
from tests.factories import make_bank

NOW = datetime(2030, 6, 1, 12, tzinfo=UTC)


def _load(platform, **kw):
    with platform.transaction() as s:
        return demo.populate(s, seed=kw.pop("seed", 3), trainees=kw.pop("trainees", 8), days=60, now=NOW, **kw)


@pytest.fixture
def bank(platform):
    with platform.transaction() as s:
        bank_sync.sync_bank(s, make_bank(per_topic=9, with_case=False))


def _fingerprint(platform) -> list[tuple]:
    with platform.transaction() as s:
        q = (select(User.email, Attempt.mode, Attempt.started_at, Attempt.score)
             .join(User, User.id == Attempt.user_id).order_by(User.email, Attempt.started_at))
        return [tuple(r) for r in s.execute(q)]


def test_demo_fills_a_living_academy_the_trainer_can_log_into(platform, bank):
    report = _load(platform)
    assert len(report.trainee_emails) == 8 and report.attempts > 20 and report.responses > 100
    trainer = accounts.login(platform.sessions, demo.TRAINER_EMAIL, demo.DEMO_PASSWORD)
    assert trainer.role == "trainer"
    assert accounts.login(platform.sessions, report.trainee_emails[0], demo.DEMO_PASSWORD).role == "trainee"
    with platform.transaction() as s:
        mine = cohorts.list_cohorts(s, trainer)
        assert [c.members for c in mine] == [4, 4]
        rows = [r for c in mine for r in dashboard.cohort_overview(s, trainer, c.id)]
        assert any(r.exam_attempts for r in rows) and all(r.submitted for r in rows)
        assert all(r.last_activity is not None and r.last_activity <= NOW for r in rows)
        modes = set(s.scalars(select(Attempt.mode).distinct()))
        assert {"practice", "exam"} <= modes
        # every passed exam earned a verifiable certificate, as through the app
        passed = s.scalars(select(Attempt.id).where(Attempt.mode == "exam", Attempt.passed.is_(True))).all()
        assert passed and report.certificates == len(passed)
        for aid in passed:
            code = certificates.code_for_attempt(s, aid)
            assert certificates.verify(s, code).valid
        # every exam covers every topic of the bank
        exam = s.scalar(select(Exam))
        assert set(exam.blueprint["topics"]) == {"aftercare", "spacing", "hygiene"}
        # every stored score is what the scoring rules give for the stored answer
        for r, v in s.execute(select(Response, QuestionVersion).join(QuestionVersion).limit(200)):
            assert scoring.score_item(to_question(v), r.answer).score == pytest.approx(r.score)


def test_the_same_seed_gives_the_same_academy(platform, bank):
    _load(platform, seed=11)
    first = _fingerprint(platform)
    _load(platform, seed=11, force=True)
    assert _fingerprint(platform) == first
    _load(platform, seed=12, force=True)
    assert _fingerprint(platform) != first


def test_answers_follow_ability_and_difficulty(platform, bank):
    _load(platform, trainees=30)
    with platform.transaction() as s:
        # items labelled hard are answered worse than items labelled easy
        q = (select(QuestionVersion.difficulty, func.sum(Response.score), func.sum(Response.max_score))
             .join(QuestionVersion, QuestionVersion.id == Response.question_version_id)
             .group_by(QuestionVersion.difficulty))
        share = {d: float(e) / float(m) for d, e, m in s.execute(q)}
        assert share["easy"] > share["medium"] > share["hard"]
        # trainees who do well in practice also do well in the exam (ability is a trait)
        per_user: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        for uid, mode, pct in s.execute(select(Attempt.user_id, Attempt.mode, Attempt.percent)):
            per_user[uid][mode].append(pct)
        pairs = [(sum(m["practice"]) / len(m["practice"]), sum(m["exam"]) / len(m["exam"]))
                 for m in per_user.values() if m["practice"] and m["exam"]]
    assert len(pairs) >= 10
    xs, ys = zip(*pairs)
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    cov = sum((x - mx) * (y - my) for x, y in pairs)
    corr = cov / (sum((x - mx) ** 2 for x in xs) * sum((y - my) ** 2 for y in ys)) ** 0.5
    assert corr > 0.3


def test_refused_when_attempts_exist_or_demo_loaded_and_force_touches_only_demo_data(platform, bank):
    real = make_user(platform, "trainee", "real@example.com", "Real Person")
    with platform.transaction() as s:
        s.add(Attempt(user_id=real.id, mode="practice", seed=1))
    with pytest.raises(Conflict, match="already has 1 attempt"):
        _load(platform)
    _load(platform, force=True)
    with pytest.raises(Conflict, match="already loaded"):
        _load(platform)
    _load(platform, force=True)
    with platform.transaction() as s:
        assert s.scalar(select(func.count(Attempt.id)).where(Attempt.user_id == real.id)) == 1
        # the trainer, 8 trainees and the standard-setting panel's other raters
        assert s.scalar(select(func.count(User.id)).where(User.email.like("%@" + demo.DEMO_DOMAIN))) == 9 + len(
            PANEL)
        assert s.scalar(select(func.count()).select_from(CohortMember)) == 8


def test_needs_a_loaded_bank(platform):
    with pytest.raises(Conflict, match="question bank"):
        _load(platform)



def test_on_a_bank_with_many_topics_the_exam_still_covers_every_topic(platform):
    topics = tuple(f"topic{i}" for i in range(10))
    with platform.transaction() as s:
        bank_sync.sync_bank(s, make_bank(per_topic=18, topics=topics, with_case=False))
    _load(platform)
    with platform.sessions() as s:
        for exam in s.scalars(select(Exam).where(Exam.name.like("Demo certification%"))):  # not module tests
            assert set(exam.blueprint["topics"]) == set(topics)
            assert 10 <= sum(exam.blueprint["topics"].values()) <= 30


def test_the_demo_exam_draws_from_every_safety_topic(platform):
    topics = ("aftercare", "spacing", *demo.SAFETY_TOPICS)
    bank = make_bank(per_topic=6, topics=topics, with_case=False)
    thin = [q for q in bank.questions if q.topic != "products" or q.id == "products-001"]  # one live item only
    with platform.transaction() as s:
        bank_sync.sync_bank(s, bank.model_copy(update={"questions": thin}))
    _load(platform)
    with platform.sessions() as s:
        for exam in s.scalars(select(Exam).where(Exam.name.like("Demo certification%"))):  # not module tests
            assert set(demo.SAFETY_TOPICS) <= set(exam.blueprint["topics"])
            assert exam.blueprint["topics"]["products"] == 1


def test_any_number_of_trainees_gets_unique_emails_and_names():
    """Past the 1,536 first x last pairs the demo used to fail with an IndexError."""
    names = [(f, la) for la in demo.LAST for f in demo.FIRST]
    people = [demo.trainee_identity(names, n) for n in range(5000)]
    assert len({e for e, _ in people}) == 5000 and len({nm for _, nm in people}) == 5000
    assert people[0] == ("amira.khan@" + demo.DEMO_DOMAIN, "Amira Khan")
    assert people[len(names)] == ("amira.khan.2@" + demo.DEMO_DOMAIN, "Amira A. Khan")

