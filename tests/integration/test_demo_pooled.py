"""The demo academy gives every live item of its exams at least 30 first-attempt answers, and the pooled
statistics' flags find its deliberately poor items (issue 11), on SQLite and PostgreSQL with the real bank."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from quiz.adapters.bank_files import read_bank
from quiz.adapters.orm import Exam
from quiz.core.config import PROJECT_ROOT
from quiz.services import bank_sync, demo, item_analysis, pooled_statistics
from quiz.services.questions import current_questions

NOW = datetime(2030, 6, 1, 12, tzinfo=UTC)
DISCRIMINATION_FLAGS = {"negative_discrimination", "low_discrimination"}


def test_every_live_item_has_30_answers_and_the_poor_items_are_flagged(platform):
    bank, problems = read_bank(PROJECT_ROOT / "question_bank")
    assert not problems
    with platform.transaction() as s:
        bank_sync.sync_bank(s, bank)
        report = demo.populate(s, seed=7, trainees=40, now=NOW)
    assert len(report.module_tests) == 8 and report.poor_items
    with platform.sessions() as s:
        pooled = {i.question_id: i for i in pooled_statistics.pooled_items(s, None)}
        live = [c.question.id for c in current_questions(s) if c.question.case is None]
    assert min(pooled[q].n for q in live) >= 30
    flagged = {q for q, i in pooled.items() if DISCRIMINATION_FLAGS & set(i.flags)}
    assert set(report.poor_items) <= flagged
    # and the flags are not noise: nearly everything flagged is one of the poor items
    assert len(flagged - set(report.poor_items)) <= len(report.poor_items) // 4
    # the most suspicious items come first
    first = list(pooled)[:len(report.poor_items)]
    assert len(set(first) & set(report.poor_items)) >= len(report.poor_items) - 2


def test_stats_items_json_gives_n_per_item(platform):
    bank, _ = read_bank(PROJECT_ROOT / "question_bank")
    with platform.transaction() as s:
        bank_sync.sync_bank(s, bank)
        demo.populate(s, seed=3, trainees=6, days=60, now=NOW)
    with platform.sessions() as s:
        exam_id = s.scalar(select(Exam.id).where(Exam.name.like("Demo module test 1%")).limit(1))
        stats = item_analysis.exam_item_statistics(s, None, exam_id)
        data = stats.to_dict()
    assert data["items"] and all(i["n"] == next(t.attempts for t in stats.test.items if t.item_id == i["question_id"])
                                 for i in data["items"])
    assert {i["n"] for i in data["items"]} == {data["attempts"]}  # a module test shows each trainee every item
