"""Rows (dicts) to CSV and Excel bytes, safe against spreadsheet formula injection.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return could be run as a formula
by Excel, LibreOffice or Google Sheets (OWASP "CSV injection"); such a cell is written with a leading single
quote, so it shows as text. Numbers, booleans and dates are written as values and are never changed.

CSV is UTF-8 with a byte-order mark (so Excel reads accents right); dates are ISO 8601 in UTC. In XLSX, dates
are real date cells (UTC, without a zone, as Excel has none).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A text that a spreadsheet could read as a formula gets a leading ``'``; other values are unchanged."""
    if isinstance(value, str) and value.startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


def _columns(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None) -> list[str]:
    if columns is not None:
        return list(columns)
    out: dict[str, None] = {}
    for r in rows:
        out.update(dict.fromkeys(r))
    return list(out)


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(UTC) if value.tzinfo else value
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return neutralise(value) if isinstance(value, str) else value


csv_value = _csv_value  # one cell as a CSV writes it (for exports written in chunks)


def to_csv_bytes(rows: Iterable[Mapping[str, Any]], columns: Sequence[str] | None = None) -> bytes:
    rows = list(rows)
    cols = _columns(rows, columns)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([neutralise(c) for c in cols])
    for r in rows:
        writer.writerow([_csv_value(r.get(c)) for c in cols])
    return buf.getvalue().encode("utf-8-sig")


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, str):
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    if value is None or isinstance(value, (int, float, bool, date)):
        return value
    return neutralise(str(value))


def to_xlsx_bytes(rows: Iterable[Mapping[str, Any]], columns: Sequence[str] | None = None, *,
                  sheet: str = "Export") -> bytes:
    rows = list(rows)
    cols = _columns(rows, columns)
    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    ws.append([_xlsx_value(c) for c in cols])
    for r in rows:
        ws.append([_xlsx_value(r.get(c)) for c in cols])
    for row in ws.iter_rows(min_row=1):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, even if a value slipped through unneutralised
            elif isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
    for i, c in enumerate(cols, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(10, min(60, len(str(c)) + 4))
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
