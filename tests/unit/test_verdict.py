"""The verdict rule (cospiral.domain.verdict): an interval excluding the null is a real
change, its sign read in the measure's better direction; the verdict never contradicts
the interval; the ordinal test's interval agrees with its p-value."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cospiral.domain import scoring as sc
from cospiral.domain.verdict import BETTER, NO_CLEAR_CHANGE, WORSE, count, verdict


def test_the_cases_of_issue_15():
    # D00-1, share at levels 1–2: −9,2 [−17,6 ; −0,7] is a real fall, and a fall of that
    # share is better.
    assert verdict(-9.2, -17.6, -0.7, higher_is_better=False) == BETTER
    assert verdict(-9.2, -17.6, -0.7) == WORSE
    # A07-1, share at levels 4–5: +9,4 [−1,5 ; +20,1] includes 0: no clear change.
    assert verdict(9.4, -1.5, 20.1) == NO_CLEAR_CHANGE
    assert verdict(9.4, -1.5, 20.1, higher_is_better=False) == NO_CLEAR_CHANGE
    assert verdict(3.0, 0.5, 6.0) == BETTER and verdict(3.0, 0.5, 6.0, higher_is_better=False) == WORSE


def test_bounds_touching_the_null_are_no_clear_change():
    assert verdict(2.0, 0.0, 4.0) == NO_CLEAR_CHANGE
    assert verdict(-2.0, -4.0, 0.0) == NO_CLEAR_CHANGE
    assert verdict(0.0, 0.0, 0.0) == NO_CLEAR_CHANGE


def test_no_figure_no_verdict():
    assert verdict(None, -1, 1) is None
    assert verdict(1.0, None, 2.0) is None
    assert verdict(1.0, 0.5, math.nan) is None
    assert verdict(0.7, 0.6, 0.8, null=0.5) == BETTER


def test_a_reversed_interval_is_refused():
    with pytest.raises(ValueError, match="low to high"):
        verdict(0.0, 1.0, -1.0)


def test_count():
    assert count([BETTER, None, WORSE, NO_CLEAR_CHANGE, NO_CLEAR_CHANGE]) == {
        BETTER: 1, WORSE: 1, NO_CLEAR_CHANGE: 2}


finite = st.floats(-100, 100, allow_nan=False)


@settings(max_examples=500)
@given(a=finite, b=finite, d=finite, higher=st.booleans(), null=st.sampled_from([0.0, 0.5]))
def test_the_verdict_never_contradicts_the_interval(a, b, d, higher, null):
    low, high = min(a, b), max(a, b)
    v = verdict(d, low, high, higher_is_better=higher, null=null)
    if low <= null <= high:
        assert v == NO_CLEAR_CHANGE
    else:
        rose = low > null
        assert v == (BETTER if rose == higher else WORSE)
        # A real change lies wholly on one side of the null.
        assert (low > null) != (high < null)


def _counts(sample):
    return np.bincount(np.asarray(sample, dtype=int) - 1, minlength=5)


@settings(max_examples=200, deadline=None)
@given(x=st.lists(st.integers(1, 5), min_size=2, max_size=30),
       y=st.lists(st.integers(1, 5), min_size=2, max_size=30))
def test_the_superiority_interval_agrees_with_the_brunner_munzel_p_value(x, y):
    before = np.array(x, dtype=np.int8)[:, None]
    after = np.array(y, dtype=np.int8)[:, None]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cmp = sc.compare(sc.score(before, threshold=1), sc.score(after, threshold=1))
    if np.ma.getmaskarray(cmp.p_value)[0]:
        assert np.ma.getmaskarray(cmp.superiority_low)[0]
        return
    p, s = float(cmp.p_value[0]), float(cmp.superiority[0])
    lo, hi = float(cmp.superiority_low[0]), float(cmp.superiority_high[0])
    assert lo <= s <= hi
    if abs(p - (1 - cmp.confidence)) < 1e-9:
        return  # on the boundary, rounding decides
    v = verdict(s - 0.5, lo - 0.5, hi - 0.5)
    assert (v != NO_CLEAR_CHANGE) == (p < 1 - cmp.confidence)
    if v != NO_CLEAR_CHANGE:
        assert (v == BETTER) == (s > 0.5)


def test_breakdown_says_why_a_cell_is_hidden():
    # Group 0: 2 answers (< 5, primary); group 1: 6 answers, the smallest published cell,
    # hidden so that the total does not reveal group 0 (complementary); group 2: 20.
    levels = np.array([[3]] * 28, dtype=np.int8)
    profile = np.array([0] * 2 + [1] * 6 + [2] * 20)
    b = sc.score(levels, profile=profile, threshold=5).breakdown
    assert b.hidden_reason(0, 0) == "small"
    assert b.hidden_reason(1, 0) == "complementary"
    assert b.hidden_reason(2, 0) is None
