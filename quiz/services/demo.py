"""A demo academy: one trainer, two cohorts, trainees with months of practice and exam attempts.

Answers follow an item-response model so the dashboard and the item statistics look like real ones:

* each trainee has an ability ``theta`` (normal) that grows over their course as they practise;
* each item has a difficulty ``b`` (from its easy/medium/hard label, plus noise) and a discrimination ``a``;
  a few items are deliberately poor (a negative discrimination, as a wrong key gives: abler trainees miss them
  more often; :attr:`DemoReport.poor_items`) and some distractors are almost never chosen, so item analysis
  has something to flag;
* besides the certification exam, each cohort sits module tests that cover their topics whole, so every live
  item has about one first-attempt answer per trainee (40 with the default size): enough for the pooled
  statistics' intervals to find the poor items (:mod:`quiz.services.pooled_statistics`);
* P(right) = c + (1 - c) / (1 + exp(-a (theta - b))), with a small guessing floor ``c``.

Everything is drawn from one ``random.Random(seed)`` and written with bulk inserts, so the same seed gives the
same academy in a few seconds. Attempts are scored with :mod:`quiz.domain.scoring`, exactly as live ones are.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.orm import Session

from quiz.adapters.orm import (
    Attempt,
    AttemptItem,
    AuditEvent,
    Certificate,
    Cohort,
    CohortMember,
    Exam,
    ExamOverride,
    Response,
    ReviewCard,
    User,
)
from quiz.core import security
from quiz.domain import scoring
from quiz.domain.assembly import Blueprint, assemble, attempt_layout
from quiz.domain.bank import Question
from quiz.services import certificates, item_vectors
from quiz.services.errors import Conflict
from quiz.services.questions import current_questions

DEMO_DOMAIN = "demo.mesocert.example"
DEMO_PASSWORD = "demo-password"
TRAINER_EMAIL = f"trainer@{DEMO_DOMAIN}"
TRAINER_NAME = "Dr Helena Marsh"
COHORT_NAMES = ("Demo cohort: Spring course", "Demo cohort: Autumn course")

FIRST = ("Amira", "Ben", "Chloe", "Daniel", "Ella", "Farah", "George", "Hana", "Isaac", "Jade", "Kai", "Lena",
         "Mateo", "Nadia", "Oliver", "Priya", "Quinn", "Rosa", "Samir", "Tara", "Umar", "Vera", "Will", "Yasmin",
         "Zoe", "Aiden", "Bea", "Carlos", "Dina", "Elif", "Finn", "Grace", "Hugo", "Ines", "Jonas", "Kira",
         "Leo", "Maya", "Noah", "Olga", "Pablo", "Ruth", "Sofia", "Theo", "Una", "Victor", "Wren", "Xena")
LAST = ("Khan", "Walker", "Dubois", "Okafor", "Rossi", "Haddad", "Novak", "Sato", "Levy", "Moreau", "Silva",
        "Berg", "Garcia", "Petrov", "Hughes", "Patel", "Byrne", "Ferrari", "Aziz", "Lund", "Malik", "Costa",
        "Evans", "Nasser", "Kim", "Murphy", "Jensen", "Ortiz", "Kaya", "Demir", "Nowak", "Reid")


@dataclass
class DemoReport:
    trainer_email: str
    password: str
    cohorts: list[str]
    trainee_emails: list[str]
    exams: list[str]
    attempts: int = 0
    responses: int = 0
    certificates: int = 0
    removed_previous: bool = False
    per_cohort: dict[str, int] = field(default_factory=dict)
    module_tests: list[str] = field(default_factory=list)
    poor_items: list[str] = field(default_factory=list)  # deliberately poor (negative discrimination)


@dataclass
class _Item:
    q: Question
    version_id: int
    a: float  # discrimination
    b: float  # difficulty
    c: float  # guessing floor
    weights: list[float]  # how attractive each wrong option is (single items)
    poor: bool = False  # deliberately poor: a negative discrimination, as a wrong key gives


def trainee_identity(names: list[tuple[str, str]], n: int) -> tuple[str, str]:
    """(email, name) of the ``n``-th demo trainee: the shuffled first x last names, and once they run out
    (1,536 pairs) the same pairs again with a middle initial and a number in the email, so any size works."""
    first, last = names[n % len(names)]
    lap = n // len(names)
    if lap == 0:
        return f"{first}.{last}".lower() + f"@{DEMO_DOMAIN}", f"{first} {last}"
    initial = chr(ord("A") + (lap - 1) % 26)
    return f"{first}.{last}.{lap + 1}".lower() + f"@{DEMO_DOMAIN}", f"{first} {initial}. {last}"


def _is_demo_email(email: str) -> bool:
    return email.endswith("@" + DEMO_DOMAIN)


def remove_demo(session: Session) -> bool:
    """Delete the demo accounts and everything they made; other accounts' data is never touched."""
    users = select(User.id).where(User.email.like(f"%@{DEMO_DOMAIN}"))
    ids = list(session.scalars(users))
    if not ids:
        return False
    cohorts = list(session.scalars(select(Cohort.id).where(Cohort.trainer_id.in_(ids))))
    exams = list(session.scalars(select(Exam.id).where(or_(Exam.cohort_id.in_(cohorts), Exam.created_by.in_(ids)))))
    attempts = select(Attempt.id).where(or_(Attempt.user_id.in_(ids), Attempt.exam_id.in_(exams)))
    attempt_ids = list(session.scalars(attempts))
    session.execute(delete(Certificate).where(or_(Certificate.user_id.in_(ids), Certificate.exam_id.in_(exams),
                                                  Certificate.attempt_id.in_(attempt_ids))))
    session.execute(delete(Response).where(Response.attempt_id.in_(attempt_ids)))
    session.execute(delete(AttemptItem).where(AttemptItem.attempt_id.in_(attempt_ids)))
    session.execute(delete(Attempt).where(Attempt.id.in_(attempt_ids)))
    session.execute(delete(ExamOverride).where(or_(ExamOverride.exam_id.in_(exams), ExamOverride.user_id.in_(ids),
                                                   ExamOverride.granted_by.in_(ids))))
    session.execute(delete(Exam).where(Exam.id.in_(exams)))
    session.execute(delete(CohortMember).where(or_(CohortMember.cohort_id.in_(cohorts),
                                                   CohortMember.user_id.in_(ids))))
    session.execute(delete(Cohort).where(Cohort.id.in_(cohorts)))
    session.execute(delete(ReviewCard).where(ReviewCard.user_id.in_(ids)))
    session.execute(delete(AuditEvent).where(AuditEvent.actor_id.in_(ids)))
    session.execute(delete(User).where(User.id.in_(ids)))
    session.flush()
    return True


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _item_model(rng: random.Random, cq: Any) -> _Item:
    q: Question = cq.question
    base = {"easy": -1.2, "medium": 0.0, "hard": 1.1}[q.difficulty]
    b = base + rng.gauss(0, 0.45)
    a = math.exp(rng.gauss(0.1, 0.25))
    poor = rng.random() < 0.08
    if poor:  # a poor item, as with a wrong key: abler trainees get it wrong more often than weaker ones
        a, b = -rng.uniform(1.4, 2.2), rng.gauss(0, 0.4)
    c = {"true_false": 0.35, "single": 0.12}.get(q.type, 0.03)
    n_wrong = max(0, len(q.options) - len(q.correct_indexes))
    weights = [rng.uniform(0.4, 1.6) for _ in range(n_wrong)]
    if weights and len(weights) >= 2 and rng.random() < 0.3:  # an implausible distractor nobody picks
        weights[rng.randrange(len(weights))] = 0.02
    return _Item(q, cq.version_id, a, b, c, weights, poor)


def _answer(rng: random.Random, item: _Item, right: bool) -> Any:
    q = item.q
    if q.type == "single":
        if right:
            return int(q.key)
        wrong = [i for i in range(len(q.options)) if i != q.key]
        return rng.choices(wrong, weights=item.weights[:len(wrong)] or None)[0]
    if q.type == "true_false":
        return bool(q.key) if right else not bool(q.key)
    if q.type == "multiple":
        key = sorted(q.key)  # type: ignore[arg-type]
        if right:
            return key
        others = [i for i in range(len(q.options)) if i not in key]
        picked = set(key)
        if others and (len(key) == 1 or rng.random() < 0.5):
            picked.add(rng.choice(others))
        else:
            picked.discard(rng.choice(key))
        return sorted(picked) or [rng.choice(others or key)]
    if q.type == "ordering":
        order = list(q.key)  # type: ignore[arg-type]
        if right:
            return order
        i = rng.randrange(len(order) - 1)
        order[i], order[i + 1] = order[i + 1], order[i]
        return order
    if q.type == "numeric":
        key, tol = float(q.key), float(q.tolerance or 0)
        if right:
            return key
        return key + rng.choice((-1, 1)) * (tol + rng.choice((1, 2, 3, 7)))
    raise ValueError(q.type)  # pragma: no cover


@dataclass
class _Trainee:
    id: int
    theta: float
    growth: float
    start: datetime
    end: datetime
    engagement: float
    seen: Counter = field(default_factory=Counter)

    def ability(self, at: datetime) -> float:
        span = (self.end - self.start).total_seconds() or 1.0
        progress = min(1.0, max(0.0, (at - self.start).total_seconds() / span))
        return self.theta + self.growth * progress


class _Writer:
    """Collects attempts, then writes them with three bulk inserts."""

    def __init__(self) -> None:
        self.attempts: list[dict] = []
        self.items: list[list[dict]] = []
        self.responses: list[list[dict]] = []

    def add(self, rng: random.Random, tr: _Trainee, items: list[_Item], *, mode: str, started: datetime,
            exam: Exam | None = None, settings: dict | None = None, blank_rate: float = 0.0) -> float:
        seed = rng.randrange(1, 2**31 - 1)
        layout = attempt_layout([i.q for i in items], seed)
        theta = tr.ability(started)
        scores, item_rows, resp_rows = [], [], []
        t = started
        for pos, (item, order) in enumerate(zip(items, layout)):
            t = t + timedelta(seconds=rng.randint(20, 95))
            item_rows.append({"position": pos, "question_version_id": item.version_id, "option_order": order,
                              "flagged": False})
            tr.seen[item.q.id] += 1
            if rng.random() < blank_rate:
                scores.append(scoring.score_item(item.q, None))
                continue
            p = item.c + (1 - item.c) * _logistic(item.a * (theta - item.b))
            answer = _answer(rng, item, rng.random() < p)
            result = scoring.score_item(item.q, answer)
            scores.append(result)
            resp_rows.append({"question_version_id": item.version_id, "answer": answer,
                              "is_correct": result.correct, "score": result.score, "max_score": result.max_score,
                              "saved_at": t})
        total = scoring.total_score(scores, exam.pass_mark if exam else None)
        self.attempts.append({
            "user_id": tr.id, "exam_id": exam.id if exam else None, "mode": mode, "state": "submitted", "seed": seed,
            "settings": settings or {}, "started_at": started,
            "deadline_at": started + timedelta(minutes=exam.time_limit_minutes) if exam else None,
            "submitted_at": t + timedelta(seconds=rng.randint(5, 60)), "score": total.score,
            "max_score": total.max_score, "percent": total.percent, "passed": total.passed,
            "current_position": max(0, len(items) - 1),
        })
        self.items.append(item_rows)
        self.responses.append(resp_rows)
        return total.percent

    def flush(self, session: Session) -> tuple[int, int]:
        if not self.attempts:
            return 0, 0
        ids = session.scalars(insert(Attempt).returning(Attempt.id, sort_by_parameter_order=True),
                              self.attempts).all()
        item_rows = [{**r, "attempt_id": aid} for aid, rows in zip(ids, self.items) for r in rows]
        resp_rows = [{**r, "attempt_id": aid} for aid, rows in zip(ids, self.responses) for r in rows]
        session.execute(insert(AttemptItem), item_rows)
        if resp_rows:
            session.execute(insert(Response), resp_rows)
        item_vectors.refresh(session, [aid for aid, a in zip(ids, self.attempts) if a["exam_id"] is not None])
        return len(ids), len(resp_rows)


# A certification must test safety: the demo exam always draws from each of these that has a live item.
SAFETY_TOPICS = ("screening", "consultation", "asepsis", "complications", "products")


def _exam_blueprint(by_topic: dict[str, list[_Item]], per_topic: int) -> dict[str, int]:
    """Items per topic: ``per_topic`` (at most a third of the topic's live items), every topic with two or
    more live items, and every safety topic however few it has."""
    return {t: min(per_topic, max(1, len(items) // 3)) for t, items in sorted(by_topic.items())
            if len(items) >= 2 or (t in SAFETY_TOPICS and items)}


def _modules(by_topic: dict[str, list[_Item]], count: int = 4) -> list[list[str]]:
    """The topics split into ``count`` module tests of about the same number of items (in topic order)."""
    topics = sorted(by_topic)
    count = max(1, min(count, len(topics)))
    total = sum(len(by_topic[t]) for t in topics)
    groups: list[list[str]] = []
    current: list[str] = []
    done = 0
    for t in topics:
        current.append(t)
        done += len(by_topic[t])
        if len(groups) < count - 1 and done >= total * (len(groups) + 1) / count:
            groups.append(current)
            current = []
    return groups + ([current] if current else [])


def populate(session: Session, *, seed: int = 7, trainees: int = 40, days: int = 150, force: bool = False,
             now: datetime | None = None) -> DemoReport:
    """Fill the database with the demo academy (inside the caller's transaction)."""
    if trainees < 2:
        raise Conflict("The demo needs at least 2 trainees.")
    removed = False
    demo_exists = session.scalar(select(User.id).where(User.email == TRAINER_EMAIL)) is not None
    others = session.scalar(select(func.count(Attempt.id))) or 0
    if (demo_exists or others) and not force:
        what = "the demo academy is already loaded" if demo_exists else f"the database already has {others} attempt(s)"
        raise Conflict(f"Refusing to add the demo: {what}. Use --force to (re)load it anyway; only the demo's own "
                       f"accounts (@{DEMO_DOMAIN}) are replaced, nothing else is touched.")
    if demo_exists:
        removed = remove_demo(session)
    taken = session.scalar(select(func.count(Cohort.id)).where(Cohort.name.in_(COHORT_NAMES))) or 0
    taken += session.scalar(select(func.count(Exam.id)).where(Exam.name.like("Demo certification%")
                                                                | Exam.name.like("Demo module test%"))) or 0
    if taken:
        raise Conflict("Cohorts or exams with the demo's names already exist; rename them first.")

    live = [c for c in current_questions(session) if c.question.case is None]
    if len(live) < 10:
        raise Conflict("The demo needs the question bank loaded (at least 10 live items); run "
                       "'python -m quiz init' first.")
    rng = random.Random(seed)
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    items = {c.question.id: _item_model(rng, c) for c in live}
    report_poor = sorted(qid for qid, it in items.items() if it.poor)
    by_topic: dict[str, list[_Item]] = {}
    for it in items.values():
        by_topic.setdefault(it.q.topic, []).append(it)

    password_hash = security.hash_password(DEMO_PASSWORD)  # one hash for every demo account: fast
    trainer = User(email=TRAINER_EMAIL, name=TRAINER_NAME, role="trainer", password_hash=password_hash,
                   created_at=now - timedelta(days=days + 14), last_login_at=now - timedelta(hours=3))
    session.add(trainer)
    session.flush()

    # Two cohorts: one well into its course (started ``days`` ago), one that started recently.
    starts = [now - timedelta(days=days), now - timedelta(days=max(14, int(days * 0.4)))]
    sizes = [trainees - trainees // 2, trainees // 2]
    names = [(f, la) for la in LAST for f in FIRST]
    random.Random(seed).shuffle(names)  # names depend on the seed only, not on the size of the bank
    report = DemoReport(TRAINER_EMAIL, DEMO_PASSWORD, list(COHORT_NAMES), [], [], removed_previous=removed,
                        poor_items=report_poor)
    writer = _Writer()
    # Every topic is examined; about 30 questions in all keeps the exam a sensible length on a big bank.
    per_topic = max(2, min(5, 30 // max(1, len(by_topic))))
    blueprint = _exam_blueprint(by_topic, per_topic)
    n = 0
    for ci, (cname, start, size) in enumerate(zip(COHORT_NAMES, starts, sizes)):
        cohort = Cohort(name=cname, invite_code=security.random_code(8), trainer_id=trainer.id, is_open=ci == 1,
                        created_at=start - timedelta(days=3))
        session.add(cohort)
        session.flush()
        exam_at = start + (now - start) * (0.7 if ci == 0 else 0.8)
        exam = Exam(name=f"Demo certification: {cname.split(': ')[-1]}", cohort_id=cohort.id,
                    blueprint=Blueprint(topics=blueprint).to_dict(), time_limit_minutes=30, pass_mark=0.7,
                    attempts_allowed=3, wait_hours=24,
                    review_options={"show_score": True, "show_answers": True, "show_explanations": True},
                    opens_at=exam_at - timedelta(days=2), closes_at=None, is_active=True, created_by=trainer.id,
                    created_at=start)
        session.add(exam)
        session.flush()
        report.exams.append(exam.name)
        modules = []  # (exam, its items, when it is sat): spread over the course before the certification
        for k, group in enumerate(groups := _modules(by_topic)):
            when = start + (exam_at - start) * (k + 1) / (len(groups) + 1)
            module_items = [it for t in group for it in by_topic[t]]
            module = Exam(name=f"Demo module test {k + 1}: {cname.split(': ')[-1]}", cohort_id=cohort.id,
                          blueprint=Blueprint(topics={t: len(by_topic[t]) for t in group}).to_dict(),
                          time_limit_minutes=max(30, 2 * len(module_items)), pass_mark=0.6, attempts_allowed=1,
                          wait_hours=24, review_options=exam.review_options, opens_at=when - timedelta(days=1),
                          closes_at=when + timedelta(days=3), is_active=True, created_by=trainer.id, created_at=start)
            session.add(module)
            modules.append((module, module_items, when))
            report.module_tests.append(module.name)
        session.flush()
        user_rows = []
        for _ in range(size):
            email, name = trainee_identity(names, n)
            n += 1
            user_rows.append({"email": email, "name": name, "role": "trainee",
                              "password_hash": password_hash, "is_active": True, "failed_logins": 0,
                              "created_at": start - timedelta(days=rng.uniform(0, 3))})
        user_ids = session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), user_rows).all()
        session.execute(insert(CohortMember), [{"cohort_id": cohort.id, "user_id": uid, "joined_at": r["created_at"]}
                                               for uid, r in zip(user_ids, user_rows)])
        report.trainee_emails.extend(r["email"] for r in user_rows)
        report.per_cohort[cname] = size
        last_seen: dict[int, datetime] = {}
        for uid in user_ids:
            tr = _Trainee(id=uid, theta=rng.gauss(-0.2, 0.85), growth=rng.uniform(0.1, 1.3), start=start,
                          end=exam_at, engagement=rng.uniform(0.3, 1.0))
            # practice: sessions spread over the course so far, busier for engaged trainees
            horizon = min(now, exam_at + timedelta(days=20))
            n_sessions = int(4 + tr.engagement * 16 * ((horizon - start).days / max(1, days)) ** 0.5)
            times = sorted(start + (horizon - start) * rng.random() for _ in range(n_sessions))
            for t in times:
                topics = rng.sample(sorted(by_topic), k=min(len(by_topic), rng.choice((1, 1, 2))))
                pool = [it for tp in topics for it in by_topic[tp]]
                pool.sort(key=lambda it: (tr.seen[it.q.id], rng.random()))
                chosen = pool[:min(len(pool), rng.choice((5, 8, 10)))]
                rng.shuffle(chosen)
                writer.add(rng, tr, chosen, mode="practice", started=t, settings={"topics": sorted(topics)})
                last_seen[uid] = t
            # a few spaced-review sessions over what they have seen
            for _ in range(rng.randint(0, 3)):
                t = start + (horizon - start) * rng.uniform(0.3, 1.0)
                seen_items = [items[qid] for qid in tr.seen]
                if len(seen_items) >= 3:
                    chosen = rng.sample(seen_items, k=min(5, len(seen_items)))
                    writer.add(rng, tr, chosen, mode="review", started=t)
                    last_seen[uid] = max(last_seen.get(uid, t), t)
            # module tests: everyone sits each once it is due; each covers its topics whole
            for module, module_items, when in modules:
                t = when + timedelta(hours=rng.uniform(0, 48))
                if t <= now:
                    chosen = list(module_items)
                    rng.shuffle(chosen)
                    writer.add(rng, tr, chosen, mode="exam", started=t, exam=module, blank_rate=0.02)
                    last_seen[uid] = max(last_seen.get(uid, t), t)
            # the exam: most trainees sit it once it opens, and retake after a failure
            if exam_at > now or rng.random() > (0.95 if ci == 0 else 0.7):
                continue
            t = exam_at + timedelta(hours=rng.uniform(0, 72))
            for _attempt in range(exam.attempts_allowed):
                if t > now:
                    break
                qs = assemble([it.q for it in items.values()], Blueprint(topics=blueprint), seed=rng.randrange(10**9),
                              seen=dict(tr.seen))
                percent = writer.add(rng, tr, [items[q.id] for q in qs], mode="exam", started=t, exam=exam,
                                     blank_rate=0.02)
                last_seen[uid] = max(last_seen.get(uid, t), t)
                if percent >= exam.pass_mark - 1e-9 or rng.random() < 0.25:
                    break
                tr.theta += rng.uniform(0.1, 0.5)  # they revise before retaking
                t = t + timedelta(days=rng.uniform(2, 12))
        for uid, t in last_seen.items():
            session.execute(User.__table__.update().where(User.id == uid).values(last_login_at=t))
    a, r = writer.flush(session)
    report.attempts, report.responses = a, r
    # Passed exams earn their certificates, as they would through the app.
    demo_exams = select(Exam.id).where(Exam.name.in_(report.exams + report.module_tests))
    for attempt in session.scalars(select(Attempt).where(Attempt.exam_id.in_(demo_exams), Attempt.passed.is_(True))
                                   .order_by(Attempt.id)):
        certificates.issue(session, attempt, now=attempt.submitted_at)
        report.certificates += 1
    _standard_setting_panel(session, trainer, report, items, password_hash, seed, now)
    session.add(AuditEvent(actor_id=None, action="demo_loaded", target=TRAINER_EMAIL,
                           detail={"seed": seed, "trainees": trainees, "attempts": a}))
    session.flush()
    return report


def _standard_setting_panel(session: Session, trainer: User, report: DemoReport, items: dict[str, _Item],
                            password_hash: str, seed: int, now: datetime) -> None:
    """A finished two-round Angoff panel on the first demo exam (quiz.services.standard_setting_demo)."""
    from quiz.services.standard_setting_demo import add_panel

    exam_id = session.scalar(select(Exam.id).where(Exam.name == report.exams[0]))
    add_panel(session, trainer=trainer, exam_id=exam_id, domain=DEMO_DOMAIN, password_hash=password_hash,
              models={qid: (it.a, it.b, it.c) for qid, it in items.items()}, seed=seed, now=now)


__all__ = ["populate", "remove_demo", "DemoReport", "DEMO_PASSWORD", "TRAINER_EMAIL", "DEMO_DOMAIN"]
