"""Results and responses exports on SQLite and PostgreSQL: contents, who sees what, injection-safe files."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from quiz.services import exports
from quiz.services.errors import PermissionDenied
from tests.conftest import make_user
from tests.factories import make_question
from tests.integration.academy import (
    add_attempt,
    add_trainee,
    load_questions,
    make_cohort,
    make_exam,
)


@pytest.fixture
def academy(platform, trainer):  # noqa: ANN001
    load_questions(platform, [make_question("aftercare-001", key=0), make_question("aftercare-002", type="multiple",
                                                                                  key=[0, 2]),
                              make_question("spacing-001", type="numeric", key=7, tolerance=1)])
    mine = make_cohort(platform, trainer, "Spring 2027")
    other_trainer = make_user(platform, "trainer", "olga@example.com", "Olga Other")
    theirs = make_cohort(platform, other_trainer, "Autumn 2027")
    exam = make_exam(platform, mine, "Certification 1")
    amy = add_trainee(platform, mine, "amy@example.com")
    # a trainee whose name is a formula: must come out neutralised
    evil = add_trainee(platform, mine, "evil@example.com")
    bob = add_trainee(platform, theirs, "bob@example.com")
    a1 = add_attempt(platform, amy, exam, {"aftercare-001": 0, "aftercare-002": [0, 2], "spacing-001": 7.5})
    a2 = add_attempt(platform, amy, None, {"aftercare-001": 2}, mode="practice")
    a3 = add_attempt(platform, bob, None, {"aftercare-001": 0}, mode="practice")
    a4 = add_attempt(platform, evil, exam, {"aftercare-001": None}, state="in_progress")
    with platform.transaction() as s:
        from quiz.adapters.orm import User
        s.get(User, evil).name = '=HYPERLINK("http://evil.example","click")'
    return {"mine": mine, "theirs": theirs, "exam": exam, "other": other_trainer, "attempts": (a1, a2, a3, a4)}


def test_results_rows(platform, trainer, admin, academy):  # noqa: ANN001
    a1, a2, a3, a4 = academy["attempts"]
    with platform.transaction() as s:
        mine = exports.results_rows(s, trainer)
        everything = exports.results_rows(s, admin)
        cli = exports.results_rows(s, None)
    assert [r["attempt_id"] for r in mine] == [a1, a2, a4]
    assert [r["attempt_id"] for r in everything] == [a1, a2, a3, a4] == [r["attempt_id"] for r in cli]
    first = mine[0]
    assert set(first) == set(exports.RESULT_COLUMNS)
    assert (first["trainee_email"], first["cohort"], first["exam_or_mode"], first["state"]) == (
        "amy@example.com", "Spring 2027", "exam: Certification 1", "submitted")
    assert (first["score"], first["max_score"], first["passed"]) == (3.0, 3.0, True)
    assert first["started"] is not None and first["submitted"] is not None
    assert mine[1]["exam_or_mode"] == "practice" and mine[1]["score"] == 0.0 and mine[1]["passed"] is False
    assert mine[2]["state"] == "in_progress" and mine[2]["score"] is None
    assert everything[2]["cohort"] == "Autumn 2027"


def test_filters_by_cohort_and_exam(platform, trainer, admin, academy):  # noqa: ANN001
    a1, a2, a3, a4 = academy["attempts"]
    with platform.transaction() as s:
        assert [r["attempt_id"] for r in exports.results_rows(s, admin, cohort_id=academy["theirs"])] == [a3]
        assert [r["attempt_id"] for r in exports.results_rows(s, trainer, exam_id=academy["exam"])] == [a1, a4]


def test_responses_rows(platform, trainer, academy):  # noqa: ANN001
    a1 = academy["attempts"][0]
    with platform.transaction() as s:
        rows = exports.responses_rows(s, trainer, exam_id=academy["exam"])
    assert set(rows[0]) == set(exports.RESPONSE_COLUMNS)
    by_q = {r["question_id"]: r for r in rows if r["attempt_id"] == a1}
    assert by_q["aftercare-001"]["answer"] == "A. aftercare-001 option 0"
    assert by_q["aftercare-002"]["answer"] == "A. aftercare-002 option 0; C. aftercare-002 option 2"
    assert by_q["spacing-001"]["answer"] == "7.5 days"
    assert (by_q["spacing-001"]["correct"], by_q["spacing-001"]["score"], by_q["spacing-001"]["max_score"]) == (
        True, 1.0, 1.0)
    assert by_q["aftercare-001"]["question_version"] == 1 and by_q["aftercare-001"]["topic"] == "aftercare"
    unanswered = [r for r in rows if r["attempt_id"] == academy["attempts"][3]]
    assert unanswered[0]["answer"] == "(no answer)"


def test_permissions(platform, trainer, trainee, academy):  # noqa: ANN001
    other = make_user(platform, "trainer", "third@example.com", "Third Trainer")
    with platform.transaction() as s:
        with pytest.raises(PermissionDenied):
            exports.results_rows(s, trainee)
        with pytest.raises(PermissionDenied):
            exports.responses_rows(s, trainee)
        with pytest.raises(PermissionDenied):
            exports.results_rows(s, trainer, cohort_id=academy["theirs"])
        with pytest.raises(PermissionDenied):
            exports.responses_rows(s, other, exam_id=academy["exam"])
        assert exports.results_rows(s, other) == []


def test_files_are_injection_safe(platform, trainer, academy):  # noqa: ANN001
    with platform.transaction() as s:
        rows = exports.results_rows(s, trainer)
    evil_name = '=HYPERLINK("http://evil.example","click")'
    table = list(csv.DictReader(io.StringIO(exports.to_csv_bytes(rows).decode("utf-8-sig"), newline="")))
    assert list(table[0]) == list(exports.RESULT_COLUMNS)
    assert [r["trainee_name"] for r in table if r["trainee_email"] == "evil@example.com"] == ["'" + evil_name]
    ws = load_workbook(io.BytesIO(exports.to_xlsx_bytes(rows))).active
    header = [c.value for c in ws[1]]
    col = header.index("trainee_name")
    cells = [row[col] for row in ws.iter_rows(min_row=2) if row[1].value == "evil@example.com"]
    assert [c.value for c in cells] == ["'" + evil_name] and cells[0].data_type == "s"


def test_empty_export_still_has_a_header(platform, admin):  # noqa: ANN001
    with platform.transaction() as s:
        rows = exports.results_rows(s, admin)
    assert rows == []
    assert exports.to_csv_bytes(rows, exports.RESULT_COLUMNS).decode("utf-8-sig").startswith("attempt_id,")
