"""Item analysis checked against independent calculations (plain Python and numbers worked out by hand)."""

from __future__ import annotations

import math
import statistics as st

import numpy as np
import pytest

from quiz.domain.statistics import ItemInput, analyse, cronbach_alpha, item_flags, random_guess_score
from tests.factories import make_question

# Six trainees x four right/wrong items (rows: attempts).
MARKS = [
    [1, 1, 1, 0],
    [1, 1, 0, 0],
    [1, 0, 1, 1],
    [1, 1, 1, 1],
    [0, 0, 0, 1],
    [1, 0, 0, 0],
]


def _col(j: int, rows=MARKS) -> list[float]:
    return [float(r[j]) for r in rows]


def _totals(rows=MARKS) -> list[float]:
    return [float(sum(r)) for r in rows]


def _cov(a: list[float], b: list[float]) -> float:
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    return sum((x - ma) * (y - mb) for x, y in zip(a, b)) / (len(a) - 1)


def _items(n: int = 4, max_mark: float = 1.0) -> list[ItemInput]:
    return [ItemInput(item_id=f"q{j}", max_mark=max_mark) for j in range(n)]


@pytest.fixture
def result():
    return analyse(MARKS, _items())


def test_facility_and_sd_match_plain_formulas(result):
    for j, item in enumerate(result.items):
        x = _col(j)
        assert item.facility == pytest.approx(sum(x) / len(x))
        assert item.sd == pytest.approx(st.stdev(x))
    # by hand: item 0 is right in 5 of 6 attempts
    assert result.items[0].facility == pytest.approx(5 / 6)


def test_discrimination_is_the_item_rest_correlation(result):
    for j, item in enumerate(result.items):
        x = _col(j)
        rest = [t - xi for t, xi in zip(_totals(), x)]
        assert item.discrimination == pytest.approx(st.correlation(x, rest))
    # by hand for item 1: x = 1,1,0,1,0,0; rest = 2,1,3,3,1,1: means 1/2 and 11/6;
    # sum of cross products = (1/2)(1/6 - 5/6 + 7/6) - (1/2)(7/6 - 5/6 - 5/6) = 1/2; C = 1/10;
    # V(x) = 1.5/5 = 0.3; V(rest) = (1/36 + 25/36 + 49/36 + 49/36 + 25/36 + 25/36)/5 = (174/36)/5
    expected = 0.1 / math.sqrt(0.3 * (174 / 36) / 5)
    assert result.items[1].discrimination == pytest.approx(expected)


def test_discriminative_efficiency_uses_independently_sorted_marks(result):
    for j, item in enumerate(result.items):
        x = _col(j)
        rest = [t - xi for t, xi in zip(_totals(), x)]
        c_max = _cov(sorted(x), sorted(rest))
        assert item.discriminative_efficiency == pytest.approx(_cov(x, rest) / c_max)
    # item 1 by hand: sorted x = 0,0,0,1,1,1 and sorted rest = 1,1,1,2,3,3 -> C_max = 1.5 * (1/6 + 7/6 + 7/6)/5
    c_max = (0.5 * (-5 / 6) * 3 * -1 + 0.5 * (1 / 6 + 7 / 6 + 7 / 6)) / 5
    assert result.items[1].discriminative_efficiency == pytest.approx(0.1 / c_max)


def test_weights():
    marks = [[2, 1, 0], [1, 1, 1], [2, 0, 1], [0, 0, 0], [2, 1, 1]]
    items = [ItemInput("a", 2.0), ItemInput("b", 1.0), ItemInput("c", 1.0)]
    res = analyse(marks, items)
    assert [i.intended_weight for i in res.items] == pytest.approx([0.5, 0.25, 0.25])
    totals = [float(sum(r)) for r in marks]
    roots = [math.sqrt(_cov([float(r[j]) for r in marks], totals)) for j in range(3)]
    assert [i.effective_weight for i in res.items] == pytest.approx([r / sum(roots) for r in roots])
    assert sum(i.effective_weight for i in res.items) == pytest.approx(1.0)
    # facility and sd are fractions of the item's maximum
    assert res.items[0].facility == pytest.approx((7 / 5) / 2)
    assert res.items[0].sd == pytest.approx(st.stdev([2, 1, 2, 0, 2]) / 2)


def test_effective_weight_is_empty_for_a_negative_covariance_with_the_total():
    marks = [[1, 1, 0], [1, 1, 0], [0, 0, 1], [0, 0, 1], [1, 0, 0]]
    res = analyse(marks, _items(3))
    totals = [float(sum(r)) for r in marks]
    assert _cov(_col(2, marks), totals) < 0
    assert res.items[2].effective_weight is None
    roots = [math.sqrt(_cov(_col(j, marks), totals)) for j in range(2)]
    assert res.items[0].effective_weight == pytest.approx(roots[0] / sum(roots))


def test_alpha_error_ratio_and_sem(result):
    p = 4
    item_vars = sum(st.variance(_col(j)) for j in range(p))
    total_var = st.variance(_totals())
    alpha = p / (p - 1) * (1 - item_vars / total_var)
    assert result.alpha == pytest.approx(alpha)
    assert result.alpha_basis == "items"
    assert result.error_ratio == pytest.approx(math.sqrt(1 - alpha))
    assert result.sem == pytest.approx(st.stdev(_totals()) * math.sqrt(1 - alpha))
    assert result.sd_total == pytest.approx(st.stdev(_totals()))
    assert result.mean_total == pytest.approx(st.mean(_totals()))


def test_alpha_by_hand_for_a_tiny_test():
    # 3 attempts x 2 items: (1,1), (1,0), (0,0). V(x1) = 1/3, V(x2) = 1/3, totals 2,1,0 -> V(T) = 1.
    # alpha = 2 * (1 - 2/3) = 2/3
    assert cronbach_alpha(np.array([[1, 1], [1, 0], [0, 0]])) == pytest.approx(2 / 3)


def test_zero_variance_gives_none_not_nan():
    marks = [[1, 1, 0], [1, 0, 1], [1, 1, 1]]  # item 0: everyone right
    res = analyse(marks, _items(3))
    first = res.items[0]
    assert first.facility == 1.0
    assert first.sd == 0.0
    assert first.discrimination is None
    assert first.discriminative_efficiency is None
    # the rest still computes
    assert res.items[1].discrimination is not None


def test_constant_totals_give_no_alpha():
    res = analyse([[1, 0], [0, 1], [1, 0]], _items(2))
    assert res.alpha is None and res.sem is None and res.error_ratio is None
    assert res.sd_total == 0.0


def test_one_attempt():
    res = analyse([[1, 0, 1]], _items(3))
    assert res.attempts == 1
    assert [i.facility for i in res.items] == [1.0, 0.0, 1.0]
    assert all(i.sd is None and i.discrimination is None and i.discriminative_efficiency is None for i in res.items)
    assert res.alpha is None and res.sem is None and res.sd_total is None
    assert all(i.effective_weight is None for i in res.items)


def test_no_attempts():
    res = analyse(np.empty((0, 2)), _items(2))
    assert res.attempts == 0 and res.mean_total is None
    assert res.items[0].facility is None and res.items[0].attempts == 0


def test_items_not_shown_are_left_out_of_that_item_and_alpha_needs_slots():
    nan = float("nan")
    marks = [[1, nan, 1], [0, 1, nan], [1, 1, 0], [nan, 0, 1], [1, 0, 0]]
    res = analyse(marks, _items(3))
    # item 0 over the 4 attempts that showed it
    assert res.items[0].attempts == 4
    assert res.items[0].facility == pytest.approx(3 / 4)
    x = [1.0, 0.0, 1.0, 1.0]
    rest = [1.0, 1.0, 1.0, 0.0]  # totals of those attempts minus x
    assert res.items[0].discrimination == pytest.approx(st.correlation(x, rest))
    assert res.alpha is None and res.alpha_basis is None
    slots = [[1, 1], [0, 1], [1, 1], [0, 1], [1, 0]]
    res2 = analyse(marks, _items(3), slot_marks=slots)
    assert res2.alpha_basis == "slots"
    assert res2.alpha == pytest.approx(cronbach_alpha(np.array(slots)))
    assert all(v is None or math.isfinite(v) for i in res2.items for v in (i.discrimination, i.sd))


def test_rest_as_fraction_changes_nothing_when_every_attempt_saw_every_item(result):
    pooled = analyse(MARKS, _items(), rest_as_fraction=True)
    for a, b in zip(result.items, pooled.items):
        assert b.discrimination == pytest.approx(a.discrimination)
        assert b.discriminative_efficiency == pytest.approx(a.discriminative_efficiency)
        assert b.effective_weight == pytest.approx(a.effective_weight)


def test_distractor_shares_and_flags():
    # 20 attempts at one item: A (key) 12, B 6, C 1, D 0, no answer 1
    marks = [[1, 1]] * 12 + [[0, 1]] * 8
    items = [ItemInput("q", options=[("A", "a", 12, True), ("B", "b", 6, False), ("C", "c", 1, False),
                                     ("D", "d", 0, False)], no_answer=1), ItemInput("other")]
    res = analyse(marks, items)
    item = res.items[0]
    assert [o.share for o in item.options] == pytest.approx([0.6, 0.3, 0.05, 0.0])
    assert item.no_answer_share == pytest.approx(0.05)
    weak = [f.reason for f in item.flags if f.code == "weak_distractor"]
    assert len(weak) == 1 and "distractor D" in weak[0]  # C at exactly 5% is not "under 5%"


def test_flags_with_reasons():
    from quiz.domain.statistics import ItemStatistics

    def stat(**kw):
        base = dict(item_id="q", attempts=30, max_mark=1.0, mean=0.5, facility=0.5, sd=0.5, discrimination=0.4,
                    discriminative_efficiency=0.6, intended_weight=0.1, effective_weight=0.1, random_guess=0.25)
        base.update(kw)
        return ItemStatistics(**base)

    def codes(**kw):
        return [f.code for f in item_flags(stat(**kw))]

    assert codes() == []
    assert codes(facility=0.19) == ["low_facility"]
    assert codes(facility=0.2) == []
    assert codes(facility=0.91) == ["high_facility"]
    assert codes(facility=0.9) == []
    assert codes(discrimination=0.19) == ["low_discrimination"]
    assert codes(discrimination=-0.3) == ["negative_discrimination"]
    assert "check the key" in item_flags(stat(discrimination=-0.3))[0].reason
    assert codes(discriminative_efficiency=0.14) == ["low_efficiency"]
    assert codes(facility=None, discrimination=None, discriminative_efficiency=None) == []
    # a value just under a threshold never reads as the threshold itself
    assert "0.199 is below 0.20" in item_flags(stat(discrimination=0.1994))[0].reason
    assert "0.901 is above 0.90" in item_flags(stat(facility=0.9006))[0].reason


def test_negative_discrimination_is_flagged_from_data():
    # the item is right exactly for the weaker trainees: a miskeyed item
    marks = [[1, 1, 1, 0], [1, 1, 1, 0], [1, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 1], [1, 0, 0, 1]]
    res = analyse(marks, _items())
    assert res.items[3].discrimination < 0
    assert "negative_discrimination" in [f.code for f in res.items[3].flags]


def test_random_guess_scores():
    assert random_guess_score(make_question(n_options=4)) == pytest.approx(0.25)
    assert random_guess_score(make_question(type="true_false")) == 0.5
    assert random_guess_score(make_question(type="numeric")) == 0.0
    assert random_guess_score(make_question(type="ordering", n_options=3)) == pytest.approx(1 / 6)
    assert random_guess_score(make_question(type="multiple")) is None


def test_shape_mismatch_is_refused():
    with pytest.raises(ValueError):
        analyse([[1, 0]], _items(3))


def test_to_dict_is_json_safe(result):
    import json

    d = result.to_dict()
    json.dumps(d, allow_nan=False)
    assert set(d["items"][0]) >= {"facility", "sd", "discrimination", "discriminative_efficiency", "flags"}


# -- weights when attempts were shown different items (random selection from a blueprint) ------------------------

NAN = float("nan")
# Four attempts of a two-position test drawn from four items a, b, c, d (a is worth 2 marks, the others 1):
#   attempt 1: a = 2 (position 0), b = 0 (position 1)
#   attempt 2: c = 1 (position 0), b = 1 (position 1)
#   attempt 3: b = 0 (position 0), d = 0 (position 1)
#   attempt 4: c = 1 (position 0), d = 1 (position 1)
DRAWN_MARKS = [[2, 0, NAN, NAN], [NAN, 1, 1, NAN], [NAN, 0, NAN, 0], [NAN, NAN, 1, 1]]
DRAWN_SLOTS = [[2, 0], [1, 1], [0, 0], [1, 1]]
DRAWN_POSITIONS = [[0, 1, -1, -1], [-1, 1, 0, -1], [-1, 0, -1, 1], [-1, -1, 0, 1]]
DRAWN_ITEMS = [ItemInput("a", 2.0), ItemInput("b", 1.0), ItemInput("c", 1.0), ItemInput("d", 1.0)]


def test_weights_of_a_test_drawn_at_random_are_shares_of_one_attempt():
    res = analyse(DRAWN_MARKS, DRAWN_ITEMS, slot_marks=DRAWN_SLOTS, positions=DRAWN_POSITIONS)
    # Intended weight: the item's maximum over the test's maximum, the mean of the attempts' maxima
    # (3, 2, 2, 2 -> 9/4): a = 2 / (9/4) = 8/9, the others 1 / (9/4) = 4/9 (not 2/5 and 1/5, which would
    # share the weight over all four items as if one attempt had shown them all).
    assert res.max_total == pytest.approx(9 / 4)
    assert [i.intended_weight for i in res.items] == pytest.approx([8 / 9, 4 / 9, 4 / 9, 4 / 9])
    # Effective weight by position, by hand. Totals T = 2, 2, 0, 2 (mean 3/2).
    # Position 0 = 2, 1, 0, 1 (mean 1): C = (1 * 1/2 + 0 + (-1)(-3/2) + 0) / 3 = 2/3.
    # Position 1 = 0, 1, 0, 1 (mean 1/2): C = (-1/4 + 1/4 + 3/4 + 1/4) / 3 = 1/3.
    # Weights sqrt(2/3) : sqrt(1/3) over their sum -> position 0: 2 - sqrt(2), position 1: sqrt(2) - 1.
    w0, w1 = 2 - math.sqrt(2), math.sqrt(2) - 1
    # Each item gets the mean weight of the positions it held: a held 0; b held 1, 1 and 0; c 0, 0; d 1, 1.
    expected = [w0, (w1 + w1 + w0) / 3, w0, w1]
    assert [i.effective_weight for i in res.items] == pytest.approx(expected)
    assert expected[1] == pytest.approx(math.sqrt(2) / 3)
    # the positions' weights add up to 1 in every attempt, as Moodle's do over the slots of the quiz
    assert w0 + w1 == pytest.approx(1.0)
    assert res.alpha_basis == "slots"


def test_effective_weight_of_a_drawn_test_needs_the_positions():
    res = analyse(DRAWN_MARKS, DRAWN_ITEMS, slot_marks=DRAWN_SLOTS)
    assert all(i.effective_weight is None for i in res.items)
    assert [i.intended_weight for i in res.items] == pytest.approx([8 / 9, 4 / 9, 4 / 9, 4 / 9])
    with pytest.raises(ValueError):
        analyse(DRAWN_MARKS, DRAWN_ITEMS, slot_marks=DRAWN_SLOTS, positions=[[0, 1]] * 4)


def test_a_position_with_a_negative_covariance_counts_no_effective_weight():
    # Position 1 runs against the total, so Moodle leaves its weight empty and position 0 carries it all.
    # a = 2, 2, -, 0 (always at position 0); b = 0, -, 0, 0 (positions 1, 0, 1); c = -, 0, 1, - (position 1).
    marks = [[2, 0, NAN], [2, NAN, 0], [NAN, 0, 1], [0, 0, NAN]]
    slots = [[2, 0], [2, 0], [0, 1], [0, 0]]
    positions = [[0, 1, -1], [0, -1, 1], [-1, 0, 1], [0, 1, -1]]
    # by hand: T = 2, 2, 1, 0 (mean 5/4); position 1 = 0, 0, 1, 0 (mean 1/4):
    # C = (-1/4)(3/4) + (-1/4)(3/4) + (3/4)(-1/4) + (-1/4)(-5/4) = -1/4 (over 3): negative
    totals = [float(sum(r)) for r in slots]
    assert _cov(_col(1, slots), totals) == pytest.approx(-1 / 12)
    assert _cov(_col(0, slots), totals) > 0
    res = analyse(marks, _items(3, max_mark=2.0), slot_marks=slots, positions=positions)
    # a: always the position of weight 1; b: 0, 1, 0 -> 1/3; c: only the empty position -> empty
    assert [i.effective_weight for i in res.items[:2]] == pytest.approx([1.0, 1 / 3])
    assert res.items[2].effective_weight is None


def test_complete_matrix_weights_do_not_depend_on_the_positions():
    # everyone saw every item (in a shuffled order): weights per item, exactly as without positions
    order = [[0, 1, 2, 3], [3, 2, 1, 0], [1, 0, 3, 2], [2, 3, 0, 1], [0, 2, 1, 3], [3, 1, 2, 0]]
    slots = [[row[order[a].index(k)] for k in range(4)] for a, row in enumerate(MARKS)]
    plain = analyse(MARKS, _items())
    with_slots = analyse(MARKS, _items(), slot_marks=slots, positions=order)
    assert [i.intended_weight for i in with_slots.items] == [i.intended_weight for i in plain.items]
    assert [i.effective_weight for i in with_slots.items] == [i.effective_weight for i in plain.items]
    assert with_slots.alpha == plain.alpha and with_slots.alpha_basis == "items"


def test_effective_weights_by_position_are_the_mean_weight_of_the_positions_held():
    """The weights of the positions an item held are added in attempt order, one after the other, exactly as
    a plain loop does (reference below), however many attempts and items."""
    from quiz.domain.statistics import _cov, _effective_weights

    rng = np.random.default_rng(3)
    n, n_items, width = 400, 30, 6
    marks = np.full((n, n_items), np.nan)
    positions = np.full((n, n_items), -1)
    for r in range(n):
        shown = rng.choice(n_items, width, replace=False)
        marks[r, shown] = rng.random(width) < 0.3 + 0.1 * (shown % 5)
        positions[r, shown] = np.arange(width)
    slots = np.array([marks[r][np.argsort(np.where(positions[r] >= 0, positions[r], 99))[:width]] for r in range(n)])
    res = analyse(marks, _items(n_items), slot_marks=slots, positions=positions)
    totals = slots.sum(axis=1)
    by_slot = _effective_weights([_cov(slots[:, j], totals) for j in range(width)])
    for j, item in enumerate(res.items):
        held = [int(p) for p in positions[positions[:, j] >= 0, j]]
        expected = 0.0
        for p in held:
            expected += by_slot[p] or 0.0
        assert item.effective_weight == (expected / len(held) if held else None)  # exactly, not approximately
