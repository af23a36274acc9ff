"""``python -m quiz cert list | verify | revoke | pdf`` (in-process, against a temporary SQLite file)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pypdf
import pytest
from sqlalchemy import select

from quiz.adapters.orm import AuditEvent, Certificate
from quiz.bootstrap import open_platform
from quiz.cli import main
from tests.conftest import make_user
from tests.integration.attempt_helpers import load_bank, make_cohort, make_exam
from tests.integration.test_certificates import sit


@pytest.fixture
def academy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # noqa: ANN201
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.delenv("QUIZ_BANK_PATH", raising=False)
    monkeypatch.setenv("QUIZ_PUBLIC_URL", "https://meso.example.com")
    platform = open_platform()
    load_bank(platform)
    trainer = make_user(platform, "trainer", "tom@example.com", "Tom Trainer")
    amy = make_user(platform, "trainee", "amy@example.com", "Amy Ångström")
    ben = make_user(platform, "trainee", "ben@example.com", "Ben Outside")
    make_cohort(platform, trainer.id, [amy.id])
    now = datetime.now(UTC)
    platform.codes = {
        "amy": sit(platform, amy, make_exam(platform, validity_months=1), right=6, at=now).certificate_code,
        "ben": sit(platform, ben, make_exam(platform, name="Long exam"), right=6, at=now).certificate_code,
    }
    yield platform
    platform.engine.dispose()


def test_list_filters_by_cohort_and_expiry_and_prints_json(academy, capsys) -> None:  # noqa: ANN001
    assert main(["cert", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["code"] for r in rows} == set(academy.codes.values())
    assert main(["cert", "list", "--cohort", "Spring", "--json"]) == 0
    assert [r["holder"] for r in json.loads(capsys.readouterr().out)] == ["Amy Ångström"]
    assert main(["cert", "list", "--expiring-within", "40", "--json"]) == 0
    assert [r["code"] for r in json.loads(capsys.readouterr().out)] == [academy.codes["amy"]]
    assert main(["cert", "list"]) == 0
    out = capsys.readouterr().out
    assert academy.codes["amy"] in out and "Amy Ångström <amy@example.com>" in out
    assert main(["cert", "list", "--cohort", "Nope"]) == 1
    assert "no cohort named 'Nope'" in capsys.readouterr().err


def test_verify_exits_0_only_for_a_valid_certificate(academy, capsys) -> None:  # noqa: ANN001
    assert main(["cert", "verify", academy.codes["amy"].lower()]) == 0
    out = capsys.readouterr().out
    assert out.startswith("valid:") and "Amy Ångström" in out
    assert main(["cert", "verify", "MC-2222-2222-2222-2222"]) == 1
    assert capsys.readouterr().out.startswith("unknown: No certificate has this code.")
    with academy.transaction() as s:  # expiry: the certificate's date has passed
        cert = s.scalar(select(Certificate).where(Certificate.code == academy.codes["amy"]))
        cert.expires_at = datetime.now(UTC) - timedelta(days=1)
    assert main(["cert", "verify", academy.codes["amy"]]) == 1
    assert capsys.readouterr().out.startswith("expired:")


def test_revoke_needs_a_reason_and_is_audited(academy, capsys) -> None:  # noqa: ANN001
    code = academy.codes["ben"]
    with pytest.raises(SystemExit) as exit_info:
        main(["cert", "revoke", code])
    assert exit_info.value.code == 2
    assert main(["cert", "revoke", code, "--reason", "  "]) == 1
    assert main(["cert", "revoke", code, "--reason", "Identity fraud"]) == 0
    assert f"revoked {code}" in capsys.readouterr().out
    assert main(["cert", "revoke", code, "--reason", "again"]) == 1
    assert "already revoked" in capsys.readouterr().err
    assert main(["cert", "verify", code]) == 1
    assert capsys.readouterr().out.startswith("revoked: This certificate was revoked on")
    with academy.sessions() as s:
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "certificate_revoked"))
        assert event.target == code and event.actor_id is None and event.detail["reason"] == "Identity fraud"


def test_pdf_writes_the_certificate(academy, tmp_path, capsys) -> None:  # noqa: ANN001
    out = tmp_path / "out" / "amy.pdf"
    assert main(["cert", "pdf", academy.codes["amy"], "--out", str(out)]) == 0
    text = pypdf.PdfReader(io.BytesIO(out.read_bytes())).pages[0].extract_text()
    assert "Amy Ångström" in text and f"https://meso.example.com/verify?code={academy.codes['amy']}" in text
    assert main(["cert", "pdf", "MC-2222-2222-2222-2222", "--out", str(out)]) == 1
    assert "No certificate" in capsys.readouterr().err
