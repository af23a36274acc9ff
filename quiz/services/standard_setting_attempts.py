"""The finished attempts at an exam as standard setting reads them: each item's score and points per attempt,
and the facility of each item among attempts near a cut score (round 2 of a study shows it to raters).

Kept apart from :mod:`quiz.services.standard_setting` and :mod:`quiz.services.standard_setting_results` so that
both can use it without importing each other."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz.adapters.orm import FINISHED_STATES, Attempt, AttemptItem, QuestionVersion, Response
from quiz.domain import standard_setting as ss


def scored_attempts(session: Session, exam_id: int, first_only: bool = False
                     ) -> list[tuple[Attempt, dict[str, tuple[float, float]], list[tuple[str, float]]]]:
    """Finished attempts at the exam: (attempt, {question_id: (score, max)}, [(question_id, points)])."""
    q = (select(Attempt).where(Attempt.exam_id == exam_id, Attempt.state.in_(FINISHED_STATES),
                               Attempt.percent.is_not(None))
         .order_by(Attempt.user_id, Attempt.started_at, Attempt.id))
    attempts = list(session.scalars(q))
    if first_only:
        seen: set[int] = set()
        attempts = [a for a in attempts if not (a.user_id in seen or seen.add(a.user_id))]
    if not attempts:
        return []
    ids = [a.id for a in attempts]
    drawn: dict[int, list[tuple[str, float]]] = {}
    for aid, qid, content in session.execute(
            select(AttemptItem.attempt_id, QuestionVersion.question_id, QuestionVersion.content)
            .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
            .where(AttemptItem.attempt_id.in_(ids)).order_by(AttemptItem.position)):
        drawn.setdefault(aid, []).append((qid, float((content or {}).get("points", 1.0))))
    scores: dict[int, dict[str, tuple[float, float]]] = {}
    for aid, qid, score, top in session.execute(
            select(Response.attempt_id, QuestionVersion.question_id, Response.score, Response.max_score)
            .join(QuestionVersion, QuestionVersion.id == Response.question_version_id)
            .where(Response.attempt_id.in_(ids))):
        scores.setdefault(aid, {})[qid] = (score or 0.0, top or 0.0)
    return [(a, scores.get(a.id, {}), drawn.get(a.id, [])) for a in attempts]


def facility_near_cut(session: Session, exam_id: int, cut: float, band: float = 0.10) -> dict[str, tuple[float, int]]:
    """Per item, the facility among finished attempts scoring within ``band`` of ``cut``, and how many."""
    return ss.facility_near_cut(((a.percent, s) for a, s, _ in scored_attempts(session, exam_id)), cut, band)
