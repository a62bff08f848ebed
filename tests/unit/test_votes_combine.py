"""Several prioritisation rounds combined (issue 15, point 4): mean of normalised places,
rounds of equal weight, ties shared. Pure, no database."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from cospiral.domain import votes as v


def dots(ballots, candidates):
    return v.count(v.DOT, ballots, candidates)


def test_points_of_one_round_from_100_to_0_with_ties_at_their_mean_place():
    r = dots([{"a": 3, "b": 1, "c": 1}], ["a", "b", "c", "d"])
    # a first; b and c share places 2-3 (mean 2.5); d nobody voted for: last.
    assert v.round_points(r) == {"a": 100, "b": 50, "c": 50, "d": 0}
    # Two candidates nobody scored share the last two places (mean 3.5 of 4).
    s = v.count(v.SCORE, [{"a": 5, "b": 2}], ["a", "b", "c", "d"])
    assert v.round_points(s) == {"a": 100, "b": Fraction(200, 3), "c": Fraction(50, 3), "d": Fraction(50, 3)}


def test_coordination_citizens_and_pupils_combine_with_equal_weight():
    actions = ["garden", "bus", "library"]
    coordination = dots([{"bus": 3}, {"bus": 2, "garden": 1}], actions)   # bus, garden, library
    citizens = v.count(v.RANKED, [{"garden": 1, "library": 2, "bus": 3}] * 40, actions)  # garden, library, bus
    pupils = v.count(v.SCORE, [{"garden": 5, "library": 4, "bus": 1}], actions)  # garden, library, bus
    rows = v.combine([coordination, citizens, pupils])
    assert [(r.candidate, r.rank, r.score) for r in rows] == [
        ("garden", 1, Fraction(250, 3)),  # 50, 100, 100
        ("bus", 2, Fraction(100, 3)),  # 100, 0, 0: ties with library, seen first
        ("library", 2, Fraction(100, 3)),  # 0, 50, 50
    ]
    assert [r.tied for r in rows] == [False, True, True]
    # 40 citizens weigh as much as one round, not forty: the rounds count equally.
    assert rows[0].points == (50, 100, 100)


def test_an_action_counts_only_in_the_rounds_it_was_put_to():
    first = dots([{"a": 2, "b": 1}], ["a", "b"])
    second = dots([{"c": 1}], ["b", "c"])
    rows = {r.candidate: r for r in v.combine([first, second])}
    assert rows["a"].score == 100 and rows["a"].points == (100, None)
    assert rows["b"].score == 0 and rows["c"].score == 100
    assert rows["a"].rank == rows["c"].rank == 1 and rows["b"].rank == 3


def test_nothing_to_combine():
    assert v.combine([]) == []
    single = dots([{"a": 1}], ["a"])
    assert v.round_points(single) == {"a": 100}


ballot = st.dictionaries(st.sampled_from("abcde"), st.integers(1, 3), min_size=1, max_size=5)


@given(st.lists(st.lists(ballot, min_size=0, max_size=6), min_size=1, max_size=4))
def test_combined_scores_lie_in_0_100_ranks_follow_scores_and_round_order_does_not_matter(rounds):
    results = [dots([{k: 1 for k in b} for b in ballots], list("abcde")) for ballots in rounds]
    rows = v.combine(results)
    assert all(0 <= r.score <= 100 for r in rows)
    for better, worse in zip(rows, rows[1:], strict=False):
        assert better.score >= worse.score
        assert (better.rank == worse.rank) == (better.score == worse.score)
    flipped = {r.candidate: (r.rank, r.score) for r in v.combine(results[::-1])}
    assert flipped == {r.candidate: (r.rank, r.score) for r in rows}
    # One round alone keeps its own order.
    alone = v.combine(results[:1])
    assert [r.candidate for r in alone] == [r.candidate for r in results[0].rows]
