"""Item statistics that say something at cohort size: pooled across exams, with n and 95% intervals.

With random draws, one exam's 15 first attempts leave each item seen by 2-4 trainees. Pooling every exam's
first attempts (:func:`quiz.services.item_analysis.bank_item_statistics`) gives each item more answers; each
figure carries ``n`` and an interval, and flags are raised only where the interval supports them
(:mod:`quiz.domain.confidence`). Practice and spaced review are reported beside it as a separate, labelled
figure (facility only: a practice set is no test whose rest-score could measure discrimination).

>>> rows = pooled_items(session, trainer)
>>> rows[0].question_id, rows[0].n, rows[0].facility_ci, rows[0].flags   # the most suspicious item first
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quiz.adapters.orm import Attempt, CohortMember, QuestionRow, QuestionVersion, Response
from quiz.domain.confidence import (
    FLAG_TEXT,
    correlation_interval,
    supported_flags,
    suspicion,
    wilson_interval,
)
from quiz.services import item_analysis
from quiz.services.permissions import Actor, require_staff, visible_cohort_ids


@dataclass(frozen=True)
class PooledItem:
    question_id: str
    topic: str
    objective: str | None
    n: int  # first exam attempts that were shown the item
    facility: float | None
    facility_ci: tuple[float, float] | None
    discrimination: float | None
    discrimination_ci: tuple[float, float] | None
    flags: tuple[str, ...]  # supported by the 95% interval, most serious first
    practice_n: int  # practice and review answers
    practice_facility: float | None
    practice_facility_ci: tuple[float, float] | None

    @property
    def reasons(self) -> list[str]:
        return [FLAG_TEXT[f] for f in self.flags]

    def as_dict(self) -> dict:
        return {"question_id": self.question_id, "topic": self.topic, "objective": self.objective, "n": self.n,
                "facility": self.facility, "facility_ci": list(self.facility_ci) if self.facility_ci else None,
                "discrimination": self.discrimination,
                "discrimination_ci": list(self.discrimination_ci) if self.discrimination_ci else None,
                "flags": list(self.flags),
                "practice": {"n": self.practice_n, "facility": self.practice_facility,
                             "facility_ci": list(self.practice_facility_ci) if self.practice_facility_ci else None}}


def _practice(session: Session, cohorts: list[int] | None) -> dict[str, tuple[int, float]]:
    """question id -> (answers, mean fraction of the marks) over answered practice and review items."""
    q = (select(QuestionVersion.question_id, func.count(Response.id), func.sum(Response.score),
                func.sum(Response.max_score))
         .join(Response, Response.question_version_id == QuestionVersion.id)
         .join(Attempt, Attempt.id == Response.attempt_id)
         .where(Attempt.mode.in_(("practice", "review")), Response.score.is_not(None),
                Response.is_correct.is_not(None), Response.max_score > 0)
         .group_by(QuestionVersion.question_id))
    if cohorts is not None:
        q = q.where(Attempt.user_id.in_(select(CohortMember.user_id).where(CohortMember.cohort_id.in_(cohorts))))
    return {qid: (int(n), float(s or 0) / float(m)) for qid, n, s, m in session.execute(q) if m}


def pooled_items(session: Session, actor: Actor | None) -> list[PooledItem]:
    """Every item seen in an exam or in practice, the most suspicious first (see the module doc)."""
    if actor is not None:
        require_staff(actor)
    cohorts = None if actor is None else visible_cohort_ids(session, actor)
    exam_stats = item_analysis.bank_item_statistics(session, actor)
    practice = _practice(session, cohorts) if cohorts is None or cohorts else {}
    qids = sorted(set(exam_stats) | set(practice))
    rows = {r.id: r for r in session.scalars(select(QuestionRow).where(QuestionRow.id.in_(qids)))} if qids else {}
    items: list[PooledItem] = []
    for qid in qids:
        s = exam_stats.get(qid)
        n = s.attempts if s else 0
        fac = s.facility if s else None
        disc = s.discrimination if s else None
        fac_ci = wilson_interval(fac, n)
        disc_ci = correlation_interval(disc, n)
        p_n, p_fac = practice.get(qid, (0, None))
        row = rows.get(qid)
        items.append(PooledItem(
            question_id=qid, topic=row.topic if row else "", objective=getattr(row, "objective", None),
            n=n, facility=fac, facility_ci=fac_ci, discrimination=disc, discrimination_ci=disc_ci,
            flags=tuple(supported_flags(facility=fac, facility_ci=fac_ci, discrimination=disc,
                                        discrimination_ci=disc_ci)),
            practice_n=p_n, practice_facility=p_fac, practice_facility_ci=wilson_interval(p_fac, p_n)))
    items.sort(key=lambda i: (suspicion(list(i.flags), i.discrimination, i.facility), i.question_id))
    return items
