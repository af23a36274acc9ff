"""Regrading finished exam attempts after an item was fixed, and manual overrides: always a dry run first.

A trainer picks an exam (and, usually, the item that was wrong) and a way to regrade it
(:data:`quiz.domain.regrading.MODES`). :func:`preview` computes what would change and writes nothing;
:func:`apply` computes the same plan and writes it, so what was previewed is what happens. A regrade that turns
a pass into a fail never revokes a certificate by itself: the plan lists those certificates for the trainer to
decide (revocation is in :mod:`quiz.services.certificates`). A fail that becomes a pass gets its certificate.

Overrides change one response's mark (:func:`override_response`) or one attempt's result
(:func:`override_result`), each with a required reason. An overridden response or result is left alone by
later regrades (the plan says so). Every regrade and override is written to the audit trail.

>>> plan = preview(session, trainer, exam_id=3, question_id="hygiene-004", mode="current")
>>> [(c.trainee, c.old_percent, c.new_percent) for c in plan.changes]      # nothing written yet
>>> apply(session, trainer, exam_id=3, question_id="hygiene-004", mode="current")  # the same plan, written
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from quiz.adapters.orm import Attempt, AttemptItem, Certificate, QuestionRow, QuestionVersion, Response
from quiz.domain.regrading import MODES, CannotRegrade, rescore
from quiz.domain.scoring import ItemScore, total_score
from quiz.services import audit, data_version, item_vectors
from quiz.services.attempts.grading import pass_mark_of
from quiz.services.errors import InvalidInput, NotFound
from quiz.services.exams import require_exam
from quiz.services.permissions import Actor, require_staff, require_view_user
from quiz.services.questions import to_question

FINISHED = ("submitted", "expired")


@dataclass(frozen=True)
class ResponseChange:
    question_id: str
    position: int
    old_score: float
    new_score: float
    old_max: float
    new_max: float


@dataclass(frozen=True)
class AttemptChange:
    attempt_id: int
    user_id: int
    trainee: str
    old_score: float
    new_score: float
    old_max: float
    new_max: float
    old_percent: float
    new_percent: float
    old_passed: bool | None
    new_passed: bool | None
    certificate: str | None  # the attempt's certificate code, if it has one
    responses: tuple[ResponseChange, ...]

    @property
    def certificate_effect(self) -> str | None:
        """'issue' (a fail becomes a pass), 'review' (a pass becomes a fail: the trainer decides), or None."""
        if self.new_passed and not self.old_passed and self.certificate is None:
            return "issue"
        if self.old_passed and not self.new_passed and self.certificate is not None:
            return "review"
        return None


@dataclass(frozen=True)
class RegradePlan:
    exam_id: int
    exam: str
    question_id: str | None
    mode: str
    attempts_checked: int
    changes: tuple[AttemptChange, ...]
    skipped: tuple[str, ...] = field(default=())  # sentences: what was left alone and why

    @property
    def pass_to_fail(self) -> list[AttemptChange]:
        return [c for c in self.changes if c.old_passed and not c.new_passed]

    @property
    def fail_to_pass(self) -> list[AttemptChange]:
        return [c for c in self.changes if c.new_passed and not c.old_passed]

    @property
    def certificates_to_review(self) -> list[str]:
        return [c.certificate for c in self.changes if c.certificate_effect == "review" and c.certificate]


# -- regrade ------------------------------------------------------------------------------------------------------

def preview(session: Session, actor: Actor, *, exam_id: int, question_id: str | None = None,
            mode: str = "current") -> RegradePlan:
    """What a regrade would change; writes nothing."""
    plan, _ = _plan(session, actor, exam_id, question_id, mode)
    return plan


def apply(session: Session, actor: Actor, *, exam_id: int, question_id: str | None = None,
          mode: str = "current", now: datetime | None = None) -> RegradePlan:
    """Regrade and write the result: the same plan :func:`preview` gives, applied."""
    now = now or datetime.now(UTC)
    plan, writes = _plan(session, actor, exam_id, question_id, mode)
    by_id = {c.attempt_id: c for c in plan.changes}
    for attempt, new_scores, total in writes:
        change = by_id[attempt.id]
        for resp, scored in new_scores.items():
            resp.score, resp.max_score, resp.is_correct = scored.score, scored.max_score, scored.correct
        item_vectors.write(session, attempt)  # item analysis reads the new marks
        attempt.score, attempt.max_score, attempt.percent = total.score, total.max_score, total.percent
        attempt.passed = change.new_passed
        settings = dict(attempt.settings or {})
        settings["regrades"] = [*settings.get("regrades", []), {
            "question_id": question_id, "mode": mode, "at": now.isoformat(), "by": actor.id}]
        attempt.settings = settings
        _sync_certificate(session, attempt, change, now)
    session.flush()
    data_version.bump(session)  # cached dashboards and progress pages recompute
    audit.record(session, actor, "regrade_applied", plan.exam, exam_id=exam_id, question_id=question_id, mode=mode,
                 attempts_checked=plan.attempts_checked, skipped=list(plan.skipped),
                 before=[_result(c, old=True) for c in plan.changes],
                 after=[_result(c, old=False) for c in plan.changes],
                 certificates_to_review=plan.certificates_to_review)
    return plan


def _result(c: AttemptChange, *, old: bool) -> dict[str, Any]:
    return {"attempt_id": c.attempt_id, "score": c.old_score if old else c.new_score,
            "max_score": c.old_max if old else c.new_max,
            "percent": round(c.old_percent if old else c.new_percent, 6),
            "passed": c.old_passed if old else c.new_passed}


def _sync_certificate(session: Session, attempt: Attempt, change: AttemptChange, now: datetime) -> None:
    from quiz.services import certificates

    if change.certificate_effect == "issue":
        certificates.issue(session, attempt, now=now)
        return
    cert = session.scalar(select(Certificate).where(Certificate.attempt_id == attempt.id))
    if cert is not None and attempt.passed:
        cert.score_percent = attempt.percent or 0.0  # the document shows the regraded score


def _current_versions(session: Session, question_ids: set[str]) -> dict[str, Any]:
    rows = session.execute(
        select(QuestionVersion)
        .join(QuestionRow, (QuestionRow.id == QuestionVersion.question_id)
              & (QuestionRow.current_version == QuestionVersion.version))
        .where(QuestionRow.id.in_(question_ids))
    ).scalars()
    return {v.question_id: to_question(v) for v in rows}


def _plan(session: Session, actor: Actor, exam_id: int, question_id: str | None,
          mode: str) -> tuple[RegradePlan, list[tuple[Attempt, dict[Response, ItemScore], Any]]]:
    if mode not in MODES:
        raise InvalidInput(f"Choose how to regrade: {', '.join(MODES)}.")
    if question_id is None and mode != "current":
        raise InvalidInput("Giving everyone the mark or removing from the total needs one item: choose it.")
    exam = require_exam(session, actor, exam_id)  # its cohort's trainer, or an administrator
    q = (select(Attempt).where(Attempt.exam_id == exam.id, Attempt.mode == "exam", Attempt.state.in_(FINISHED))
         .options(selectinload(Attempt.items).selectinload(AttemptItem.question_version),
                  selectinload(Attempt.responses), selectinload(Attempt.user))
         .order_by(Attempt.id))
    if question_id is not None:
        q = q.where(Attempt.id.in_(
            select(AttemptItem.attempt_id).join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
            .where(QuestionVersion.question_id == question_id)))
    attempts = list(session.scalars(q))
    shown_ids = {item.question_version.question_id for a in attempts for item in a.items}
    current = _current_versions(session, {question_id} if question_id else shown_ids)
    certs = dict(session.execute(select(Certificate.attempt_id, Certificate.code).where(
        Certificate.attempt_id.in_([a.id for a in attempts]))).all()) if attempts else {}
    changes: list[AttemptChange] = []
    writes: list[tuple[Attempt, dict[Response, ItemScore], Any]] = []
    skipped: dict[str, None] = {}
    for attempt in attempts:
        overrides = (attempt.settings or {}).get("overrides", {})
        responses = {r.question_version_id: r for r in attempt.responses}
        new_scores: dict[Response, ItemScore] = {}
        scores: list[ItemScore] = []
        diffs: list[ResponseChange] = []
        for item in attempt.items:
            version = item.question_version
            resp = responses.get(version.id)
            if resp is None:
                scores.append(ItemScore(0.0, to_question(version).points, False))
                continue
            old = ItemScore(resp.score or 0.0, resp.max_score, bool(resp.is_correct))
            if question_id is not None and version.question_id != question_id:
                scores.append(old)
                continue
            if str(version.id) in overrides:
                skipped[f"Attempt {attempt.id}: {version.question_id} has a manual mark; left as it is."] = None
                scores.append(old)
                continue
            try:
                new = rescore(mode, to_question(version), current.get(version.question_id), resp.answer)
            except CannotRegrade as err:
                skipped[f"{version.question_id} (version {version.version}): {err}; left as it was."] = None
                scores.append(old)
                continue
            scores.append(new)
            if (new.score, new.max_score) != (old.score, old.max_score):
                new_scores[resp] = new
                diffs.append(ResponseChange(version.question_id, item.position, old.score, new.score,
                                            old.max_score, new.max_score))
        total = total_score(scores, pass_mark_of(attempt))
        result_override = (attempt.settings or {}).get("result_override")
        new_passed = result_override["passed"] if result_override else total.passed
        if result_override and total.passed != result_override["passed"]:
            skipped[f"Attempt {attempt.id}: the result was set by hand; pass/fail left as it is."] = None
        if not diffs and new_passed == attempt.passed and abs(total.percent - (attempt.percent or 0.0)) < 1e-9:
            continue
        changes.append(AttemptChange(
            attempt_id=attempt.id, user_id=attempt.user_id, trainee=attempt.user.name,
            old_score=attempt.score or 0.0, new_score=total.score, old_max=attempt.max_score or 0.0,
            new_max=total.max_score, old_percent=attempt.percent or 0.0, new_percent=total.percent,
            old_passed=attempt.passed, new_passed=new_passed, certificate=certs.get(attempt.id),
            responses=tuple(diffs)))
        writes.append((attempt, new_scores, total))
    plan = RegradePlan(exam_id=exam.id, exam=exam.name, question_id=question_id, mode=mode,
                       attempts_checked=len(attempts), changes=tuple(changes), skipped=tuple(skipped))
    return plan, writes


# -- overrides ----------------------------------------------------------------------------------------------------

def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Give a reason: it is kept in the audit trail.")
    if len(reason) > 1000:
        raise InvalidInput("Keep the reason under 1,000 characters.")
    return reason


def _finished_attempt(session: Session, actor: Actor, attempt_id: int) -> Attempt:
    require_staff(actor)
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise NotFound("There is no such attempt.")
    require_view_user(session, actor, attempt.user_id)
    if attempt.state not in FINISHED:
        raise InvalidInput("Only a finished attempt can be overridden.")
    return attempt


def override_response(session: Session, actor: Actor, attempt_id: int, position: int, score: float,
                      reason: str, *, now: datetime | None = None) -> AttemptChange:
    """Set one response's mark by hand (0..its maximum) and recompute the attempt's total and result."""
    reason = _reason(reason)
    attempt = _finished_attempt(session, actor, attempt_id)
    item = next((i for i in attempt.items if i.position == position), None)
    if item is None:
        raise NotFound(f"The attempt has no question {position + 1}.")
    resp = next((r for r in attempt.responses if r.question_version_id == item.question_version_id), None)
    if resp is None:
        raise NotFound("That question has no stored response.")
    if not 0 <= score <= resp.max_score:
        raise InvalidInput(f"The mark must be between 0 and {resp.max_score:g}.")
    before = _snapshot(attempt)
    old_score = resp.score or 0.0
    resp.score, resp.is_correct = float(score), score >= resp.max_score
    item_vectors.write(session, attempt)  # item analysis reads the new mark
    _retotal(attempt)
    settings = dict(attempt.settings or {})
    now = now or datetime.now(UTC)
    settings["overrides"] = {**settings.get("overrides", {}), str(resp.question_version_id): {
        "score": float(score), "reason": reason, "by": actor.id, "at": now.isoformat()}}
    attempt.settings = settings
    change = _change(session, attempt, before, (ResponseChange(
        item.question_version.question_id, position, old_score, float(score), resp.max_score, resp.max_score),))
    _sync_certificate(session, attempt, change, now)
    data_version.bump(session)
    audit.record(session, actor, "response_overridden", f"attempt {attempt.id}", attempt_id=attempt.id,
                 question_id=item.question_version.question_id, reason=reason,
                 before={"score": old_score, **before}, after={"score": float(score), **_snapshot(attempt)})
    return change


def override_result(session: Session, actor: Actor, attempt_id: int, passed: bool, reason: str, *,
                    now: datetime | None = None) -> AttemptChange:
    """Set an attempt's pass/fail by hand. A pass gets its certificate; a fail never revokes one by itself."""
    reason = _reason(reason)
    attempt = _finished_attempt(session, actor, attempt_id)
    if attempt.mode != "exam":
        raise InvalidInput("Only an exam attempt has a result to override.")
    before = _snapshot(attempt)
    now = now or datetime.now(UTC)
    attempt.passed = bool(passed)
    settings = dict(attempt.settings or {})
    settings["result_override"] = {"passed": bool(passed), "reason": reason, "by": actor.id, "at": now.isoformat()}
    attempt.settings = settings
    change = _change(session, attempt, before, ())
    _sync_certificate(session, attempt, change, now)
    data_version.bump(session)
    audit.record(session, actor, "result_overridden", f"attempt {attempt.id}", attempt_id=attempt.id, reason=reason,
                 before=before, after=_snapshot(attempt))
    return change


def _snapshot(attempt: Attempt) -> dict[str, Any]:
    return {"attempt_score": attempt.score, "percent": attempt.percent, "passed": attempt.passed}


def _retotal(attempt: Attempt) -> None:
    scores = [ItemScore(r.score or 0.0, r.max_score, bool(r.is_correct)) for r in attempt.responses]
    total = total_score(scores, pass_mark_of(attempt))
    attempt.score, attempt.max_score, attempt.percent = total.score, total.max_score, total.percent
    override = (attempt.settings or {}).get("result_override")
    attempt.passed = override["passed"] if override else total.passed


def _change(session: Session, attempt: Attempt, before: dict[str, Any],
            responses: tuple[ResponseChange, ...]) -> AttemptChange:
    cert = session.scalar(select(Certificate.code).where(Certificate.attempt_id == attempt.id))
    return AttemptChange(
        attempt_id=attempt.id, user_id=attempt.user_id, trainee=attempt.user.name,
        old_score=before["attempt_score"] or 0.0, new_score=attempt.score or 0.0, old_max=attempt.max_score or 0.0,
        new_max=attempt.max_score or 0.0, old_percent=before["percent"] or 0.0, new_percent=attempt.percent or 0.0,
        old_passed=before["passed"], new_passed=attempt.passed, certificate=cert, responses=responses)
