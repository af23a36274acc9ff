"""The command line: exit codes and output (in-process, against a temporary SQLite file)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from quiz.adapters.orm import QuestionRow, User
from quiz.cli import main
from tests.factories import make_bank, write_bank_dir


@pytest.fixture
def bank_dir(tmp_path: Path) -> Path:
    """A small bank written as YAML files, through the authoring form."""
    return write_bank_dir(make_bank(per_topic=3, with_case=False), tmp_path / "question_bank")


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, bank_dir: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("QUIZ_BANK_PATH", str(bank_dir))
    return url


def test_validate_ok_and_broken(bank_dir: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["bank", "validate", str(bank_dir)]) == 0
    assert "9 items" in capsys.readouterr().out
    f = bank_dir / "topics" / "spacing.yaml"
    f.write_text(re.sub(r"key: [A-D]", "key: Q", f.read_text(), count=1))
    assert main(["bank", "validate", str(bank_dir)]) == 1
    out = capsys.readouterr().out
    assert "question_bank/topics/spacing.yaml:" in out and "key Q is out of range" in out


def test_validate_missing_path_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["bank", "validate", str(tmp_path / "nope")]) == 1
    assert "no such file or folder" in capsys.readouterr().out


def test_stats_text_lists_live_items_objectives_and_recall(bank_dir: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["bank", "stats", str(bank_dir)]) == 0
    out = capsys.readouterr().out
    assert "By topic, live items only:" in out and "Live items tagged recall: 0 of 9" in out
    assert "By objective (live / all items; 9 objectives, 0 unused):" in out
    assert re.search(r"spacing\.spacing-001\s+1 / 1", out)


def test_stats_json_shape(bank_dir: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["bank", "stats", str(bank_dir), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"total", "by_topic", "by_type", "by_difficulty", "by_status", "live_by_topic",
                         "by_objective", "live_recall"}
    assert data["live_by_topic"] == {"aftercare": 3, "hygiene": 3, "spacing": 3} and data["live_recall"] == 0
    assert data["by_objective"]["spacing.spacing-001"] == {"total": 1, "live": 1}
    assert data["total"] == 9 and data["by_topic"] == {"aftercare": 3, "hygiene": 3, "spacing": 3}
    assert data["by_status"] == {"live": 9}


def test_init_migrates_and_syncs_idempotently(env: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["init"]) == 0
    assert "9 added" in capsys.readouterr().out
    assert main(["init"]) == 0
    assert "0 added, 0 new version(s), 0 retired, 0 status change(s), 9 unchanged" in capsys.readouterr().out
    engine = create_engine(env)
    with engine.connect() as c:
        assert c.scalar(select(func.count()).select_from(QuestionRow)) == 9
        assert c.scalar(text("PRAGMA journal_mode")) == "wal"


def test_sync_refuses_a_broken_bank_and_changes_nothing(env: str, bank_dir: Path,
                                                        capsys: pytest.CaptureFixture) -> None:
    assert main(["init"]) == 0
    (bank_dir / "topics" / "hygiene.yaml").write_text("topic: hygiene\nitems: [\n")
    (bank_dir / "topics" / "spacing.yaml").unlink()
    assert main(["bank", "sync"]) == 1
    assert "nothing was changed" in capsys.readouterr().err
    with create_engine(env).connect() as c:
        statuses = set(c.scalars(select(QuestionRow.status)))
    assert statuses == {"live"}  # nothing retired by the refused sync


def test_user_add(env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("PW", "long-enough-pw")
    args = ["user", "add", "--role", "trainer", "--email", "T@Example.com", "--name", "Tom", "--password-env", "PW"]
    assert main(args) == 0
    assert main(args) == 1
    assert "already exists" in capsys.readouterr().err
    assert main(["user", "add", "--role", "trainee", "--email", "x@example.com", "--name", "X",
                 "--password-env", "UNSET_VAR_123"]) == 2
    monkeypatch.setenv("PW", "short")
    assert main(["user", "add", "--role", "trainee", "--email", "y@example.com", "--name", "Y",
                 "--password-env", "PW"]) == 1
    with create_engine(env).connect() as c:
        assert list(c.execute(select(User.email, User.role))) == [("t@example.com", "trainer")]


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as e:
        main(["bank", "frobnicate"])
    assert e.value.code == 2
    with pytest.raises(SystemExit) as e:
        main(["user", "add", "--role", "emperor", "--email", "a@b.co", "--name", "A"])
    assert e.value.code == 2
    for cmd in (["--help"], ["bank", "validate", "--help"], ["user", "add", "--help"], ["init", "--help"]):
        with pytest.raises(SystemExit) as e:
            main(cmd)
        assert e.value.code == 0


def test_the_test_command_hands_every_other_argument_to_pytest(monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess

    calls: list[list[str]] = []
    monkeypatch.setattr(subprocess, "call", lambda cmd, **kw: calls.append(cmd) or 0)
    assert main(["test", "tests/unit", "-q", "-m", "not e2e", "-k", "scoring"]) == 0
    lint, tests = calls
    assert lint[-3:] == ["ruff", "check", "."]
    assert tests[tests.index("pytest") + 1:] == ["-n", "2", "tests/unit", "-q", "-m", "not e2e", "-k", "scoring"]
    calls.clear()
    assert main(["test", "-n", "4"]) == 0
    assert calls[1][calls[1].index("pytest") + 1:] == ["-n", "4"]
    with pytest.raises(SystemExit) as e:
        main(["init", "--bogus"])
    assert e.value.code == 2


def test_a_bad_worker_count_is_a_usage_error_not_a_trace(monkeypatch, capsys) -> None:
    monkeypatch.setenv("QUIZ_WORKERS", "abc")
    with pytest.raises(SystemExit) as help_exit:
        main(["serve", "--help"])
    assert help_exit.value.code == 0 and "--workers N" in capsys.readouterr().out
    with pytest.raises(SystemExit) as bad:
        main(["serve"])
    assert bad.value.code == 2 and "expected a whole number of processes" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["serve", "--workers", "0"])
