"""Syncing the bank into the database, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, inspect, select

from quiz.adapters.db import make_engine, upgrade_to_head
from quiz.adapters.orm import QuestionRow, QuestionVersion
from quiz.bootstrap import Platform
from quiz.services.bank_sync import sync_bank
from quiz.services.questions import current_questions
from tests.factories import make_bank, make_question


def counts(platform: Platform) -> tuple[int, int]:
    with platform.sessions() as s:
        return s.scalar(select(func.count(QuestionRow.id))), s.scalar(select(func.count(QuestionVersion.id)))


def test_migrate_from_empty_creates_every_table(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    upgrade_to_head(engine)
    upgrade_to_head(engine)  # a second start changes nothing
    tables = set(inspect(engine).get_table_names())
    assert {"users", "cohorts", "cohort_members", "questions", "question_versions", "exams", "exam_overrides",
            "attempts", "attempt_items", "responses", "certificates", "review_cards"} <= tables


def test_migrations_run_on_postgresql_from_empty(pg_url: str) -> None:
    engine = make_engine(pg_url)
    assert "attempts" in inspect(engine).get_table_names()
    upgrade_to_head(engine)  # idempotent on an up-to-date database
    engine.dispose()


def test_sync_twice_changes_nothing(platform: Platform) -> None:
    bank = make_bank()
    with platform.transaction() as s:
        first = sync_bank(s, bank)
    assert len(first.added) == len(bank.questions)
    before = counts(platform)
    with platform.transaction() as s:
        second = sync_bank(s, bank)
    assert not second.changed and second.unchanged == len(bank.questions)
    assert counts(platform) == before == (len(bank.questions), len(bank.questions))


def test_changed_item_gets_a_new_version_and_old_version_is_kept(platform: Platform) -> None:
    bank = make_bank()
    with platform.transaction() as s:
        sync_bank(s, bank)
    changed = [q if q.id != "spacing-002" else q.model_copy(update={"stem": "A reworded scenario."})
               for q in bank.questions]
    with platform.transaction() as s:
        report = sync_bank(s, bank.model_copy(update={"questions": changed}))
    assert report.new_versions == ["spacing-002"]
    with platform.sessions() as s:
        versions = s.scalars(select(QuestionVersion).where(QuestionVersion.question_id == "spacing-002")
                             .order_by(QuestionVersion.version)).all()
        row = s.get(QuestionRow, "spacing-002")
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].content["stem"] != versions[1].content["stem"] == "A reworded scenario."
    assert row.current_version == 2


def test_removed_item_is_retired_not_deleted_and_comes_back(platform: Platform) -> None:
    bank = make_bank()
    with platform.transaction() as s:
        sync_bank(s, bank)
    fewer = [q for q in bank.questions if q.id != "hygiene-001"]
    with platform.transaction() as s:
        report = sync_bank(s, bank.model_copy(update={"questions": fewer}))
    assert report.retired == ["hygiene-001"]
    with platform.sessions() as s:
        assert s.get(QuestionRow, "hygiene-001").status == "retired"
        assert "hygiene-001" not in {c.question.id for c in current_questions(s)}
    with platform.transaction() as s:
        sync_bank(s, bank)
    with platform.sessions() as s:
        assert s.get(QuestionRow, "hygiene-001").status == "live"
    assert counts(platform)[1] == len(bank.questions)  # no new version: same content


def test_failed_sync_leaves_nothing_behind(platform: Platform) -> None:
    bank = make_bank()
    with platform.transaction() as s:
        sync_bank(s, bank)
    before = counts(platform)
    extra = make_question("spacing-099")
    edited = [q.model_copy(update={"stem": "Changed"}) if q.id == "spacing-001" else q for q in bank.questions]

    class Boom(Exception):
        pass

    with pytest.raises(Boom), platform.transaction() as s:
        sync_bank(s, bank.model_copy(update={"questions": [*edited, extra]}))
        raise Boom  # e.g. the connection drops before commit
    assert counts(platform) == before
    with platform.sessions() as s:
        assert s.get(QuestionRow, "spacing-099") is None
        assert s.get(QuestionRow, "spacing-001").current_version == 1


def test_trainer_approval_survives_a_later_sync(platform: Platform) -> None:
    draft = make_question("hygiene-050", status="draft", review_note="check")
    bank = make_bank()
    bank = bank.model_copy(update={"questions": [*bank.questions, draft]})
    with platform.transaction() as s:
        sync_bank(s, bank)
        row = s.get(QuestionRow, "hygiene-050")
        row.status, row.status_source = "live", "trainer"
    with platform.transaction() as s:
        sync_bank(s, bank)
    with platform.sessions() as s:
        assert s.get(QuestionRow, "hygiene-050").status == "live"


def test_status_from_files_is_applied(platform: Platform) -> None:
    bank = make_bank()
    with platform.transaction() as s:
        sync_bank(s, bank)
    drafted = [q.model_copy(update={"status": "draft"}) if q.id == "spacing-003" else q for q in bank.questions]
    with platform.transaction() as s:
        report = sync_bank(s, bank.model_copy(update={"questions": drafted}))
    assert report.status_changed == ["spacing-003"] and not report.new_versions
