"""The scoring engine (cospiral.domain.scoring): hand-computed examples, properties,
and the Brunner–Munzel test against SciPy."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats

from cospiral.domain import scoring as sc

NA, DK, MISS = sc.NOT_APPLICABLE, sc.DONT_KNOW, sc.MISSING

# --- strategies -----------------------------------------------------------------------


@st.composite
def waves(draw, max_rows=40, max_cols=4, groups=4):
    rows = draw(st.integers(0, max_rows))
    cols = draw(st.integers(1, max_cols))
    levels = draw(
        hnp.arrays(np.int8, (rows, cols), elements=st.integers(sc.LOWEST_CODE, sc.HIGHEST_CODE))
    )
    profile = draw(hnp.arrays(np.int64, (rows,), elements=st.integers(-1, groups - 1)))
    return levels, profile


def masked_none(value):
    return value is np.ma.masked


# --- hand-computed example ---------------------------------------------------------------

HAND = np.array(
    [
        # ind. 0  ind. 1  ind. 2
        [1, 2, 3],
        [5, DK, 3],
        [4, 2, MISS],
        [5, 5, NA],
    ],
    dtype=np.int8,
)


def test_hand_computed_indicator_figures():
    result = sc.score(HAND, threshold=1, families=["a", "a", "b"])
    first = result.figures(0)
    # Indicator 0: levels 1, 5, 4, 5 -> counts per level (1, 0, 0, 1, 2), n = 4.
    assert first.counts == (1, 0, 0, 1, 2)
    assert first.n == 4 and first.dont_know == 0 and first.not_applicable == 0 and first.missing == 0
    assert first.shares == (0.25, 0, 0, 0.25, 0.5)
    # Sorted 1, 4, 5, 5: the middle levels are 4 and 5 -> median 4.5 (as numpy.median).
    assert first.median == 4.5
    # Mean = (1 + 5 + 4 + 5) / 4 = 3.75; score = (3.75 - 1) / 4 * 100 = 68.75.
    assert first.mean == 3.75
    assert first.score == 68.75
    # Levels 1–2: 1 of 4 = 0.25. Wilson, z = 1.959964:
    #   z² = 3.841459; centre = (0.25 + 3.841459/8) / (1 + 3.841459/4) = 0.730182 / 1.960365 = 0.372472
    #   half = (1.959964 / 1.960365) * sqrt(0.25*0.75/4 + 3.841459/64) = 0.999796 * 0.326952 = 0.326886
    #   -> (0.045587, 0.699358)
    assert first.low_share == 0.25
    assert first.low_interval == pytest.approx((0.045587, 0.699358), abs=1e-6)
    # Levels 4–5: 3 of 4 = 0.75, the mirror image.
    assert first.high_share == 0.75
    assert first.high_interval == pytest.approx((1 - 0.699358, 1 - 0.045587), abs=1e-6)

    second = result.figures(1)
    # Indicator 1: 2, don't know, 2, 5 -> n = 3 (don't know is not a level), dk = 1.
    assert second.n == 3 and second.dont_know == 1
    assert second.counts == (0, 2, 0, 0, 1)
    # Sorted 2, 2, 5 -> median 2; mean 9 / 3 = 3 -> score (3 - 1) / 4 * 100 = 50.
    assert second.median == 2 and second.mean == 3 and second.score == 50
    assert second.low_share == pytest.approx(2 / 3)

    third = result.figures(2)
    # Indicator 2: 3, 3, missing, not applicable -> n = 2, missing 1, n/a 1, median 3.
    assert (third.n, third.missing, third.not_applicable) == (2, 1, 1)
    assert third.median == 3 and third.score == 50
    assert third.low_share == 0 and third.low_interval[0] == 0

    # Family a = mean(68.75, 50) = 59.375; family b = 50; synthetic = mean(59.375, 50) = 54.6875.
    assert result.indices.families == ("a", "b")
    assert list(result.indices.family) == [59.375, 50.0]
    assert float(result.indices.synthetic) == 54.6875
    assert result.indices.family_weights.tolist() == [1.0, 1.0]
    assert result.score_formula == sc.SCORE_FORMULA == "score = (mean − 1) / 4 × 100"


def test_configurable_weights_for_indices():
    # Indicator weights 3:1 in family a -> (3 * 68.75 + 50) / 4 = 64.0625;
    # family weights a:1, b:3 -> (64.0625 + 3 * 50) / 4 = 53.515625.
    result = sc.score(
        HAND, threshold=1, families=["a", "a", "b"], indicator_weights=[3, 1, 1], family_weights={"b": 3}
    )
    assert list(result.indices.family) == [64.0625, 50.0]
    assert float(result.indices.synthetic) == 53.515625
    assert result.indices.family_weights.tolist() == [1.0, 3.0]
    with pytest.raises(ValueError, match="unknown families"):
        sc.score(HAND, families=["a", "a", "b"], family_weights={"c": 2})


def test_median_lower_and_upper_middle():
    # 1, 2, 2, 3 -> 2; 1, 1, 4, 5 -> 2.5; 5 -> 5.
    levels = np.array([[1, 1, 5], [2, 1, 0], [2, 4, 0], [3, 5, 0]], dtype=np.int8)
    result = sc.score(levels, threshold=1)
    assert [result.figures(j).median for j in range(3)] == [2.0, 2.5, 5.0]


def test_threshold_applies_to_overall_figures():
    result = sc.score(HAND)  # default threshold 5: every indicator has n < 5
    figures = result.figures(0)
    assert figures.suppressed and figures.n is None and figures.shares is None and figures.score is None
    assert result.indices is None and result.extremes == ()


# --- invalid input, zero answers ----------------------------------------------------------


def test_rejects_codes_that_are_not_levels():
    bad = np.array([[1, 2], [3, 6]], dtype=np.int8)
    with pytest.raises(ValueError, match="respondent row 2, indicator column 2"):
        sc.score(bad)
    with pytest.raises(ValueError, match="respondent row 1, indicator column 1"):
        sc.score(np.array([[-3]], dtype=np.int64))
    with pytest.raises(ValueError, match="2 dimensions"):
        sc.score(np.array([1, 2], dtype=np.int8))


def test_zero_answers_no_division_by_zero():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        empty = sc.score(np.zeros((0, 3), dtype=np.int8), profile=np.zeros(0, dtype=int), families=[1, 1, 2])
        only_dk = sc.score(np.full((12, 2), DK, dtype=np.int8), threshold=1)
        boot = sc.bootstrap(only_dk.overall, replicates=50, seed=1)
    for j in range(3):
        f = empty.figures(j)
        assert f.shares is None and f.median is None and f.score is None
    assert np.ma.is_masked(empty.indices.synthetic) and np.ma.getmaskarray(empty.indices.family).all()
    f = only_dk.figures(0)
    # n = 0 is below any threshold (>= 1): the indicator is suppressed, every figure None.
    assert f.suppressed and f.n is None and f.dont_know is None and f.shares is None
    assert f.mean is None and f.low_share is None and f.low_interval is None
    assert boot.mean_low[0] is np.ma.masked and boot.median_high[1] is np.ma.masked
    assert only_dk.extremes == ()


def test_all_suppressed_breakdown():
    levels = np.array([[1, 2], [2, 3], [3, 4], [4, 5], [5, 1], [1, 1]], dtype=np.int8)
    profile = np.array([0, 1, 2, 3, 4, 5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = sc.score(levels, profile=profile, threshold=5, families=["f", "f"])
    b = result.breakdown
    assert b.all_suppressed
    assert b.distribution.suppressed.all()
    assert result.cell(0, 0).n is None and result.cell(0, 0).suppressed
    assert np.ma.getmaskarray(b.indices.synthetic).all()
    # The overall figures (n = 6 >= 5) stay, and no cell is listed as extreme.
    assert result.figures(0).n == 6
    assert all(e.group is None for e in result.extremes)


# --- suppression -----------------------------------------------------------------------------


def test_suppression_hand_examples():
    # Columns are indicators, rows are profile groups; threshold 5.
    n = np.array(
        [
            # col 0: one small cell (2) -> also the next smallest (7); 2 + 7 = 9 >= 5.
            # col 1: two small cells 1 + 1 = 2 < 5 -> also the next smallest (20).
            # col 2: nothing small -> nothing suppressed.
            # col 3: every cell small -> every cell suppressed.
            [2, 1, 9, 1],
            [10, 1, 9, 2],
            [12, 20, 9, 1],
            [7, 30, 9, 0],
        ]
    )
    expected = np.array(
        [
            [True, True, False, True],
            [False, True, False, True],
            [False, True, False, True],
            [True, False, False, True],
        ]
    )
    assert (sc.suppress(n, 5) == expected).all()
    # An empty group (nobody of it in the wave) reveals nobody: shown as empty, and
    # it neither counts as the second suppressed cell nor is suppressed itself.
    empty = np.array([[False], [True], [False]])
    assert sc.suppress(np.array([[3], [0], [8]]), 5, empty).ravel().tolist() == [True, False, True]


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=hnp.arrays(np.int64, st.tuples(st.integers(1, 9), st.integers(1, 5)), elements=st.integers(0, 15)),
    threshold=st.integers(1, 8),
)
def test_suppression_never_reveals_a_small_count(n, threshold):
    empty = n == 0
    hidden = sc.suppress(n, threshold, empty)
    for j in range(n.shape[1]):
        column = n[:, j]
        total = column.sum()
        shown = ~hidden[:, j]
        # Published cells are never small (empty cells reveal nobody: n = 0).
        assert np.all((column[shown] >= threshold) | (column[shown] == 0))
        assert not np.any(hidden[:, j] & empty[:, j])
        # Total minus the published cells = sum of the suppressed ones: never a single
        # cell, never below the threshold, unless the total itself is below it (then
        # every cell is suppressed, and the overall figure too, see score()).
        k = hidden[:, j].sum()
        recovered = total - column[shown].sum()
        if total >= threshold:
            assert k == 0 or (k >= 2 and recovered >= threshold)
        else:
            assert shown[~empty[:, j]].sum() == 0


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(wave=waves(max_rows=60), threshold=st.integers(1, 6))
def test_breakdown_suppression_end_to_end(wave, threshold):
    levels, profile = wave
    result = sc.score(levels, profile=profile, threshold=threshold)
    d = result.breakdown.distribution
    for j in range(levels.shape[1]):
        overall_n = result.overall.n[j]
        shown = ~d.suppressed[:, j]
        cell_n = np.ma.getdata(d.n[:, j])
        assert np.all(cell_n[~shown] == 0), "hidden data must be zeroed"
        # A published cell is either empty (nobody of the group in the wave) or big enough.
        assert np.all((cell_n[shown] >= threshold) | d.empty[shown, j])
        if overall_n is np.ma.masked:
            assert d.suppressed[:, j][~d.empty[:, j]].all()
            continue
        recovered = int(overall_n) - int(cell_n[shown].sum())
        k = int(d.suppressed[:, j].sum())
        assert k == 0 and recovered == 0 or (k >= 2 and recovered >= threshold)
        # Every figure of a suppressed cell is None.
        for g in np.nonzero(~shown)[0]:
            f = result.cell(g, j)
            assert f.suppressed and f.n is None and f.counts is None and f.dont_know is None
            assert f.median is None and f.low_share is None and f.score is None
    for extreme in result.extremes:
        if extreme.group is not None:
            g = result.breakdown.groups.index(extreme.group)
            assert not d.suppressed[g, result.indicators.index(extreme.indicator)]


# --- properties ---------------------------------------------------------------------------------


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(wave=waves())
def test_shares_sum_to_one_and_bounds_hold(wave):
    levels, profile = wave
    result = sc.score(levels, profile=profile, threshold=1)
    for dist in (result.overall, result.breakdown.distribution):
        n = np.ma.getdata(dist.n)
        defined = (n > 0) & ~dist.suppressed
        shares = np.ma.getdata(dist.shares)
        assert np.allclose(shares.sum(axis=-1)[defined], 1.0)
        assert np.all((shares >= 0) & (shares <= 1))
        for name in ("median",):
            values = np.ma.getdata(getattr(dist, name))[defined]
            assert np.all((values >= 1) & (values <= 5))
        score = np.ma.getdata(dist.score)[defined]
        assert np.all((score >= 0) & (score <= 100))
        for p, lo, hi in (
            (dist.low_share, dist.low_low, dist.low_high),
            (dist.high_share, dist.high_low, dist.high_high),
        ):
            p, lo, hi = (np.ma.getdata(a)[defined] for a in (p, lo, hi))
            assert np.all((0 <= lo) & (lo <= p) & (p <= hi) & (hi <= 1))
        # The mask is exactly "no valid answer or suppressed".
        assert (np.ma.getmaskarray(dist.mean) == ~defined).all()
    # The counts per group add up to the overall counts, and match a direct count.
    if levels.shape[0]:
        index, groups, _ = sc._as_groups(profile, levels.shape[0], None)
        per_group = sc.tally(levels, index, groups).raw
        overall = sc.tally(levels).raw[0]
        assert (per_group.sum(axis=0) == overall).all()
        for code in range(sc.LOWEST_CODE, sc.HIGHEST_CODE + 1):
            assert (overall[:, code - sc.LOWEST_CODE] == (levels == code).sum(axis=0)).all()


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(wave=waves(), seed=st.integers(0, 2**32 - 1))
def test_row_order_does_not_matter(wave, seed):
    levels, profile = wave
    order = np.random.default_rng(seed).permutation(levels.shape[0])
    a = sc.score(levels, profile=profile, threshold=2, families=[j % 2 for j in range(levels.shape[1])])
    b = sc.score(levels[order], profile=profile[order], threshold=2, families=[j % 2 for j in range(levels.shape[1])])
    for name in ("raw_counts", "n", "dont_know", "shares", "median", "mean", "low_low", "high_high"):
        for x, y in ((a.overall, b.overall), (a.breakdown.distribution, b.breakdown.distribution)):
            u, v = getattr(x, name), getattr(y, name)
            assert (np.ma.getmaskarray(u) == np.ma.getmaskarray(v)).all()
            assert np.array_equal(np.ma.getdata(u), np.ma.getdata(v))
    assert a.extremes == b.extremes


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(wave=waves(), weight=st.floats(0.01, 1000))
def test_equal_weights_equal_unweighted(wave, weight):
    levels, profile = wave
    plain = sc.score(levels, profile=profile, threshold=1)
    weighted = sc.score(levels, profile=profile, threshold=1, weights=np.full(levels.shape[0], weight))
    assert weighted.weighted
    for x, y in ((plain.overall, weighted.overall), (plain.breakdown.distribution, weighted.breakdown.distribution)):
        for name in ("raw_counts", "n", "shares", "median", "mean", "score", "low_share", "low_low", "low_high", "high_low", "n_eff"):
            u, v = getattr(x, name), getattr(y, name)
            assert (np.ma.getmaskarray(u) == np.ma.getmaskarray(v)).all()
            assert np.array_equal(np.ma.getdata(u), np.ma.getdata(v)), name


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(wave=waves(max_rows=30), weights=st.lists(st.floats(0.1, 10), min_size=30, max_size=30))
def test_weighted_figures_match_direct_computation(wave, weights):
    levels, profile = wave
    w = np.array(weights[: levels.shape[0]])
    result = sc.score(levels, profile=profile, threshold=1, weights=w)
    for j in range(levels.shape[1]):
        valid = levels[:, j] >= 1
        f = result.figures(j)
        if not valid.any():
            assert f.mean is None
            continue
        wv, xv = w[valid], levels[valid, j]
        assert f.mean == pytest.approx(np.sum(wv * xv) / np.sum(wv))
        assert f.n_eff == pytest.approx(wv.sum() ** 2 / np.sum(wv * wv))
        assert f.low_share == pytest.approx(np.sum(wv * (xv <= 2)) / np.sum(wv))
        assert f.n == int(valid.sum())


def test_many_distinct_weights_use_the_dense_path():
    rng = np.random.default_rng(5)
    levels = rng.integers(-2, 6, size=(600, 3), dtype=np.int8)
    profile = rng.integers(0, 3, size=600)
    w = rng.uniform(0.5, 2, size=600)  # 600 distinct weights > 256 classes
    dense = sc.score(levels, profile=profile, weights=w, threshold=1)
    w_few = np.round(w, 1)  # 16 classes
    classes = sc.score(levels, profile=profile, weights=w_few, threshold=1)
    mean = [np.sum(w[levels[:, j] > 0] * levels[levels[:, j] > 0, j]) / w[levels[:, j] > 0].sum() for j in range(3)]
    assert np.allclose(np.ma.getdata(dense.overall.mean), mean)
    mean_few = [np.sum(w_few[levels[:, j] > 0] * levels[levels[:, j] > 0, j]) / w_few[levels[:, j] > 0].sum() for j in range(3)]
    assert np.allclose(np.ma.getdata(classes.overall.mean), mean_few)


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(wave=waves(), data=st.data())
def test_dont_know_and_not_applicable_never_change_level_figures(wave, data):
    levels, profile = wave
    # Turn some non-level answers into other non-level codes: level figures must not move.
    swap = data.draw(hnp.arrays(np.int8, levels.shape, elements=st.sampled_from([NA, DK, MISS])))
    changed = np.where(levels <= 0, swap, levels)
    a = sc.score(levels, profile=profile, threshold=1)
    b = sc.score(changed, profile=profile, threshold=1)
    for name in ("raw_counts", "n", "shares", "median", "mean", "score", "low_low", "high_high"):
        u, v = getattr(a.overall, name), getattr(b.overall, name)
        assert np.array_equal(np.ma.filled(u, -1), np.ma.filled(v, -1))


# --- weighting ----------------------------------------------------------------------------------


def test_poststratification_by_hand():
    # Sample: 6 of group 0, 2 of group 1, 1 not stated. Population: 50% / 50%.
    # The 8 stated respondents keep a total weight of 8: group 0 -> 4 / 6 = 2/3 each,
    # group 1 -> 4 / 2 = 2 each; the not stated keeps 1.
    profile = np.array([0, 0, 0, 0, 0, 0, 1, 1, -1])
    weighting = sc.poststratify(profile, [0.5, 0.5])
    assert weighting.weights == pytest.approx([2 / 3] * 6 + [2, 2, 1])
    # n_eff = (Σw)² / Σw² = 9² / (6 * 4/9 + 2 * 4 + 1) = 81 / (8/3 + 9) = 81 / 11.6667 = 6.942857
    assert weighting.n_eff == pytest.approx(81 / (6 * 4 / 9 + 9))
    assert weighting.method == "post-stratification"
    with pytest.raises(ValueError, match="no respondent in the sample for code"):
        sc.poststratify(np.array([0, 0]), [1, 1])


def test_raking_meets_every_margin():
    rng = np.random.default_rng(3)
    age = rng.integers(0, 3, size=500)
    gender = (rng.random(500) < 0.3 + 0.2 * age / 2).astype(int)
    weighting = sc.rake([age, gender], [[0.2, 0.3, 0.5], [0.5, 0.5]], names=["age", "gender"])
    assert weighting.converged and weighting.method == "raking"
    w = weighting.weights
    assert np.bincount(age, weights=w) / w.sum() == pytest.approx([0.2, 0.3, 0.5], abs=1e-8)
    assert np.bincount(gender, weights=w) / w.sum() == pytest.approx([0.5, 0.5], abs=1e-8)
    assert w.sum() == pytest.approx(500)
    assert 0 < weighting.n_eff < 500
    # Raking on one variable is post-stratification.
    one = sc.rake([age], [[0.2, 0.3, 0.5]])
    assert one.weights == pytest.approx(sc.poststratify(age, [0.2, 0.3, 0.5]).weights)
    # Weighted scoring reports the wave's n_eff.
    levels = rng.integers(1, 6, size=(500, 2), dtype=np.int8)
    result = sc.score(levels, weights=w)
    assert result.n_eff == pytest.approx(weighting.n_eff)
    assert result.figures(0).n_eff <= 500
    # Passing the Weighting itself (its classes known, no sort) gives the same figures.
    direct = sc.score(levels, weights=weighting)
    for name in ("mean", "n_eff", "low_low", "median"):
        assert np.allclose(np.ma.getdata(getattr(direct.overall, name)), np.ma.getdata(getattr(result.overall, name)))
    assert direct.n_eff == pytest.approx(weighting.n_eff)
    post = sc.poststratify(age, {0: 20, 1: 30, 2: 50})
    assert np.allclose(
        np.ma.getdata(sc.score(levels, weights=post).overall.mean),
        np.ma.getdata(sc.score(levels, weights=post.weights).overall.mean),
    )


# --- bootstrap ---------------------------------------------------------------------------------


def test_bootstrap_is_seeded_and_brackets_the_estimate():
    rng = np.random.default_rng(11)
    levels = rng.integers(1, 6, size=(300, 4), dtype=np.int8)
    levels[:, 3] = DK  # nobody answered indicator 3
    result = sc.score(levels)
    a = sc.bootstrap(result.overall, replicates=500, seed=42)
    b = sc.bootstrap(result.overall, replicates=500, seed=42)
    assert a.seed == 42 and a.replicates == 500
    assert np.array_equal(np.ma.getdata(a.mean_low), np.ma.getdata(b.mean_low))
    mean = np.ma.getdata(result.overall.mean)[:3]
    assert np.all(np.ma.getdata(a.mean_low)[:3] <= mean) and np.all(mean <= np.ma.getdata(a.mean_high)[:3])
    median = np.ma.getdata(result.overall.median)[:3]
    assert np.all(np.ma.getdata(a.median_low)[:3] <= median) and np.all(median <= np.ma.getdata(a.median_high)[:3])
    assert a.mean_low[3] is np.ma.masked
    # Width close to the normal approximation 2 * 1.96 * sd / sqrt(n).
    sd = levels[:, 0].std()
    width = float(a.mean_high[0] - a.mean_low[0])
    assert width == pytest.approx(2 * 1.96 * sd / math.sqrt(300), rel=0.15)
    fresh = sc.bootstrap(result.overall, replicates=10)
    assert isinstance(fresh.seed, int)
    again = sc.bootstrap(result.overall, replicates=10, seed=fresh.seed)
    assert np.array_equal(np.ma.getdata(fresh.median_low), np.ma.getdata(again.median_low))


def test_bootstrap_of_a_breakdown_keeps_suppressed_cells_masked():
    rng = np.random.default_rng(2)
    levels = rng.integers(1, 6, size=(60, 2), dtype=np.int8)
    profile = np.array([0] * 2 + [1] * 28 + [2] * 30)
    result = sc.score(levels, profile=profile)
    boot = sc.bootstrap(result.breakdown.distribution, replicates=100, seed=1)
    assert boot.mean_low.shape == (3, 2)
    assert boot.mean_low[0, 0] is np.ma.masked  # n = 2 < 5
    assert boot.mean_low[1, 0] is np.ma.masked  # secondary suppression
    assert boot.mean_low[2, 0] is not np.ma.masked


# --- ex-post against ex-ante -------------------------------------------------------------------


def test_newcombe_published_example():
    # Newcombe (1998), example (a): 56/70 vs 48/80, difference 0.2000,
    # method 10 interval (0.0524, 0.3339).
    p1, l1, u1 = sc.wilson(48, 80)
    p2, l2, u2 = sc.wilson(56, 70)
    d, low, high = sc.newcombe(p1, l1, u1, p2, l2, u2)
    assert float(d) == pytest.approx(0.2)
    assert (float(low), float(high)) == pytest.approx((0.0524, 0.3339), abs=5e-5)


def _counts(sample):
    return np.bincount(np.asarray(sample, dtype=int) - 1, minlength=5)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(
    x=st.lists(st.integers(1, 5), min_size=2, max_size=15),
    y=st.lists(st.integers(1, 5), min_size=2, max_size=15),
)
def test_brunner_munzel_matches_scipy(x, y):
    statistic, df, p, superiority = sc.brunner_munzel_counts(_counts(x), _counts(y))
    # Probability of superiority, by direct enumeration of pairs.
    pairs = [(a, b) for a in x for b in y]
    expected = sum((b > a) + 0.5 * (b == a) for a, b in pairs) / len(pairs)
    assert float(superiority) == pytest.approx(expected)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = stats.brunnermunzel(x, y)
    if np.isfinite(reference.statistic) and np.isfinite(reference.pvalue) and not np.isnan(statistic):
        # scipy's statistic is for x vs y: positive when y tends to be higher, as ours.
        assert float(statistic) == pytest.approx(reference.statistic, rel=1e-9, abs=1e-9)
        assert float(p) == pytest.approx(reference.pvalue, rel=1e-7, abs=1e-12)
    if np.isnan(statistic):
        # Undefined only when no variance is left within the samples (e.g. complete
        # separation), where scipy's statistic or p-value is not finite either.
        assert not (np.isfinite(reference.statistic) and np.isfinite(reference.pvalue))


def test_compare_two_waves():
    before = np.array([[1], [1], [2], [2], [3], [3], [4], [1], [2], [5]], dtype=np.int8)
    after = np.array([[3], [4], [4], [5], [5], [2], [4], [3], [5], [4], [DK]], dtype=np.int8)
    a, b = sc.score(before), sc.score(after)
    c = sc.compare(a, b)
    # Levels 1–2: 6/10 before, 1/10 after -> difference -0.5; levels 4–5: 2/10 -> 7/10, +0.5.
    assert float(c.low_difference[0]) == pytest.approx(-0.5)
    assert float(c.high_difference[0]) == pytest.approx(0.5)
    assert c.low_diff_low[0] < -0.5 < c.low_diff_high[0] < 0
    reference = stats.brunnermunzel(before[:, 0], after[after[:, 0] > 0, 0])
    assert float(c.statistic[0]) == pytest.approx(reference.statistic)
    assert float(c.p_value[0]) == pytest.approx(reference.pvalue)
    assert 0.5 < float(c.superiority[0]) <= 1
    assert c.n_before.tolist() == [10] and c.n_after.tolist() == [10]
    # A wave with no valid answer: every comparison figure masked, no warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nobody = sc.score(np.full((8, 1), NA, dtype=np.int8))
        masked = sc.compare(a, nobody)
    assert masked.statistic[0] is np.ma.masked and masked.low_difference[0] is np.ma.masked
    with pytest.raises(ValueError, match="same indicators"):
        sc.compare(a, sc.score(after, indicators=["other"]))


# --- extremes ----------------------------------------------------------------------------------


def test_extremes_rank_low_shares_and_skip_suppressed_cells():
    # Indicator 0: group 0 (10 people) all at level 1; group 1 (3 people, suppressed
    # with its complement) all at 1 too; group 2 (10 people) at level 5.
    levels = np.array([[1, 3]] * 10 + [[1, 3]] * 3 + [[5, 3]] * 10, dtype=np.int8)
    profile = np.array([0] * 10 + [1] * 3 + [2] * 10)
    result = sc.score(levels, profile=profile, profile_labels=["young", "old", "other"], extremes=3)
    top = result.extremes
    assert (top[0].indicator, top[0].group) == (0, None)
    assert all(e.group != "old" for e in top)
    assert top[0].low_share == pytest.approx(13 / 23)
    # Cells of group "old" (n = 3) and the next smallest (a tie at 10: the first,
    # "young") are hidden; "young" is not listed although its share is 1.0.
    assert [result.cell(g, 0).suppressed for g in range(3)] == [True, True, False]
    assert all(e.group != "young" for e in top)


# --- from cells (the database's exact tallies) --------------------------------------------


def _cells_of(levels, cell_of_row, cells):
    """Counts per cell × indicator × code, made the slow, obvious way."""
    rows, J = levels.shape
    counts = np.zeros((cells, J, sc.N_CODES), dtype=np.int64)
    for r in range(rows):
        for j in range(J):
            counts[cell_of_row[r], j, int(levels[r, j]) - sc.LOWEST_CODE] += 1
    sizes = np.bincount(cell_of_row, minlength=cells)
    return counts, sizes


def _assert_same(a, b):
    for name in ("n", "dont_know", "not_applicable", "missing", "shares", "median", "mean",
                 "score", "low_share", "low_low", "low_high", "high_share", "high_high", "n_eff"):
        x, y = getattr(a, name), getattr(b, name)
        assert np.array_equal(np.ma.getmaskarray(x), np.ma.getmaskarray(y)), name
        assert np.allclose(np.ma.getdata(x), np.ma.getdata(y)), name
    assert np.array_equal(a.suppressed, b.suppressed)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(waves(), st.integers(1, 6), st.booleans())
def test_score_cells_equals_score_on_the_respondents(wave, threshold, weighted):
    levels, profile = wave
    # Cells: the profile crossed with a second variable (as combinations of answers).
    other = (np.arange(len(profile)) % 3).astype(np.int64)
    cell_of_row = (profile + 1) * 3 + other
    counts, sizes = _cells_of(levels, cell_of_row, 5 * 3)
    cell_profile = np.arange(15) // 3 - 1
    cell_weights = (1.0 + (np.arange(15) % 4) * 0.5) if weighted else None
    row_weights = cell_weights[cell_of_row] if weighted else None
    by_rows = sc.score(levels, profile=profile, profile_labels=list(range(4)), threshold=threshold,
                       weights=row_weights, families=["f"] * levels.shape[1])
    by_cells = sc.score_cells(counts, sizes, cell_profile=cell_profile, profile_labels=list(range(4)),
                              threshold=threshold, cell_weights=cell_weights,
                              families=["f"] * levels.shape[1])
    _assert_same(by_rows.overall, by_cells.overall)
    _assert_same(by_rows.breakdown.distribution, by_cells.breakdown.distribution)
    assert by_rows.respondents == by_cells.respondents
    assert math.isclose(by_rows.n_eff, by_cells.n_eff, rel_tol=1e-9, abs_tol=1e-9)
    assert by_rows.extremes == by_cells.extremes


def test_score_cells_rejects_bad_counts():
    with pytest.raises(ValueError, match="shape"):
        sc.score_cells(np.zeros((2, 3), dtype=np.int64), [0, 0])
    with pytest.raises(ValueError, match="non-negative"):
        sc.score_cells(-np.ones((1, 1, sc.N_CODES), dtype=np.int64), [1])
    empty = sc.score_cells(np.zeros((0, 2, sc.N_CODES), dtype=np.int64), np.zeros(0))
    assert empty.respondents == 0 and empty.figures(0).n is None
