"""Agreement statistics against values computed by hand."""

import pytest

from cospiral.domain.agreement import (
    coded_by_both,
    cohen_kappa,
    krippendorff_alpha,
    observed_agreement,
)


def _two_by_two():
    # 50 cards coded by two coders as "A01" or "B01":
    #                 B says A01   B says B01
    #   A says A01        20            5       (25)
    #   A says B01        10           15       (25)
    #                    (30)          (20)
    a = ["A01"] * 20 + ["A01"] * 5 + ["B01"] * 10 + ["B01"] * 15
    b = ["A01"] * 20 + ["B01"] * 5 + ["A01"] * 10 + ["B01"] * 15
    return a, b


def test_cohen_kappa_hand_computed():
    a, b = _two_by_two()
    # p_o = (20 + 15) / 50 = 0.7
    # p_e = P(A says A01)·P(B says A01) + P(A says B01)·P(B says B01)
    #     = 25/50 · 30/50 + 25/50 · 20/50 = 0.30 + 0.20 = 0.5
    # kappa = (0.7 - 0.5) / (1 - 0.5) = 0.4
    assert observed_agreement(a, b) == pytest.approx(0.7)
    assert cohen_kappa(a, b) == pytest.approx(0.4)


def test_cohen_kappa_three_categories_and_missing_values():
    # 6 units; unit 6 coded by A only, so 5 pairs count:
    #   (A01,A01) (A01,A01) (B01,B01) (B01,C01) (C01,C01)
    # p_o = 4/5 = 0.8
    # A's shares: A01 2/5, B01 2/5, C01 1/5; B's shares: A01 2/5, B01 1/5, C01 2/5
    # p_e = 2/5·2/5 + 2/5·1/5 + 1/5·2/5 = 4/25 + 2/25 + 2/25 = 8/25 = 0.32
    # kappa = (0.8 - 0.32) / (1 - 0.32) = 0.48 / 0.68 = 0.70588...
    a = ["A01", "A01", "B01", "B01", "C01", "A01"]
    b = ["A01", "A01", "B01", "C01", "C01", None]
    assert coded_by_both(a, b) == 5
    assert observed_agreement(a, b) == pytest.approx(0.8)
    assert cohen_kappa(a, b) == pytest.approx(0.48 / 0.68)


def test_perfect_agreement_gives_one():
    a = ["A01", "B01", "A03", "B01"]
    assert cohen_kappa(a, list(a)) == pytest.approx(1.0)
    assert krippendorff_alpha([a, list(a), list(a)]) == pytest.approx(1.0)
    assert observed_agreement(a, a) == 1.0


def test_one_category_only_is_undefined():
    # Both coders always say A01: p_e = 1, kappa = 0/0 -> None (the page says why).
    a = ["A01"] * 4
    assert observed_agreement(a, a) == 1.0
    assert cohen_kappa(a, a) is None
    assert krippendorff_alpha([a, a]) is None


def test_nothing_coded_by_both_is_undefined():
    assert cohen_kappa(["A01", None], [None, "B01"]) is None
    assert observed_agreement(["A01", None], [None, "B01"]) is None
    assert krippendorff_alpha([["A01", None], [None, "B01"]]) is None
    assert krippendorff_alpha([]) is None


def test_krippendorff_alpha_small_hand_computed():
    # Coder 1: x x y y ; coder 2: x y y (missing)
    # Coincidences (ordered pairs within a unit, weight 1/(m-1), m = 2 so weight 1):
    #   unit 1 {x,x}: o_xx += 2 ; unit 2 {x,y}: o_xy += 1, o_yx += 1 ; unit 3 {y,y}: o_yy += 2
    #   unit 4 has one value: not pairable.
    # n = 6, n_x = 3, n_y = 3
    # D_o = (o_xy + o_yx) / n = 2/6 ; D_e = (n_x·n_y + n_y·n_x) / (n(n-1)) = 18/30 = 0.6
    # alpha = 1 - (1/3) / 0.6 = 1 - 5/9 = 4/9
    assert krippendorff_alpha([["x", "x", "y", "y"], ["x", "y", "y", None]]) == pytest.approx(4 / 9)


def test_krippendorff_alpha_reference_example():
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability", nominal example:
    # 4 observers, 12 units, missing values; published result alpha = 0.743.
    # By hand (unit 12 has one value: not pairable; units with m values add weight 1/(m-1)
    # per ordered pair of values from different observers):
    #   n = 40 pairable values; coincidence diagonal o_11 = 7, o_22 = 10, o_33 = 8,
    #   o_44 = 4, o_55 = 3, total 32, so 8 of 40 pair-values disagree: D_o = 8/40 = 0.2.
    #   Category totals n_c = (9, 13, 10, 5, 3); sum of n_c^2 = 81+169+100+25+9 = 384;
    #   D_e = (n^2 - sum n_c^2) / (n(n-1)) = (1600 - 384) / 1560 = 0.77949.
    #   alpha = 1 - 0.2 / 0.77949 = 0.7434.
    nan = None
    rows = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ]
    assert krippendorff_alpha(rows) == pytest.approx(0.743, abs=0.001)


def test_two_coders_alpha_close_to_kappa_on_large_samples():
    a, b = _two_by_two()
    # Alpha corrects for small samples; on 50 units it is near kappa (0.4) but not equal:
    # n = 100 values; n_A01 = 55, n_B01 = 45; o_A01B01 + o_B01A01 = 15 + 15 = 30
    # D_o = 30/100 ; D_e = 2·55·45 / (100·99) = 4950/9900 = 0.5 ; alpha = 1 - 0.3/0.5 = 0.4
    assert krippendorff_alpha([a, b]) == pytest.approx(0.4)


def test_unequal_lengths_are_refused():
    with pytest.raises(ValueError):
        cohen_kappa(["A01"], ["A01", "B01"])
    with pytest.raises(ValueError):
        krippendorff_alpha([["A01"], ["A01", "B01"]])
