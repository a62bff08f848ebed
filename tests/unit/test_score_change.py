"""Before → after of scores and indices with the interval of the difference
(cospiral.domain.score_change): reproducible, read by the one verdict rule, the same
basket of indicators in both waves, and never contradicting its interval."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cospiral.domain import scoring as sc
from cospiral.domain import verdict
from cospiral.domain.score_change import score_changes

FAMILIES = ["A", "A", "B"]


def wave(rows, p, cols=3, seed=1):
    rng = np.random.default_rng(seed)
    return rng.choice(np.array([1, 2, 3, 4, 5], dtype=np.int8), size=(rows, cols), p=p)


FLAT = [0.2, 0.2, 0.2, 0.2, 0.2]
GOOD = [0.02, 0.08, 0.2, 0.35, 0.35]


def overall(levels, threshold=5):
    return sc.score(levels, threshold=threshold).overall


def test_identical_waves_show_no_clear_change_even_with_one_seed_for_both():
    levels = wave(300, FLAT)
    d = overall(levels)
    # The same seed for both waves: the streams are still independent, so the interval of
    # a zero difference is not collapsed to [0; 0].
    c = score_changes(d, d, families=FAMILIES, seeds=(42, 42), replicates=800)
    for change in (*c.scores, *c.family, c.synthetic):
        assert change.difference == pytest.approx(0.0)
        assert change.low < 0 < change.high
        assert change.verdict == verdict.NO_CLEAR_CHANGE


def test_a_large_rise_on_a_large_sample_is_better_and_a_fall_worse():
    before, after = overall(wave(400, FLAT, seed=2)), overall(wave(400, GOOD, seed=3))
    up = score_changes(before, after, families=FAMILIES, seeds=(1, 2), replicates=800)
    assert all(s.verdict == verdict.BETTER for s in up.scores)
    assert up.synthetic.verdict == verdict.BETTER
    down = score_changes(after, before, families=FAMILIES, seeds=(2, 1), replicates=800)
    assert down.synthetic.verdict == verdict.WORSE
    assert down.synthetic.difference == pytest.approx(-up.synthetic.difference)


def test_reproducible_from_the_two_seeds():
    before, after = overall(wave(120, FLAT, seed=4)), overall(wave(90, GOOD, seed=5))
    a = score_changes(before, after, families=FAMILIES, seeds=(7, 8), replicates=500)
    b = score_changes(before, after, families=FAMILIES, seeds=(7, 8), replicates=500)
    c = score_changes(before, after, families=FAMILIES, seeds=(7, 9), replicates=500)
    assert a == b
    assert a.synthetic.low != c.synthetic.low
    assert a.seeds == (7, 8) and a.replicates == 500


def test_the_indices_are_the_weighted_means_of_the_same_basket():
    before, after = overall(wave(200, FLAT, seed=6)), overall(wave(200, GOOD, seed=7))
    c = score_changes(before, after, families=FAMILIES, seeds=(1, 2), replicates=200,
                      indicator_weights=[1, 3, 1], family_weights={"B": 2})
    s = [x.before for x in c.scores]
    family_a = (s[0] * 1 + s[1] * 3) / 4
    assert c.family[0].before == pytest.approx(family_a)
    assert c.family[1].before == pytest.approx(s[2])
    assert c.synthetic.before == pytest.approx((family_a + 2 * s[2]) / 3)
    assert c.families == ("A", "B") and c.basket == 3 and c.family_members == (2, 1)


def test_an_indicator_hidden_in_one_wave_leaves_the_indices_of_both():
    after_levels = wave(200, GOOD, seed=8)
    after_levels[3:, 2] = -1  # indicator 3: three valid answers after, below the threshold
    before, after = overall(wave(200, FLAT, seed=9)), overall(after_levels)
    c = score_changes(before, after, families=FAMILIES, seeds=(1, 2), replicates=200)
    assert c.scores[2].after is None and c.scores[2].difference is None
    assert c.scores[2].before is not None and c.scores[2].verdict is None
    assert c.basket == 2 and c.family_members == (2, 0)
    # Family B has no indicator shown in both waves: no figure, no verdict.
    assert c.family[1].before is None and c.family[1].verdict is None
    # The synthetic index of both waves is then family A's alone.
    assert c.synthetic.before == pytest.approx(c.family[0].before)
    assert c.synthetic.after == pytest.approx(c.family[0].after)


def test_nothing_shown_in_both_waves_means_no_index():
    before = overall(wave(3, FLAT))  # below the threshold everywhere
    after = overall(wave(100, GOOD))
    c = score_changes(before, after, families=FAMILIES, seeds=(1, 2), replicates=50)
    assert c.basket == 0 and not c.synthetic.defined and c.synthetic.verdict is None


def test_bad_input_is_refused():
    d3 = overall(wave(50, FLAT))
    d2 = overall(wave(50, FLAT, cols=2))
    with pytest.raises(ValueError, match="same indicators"):
        score_changes(d3, d2, families=FAMILIES, seeds=(1, 2))
    with pytest.raises(ValueError, match="family keys"):
        score_changes(d3, d3, families=["A"], seeds=(1, 2))
    with pytest.raises(ValueError, match="replicates"):
        score_changes(d3, d3, families=FAMILIES, seeds=(1, 2), replicates=1)
    with pytest.raises(ValueError, match="confidence"):
        score_changes(d3, d3, families=FAMILIES, seeds=(1, 2), confidence=1.5)


def test_the_interval_narrows_as_the_samples_grow():
    small = score_changes(overall(wave(40, FLAT)), overall(wave(40, GOOD, seed=2)),
                          families=FAMILIES, seeds=(1, 2), replicates=600)
    large = score_changes(overall(wave(4000, FLAT)), overall(wave(4000, GOOD, seed=2)),
                          families=FAMILIES, seeds=(1, 2), replicates=600)
    width = lambda c: c.synthetic.high - c.synthetic.low  # noqa: E731
    assert width(large) < width(small) / 5


probabilities = st.lists(st.integers(0, 10), min_size=5, max_size=5).filter(lambda v: sum(v) > 0)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pb=probabilities, pa=probabilities, nb=st.integers(0, 60), na=st.integers(0, 60),
       seeds=st.tuples(st.integers(0, 2**32), st.integers(0, 2**32)))
def test_the_reading_never_contradicts_the_interval(pb, pa, nb, na, seeds):
    before = overall(wave(nb, np.array(pb) / sum(pb), seed=seeds[0] % 97))
    after = overall(wave(na, np.array(pa) / sum(pa), seed=seeds[1] % 89))
    c = score_changes(before, after, families=FAMILIES, seeds=seeds, replicates=100)
    for change in (*c.scores, *c.family, c.synthetic):
        if change.difference is None:
            assert change.verdict is None and change.low is None
            continue
        assert change.low <= change.high
        assert change.difference == pytest.approx(change.after - change.before)
        assert change.verdict == verdict.verdict(change.difference, change.low, change.high)
        if change.verdict == verdict.BETTER:
            assert change.low > 0
        elif change.verdict == verdict.WORSE:
            assert change.high < 0
        else:
            assert change.low <= 0 <= change.high
        assert -100 <= change.low and change.high <= 100
