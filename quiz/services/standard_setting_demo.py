"""The demo academy's finished standard-setting panel: four trainers rate the first demo exam's pool in two rounds
(round 2 pulls the outliers towards the panel), give Hofstee judgements, and the study is closed (adopted), so a
trainer can look at one. Ratings follow the demo's item model for a borderline candidate, with each rater's own
leniency and noise. Called by :func:`quiz.services.demo.populate`."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from quiz.adapters.orm import StandardSettingRater, StandardSettingRating, StandardSettingStudy, User
from quiz.domain.standard_setting import mean
from quiz.services import standard_setting as sts
from quiz.services.permissions import Actor

PANEL = (("Dr Omar Haddad", "panel.omar"), ("Nurse Lucia Rossi", "panel.lucia"), ("Dr Kenji Sato", "panel.kenji"))
BORDERLINE_THETA = 0.45  # the ability of a just-competent candidate on the demo's ability scale
BASE_B = {"easy": -1.2, "medium": 0.0, "hard": 1.1}


def _step5(p: float) -> int:
    return int(max(0, min(100, 5 * round(100 * p / 5))))


def add_panel(session: Session, *, trainer: User, exam_id: int, domain: str, password_hash: str,
              models: dict[str, tuple[float, float, float]], seed: int, now: datetime) -> int:
    """Open, rate (two rounds) and close a study of ``exam_id``; ``models`` maps question id to the demo's
    (a, b, c) item parameters. Returns the study id."""
    rng = random.Random(seed * 7919 + 14)
    raters = [trainer]
    for name, local in PANEL:
        user = User(email=f"{local}@{domain}", name=name, role="trainer", password_hash=password_hash,
                    created_at=now - timedelta(days=60))
        session.add(user)
        raters.append(user)
    session.flush()
    boss = Actor.of(trainer)
    opened = now - timedelta(days=10)
    study_id = sts.open_study(session, boss, exam_id, "Demo Angoff panel", now=opened).id
    for user in raters:
        sts.invite(session, boss, study_id, user.email, now=opened)
    study = session.get(StandardSettingStudy, study_id)
    versions = {q.id: (q, vid) for q, vid in sts.pool_questions(session, study)}
    truth: dict[str, float] = {}
    for qid, (q, _) in versions.items():
        a, b, c = models.get(qid, (1.0, BASE_B[q.difficulty], 0.1))
        truth[qid] = c + (1 - c) / (1 + math.exp(-max(a, 0.3) * (BORDERLINE_THETA - b)))
    lean = {u.id: rng.gauss(0, 0.06) for u in raters}
    round1 = {(u.id, qid): _step5(p + lean[u.id] + rng.gauss(0, 0.09)) for u in raters for qid, p in truth.items()}
    _write(session, study_id, 1, round1, versions, opened + timedelta(days=1))
    study.round, study.round2_at = 2, opened + timedelta(days=3)
    round2 = {}
    for qid in truth:
        panel = mean([round1[(u.id, qid)] for u in raters])
        for u in raters:
            own = round1[(u.id, qid)]
            if abs(own - panel) > 10:  # discussed: the outliers move towards the panel
                round2[(u.id, qid)] = _step5((own + (panel - own) * rng.uniform(0.4, 0.8)) / 100)
    _write(session, study_id, 2, round2, versions, opened + timedelta(days=4))
    for u, window in zip(raters, ((55, 75, 5, 35), (60, 80, 10, 40), (50, 75, 5, 30), (60, 85, 10, 45))):
        row = session.scalar(select(StandardSettingRater).where(StandardSettingRater.study_id == study_id,
                                                               StandardSettingRater.user_id == u.id))
        row.done_round = 2
        row.min_cut, row.max_cut, row.min_fail, row.max_fail = (v / 100 for v in window)
    sts.close_study(session, boss, study_id, now=opened + timedelta(days=5))
    return study_id


def _write(session: Session, study_id: int, round_no: int, given: dict, versions: dict, at: datetime) -> None:
    if given:
        session.execute(insert(StandardSettingRating), [
            {"study_id": study_id, "round": round_no, "rater_id": uid, "question_id": qid,
             "question_version_id": versions[qid][1], "rating": value, "saved_at": at}
            for (uid, qid), value in given.items()])
