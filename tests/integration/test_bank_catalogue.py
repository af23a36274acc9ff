"""Topics, sources and objectives live in the database (synced with the items, in one transaction); attempts
record when they had to repeat an objective; an invalid bank never stops the app serving what it has."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from quiz.adapters.orm import Attempt, ObjectiveRow, QuestionRow
from quiz.bootstrap import Platform
from quiz.cli import main
from quiz.domain.bank import Objective, Source, Topic
from quiz.services import attempts, catalogue, progress
from quiz.services.bank_sync import sync_bank
from quiz.services.questions import current_questions
from tests.factories import make_bank, write_bank_dir
from tests.integration.attempt_helpers import call, make_exam


def test_sync_mirrors_topics_sources_and_objectives(platform: Platform) -> None:
    bank = make_bank(per_topic=2, with_case=False)
    bank = bank.model_copy(update={"sources": [*bank.sources, Source(
        id="rcuk-2021", title="Emergency treatment of anaphylaxis", kind="guideline",
        authors="Resuscitation Council UK", year=2021, sections=["Adrenaline"])]})
    with platform.transaction() as s:
        first = sync_bank(s, bank)
    assert first.catalogue_changes == 3 + 2 + 6
    with platform.transaction() as s:
        assert progress.topic_names(s) == {"aftercare": "Aftercare", "spacing": "Spacing", "hygiene": "Hygiene"}
        src = catalogue.sources(s)["rcuk-2021"]
        assert src.citation == "Resuscitation Council UK (2021). Emergency treatment of anaphylaxis"
        assert src.sections == ("Adrenaline",)
        assert set(catalogue.objectives(s, topic="spacing")) == {"spacing.spacing-001", "spacing.spacing-002"}
        assert s.get(QuestionRow, "spacing-001").objective == "spacing.spacing-001"
    with platform.transaction() as s:
        again = sync_bank(s, bank)
    assert again.catalogue_changes == 0 and not again.changed
    renamed = bank.model_copy(update={
        "topics": [Topic(id="spacing", name="Session spacing"), *bank.topics[:1]],
        "objectives": [*bank.objectives[1:], Objective(id="spacing.new-one", statement="New.")]})
    with platform.transaction() as s:
        report = sync_bank(s, renamed)
    assert report.catalogue_changes == 5  # spacing renamed, aftercare moved, hygiene gone, objectives -1 +1
    with platform.transaction() as s:
        assert progress.topic_names(s) == {"spacing": "Session spacing", "aftercare": "Aftercare"}
        assert "spacing.new-one" in catalogue.objectives(s)
        assert s.scalar(select(func.count()).select_from(ObjectiveRow)) == 6


def test_an_exam_that_must_repeat_an_objective_says_so(platform: Platform, trainee) -> None:  # noqa: ANN001
    bank = make_bank(per_topic=3, with_case=False)
    shared = [q.model_copy(update={"objective": "spacing.one"}) if q.topic == "spacing" else q
              for q in bank.questions]
    bank = bank.model_copy(update={"questions": shared,
                                   "objectives": [*bank.objectives, Objective(id="spacing.one", statement="One.")]})
    with platform.transaction() as s:
        sync_bank(s, bank)
    distinct = call(platform, attempts.start_practice, trainee, ["hygiene"], 3)
    repeated = call(platform, attempts.start_practice, trainee, ["spacing"], 2)
    exam_id = make_exam(platform, topics={"spacing": 2, "hygiene": 2})
    attempt_id = call(platform, attempts.start_exam, trainee, exam_id)
    with platform.sessions() as s:
        assert "notice" not in s.get(Attempt, distinct).settings  # three hygiene objectives for three items
        assert "spacing.one" in s.get(Attempt, repeated).settings["notice"]
        notice = s.get(Attempt, attempt_id).settings["notice"]
    assert "spacing.one" in notice and "more than once" in notice


# -- an invalid bank never stops the app ----------------------------------------------------------------


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    bank_dir = write_bank_dir(make_bank(per_topic=3, with_case=False), tmp_path / "question_bank")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("QUIZ_BANK_PATH", str(bank_dir))
    return bank_dir


def _live_ids() -> set[str]:
    from quiz.bootstrap import open_platform

    platform = open_platform()
    try:
        with platform.sessions() as s:
            return {c.question.id for c in current_questions(s)}
    finally:
        platform.engine.dispose()


def _break(bank_dir: Path) -> None:
    bomb = "lol: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"l{i}: &l{i} [{', '.join(['*a' if i == 0 else f'*l{i - 1}'] * 9)}]\n" for i in range(8))
    (bank_dir / "topics" / "spacing.yaml").write_text("topic: spacing\n" + bomb + "items: []\n")
    (bank_dir / "topics" / "hygiene.yaml").write_text("topic: hygiene\nitems: " + "[" * 50_000 + "]" * 50_000)
    (bank_dir / "topics.yaml").write_bytes("topics:\n  - id: caf\u00e9\n    name: Caf\u00e9\n".encode("latin-1"))


def test_init_and_serve_keep_serving_the_questions_in_the_database(env: Path, monkeypatch, capsys) -> None:  # noqa: ANN001
    assert main(["init"]) == 0
    before = _live_ids()
    assert len(before) == 9
    _break(env)
    started = time.monotonic()
    assert main(["init"]) == 1
    err = capsys.readouterr().err
    assert time.monotonic() - started < 10
    assert "question_bank/topics/spacing.yaml:2: -: anchors and aliases" in err
    assert "question_bank/topics/hygiene.yaml:2: -: nesting deeper than 50 levels" in err
    assert "question_bank/topics.yaml:2: -: the file is not UTF-8 text" in err
    assert "nothing was changed" in err
    assert _live_ids() == before

    from quiz.cli import server

    launched = []
    monkeypatch.setattr(server, "run_child", lambda cmd, env: launched.append(cmd) or 0)
    assert main(["serve"]) == 0
    out = capsys.readouterr().out
    assert "WARNING: the question bank has" in out and "serves the questions already in the database" in out
    assert launched and _live_ids() == before


def test_a_first_start_with_an_invalid_bank_still_starts_with_no_questions(env: Path, monkeypatch, capsys) -> None:  # noqa: ANN001
    _break(env)
    assert main(["init"]) == 1
    assert _live_ids() == set()
    from quiz.cli import server

    monkeypatch.setattr(server, "run_child", lambda cmd, env: 0)
    assert main(["serve"]) == 0
    assert "WARNING" in capsys.readouterr().out
