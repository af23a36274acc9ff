"""CLI: export, stats items, bank import / export (in-process, against a temporary SQLite file)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from quiz.adapters.orm import QuestionRow
from quiz.bootstrap import open_platform
from quiz.cli import main
from quiz.services.permissions import Actor
from tests.conftest import make_user
from tests.factories import make_question
from tests.integration.academy import (
    CHOICES,
    QIDS,
    add_attempt,
    add_trainee,
    load_questions,
    make_cohort,
    make_exam,
)


@pytest.fixture
def platform_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # noqa: ANN201
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.delenv("QUIZ_BANK_PATH", raising=False)
    platform = open_platform()
    yield platform
    platform.engine.dispose()


@pytest.fixture
def academy(platform_env):  # noqa: ANN001, ANN201
    platform = platform_env
    load_questions(platform, [make_question(q, key=0) for q in QIDS])
    trainer = make_user(platform, "trainer", "tom@example.com", "Tom")
    cohort = make_cohort(platform, Actor(id=trainer.id, role="trainer"), "Spring 2027")
    exam = make_exam(platform, cohort, "Certification 1")
    for i, row in enumerate(CHOICES):
        uid = add_trainee(platform, cohort, f"t{i}@example.com")
        add_attempt(platform, uid, exam, dict(zip(QIDS, row)))
    with platform.transaction() as s:
        from quiz.adapters.orm import User
        s.scalar(select(User).where(User.email == "t0@example.com")).name = "@SUM(A1)"
    return platform


def test_stats_items_json(academy, capsys) -> None:  # noqa: ANN001
    assert main(["stats", "items", "--exam", "Certification 1", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["exam"] == "Certification 1" and d["attempts"] == 6
    assert isinstance(d["alpha"], float) and isinstance(d["sem"], float)
    assert [i["question_id"] for i in d["items"]] == QIDS
    for item in d["items"]:
        assert {"question_id", "facility", "sd", "discrimination", "discriminative_efficiency", "flags"} <= set(item)
        assert 0 <= item["facility"] <= 1
        assert item["discrimination"] is None or -1 <= item["discrimination"] <= 1
    assert d["items"][0]["facility"] == pytest.approx(5 / 6)


def test_stats_items_table_and_errors(academy, capsys) -> None:  # noqa: ANN001
    assert main(["stats", "items", "--exam", "Certification 1"]) == 0
    out = capsys.readouterr().out
    assert "Cronbach's alpha" in out and "aftercare-003" in out and "distractor D" in out
    assert main(["stats", "items", "--exam", "No such exam"]) == 1
    assert "no exam named" in capsys.readouterr().err.lower()
    with pytest.raises(SystemExit) as exit_info:
        main(["stats", "items"])
    assert exit_info.value.code == 2


def test_export_results_csv_and_xlsx(academy, tmp_path, capsys) -> None:  # noqa: ANN001
    out = tmp_path / "results.csv"
    assert main(["export", "results", "--format", "csv", "--out", str(out)]) == 0
    assert "wrote 6 row(s)" in capsys.readouterr().out
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"), newline="")))
    assert len(rows) == 6
    assert {"attempt_id", "trainee_email", "cohort", "mode", "exam", "started_utc", "submitted_utc", "score",
            "passed"} <= set(rows[0])
    assert rows[0]["cohort"] == "Spring 2027" and (rows[0]["mode"], rows[0]["exam"]) == ("exam", "Certification 1")
    assert [r["trainee_name"] for r in rows if r["trainee_email"] == "t0@example.com"] == ["'@SUM(A1)"]
    xlsx = tmp_path / "results.xlsx"
    assert main(["export", "results", "--format", "xlsx", "--out", str(xlsx), "--cohort", "Spring 2027"]) == 0
    ws = load_workbook(xlsx).active
    assert ws.max_row == 7
    names = [c.value for c in ws["C"]]
    assert "'@SUM(A1)" in names
    assert main(["export", "results", "--out", str(out), "--cohort", "Nope"]) == 1


def test_export_responses(academy, tmp_path) -> None:  # noqa: ANN001
    out = tmp_path / "responses.csv"
    assert main(["export", "responses", "--format", "csv", "--out", str(out), "--exam", "Certification 1"]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"), newline="")))
    assert len(rows) == 24  # 6 trainees x 4 saved responses, one of them empty
    assert [r["answer"] for r in rows].count("") == 1
    assert {"question_id", "question_version", "topic", "answer", "correct", "score", "max_score"} <= set(rows[0])
    with pytest.raises(SystemExit) as exit_info:
        main(["export", "responses", "--format", "pdf", "--out", str(out)])
    assert exit_info.value.code == 2


GIFT = """\
$CATEGORY: aftercare

// source: clinic-faq-article | Aftercare
::aftercare-090::After treatment, what should the client use?{=Sunscreen#Yes ~Nothing#No ####Protect the skin.}
"""


def _count(platform) -> int:  # noqa: ANN001
    with platform.transaction() as s:
        return s.scalar(select(func.count()).select_from(QuestionRow))


def test_bank_import_and_export(academy, tmp_path, capsys) -> None:  # noqa: ANN001
    f = tmp_path / "new.gift"
    f.write_text(GIFT, encoding="utf-8")
    before = _count(academy)
    assert main(["bank", "import", str(f), "--dry-run"]) == 0
    assert "would import" in capsys.readouterr().out and _count(academy) == before
    assert main(["bank", "import", str(f), "--status", "live"]) == 0
    assert "1 added" in capsys.readouterr().out and _count(academy) == before + 1
    out = tmp_path / "bank.gift"
    assert main(["bank", "export", "--format", "gift", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "::aftercare-090::" in text and "::aftercare-001::" in text
    # the exported file imports back cleanly: nothing changes
    assert main(["bank", "import", str(out)]) == 0
    assert "0 added, 0 new version(s), 5 unchanged" in capsys.readouterr().out


def test_bank_import_refuses_a_bad_file_and_imports_nothing(academy, tmp_path, capsys) -> None:  # noqa: ANN001
    f = tmp_path / "bad.gift"
    f.write_text(GIFT + "\n::aftercare-091::Match{=a -> 1 =b -> 2}\n", encoding="utf-8")
    before = _count(academy)
    assert main(["bank", "import", str(f)]) == 1
    err = capsys.readouterr().err
    assert f"{f}:6: " in err and "matching" in err and "nothing was imported" in err
    assert _count(academy) == before
    assert main(["bank", "import", str(tmp_path / "missing.gift")]) == 1


def test_bank_import_aiken(academy, tmp_path, capsys) -> None:  # noqa: ANN001
    f = tmp_path / "questions.txt"
    f.write_text("What should the client avoid?\nA. Sunscreen\nB. Direct sun\nANSWER: B\n", encoding="utf-8")
    assert main(["bank", "import", str(f)]) == 1  # no topic or source chosen
    assert "topic" in capsys.readouterr().err
    assert main(["bank", "import", str(f), "--source", "clinic-faq-article"]) == 2  # --section missing
    assert main(["bank", "import", str(f), "--topic", "aftercare", "--source", "clinic-faq-article",
                 "--section", "Aftercare"]) == 0
    assert "AIKEN" in capsys.readouterr().out
