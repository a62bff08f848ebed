"""The review's rules for an elected official (cospiral.domain.review_brief): money per
action and axis with outcomes, the cycle's timeline, the plain sentence of the change."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cospiral.domain import verdict as v
from cospiral.domain.review_brief import CommitmentRow, Event, change_reading, tally, timeline


def row(action, axis, amount=None, unit="€", outcome="", money=True):
    return CommitmentRow(action, axis, money, None if amount is None else Decimal(amount), unit, outcome)


def test_money_per_action_axis_and_plan_with_outcomes():
    t = tally([row(1, "A", "1000", outcome="kept"), row(1, "A", "500", outcome="partly"),
               row(2, "A", "250"), row(3, None, "12", unit="hours", money=False, outcome="kept"),
               row(3, None, "40", unit=" h ", outcome="not_kept"), row(2, "A", None)])
    assert t.actions[1].money == {"€": {"kept": Decimal(1000), "partly": Decimal(500),
                                        "not_kept": 0, "pending": 0}}
    assert t.axes["A"].total("€") == Decimal(1750) and t.axes["A"].commitments == 4
    assert t.axes["A"].outcomes == {"kept": 1, "partly": 1, "not_kept": 0, "pending": 2}
    # Time is not money; units are kept as written (trimmed), never converted.
    assert t.axes[None].money == {"h": {"kept": 0, "partly": 0, "not_kept": Decimal(40), "pending": 0}}
    assert t.whole.units == ["€", "h"] and t.whole.commitments == 6
    assert t.whole.total("$") == 0


@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from(["A", "B", None]),
                          st.integers(0, 10_000), st.sampled_from(["", "kept", "partly", "not_kept"])),
                max_size=30))
def test_the_parts_add_up_to_the_whole(rows):
    t = tally(row(a, x, str(n), outcome=o) for a, x, n, o in rows)
    total = sum((Decimal(n) for _a, _x, n, _o in rows), Decimal(0))
    assert t.whole.total("€") == total
    assert sum(a.total("€") for a in t.actions.values()) == total
    assert sum(a.total("€") for a in t.axes.values()) == total
    assert sum(t.whole.outcomes.values()) == t.whole.commitments == len(rows)


def test_timeline_in_date_then_phase_order_grouped_by_month():
    d = dt.date
    months = timeline([Event(d(2026, 3, 2), "milestone", "M"), Event(d(2026, 1, 5), "session", "S"),
                       Event(d(2026, 3, 2), "action_started", "A"), Event(d(2025, 12, 1), "session", "old"),
                       Event(d(2026, 4, 1), "wave_opened", "W")],
                      start=d(2026, 1, 1), end=d(2026, 3, 31))
    assert [m for m, _e in months] == [(2026, 1), (2026, 3)]
    assert [e.title for e in months[1][1]] == ["A", "M"]
    with pytest.raises(ValueError, match="Unknown kind"):
        timeline([Event(d(2026, 1, 1), "party", "x")])


def test_the_change_is_never_better_without_an_interval_that_says_so():
    assert change_reading(v.BETTER, [v.NO_CLEAR_CHANGE]) == v.BETTER
    assert change_reading(v.NO_CLEAR_CHANGE, [v.BETTER, v.BETTER]) == v.NO_CLEAR_CHANGE
    assert change_reading(None, [v.BETTER, v.WORSE]) == "mixed"
    assert change_reading(None, [v.BETTER, None, v.NO_CLEAR_CHANGE]) == v.BETTER
    assert change_reading(None, [v.NO_CLEAR_CHANGE]) == v.NO_CLEAR_CHANGE
    assert change_reading(None, [None, None]) == "not_measured"
    assert change_reading(None, []) == "not_measured"


@given(st.sampled_from([None, v.BETTER, v.WORSE, v.NO_CLEAR_CHANGE]),
       st.lists(st.sampled_from([None, v.BETTER, v.WORSE, v.NO_CLEAR_CHANGE]), max_size=8))
def test_better_or_worse_only_from_a_verdict_that_says_it(synthetic, indicators):
    reading = change_reading(synthetic, indicators)
    if reading in (v.BETTER, v.WORSE):
        assert synthetic == reading or (synthetic is None and reading in indicators)
