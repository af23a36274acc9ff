"""Pooled item statistics (SQLite and PostgreSQL), checked against an independent numpy computation."""

from __future__ import annotations

import numpy as np
import pytest

from quiz.domain.confidence import correlation_interval, wilson_interval
from quiz.services import pooled_statistics
from quiz.services.permissions import Actor
from tests.conftest import make_user
from tests.factories import make_question
from tests.integration.academy import QIDS, add_attempt, add_trainee, load_questions, make_cohort, make_exam

# 12 trainees over two exams of the same 4 items (key: option 0). Item 3 is "miskeyed": the strong trainees
# pick option 1, so its item-rest correlation is negative.
ROWS = [
    [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 1, 1], [0, 1, 0, 1], [0, 0, 0, 1],
    [1, 1, 0, 0], [1, 2, 1, 0], [2, 1, 1, 0], [1, 0, 2, 0], [2, 2, 1, 0], [1, 1, 1, 2],
]


@pytest.fixture
def academy(platform):
    load_questions(platform, [make_question(q, key=0) for q in QIDS])
    trainer = make_user(platform, "trainer", "tom@example.com", "Tom")
    cohort = make_cohort(platform, Actor(id=trainer.id, role="trainer"))
    exams = [make_exam(platform, cohort, "Exam A"), make_exam(platform, cohort, "Exam B")]
    for i, row in enumerate(ROWS):
        uid = add_trainee(platform, cohort, f"t{i}@example.com")
        add_attempt(platform, uid, exams[i % 2], dict(zip(QIDS, row)))
        if i < 4:  # practice answers are reported separately and do not change the exam figures
            add_attempt(platform, uid, None, {QIDS[0]: 1}, mode="practice")
    return trainer


def test_pooled_figures_match_an_independent_computation(platform, academy):
    marks = (np.array(ROWS) == 0).astype(float)
    with platform.sessions() as s:
        rows = {r.question_id: r for r in pooled_statistics.pooled_items(s, academy)}
    for j, qid in enumerate(QIDS):
        x = marks[:, j]
        rest = marks.sum(axis=1) - x
        r = np.corrcoef(x, rest)[0, 1]
        item = rows[qid]
        assert item.n == len(ROWS)
        assert item.facility == pytest.approx(x.mean())
        assert item.discrimination == pytest.approx(r, abs=1e-9)
        assert item.facility_ci == pytest.approx(wilson_interval(x.mean(), len(ROWS)))
        assert item.discrimination_ci == pytest.approx(correlation_interval(r, len(ROWS)))
    assert rows[QIDS[0]].practice_n == 4 and rows[QIDS[0]].practice_facility == 0.0
    assert rows[QIDS[1]].practice_n == 0 and rows[QIDS[1]].practice_facility is None


def test_the_miskeyed_item_is_flagged_and_sorted_first(platform, academy):
    with platform.sessions() as s:
        items = pooled_statistics.pooled_items(s, academy)
    assert items[0].question_id == QIDS[3]
    assert items[0].flags == ("negative_discrimination",)
    assert all(not i.flags for i in items[1:])


def test_another_trainer_sees_nothing(platform, academy):
    other = make_user(platform, "trainer", "olga@example.com", "Olga")
    with platform.sessions() as s:
        assert pooled_statistics.pooled_items(s, other) == []


def test_cli_pooled_json_has_the_documented_shape(tmp_path, monkeypatch, capsys):
    import json

    from quiz.bootstrap import open_platform
    from quiz.cli import main

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    platform = open_platform()
    load_questions(platform, [make_question(q, key=0) for q in QIDS])
    trainer = make_user(platform, "trainer", "tom@example.com", "Tom")
    cohort = make_cohort(platform, Actor(id=trainer.id, role="trainer"))
    exam = make_exam(platform, cohort, "Exam A")
    for i, row in enumerate(ROWS):
        add_attempt(platform, add_trainee(platform, cohort, f"t{i}@example.com"), exam, dict(zip(QIDS, row)))
    platform.engine.dispose()
    assert main(["stats", "items", "--pooled", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {"question_id", "n", "facility", "facility_ci", "discrimination", "discrimination_ci",
            "flags"} <= set(rows[0])
    assert rows[0]["question_id"] == QIDS[3] and rows[0]["flags"] == ["negative_discrimination"]
    assert main(["stats", "items", "--pooled"]) == 0 and "negative_discrimination" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["stats", "items", "--pooled", "--exam", "Exam A"])
