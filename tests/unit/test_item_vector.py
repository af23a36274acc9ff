"""Item vectors (quiz/domain/item_vector.py): one attempt's items packed as bytes and read back many at a time,
marks exactly as stored, the options chosen for the distractor analysis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from quiz.domain import item_vector as iv
from quiz.services import item_analysis_data
from tests.factories import make_question

T0 = datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
SINGLE = make_question("aftercare-001")
MULTI = make_question("aftercare-002", type="multiple", n_options=26, key=[0, 25], scoring="partial")
TWO = make_question("aftercare-003", points=2.0)


def _codes(vector: bytes) -> list[int]:
    return iv.gather(iv.unpack([vector]), np.array([0]))[1].tolist()


def test_a_cell_says_what_was_chosen_and_how_to_find_its_mark():
    assert iv.code(SINGLE, 2, 0.0) == iv.PICKED | 1 << 3  # option C, marked 0
    assert iv.code(SINGLE, None, 0.0) == 0  # nothing chosen
    assert iv.code(TWO, 0, 2.0) == iv.PICKED | 1 << 1 | iv.FULL << iv.SCORE_SHIFT
    assert iv.code(MULTI, [25, 0, 25], 0.5) == iv.PICKED | 1 << 1 | 1 << 26 | iv.LISTED << iv.SCORE_SHIFT
    assert iv.code(SINGLE, 40, 0.0) == iv.PICKED  # chose something that is no option: not "no answer"
    assert iv.code(SINGLE, 0, -0.0) >> iv.SCORE_SHIFT == iv.LISTED  # -0.0 is kept as it is


def test_vectors_read_back_many_at_a_time_in_any_order():
    plain = iv.encode(3, 10, 100, T0, [(7, SINGLE, 1.0, 0), (8, TWO, None, None)])
    listed = iv.encode(3, 11, 101, T0 + timedelta(microseconds=1), [(7, SINGLE, 0.0, 3), (9, MULTI, 0.5, [0, 1])])
    empty = iv.encode(4, 10, 102, T0, [])
    assert len(plain) == 24 + 2 * 8 and len(listed) == 24 + 2 * 16 and len(empty) == 24
    unpacked = iv.unpack([listed, empty, plain])
    assert unpacked.headers[["exam", "user", "attempt", "items"]].tolist() == [(3, 11, 101, 2), (4, 10, 102, 0),
                                                                             (3, 10, 100, 2)]
    assert unpacked.headers["started"][2] == iv.micros(T0) and unpacked.headers["started"][0] == iv.micros(T0) + 1
    versions, codes, lengths, marks = iv.gather(unpacked, np.array([2, 1, 0]))
    assert lengths.tolist() == [2, 0, 2] and versions.tolist() == [7, 8, 7, 9]
    assert [c >> iv.SCORE_SHIFT for c in codes.tolist()] == [iv.FULL, iv.ZERO, iv.ZERO, iv.LISTED]
    assert [(begin, m.tolist()) for begin, m in marks] == [(2, [0.0, 0.5])]
    with pytest.raises(ValueError):
        iv.unpack([plain[:-8]])


def test_gather_reads_runs_of_records_as_one_block():
    vectors = [iv.encode(1, u, u, T0, [(5, SINGLE, float(u % 2), u % 4), (6, TWO, 0.0, None)]) for u in range(6)]
    unpacked = iv.unpack(vectors)
    together = iv.gather(unpacked, np.arange(6))  # one block
    apart = iv.gather(unpacked, np.array([0, 2, 4, 1, 3, 5]))  # cell by cell
    one_by_one = [iv.gather(unpacked, np.array([k])) for k in range(6)]
    assert together[0].tolist() == [v for cells in one_by_one for v in cells[0].tolist()]
    assert sorted(zip(apart[0].tolist(), apart[1].tolist())) == sorted(zip(together[0].tolist(),
                                                                           together[1].tolist()))
    assert _codes(vectors[1]) == together[1].tolist()[2:4]


def test_option_counts_agree_whichever_way_they_are_counted(monkeypatch):
    rng = np.random.default_rng(5)
    vids = np.array([3, 8, 11])
    v_idx = rng.integers(0, 3, 5000).astype(np.int32)
    options = rng.integers(0, 1 << 6, 5000)
    code = np.where(options % 5 == 0, 0, iv.PICKED | (options << 1)).astype(np.int32)
    table = item_analysis_data._choice_counts(vids, v_idx, code)
    monkeypatch.setattr(item_analysis_data, "MASK_TABLE_LIMIT", 0)
    assert item_analysis_data._choice_counts(vids, v_idx, code) == table
    chosen = {int(v): sum(int(n) for n in np.bincount(v_idx[(code >> 1 & 1) == 1], minlength=3)[k:k + 1])
              for k, v in enumerate(vids)}
    assert {v: table[0][v][0] for v in chosen} == chosen


def test_first_attempts_are_ordered_as_the_database_orders_them():
    h = np.zeros(6, dtype=iv.HEADER)
    h["exam"], h["user"] = [1, 1, 1, 2, 2, 2], [5, 5, 7, 5, 5, 5]
    h["started"], h["attempt"] = [10, 10, 3, 1, 2, 2], [4, 9, 1, 2, 3, 8]
    assert item_analysis_data._first_order(h).tolist() == list(range(6))  # already in order: not sorted again
    shuffled = h[[5, 2, 0, 4, 1, 3]]
    assert shuffled[item_analysis_data._first_order(shuffled)].tolist() == h.tolist()
