"""Results of a standard-setting study: per-item mean, SD and n, the raters who differ most, the panel's
reliability, the cut score for the blueprint with its standard error; a CSV export; and the check against
reality (pass rate under the Angoff cut beside the fixed mark, and the Hofstee compromise window).

Permissions as for running the study: the exam's cohort trainer or an administrator; ``actor=None`` is the
command line (a local administrator)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz.adapters import spreadsheet
from quiz.adapters.orm import (
    Exam,
    StandardSettingRater,
    StandardSettingStudy,
    User,
)
from quiz.domain import standard_setting as ss
from quiz.services import audit
from quiz.services.errors import NotFound
from quiz.services.permissions import Actor
from quiz.services.standard_setting import (
    RaterInfo,
    StudyInfo,
    _manage,
    _rater_info,
    _study,
    blueprint_pool,
    info,
    pool_questions,
    ratings,
)
from quiz.services.standard_setting_attempts import facility_near_cut as facility_near_cut  # part of this API
from quiz.services.standard_setting_attempts import scored_attempts

CSV_COLUMNS = ("question_id", "topic", "objective", "ratings", "mean_percent", "sd_percent", "lowest", "highest",
               "round1_mean_percent", "value_in_cut_percent", "fallback")


@dataclass(frozen=True)
class ItemResult:
    question_id: str
    topic: str
    objective: str | None
    stem: str
    summary: ss.ItemSummary
    round1_mean: float | None
    value: float  # what the item counts for in a cut score (its mean, or the exam's pass mark)
    fallback: bool


@dataclass(frozen=True)
class StudyResults:
    study: StudyInfo
    default_pass_mark: float
    min_ratings: int
    items: list[ItemResult]
    cut: ss.CutScore | None
    round1_cut: ss.CutScore | None
    reliability: ss.Reliability
    disagreement: list[tuple[ss.RaterDisagreement, str]]  # with the rater's name
    raters: list[RaterInfo] = field(default_factory=list)


@dataclass(frozen=True)
class RealityCheck:
    attempts: int  # first finished attempt of each trainee
    fixed_mark: float
    fixed_pass_rate: float | None
    angoff_pass_rate: float | None
    angoff_mean_cut: float | None  # mean of the attempts' own Angoff cut scores
    hofstee_window: tuple[float, float, float, float] | None  # the panel's mean judgements
    hofstee: ss.Hofstee | None
    hofstee_raters: int


def results(session: Session, actor: Actor | None, study_id: int) -> StudyResults:
    study = _study(session, study_id) if actor is None else _manage(session, actor, study_id)
    exam = study.exam
    final = ratings(session, study.id)
    first = ss.item_summaries(ratings(session, study.id, only_round=1)) if study.round == 2 else {}
    summaries = ss.item_summaries(final)
    questions = [q for q, _ in pool_questions(session, study)]
    items = []
    for q in questions:
        s = summaries.get(q.id) or ss.ItemSummary(q.id, 0, None, None, None, None)
        items.append(ItemResult(q.id, q.topic, q.objective, q.stem, s,
                                first[q.id].mean if q.id in first else None,
                                ss.item_value(final, q.id, exam.pass_mark), s.n < ss.MIN_RATINGS))
    pool, counts = blueprint_pool(questions, exam.blueprint)
    live = {q.id for q in questions}
    final_live = {k: v for k, v in final.items() if k in live}
    names = dict(session.execute(select(User.id, User.name).join(
        StandardSettingRater, StandardSettingRater.user_id == User.id).where(
        StandardSettingRater.study_id == study.id)).all())
    rows = session.scalars(select(StandardSettingRater).where(StandardSettingRater.study_id == study.id)
                           .order_by(StandardSettingRater.id))
    return StudyResults(
        study=info(session, study), default_pass_mark=exam.pass_mark, min_ratings=ss.MIN_RATINGS, items=items,
        cut=ss.blueprint_cut(pool, counts, final_live, exam.pass_mark),
        round1_cut=(ss.blueprint_cut(pool, counts, ratings(session, study.id, only_round=1), exam.pass_mark)
                    if study.round == 2 else None),
        reliability=_reliability(final_live, live),
        disagreement=[(d, names.get(d.rater_id, str(d.rater_id))) for d in ss.rater_disagreement(final_live)],
        raters=[_rater_info(session, study, r) for r in rows],
    )


def _reliability(final: ss.Ratings, pool: set[str]) -> ss.Reliability:
    """ICC over every rater on the items they all rated; if that leaves too little (a rater who rated few
    items), over the raters who rated the whole pool."""
    rel = ss.icc(final)
    if rel.icc_average is None:
        complete = ss.complete_raters(final, pool)
        if len(complete) >= 2:
            rel = ss.icc(final, complete)
    return rel


def _pct(v: float | None) -> float | None:
    return None if v is None else round(100 * v, 2)


def csv_rows(res: StudyResults) -> list[dict[str, Any]]:
    return [{"question_id": i.question_id, "topic": i.topic, "objective": i.objective or "",
             "ratings": i.summary.n, "mean_percent": _pct(i.summary.mean), "sd_percent": _pct(i.summary.sd),
             "lowest": _pct(i.summary.low), "highest": _pct(i.summary.high),
             "round1_mean_percent": _pct(i.round1_mean), "value_in_cut_percent": _pct(i.value),
             "fallback": "yes" if i.fallback else "no"} for i in res.items]


def export_csv(session: Session, actor: Actor | None, study_id: int) -> bytes:
    """The per-item results as CSV (formula-like cells neutralised), with the cut score as a last row."""
    res = results(session, actor, study_id)
    rows = csv_rows(res)
    if res.cut is not None:
        rows.append({"question_id": "CUT SCORE (blueprint)", "mean_percent": _pct(res.cut.cut),
                     "sd_percent": _pct(res.cut.se), "ratings": res.cut.raters, "topic": "SE in sd column"})
    audit.record(session, actor, "standard_setting_exported", res.study.exam, study_id=study_id)
    return spreadsheet.to_csv_bytes(rows, CSV_COLUMNS)


def reality_check(session: Session, actor: Actor | None, study_id: int) -> RealityCheck:
    """How the standard behaves on the exam as sat (first finished attempt of each trainee)."""
    study = _study(session, study_id) if actor is None else _manage(session, actor, study_id)
    exam: Exam = study.exam
    final = ratings(session, study.id)
    sat = scored_attempts(session, exam.id, first_only=True)
    cuts = [(a.percent, ss.attempt_cut(drawn, final, exam.pass_mark).pass_mark) for a, _, drawn in sat]
    windows = [(r.min_cut, r.max_cut, r.min_fail, r.max_fail) for r in session.scalars(
        select(StandardSettingRater).where(StandardSettingRater.study_id == study.id))]
    windows = [w for w in windows if all(v is not None for v in w)]
    window = tuple(ss.mean([w[i] for w in windows]) for i in range(4)) if windows else None
    return RealityCheck(
        attempts=len(sat), fixed_mark=exam.pass_mark,
        fixed_pass_rate=ss.pass_rate((p, exam.pass_mark) for p, _ in cuts),
        angoff_pass_rate=ss.pass_rate(cuts), angoff_mean_cut=ss.mean([c for _, c in cuts]) if cuts else None,
        hofstee_window=window,  # type: ignore[arg-type]
        hofstee=ss.hofstee([p for p, _ in cuts], *window) if window else None,
        hofstee_raters=len(windows),
    )


def report(session: Session, exam_name: str) -> dict[str, Any]:
    """The command line's report of an exam's latest study (the adopted one if any): items, means, cut, SE,
    reliability."""
    exam = session.scalar(select(Exam).where(Exam.name == exam_name))
    if exam is None:
        raise NotFound(f"no exam named {exam_name!r}")
    studies = list(session.scalars(select(StandardSettingStudy).where(StandardSettingStudy.exam_id == exam.id)
                                   .order_by(StandardSettingStudy.opened_at.desc(),
                                             StandardSettingStudy.id.desc())))
    if not studies:
        raise NotFound(f"exam {exam_name!r} has no standard-setting study")
    chosen = next((s for s in studies if s.state == "closed"), studies[0])
    res = results(session, None, chosen.id)
    return {
        "exam": exam.name, "pass_mark_method": exam.pass_mark_method, "default_pass_mark": exam.pass_mark,
        "study": {"id": chosen.id, "name": chosen.name, "round": chosen.round, "state": chosen.state,
                  "adopted": res.study.adopted, "raters": res.study.raters},
        "cut_score": None if res.cut is None else res.cut.cut,
        "standard_error": None if res.cut is None else res.cut.se,
        "reliability": {"icc_2_1": res.reliability.icc_single, "icc_2_k": res.reliability.icc_average,
                        "items": res.reliability.items, "raters": res.reliability.raters},
        "items": [{"question_id": i.question_id, "topic": i.topic, "objective": i.objective, "n": i.summary.n,
                   "mean": i.summary.mean, "sd": i.summary.sd, "value": i.value, "fallback": i.fallback}
                  for i in res.items],
        "disagreement": [{"rater": name, "items": d.items, "mean_abs_diff": d.mean_abs_diff,
                          "mean_signed_diff": d.mean_signed_diff} for d, name in res.disagreement],
    }
