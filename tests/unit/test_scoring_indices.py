"""Bootstrap intervals of the family and synthetic indices (cospiral.domain.scoring):
seeded and reproducible, containing the estimate, masked where an index is undefined,
and drawn from the same replicates as the indicators' bootstrap."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from cospiral.domain import scoring as sc

TOL = 1e-9


def hidden(value) -> bool:
    """Masked (a masked element, or a 0-d masked array as ``Indices.synthetic`` is)."""
    return bool(np.ma.getmaskarray(value).all())


def wave(rows=400, cols=6, seed=7):
    rng = np.random.default_rng(seed)
    levels = rng.choice(np.array([1, 2, 3, 4, 5, -1, -2, 0], dtype=np.int8), size=(rows, cols),
                        p=[0.1, 0.2, 0.3, 0.2, 0.1, 0.04, 0.03, 0.03])
    return levels


FAMILIES = ["A", "A", "B", "B", "B", "C"]


def test_seeded_and_reproducible():
    s = sc.score(wave(), families=FAMILIES)
    first = sc.bootstrap_indices(s.overall, s.indices, seed=2026, replicates=500)
    again = sc.bootstrap_indices(s.overall, s.indices, seed=2026, replicates=500)
    other = sc.bootstrap_indices(s.overall, s.indices, seed=2027, replicates=500)
    assert first.seed == 2026 and first.replicates == 500
    np.testing.assert_array_equal(first.family_low, again.family_low)
    np.testing.assert_array_equal(first.synthetic_high, again.synthetic_high)
    assert not np.allclose(np.ma.getdata(first.family_low), np.ma.getdata(other.family_low))


def test_fresh_seed_is_returned_and_reproduces():
    s = sc.score(wave(), families=FAMILIES)
    drawn = sc.bootstrap_indices(s.overall, s.indices, replicates=200)
    again = sc.bootstrap_indices(s.overall, s.indices, replicates=200, seed=drawn.seed)
    np.testing.assert_array_equal(drawn.synthetic_low, again.synthetic_low)


def test_contains_estimate_and_is_narrower_with_more_respondents():
    small = sc.score(wave(rows=60), families=FAMILIES)
    large = sc.score(wave(rows=6000), families=FAMILIES)
    widths = []
    for s in (small, large):
        ci = sc.bootstrap_indices(s.overall, s.indices, seed=1, replicates=1000)
        assert np.all(ci.family_low <= s.indices.family + TOL)
        assert np.all(s.indices.family <= ci.family_high + TOL)
        assert ci.synthetic_low <= s.indices.synthetic + TOL <= ci.synthetic_high + 2 * TOL
        widths.append(float(ci.synthetic_high - ci.synthetic_low))
    assert widths[1] < widths[0] / 3


def test_same_replicates_as_indicator_bootstrap():
    s = sc.score(wave(), families=FAMILIES)
    alone = sc.bootstrap(s.overall, seed=99, replicates=300)
    both, indices = sc.bootstrap_with_indices(s.overall, s.indices, seed=99, replicates=300)
    for name in ("mean_low", "mean_high", "score_low", "score_high", "median_low", "median_high"):
        np.testing.assert_array_equal(getattr(alone, name), getattr(both, name))
    assert indices.seed == both.seed == 99


def test_one_indicator_family_interval_is_its_score_interval():
    s = sc.score(wave(cols=3), families=["A", "B", "B"])
    scores, indices = sc.bootstrap_with_indices(s.overall, s.indices, seed=5, replicates=400)
    assert float(indices.family_low[0]) == pytest.approx(float(scores.score_low[0]))
    assert float(indices.family_high[0]) == pytest.approx(float(scores.score_high[0]))


def test_weights_are_used():
    levels = np.array([[1, 5]] * 30 + [[2, 5]] * 30, dtype=np.int8)
    s = sc.score(levels, families=["A", "B"], family_weights={"A": 0.0, "B": 1.0})
    ci = sc.bootstrap_indices(s.overall, s.indices, seed=3, replicates=300)
    # Family A has weight 0: the synthetic index is family B's (always 100).
    assert float(s.indices.synthetic) == 100.0
    assert float(ci.synthetic_low) == float(ci.synthetic_high) == 100.0


def test_masked_when_undefined():
    # Indicator 2 (family B) has no valid answer: family B and nothing else is undefined.
    levels = np.array([[3, -1], [4, -2], [5, 0], [2, -1], [1, 0]] * 4, dtype=np.int8)
    s = sc.score(levels, families=["A", "B"])
    ci = sc.bootstrap_indices(s.overall, s.indices, seed=1, replicates=200)
    assert hidden(ci.family_low[1]) and hidden(ci.family_high[1])
    assert not hidden(ci.family_low[0])
    assert not hidden(ci.synthetic_low)
    # Nobody answered at all: everything masked, no division by zero.
    empty = sc.score(np.zeros((0, 2), dtype=np.int8), families=["A", "B"])
    with np.errstate(all="raise"):
        ci = sc.bootstrap_indices(empty.overall, empty.indices, seed=1, replicates=50)
    assert np.ma.getmaskarray(ci.family_low).all()
    assert hidden(ci.synthetic_low) and hidden(ci.synthetic_high)


def test_suppressed_indicator_is_left_out_like_the_estimate():
    levels = np.array([[3, 5]] * 20 + [[4, -1]] * 20, dtype=np.int8)
    levels[:3, 1] = 5
    levels[3:20, 1] = -1  # indicator 2: 3 valid answers, under the threshold of 5
    s = sc.score(levels, families=["A", "A"], threshold=5)
    assert hidden(s.overall.mean[1])
    ci = sc.bootstrap_indices(s.overall, s.indices, seed=1, replicates=300)
    assert float(ci.family_low[0]) <= float(s.indices.family[0]) <= float(ci.family_high[0])
    assert float(s.indices.family[0]) == pytest.approx(float(s.overall.score[0]))


def test_breakdown_indices_have_group_shape():
    levels = wave(rows=300)
    profile = np.random.default_rng(2).integers(-1, 3, size=300)
    s = sc.score(levels, profile=profile, families=FAMILIES, threshold=5)
    b = s.breakdown
    ci = sc.bootstrap_indices(b.distribution, b.indices, seed=4, replicates=200)
    assert ci.family_low.shape == b.indices.family.shape
    assert ci.synthetic_low.shape == b.indices.synthetic.shape
    np.testing.assert_array_equal(np.ma.getmaskarray(ci.synthetic_low),
                                  np.ma.getmaskarray(b.indices.synthetic))


def test_bad_arguments():
    s = sc.score(wave(), families=FAMILIES)
    with pytest.raises(ValueError, match="replicate"):
        sc.bootstrap_indices(s.overall, s.indices, replicates=0)
    with pytest.raises(ValueError, match="confidence"):
        sc.bootstrap_indices(s.overall, s.indices, confidence=1.5)
    other = sc.score(wave(cols=2), families=["A", "B"])
    with pytest.raises(ValueError, match="indicators"):
        sc.bootstrap_indices(s.overall, other.indices)


@st.composite
def scored(draw):
    rows = draw(st.integers(0, 60))
    cols = draw(st.integers(1, 5))
    levels = draw(hnp.arrays(np.int8, (rows, cols), elements=st.integers(sc.LOWEST_CODE, sc.HIGHEST_CODE)))
    families = draw(st.lists(st.sampled_from("ABC"), min_size=cols, max_size=cols))
    weights = draw(st.lists(st.floats(0.1, 5), min_size=cols, max_size=cols))
    threshold = draw(st.integers(1, 6))
    return sc.score(levels, families=families, indicator_weights=weights, threshold=threshold)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scored(), st.integers(0, 2**32))
def test_property_reproducible_masked_and_containing(s, seed):
    ci = sc.bootstrap_indices(s.overall, s.indices, seed=seed, replicates=400)
    again = sc.bootstrap_indices(s.overall, s.indices, seed=seed, replicates=400)
    np.testing.assert_array_equal(np.ma.getdata(ci.family_low), np.ma.getdata(again.family_low))
    np.testing.assert_array_equal(np.ma.getdata(ci.synthetic_high), np.ma.getdata(again.synthetic_high))
    # Masked exactly where the index is undefined.
    np.testing.assert_array_equal(np.ma.getmaskarray(ci.family_low), np.ma.getmaskarray(s.indices.family))
    assert hidden(ci.synthetic_low) == hidden(s.indices.synthetic)
    defined = ~np.ma.getmaskarray(s.indices.family)
    low, high = np.ma.getdata(ci.family_low), np.ma.getdata(ci.family_high)
    estimate = np.ma.getdata(s.indices.family)
    assert np.all(low[defined] <= estimate[defined] + TOL)
    assert np.all(estimate[defined] <= high[defined] + TOL)
    assert np.all((low[defined] >= -TOL) & (high[defined] <= 100 + TOL))
    if not hidden(s.indices.synthetic):
        assert float(ci.synthetic_low) <= float(s.indices.synthetic) + TOL
        assert float(s.indices.synthetic) <= float(ci.synthetic_high) + TOL
