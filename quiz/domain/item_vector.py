"""An attempt's item vector: what item analysis needs of one finished attempt, packed as bytes. Pure.

A vector is one record, little-endian, 8-byte aligned throughout:

* a header (:data:`HEADER`, 24 bytes): exam id, trainee id, attempt id, number of items n (int32 each) and the
  attempt's start in microseconds since 1970 (int64) - enough to pick each trainee's first attempt at an exam
  from a bag of records in any order;
* n cells (:data:`CELL`, 8 bytes), one per item shown, in the order of the attempt's positions: ``version``, the
  question version shown (int32), and ``code`` (int32): bit 0 (:data:`PICKED`) set when the answer chose
  anything, bits 1-26 the options it chose (option i at bit i + 1; a question has at most 26, A-Z) - the
  distractor analysis - and bits 28-29 the item's mark: :data:`ZERO` (0.0), :data:`FULL` (exactly the version's
  points) or :data:`LISTED`;
* only if some mark is LISTED (partial credit, a manual override): n marks as float64, every cell's, so that each
  is exactly the stored value.

The mark is the stored score or, where none was stored, the score worked out from the answer. Most attempts list
no mark, and a vector is 24 + 8n bytes. Kept per finished exam attempt in the table ``attempt_vectors`` (migration
0010) and rewritten by whatever changes a mark (grading, regrade, overrides: :mod:`quiz.services.item_vectors`),
so that item analysis reads one value per attempt instead of a row per item and unpacks them all at once
(:func:`unpack`). :func:`canonical_choices` and :func:`mark` are the rules the row-by-row loader applies too, so
both give the same statistics.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from quiz.domain.bank import Question
from quiz.domain.scoring import InvalidAnswer, is_empty, normalise_answer, score_fraction

HEADER = np.dtype([("exam", "<i4"), ("user", "<i4"), ("attempt", "<i4"), ("items", "<i4"), ("started", "<i8")])
CELL = np.dtype([("version", "<i4"), ("code", "<i4")])
PICKED = 1  # bit 0: the answer chose something (possibly no option of this version)
OPTION_BITS = 26  # bits 1-26: the options chosen
SCORE_SHIFT = 28  # bits 28-29: the mark
ZERO, FULL, LISTED = 0, 1, 2  # 0.0; the version's points; listed after the cells
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def canonical_choices(q: Question, answer: Any) -> list[int]:
    """Option indexes an answer chose (single, multiple, true/false); [] for none or other types."""
    if is_empty(answer):
        return []
    if q.type == "true_false":
        return [0] if answer is True else [1] if answer is False else []
    if q.type == "single" and isinstance(answer, int) and not isinstance(answer, bool):
        return [answer]
    if q.type == "multiple" and isinstance(answer, list):
        return sorted({a for a in answer if isinstance(a, int) and not isinstance(a, bool)})
    return []


def mark(q: Question, answer: Any, score: float | None) -> float:
    """The stored score, or (if it was never stored) the score worked out from the answer."""
    if score is not None:
        return float(score)
    try:
        return score_fraction(q, normalise_answer(q, answer)) * q.points
    except InvalidAnswer:
        return 0.0


def code(q: Question, answer: Any, score: float) -> int:
    """A cell's code: the options chosen and how to find its mark ``score``."""
    picked = canonical_choices(q, answer)
    options = sum(1 << (i + 1) for i in set(picked) if 0 <= i < OPTION_BITS)  # other indexes name no option
    if score == 0.0 and not math.copysign(1.0, score) < 0:
        kind = ZERO
    elif score == float(q.points):
        kind = FULL
    else:
        kind = LISTED
    return options | (PICKED if picked else 0) | (kind << SCORE_SHIFT)


def micros(moment: datetime) -> int:
    """An aware datetime in whole microseconds since 1970 (exact, and ordered as the database orders them)."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def encode(exam_id: int, user_id: int, attempt_id: int, started_at: datetime,
           cells: Iterable[tuple[int, Question, float | None, Any]]) -> bytes:
    """The vector of one attempt from its cells in position order: (version id, the version's question, stored
    score or None, answer or None)."""
    rows, marks = [], []
    for vid, q, score, answer in cells:
        m = mark(q, answer, score)
        rows.append((vid, code(q, answer, m)))
        marks.append(m)
    packed = np.array(rows, dtype=CELL)
    header = np.array([(exam_id, user_id, attempt_id, len(rows), micros(started_at))], dtype=HEADER)
    listed = bool(len(packed)) and bool((((packed["code"] >> SCORE_SHIFT) & 3) == LISTED).any())
    return header.tobytes() + packed.tobytes() + (np.array(marks, dtype="<f8").tobytes() if listed else b"")


@dataclass
class Unpacked:
    """Many vectors end to end: their headers, and where each one's cells and listed marks are, in 8-byte units
    of ``buffer`` (-1: it lists none)."""

    buffer: bytes
    headers: np.ndarray
    cells_at: np.ndarray
    marks_at: np.ndarray


def unpack(vectors: list[bytes]) -> Unpacked:
    """Read the headers of many vectors at once (ValueError if one is not a whole vector)."""
    sizes = np.fromiter(map(len, vectors), dtype=np.int64, count=len(vectors))
    buffer = b"".join(vectors)
    units = sizes // 8
    at = np.cumsum(units) - units  # each record's first unit
    if (sizes % 8).any() or (units < 3).any():
        raise ValueError("an item vector is not a whole record")
    words = np.frombuffer(buffer, dtype="<i8")
    headers = words.reshape(-1)[np.add.outer(at, np.arange(3)).reshape(-1)].view(HEADER) if len(at) else \
        np.zeros(0, dtype=HEADER)
    n = headers["items"].astype(np.int64)
    plain = units == 3 + n
    if not (plain | (units == 3 + 2 * n)).all():
        raise ValueError("an item vector's length does not match its number of items")
    return Unpacked(buffer, headers, at + 3, np.where(plain, -1, at + 3 + n))


def gather(unpacked: Unpacked, records: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                              list[tuple[int, np.ndarray]]]:
    """The cells of these records (indexes into the unpacked ones), end to end: (their versions, their codes, items
    per record, and for each record that lists its marks: (its first cell's index, its marks))."""
    n = unpacked.headers["items"].astype(np.int64)[records]
    first = unpacked.cells_at[records]
    begin = np.cumsum(n) - n
    units = np.frombuffer(unpacked.buffer, dtype=CELL)
    if len(records) and (n == n[0]).all() and (np.diff(first) == n[0] + 3).all():
        # a run of records of one length, none listing marks, one after the other: read as one strided block
        start, width = int(first[0]) - 3, int(n[0]) + 3
        cells = units[start:start + len(records) * width].reshape(len(records), width)[:, 3:]
    else:
        cells = units[np.repeat(first - begin, n) + np.arange(int(n.sum()))]
    listed = []
    marks = np.frombuffer(unpacked.buffer, dtype="<f8")
    for k in np.flatnonzero(unpacked.marks_at[records] >= 0):
        at = int(unpacked.marks_at[records[k]])
        listed.append((int(begin[k]), marks[at:at + int(n[k])]))
    return (np.ascontiguousarray(cells["version"]).reshape(-1), np.ascontiguousarray(cells["code"]).reshape(-1), n,
            listed)
