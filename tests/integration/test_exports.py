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
    assert (first["trainee_email"], first["cohort"], first["mode"], first["exam"], first["state"]) == (
        "amy@example.com", "Spring 2027", "exam", "Certification 1", "submitted")
    assert (first["score"], first["max_score"], first["passed"]) == (3.0, 3.0, True)
    assert first["percent"] == 100.0
    assert first["started_utc"].microsecond == 0 and first["submitted_utc"].tzinfo is None
    assert (mine[1]["mode"], mine[1]["exam"]) == ("practice", "")
    assert mine[1]["score"] == 0.0 and mine[1]["passed"] is False
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
    # every item the exam showed, unanswered ones with a blank answer and score 0
    unanswered = [r for r in rows if r["attempt_id"] == academy["attempts"][3]]
    assert [r["position"] for r in unanswered] == [1]
    assert {(r["answer"], r["answer_letters"], r["score"]) for r in unanswered} == {("", "", 0.0)}


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


def test_an_exam_item_without_a_response_row_is_exported_blank_with_score_0(platform, trainer, academy):  # noqa: ANN001
    amy = add_trainee(platform, academy["mine"], "skipper@example.com")
    aid = add_attempt(platform, amy, academy["exam"], {"aftercare-001": 0, "spacing-001": 7}, skip=("spacing-001",))
    practice = add_attempt(platform, amy, None, {"aftercare-001": 0, "spacing-001": 7}, mode="practice",
                           skip=("spacing-001",))
    with platform.transaction() as s:
        rows = exports.responses_rows(s, trainer)
    skipped = [r for r in rows if r["attempt_id"] == aid and r["question_id"] == "spacing-001"]
    assert [(r["answer"], r["score"], r["max_score"], r["correct"], r["saved_utc"]) for r in skipped] == [
        ("", 0.0, 1.0, False, None)]
    # a practice never reached the item it has no answer for: not shown, not exported
    assert [r["question_id"] for r in rows if r["attempt_id"] == practice] == ["aftercare-001"]


def _csv_frame(platform, kind: str, actor):  # noqa: ANN001, ANN202
    import pandas as pd

    fetch, columns = exports.KINDS[kind]
    with platform.transaction() as s:
        data = b"".join(exports.csv_chunks(fetch(s, actor), columns, chunk=2))
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\xef\xbb\xbf") == 1  # one BOM, however many chunks
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")


def test_results_round_trip_into_pandas(platform, admin, academy):  # noqa: ANN001
    df = _csv_frame(platform, "results", admin)
    assert list(df.columns) == list(exports.RESULT_COLUMNS)
    assert len(df) == 4
    exam = df[df["mode"] == "exam"]
    assert set(exam["exam"]) == {"Certification 1"} and df[df["mode"] == "practice"]["exam"].isna().all()
    assert exam["percent"].iloc[0] == 100.0 and df["percent"].dropna().between(0, 100).all()
    started = df["started_utc"].iloc[0]
    assert len(started) == 19 and "T" in started  # 2027-03-01T09:00:00: seconds, no microseconds, no offset
    import pandas as pd

    assert pd.to_datetime(df["started_utc"]).notna().all()


def test_responses_round_trip_into_pandas_agree_with_the_scores(platform, admin, academy):  # noqa: ANN001
    df = _csv_frame(platform, "responses", admin)
    assert list(df.columns) == list(exports.RESPONSE_COLUMNS)
    a1 = academy["attempts"][0]
    assert df[df["attempt_id"] == a1]["score"].sum() == 3.0
    with platform.transaction() as s:
        results = {r["attempt_id"]: r for r in exports.results_rows(s, admin)}
    for aid, group in df.groupby("attempt_id"):
        if results[aid]["state"] == "submitted" and results[aid]["mode"] == "exam":
            assert group["score"].sum() == results[aid]["score"]
            assert group["max_score"].sum() == results[aid]["max_score"]


def test_gradebook(platform, trainer, admin, academy):  # noqa: ANN001
    with platform.transaction() as s:
        rows = exports.gradebook_rows(s, trainer)
    rows = sorted(rows, key=lambda r: r["trainee_email"])
    assert [r["trainee_email"] for r in rows] == ["amy@example.com", "evil@example.com"]  # mine only
    amy = rows[0]
    assert set(amy) == set(exports.GRADEBOOK_COLUMNS)
    assert (amy["exam_attempts"], amy["best_exam_percent"], amy["latest_exam_percent"], amy["passed"]) == (
        1, 100.0, 100.0, True)
    assert amy["last_activity_utc"] is not None and amy["last_activity_utc"].microsecond == 0
    assert (rows[1]["exam_attempts"], rows[1]["best_exam_percent"], rows[1]["passed"]) == (0, None, None)
    df = _csv_frame(platform, "gradebook", admin)
    assert list(df.columns) == list(exports.GRADEBOOK_COLUMNS) and len(df) == 3


def test_exports_stream_in_chunks(platform, admin, academy, monkeypatch):  # noqa: ANN001
    """Flat memory: rows come from a generator fetching chunks, and the CSV is written chunk by chunk."""
    import types

    monkeypatch.setattr(exports, "CHUNK", 1)
    with platform.transaction() as s:
        rows = exports.iter_responses(s, admin)
        assert isinstance(rows, types.GeneratorType)
        chunks = exports.csv_chunks(rows, exports.RESPONSE_COLUMNS, chunk=1)
        assert isinstance(chunks, types.GeneratorType)
        parts = list(chunks)
        n_rows = len(exports.responses_rows(s, admin))
    assert len(parts) == n_rows > 3  # one chunk per row, the header riding with the first
    assert parts[0].startswith(b"\xef\xbb\xbfattempt_id,") and parts[1].count(b"\r\n") == 1


def test_permissions_are_checked_before_streaming(platform, trainee, academy):  # noqa: ANN001
    with platform.transaction() as s:
        for fetch, _ in exports.KINDS.values():
            with pytest.raises(PermissionDenied):
                fetch(s, trainee)  # raised at the call, not when the first row is read


def test_the_fast_csv_stream_writes_the_same_file(platform, admin, academy):  # noqa: ANN001
    for kind, (fetch, columns) in exports.KINDS.items():
        with platform.transaction() as s:
            fast = b"".join(exports.csv_stream(s, admin, kind))
            plain = exports.to_csv_bytes(list(fetch(s, admin)), columns)
        assert fast == plain, kind


def test_the_download_route_streams_csv_and_refuses_before_sending(platform, trainer, admin, academy,  # noqa: ANN001
                                                                    monkeypatch):
    import types

    from quiz.web import auth, downloads

    monkeypatch.setattr(auth, "platform", lambda: platform)
    stream = downloads.build_export(admin, "responses", "csv", None)
    assert isinstance(stream, types.GeneratorType)  # sent chunk by chunk, not built whole
    with platform.transaction() as s:
        expected = exports.to_csv_bytes(exports.responses_rows(s, admin), exports.RESPONSE_COLUMNS)
    assert b"".join(stream) == expected
    with pytest.raises(PermissionDenied):  # raised when the route is called, before any byte is sent
        downloads.build_export(trainer, "gradebook", "csv", academy["theirs"])
    assert downloads.build_export(admin, "gradebook", "xlsx", None)[:2] == b"PK"
