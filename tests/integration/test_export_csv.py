"""The streamed CSV of the responses and results exports (written by the database, quiz/services/export_sql.py)
is byte for byte the file of the row dicts (``iter_responses`` / ``iter_results`` through ``to_csv_bytes``, the
reference), on SQLite and PostgreSQL, with awkward data: commas, quotes, newlines and non-ASCII text, formula
prefixes, shuffled options, multiple-response, ordering, numeric and true/false items, unanswered and unreached
items, answers that cannot be described, practice, review and exam attempts (finished, expired, in progress),
partial scores, percents at rounding boundaries, pass marks of the attempt's own or of the exam."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from quiz.adapters.orm import Attempt, AttemptItem, CohortMember, QuestionRow, QuestionVersion, Response, User
from quiz.domain.bank import Option
from quiz.services import exports
from tests.conftest import make_user
from tests.factories import make_question
from tests.integration.academy import load_questions, make_cohort, make_exam

T0 = datetime(2027, 3, 1, 9, 0, 0, 999_999, tzinfo=UTC)  # microseconds: exported to the second, not rounded
SKIP = object()  # an item shown with no response row


def _options(*texts: str) -> list[Option]:
    return [Option(text=t, feedback=f"why {i}") for i, t in enumerate(texts)]


QUESTIONS = [
    make_question("aftercare-001", key=1, options=_options(
        'Wait, then "re-plan"', "=SUM(A1)", "Ödem – café ☕", "line one\nline two")),
    make_question("aftercare-002", type="multiple", key=[0, 2], scoring="partial", options=_options(
        "Cool the area.", "-5 degrees", "Call, then write", '"Quoted"')),
    make_question("spacing-001", type="numeric", key=7, tolerance=1),
    make_question("spacing-002", type="ordering", n_options=4),
    make_question("hygiene-001", type="true_false", key=True, points=2.0),
]


def _attempt(s, user_id: int, exam_id: int | None, items: list[tuple], *, mode: str = "exam",  # noqa: ANN001
             state: str = "submitted", at: datetime = T0, totals: tuple | None = None,
             settings: dict[str, Any] | None = None) -> int:
    """items: (question id, option order, answer or SKIP, is_correct, score, max_score)."""
    attempt = Attempt(user_id=user_id, exam_id=exam_id, mode=mode, state=state, seed=1, started_at=at,
                      settings=settings if settings is not None else {},
                      submitted_at=at + timedelta(minutes=20, microseconds=123) if state != "in_progress" else None)
    if totals is not None:
        attempt.score, attempt.max_score, attempt.percent, attempt.passed = totals
    s.add(attempt)
    s.flush()
    for pos, (qid, order, answer, correct, score, max_score) in enumerate(items):
        version = s.scalar(select(QuestionVersion).where(QuestionVersion.question_id == qid))
        s.add(AttemptItem(attempt_id=attempt.id, position=pos, question_version_id=version.id, option_order=order))
        if answer is not SKIP:
            s.add(Response(attempt_id=attempt.id, question_version_id=version.id, answer=answer, is_correct=correct,
                           score=score, max_score=max_score, saved_at=at + timedelta(seconds=pos, microseconds=999_999)))
    s.flush()
    return attempt.id


@pytest.fixture
def awkward(platform, trainer):  # noqa: ANN001
    load_questions(platform, QUESTIONS)
    spring = make_cohort(platform, trainer, "Spring, 2027")
    evening = make_cohort(platform, trainer, '"Evening" group – Zürich')
    other = make_cohort(platform, make_user(platform, "trainer", "olga@example.com", "Olga"), "=Other")
    exam = make_exam(platform, spring, '+Final "exam", part 1')
    loose = make_exam(platform, None, "No cohort exam")
    people = {}
    for email, name, cohorts in [
        ("amy+test@example.com", 'Amy "Ace" O\'Neil, RN', [spring, evening]),
        ("zoe@example.com", "Zoë Ångström\nsecond line", [spring]),
        ("-dash@example.com", "@mention", [other]),
        ("bob@example.com", "=HYPERLINK(\"http://x\",\"y\")", [evening]),
    ]:
        uid = make_user(platform, "trainee", email, "Someone").id
        people[email] = uid
        with platform.transaction() as s:
            s.get(User, uid).name = name
            for c in cohorts:
                s.add(CohortMember(cohort_id=c, user_id=uid))
    amy, zoe, dash, bob = people.values()
    q1 = [2, 0, 3, 1]  # shuffled: canonical option 1 is shown as D
    with platform.transaction() as s:
        # a finished exam: every kind of item, an unanswered one (no row) and one answered null
        _attempt(s, amy, exam, [
            ("aftercare-001", q1, 1, True, 1.0, 1.0),
            ("aftercare-002", [3, 2, 1, 0], [2, 0, 1], False, 1 / 3, 1.0),
            ("spacing-001", [], 7.5, True, 1.0, 1.0),
            ("spacing-002", [1, 3, 0, 2], [3, 1, 0, 2], False, 0.0, 1.0),
            ("hygiene-001", [0, 1], SKIP, None, None, None),
        ], totals=(2 + 1 / 3, 6.0, (2 + 1 / 3) / 6, False), settings={"pass_mark": 0.625, "how": "angoff"})
        _attempt(s, zoe, exam, [
            ("aftercare-001", [3, 2, 1, 0], None, False, 0.0, 1.0),
            ("aftercare-002", [0, 1, 2, 3], [], False, 0.0, 1.0),
            ("spacing-001", [], 7.0, True, 1.0, 1.0),
            ("hygiene-001", [1, 0], False, False, -0.5, 2.0),
        ], at=T0 + timedelta(hours=1), totals=(0.245, 2.0, 0.1225, False), settings={"pass_mark": None})
        # expired with the exam's own pass mark (no pass mark in the settings)
        _attempt(s, dash, exam, [("aftercare-001", [0, 1, 2, 3], 9, None, 0.0, 1.0),  # 9: not an option
                                 ("spacing-002", [0, 1, 2, 3], [0, 1], False, 0.25, 1.0)],
                 state="expired", at=T0 + timedelta(hours=1), totals=(0.25, 2.0, 0.125, False))
        # in progress: answers saved, not scored yet
        _attempt(s, bob, exam, [("aftercare-001", q1, 3, None, None, 1.0), ("hygiene-001", [0, 1], True, None, None, 2.0),
                                ("spacing-001", [], SKIP, None, None, None)], state="in_progress",
                 at=T0 + timedelta(days=1))
        # practice and review: only the items reached are exported
        _attempt(s, amy, None, [("aftercare-001", [1, 0, 2, 3], 1, True, 1.0, 1.0),
                                ("spacing-001", [], SKIP, None, None, None),
                                ("aftercare-002", [2, 3, 0, 1], [3, 1], False, 0.0, 1.0)],
                 mode="practice", at=T0 - timedelta(days=2), totals=(1.0, 2.0, 0.5, None), settings={"topics": ["x"]})
        _attempt(s, zoe, None, [("spacing-002", [3, 2, 1, 0], [2, 3, 1, 0], True, 1.0, 1.0)], mode="review",
                 at=T0 - timedelta(days=1), totals=(1.0, 1.0, 1.0, None))
        _attempt(s, dash, loose, [("hygiene-001", [0, 1], True, True, 2.0, 2.0)], at=T0 + timedelta(minutes=5),
                 totals=(2.0, 2.0, 1.0, True), settings={"pass_mark": 2 / 3})
        for i, pct in enumerate((0.0005, 0.00049999999999999, 2 / 3, 0.995, 0.9949999999999999, 1e-7)):
            _attempt(s, bob, None, [("spacing-001", [], 6.25 + i, True, 1.0, 1.0)], mode="practice",
                     at=T0 + timedelta(days=2, seconds=i), totals=(pct, 1.0, pct, None))
        # same start time: the attempt id breaks the tie
        for _ in range(2):
            _attempt(s, amy, None, [("aftercare-001", [0, 1, 2, 3], 0, False, 0.0, 1.0)], mode="practice",
                     at=T0 + timedelta(days=3), totals=(0.0, 1.0, 0.0, None))
    with platform.transaction() as s:  # a topic that a spreadsheet would run
        s.get(QuestionRow, "spacing-002").topic = "-spacing, ordering"
    return {"spring": spring, "evening": evening, "other": other, "exam": exam}


def _reference(s, actor, kind: str, **scope: Any) -> bytes:  # noqa: ANN001
    fetch, columns = exports.KINDS[kind]
    return exports.to_csv_bytes(list(fetch(s, actor, **scope)), columns)


@pytest.mark.parametrize("kind", ["responses", "results"])
def test_the_streamed_csv_is_the_reference_file_byte_for_byte(platform, admin, trainer, awkward, kind):  # noqa: ANN001
    for actor, scope in [(admin, {}), (None, {}), (trainer, {}), (admin, {"cohort_id": awkward["evening"]}),
                         (trainer, {"exam_id": awkward["exam"]}), (admin, {"cohort_id": awkward["other"]})]:
        counter = [0]
        with platform.transaction() as s:
            expected = _reference(s, actor, kind, **scope)
            streamed = b"".join(exports.csv_stream(s, actor, kind, **scope, counter=counter))
            fetch, _ = exports.KINDS[kind]
            assert counter == [len(list(fetch(s, actor, **scope)))]  # what `quiz export` reports
        assert streamed.decode().splitlines() == expected.decode().splitlines(), (kind, scope)
        assert streamed == expected, (kind, scope)
    assert expected.count(b"\r\n") > 1


def test_the_awkward_cells_are_there(platform, admin, awkward):  # noqa: ANN001
    """The reference itself shows the data as documented (so the comparison above compares something)."""
    import csv
    import io

    with platform.transaction() as s:
        data = b"".join(exports.csv_stream(s, admin, "responses")).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(data, newline="")))
    first = [r for r in rows if r["trainee_email"] == "amy+test@example.com" and r["mode"] == "exam"]
    assert [r["position"] for r in first] == ["1", "2", "3", "4", "5"]
    assert (first[0]["answer"], first[0]["answer_letters"], first[0]["answer_text"]) == ("D. =SUM(A1)", "D", "'=SUM(A1)")
    assert first[0]["exam"] == "'+Final \"exam\", part 1" and first[0]["saved_utc"] == "2027-03-01T09:00:01"
    assert first[1]["answer_letters"] == "B; C; D" and first[1]["score"] == repr(1 / 3)
    assert first[2]["answer"] == "7.5 days"
    assert first[3]["answer_letters"] == "B -> A -> C -> D"
    assert (first[4]["answer"], first[4]["correct"], first[4]["score"], first[4]["max_score"], first[4]["saved_utc"]) == (
        "", "no", "0.0", "2.0", "")
    assert {r["topic"] for r in rows} >= {"'-spacing, ordering"}
    with platform.transaction() as s:
        data = b"".join(exports.csv_stream(s, admin, "results")).decode("utf-8-sig")
    results = list(csv.DictReader(io.StringIO(data, newline="")))
    amy = [r for r in results if r["mode"] == "exam" and r["trainee_email"] == "amy+test@example.com"][0]
    assert (amy["cohort"], amy["pass_mark"], amy["percent"]) == ("Spring, 2027", "62.5", "38.9")
    practice = [r for r in results if r["mode"] == "practice" and r["trainee_email"] == "amy+test@example.com"][0]
    assert practice["cohort"] == 'Spring, 2027; "Evening" group – Zürich' and practice["pass_mark"] == ""
    assert practice["started_utc"] == "2027-02-27T09:00:00"


def test_the_stream_comes_in_chunks_and_can_be_left_early(platform, admin, awkward, monkeypatch):  # noqa: ANN001
    """Flat memory: a few rows at a time. A download stopped half way leaves the transaction usable."""
    from quiz.services import export_sql

    monkeypatch.setattr(export_sql, "CHUNK", 2)
    with platform.transaction() as s:
        expected = _reference(s, admin, "responses")
        chunks = exports.csv_stream(s, admin, "responses")
        parts = [next(chunks), next(chunks), next(chunks)]
        chunks.close()  # the client went away
        again = list(exports.csv_stream(s, admin, "responses"))
        assert s.scalar(select(User.email).where(User.email == "zoe@example.com")) == "zoe@example.com"
    assert parts[0].startswith(b"\xef\xbb\xbfattempt_id,") and len(again) > 5
    assert b"".join(again) == expected and expected.startswith(b"".join(parts))


def test_items_with_many_answers_and_orders_are_described_from_the_pairs_that_occur(platform, admin, awkward,  # noqa: ANN001
                                                                                      monkeypatch):
    from quiz.services import export_sql

    for pairs, values in [(0, 1_000), (20_000, 0)]:  # every item over either limit
        monkeypatch.setattr(export_sql, "PAIRS", pairs)
        monkeypatch.setattr(export_sql, "VALUES", values)
        with platform.transaction() as s:
            assert b"".join(exports.csv_stream(s, admin, "responses")) == _reference(s, admin, "responses")
