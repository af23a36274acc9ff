"""Angoff and Hofstee maths against a hand computation on a small fixture (the working is in the comments).

Fixture: raters 1, 2, 3; items a, b (topic T1) and c, d (topic T2), one point each; the blueprint draws one item
of each topic; the exam's default pass mark is 70 %.

    item   r1   r2   r3   mean    SD
    a      60   70   80   70      10
    b      40   50   60   50      10
    c      80   80   90   83.33   5.774
    d      50   60   -    (2 ratings: below 3, valued at the default 70)
"""

from __future__ import annotations

import math

import pytest

from quiz.domain import standard_setting as ss

R = {"a": {1: .6, 2: .7, 3: .8}, "b": {1: .4, 2: .5, 3: .6}, "c": {1: .8, 2: .8, 3: .9}, "d": {1: .5, 2: .6}}
POOL = {"T1": [("a", 1.0), ("b", 1.0)], "T2": [("c", 1.0), ("d", 1.0)]}
COUNTS = {"T1": 1, "T2": 1}


def test_item_summaries_mean_sd_n():
    s = ss.item_summaries(R)
    assert (s["a"].n, s["a"].mean, s["a"].sd) == (3, pytest.approx(.7), pytest.approx(.1))
    assert s["c"].mean == pytest.approx(2.5 / 3) and s["c"].sd == pytest.approx(math.sqrt(1 / 300))
    assert (s["d"].n, s["d"].low, s["d"].high) == (2, .5, .6)


def test_blueprint_cut_score_and_standard_error_by_hand():
    # panel values: a .7, b .5, c .8333, d .7 (fallback); cut = (mean(.7, .5) + mean(.8333, .7)) / 2 = .68333
    # raters' own cuts (d stays .7 for all): r1 (.5 + .75)/2 = .625, r2 (.6 + .75)/2 = .675, r3 (.7 + .8)/2 = .75
    # SD of (.625, .675, .75) = sqrt(.0079167 / 2) = .062915; SE = .062915 / sqrt(3) = .036324
    cut = ss.blueprint_cut(POOL, COUNTS, R, default=.7)
    assert cut.cut == pytest.approx(0.683333, abs=1e-6)
    assert cut.rater_cuts == {1: pytest.approx(.625), 2: pytest.approx(.675), 3: pytest.approx(.75)}
    assert cut.se == pytest.approx(0.036324, abs=1e-6)
    assert cut.fallback_ids == ("d",) and cut.raters == 3


def test_attempt_cut_weights_by_points_and_falls_back_below_three_ratings():
    # a (1 point, .7) and c (2 points, .8333): (.7 + 2 * .8333) / 3 = .78889
    assert ss.attempt_cut([("a", 1), ("c", 2)], R, .7).pass_mark == pytest.approx(0.788889, abs=1e-6)
    # b (.5) and d (fallback .65 here): (.5 + .65) / 2
    got = ss.attempt_cut([("b", 1), ("d", 1)], R, .65)
    assert got.pass_mark == pytest.approx(.575) and got.fallback_ids == ("d",)
    assert ss.attempt_cut([("zz", 1)], R, .6).pass_mark == pytest.approx(.6)


def test_icc_two_way_random_by_hand():
    # items a, b, c (d lacks r3): grand mean 6.1/9; SSR .168889, SSC .042222, SST .215556, SSE .004444
    # MSR .084444, MSC .021111, MSE .001111
    # ICC(2,1) = .083333 / (.084444 + 2 * .001111 + 3 * .02 / 3) = 25/32; ICC(2,k) = .083333 / .091111 = 75/82
    rel = ss.icc(R)
    assert (rel.items, rel.raters) == (3, 3)
    assert rel.icc_single == pytest.approx(25 / 32) and rel.icc_average == pytest.approx(75 / 82)
    assert ss.icc({"a": {1: .5, 2: .5}}).icc_average is None  # one item: no reliability


def test_rater_disagreement_most_different_first():
    # r3 is .15, .15, .10 above the others on a, b, c; r1 .15, .15, .05, .10 below; r2 0, 0, .05, .10
    got = ss.rater_disagreement(R)
    assert [d.rater_id for d in got] == [3, 1, 2]
    assert got[0].mean_abs_diff == pytest.approx(0.4 / 3) and got[0].mean_signed_diff > 0
    assert got[1].mean_abs_diff == pytest.approx(.1125) and got[1].mean_signed_diff == pytest.approx(-.1125)


def test_hofstee_by_hand():
    # scores .4 .5 .6 .7 .8; window cut .5-.8, fail .1-.5: line(c) = .5 - .4 (c - .5) / .3
    # fail rate on (.5, .6] is 2/5 = .4; line = .4 at c = .5 + .1 * .3 / .4 = .575
    h = ss.hofstee([.4, .5, .6, .7, .8], .5, .8, .1, .5)
    assert h.cut == pytest.approx(.575) and h.fail_rate == pytest.approx(.4)
    assert ss.hofstee([.9, .95], .5, .8, .1, .5).cut == pytest.approx(.8)  # nobody fails: the highest cut
    assert ss.hofstee([.1, .2], .5, .8, .1, .5).cut == pytest.approx(.5)  # everyone fails: the lowest
    assert ss.hofstee([], .5, .8, .1, .5) is None and ss.hofstee([.5], .8, .5, .1, .5) is None


def test_ratings_are_whole_percentages_in_steps_of_five():
    assert ss.check_rating(65) == 65 and ss.check_rating(100.0) == 100
    for bad in (-5, 105, 63, 62.5, "70", None, True, float("nan")):
        with pytest.raises(ValueError):
            ss.check_rating(bad)


def test_facility_near_cut_and_pass_rate():
    attempts = [(.60, {"a": (1, 1), "b": (0, 1)}), (.70, {"a": (0, 1)}), (.95, {"a": (1, 1)})]
    near = ss.facility_near_cut(attempts, .65, band=.1)
    assert near == {"a": (0.5, 2), "b": (0.0, 1)}
    assert ss.pass_rate([(.6, .65), (.7, .65), (.65, .65)]) == pytest.approx(2 / 3)
    assert ss.pass_rate([]) is None
