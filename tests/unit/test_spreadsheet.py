"""CSV and XLSX writing: values kept, formula injection neutralised (read back with csv and openpyxl)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from quiz.adapters.spreadsheet import neutralise, to_csv_bytes, to_xlsx_bytes

EVIL = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]
ROWS = [
    {"attempt_id": 1, "trainee_email": "amy@example.com", "name": "Zoë", "score": 7.5, "passed": True,
     "started": datetime(2027, 3, 1, 9, 30, tzinfo=UTC), "note": None},
    *({"attempt_id": i + 2, "trainee_email": "x@example.com", "name": evil, "score": -1.5, "passed": False,
       "started": datetime(2027, 3, 2, tzinfo=UTC), "note": "a=b is fine inside"} for i, evil in enumerate(EVIL)),
]


@pytest.mark.parametrize("value", EVIL)
def test_dangerous_text_is_prefixed(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["plain", "a=b", "", "'quoted", 5, -3.2, None, True])
def test_other_values_are_unchanged(value):
    assert neutralise(value) == value


def test_csv_round_trip_and_injection():
    data = to_csv_bytes(ROWS)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert list(rows[0]) == ["attempt_id", "trainee_email", "name", "score", "passed", "started", "note"]
    assert rows[0]["name"] == "Zoë" and rows[0]["score"] == "7.5" and rows[0]["passed"] == "yes"
    assert rows[0]["started"] == "2027-03-01T09:30:00Z" and rows[0]["note"] == ""
    assert [r["name"] for r in rows[1:]] == ["'" + e for e in EVIL]
    assert all(not r["name"].startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows)
    assert rows[1]["score"] == "-1.5"  # a negative number stays a number
    assert rows[1]["note"] == "a=b is fine inside"


def test_xlsx_round_trip_and_injection():
    wb = load_workbook(io.BytesIO(to_xlsx_bytes(ROWS, sheet="Results")))
    ws = wb["Results"]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0] == ["attempt_id", "trainee_email", "name", "score", "passed", "started", "note"]
    assert values[1][:6] == [1, "amy@example.com", "Zoë", 7.5, True, datetime(2027, 3, 1, 9, 30)]
    for row, evil in zip(ws.iter_rows(min_row=3), EVIL):
        name = row[2]
        # (XML reads a carriage return back as a line feed; the leading quote is what matters)
        assert name.value == "'" + evil.replace("\r", "\n") and name.data_type == "s"
        assert row[3].value == -1.5 and row[3].data_type == "n"
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_explicit_columns_and_empty_rows():
    data = to_csv_bytes([], columns=["a", "b"]).decode("utf-8-sig")
    assert data == "a,b\r\n"
    ws = load_workbook(io.BytesIO(to_xlsx_bytes([{"a": 1, "b": 2}], columns=["b"]))).active
    assert [[c.value for c in r] for r in ws.iter_rows()] == [["b"], [2]]


def test_control_characters_do_not_break_xlsx():
    ws = load_workbook(io.BytesIO(to_xlsx_bytes([{"a": "bad\x01char"}]))).active
    assert ws["A2"].value == "badchar"
