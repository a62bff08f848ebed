"""Prioritisation rounds: ballot validation and counting for each method, ties,
participation (pure domain, no database)."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cospiral.domain import votes as v

CANDIDATES = ["a", "b", "c", "d"]


# --- validation: dot vote ----------------------------------------------------------------


def test_dot_ballot_may_stack_dots_and_leave_some_unused():
    assert v.validate(v.DOT, {"a": 3, "c": "1", "d": ""}, CANDIDATES, dots=5) == {"a": 3, "c": 1}


@pytest.mark.parametrize(("ballot", "code", "candidate"), [
    ({"a": 3, "b": 3}, "too_many_dots", None),
    ({"a": -1, "b": 2}, "negative", "a"),
    ({"a": "two"}, "not_whole", "a"),
    ({"a": 1.5}, "not_whole", "a"),
    ({"a": True}, "not_whole", "a"),
    ({"a": 0, "b": ""}, "empty", None),
    ({}, "empty", None),
    ({"z": 1}, "unknown_candidate", "z"),
])
def test_dot_ballot_errors_say_what_and_which(ballot, code, candidate):
    with pytest.raises(v.BallotError) as error:
        v.validate(v.DOT, ballot, CANDIDATES, dots=5)
    assert error.value.code == code
    assert error.value.candidate == candidate


def test_dot_cap_per_candidate():
    assert v.validate(v.DOT, {"a": 2, "b": 2}, CANDIDATES, dots=5, cap=2) == {"a": 2, "b": 2}
    with pytest.raises(v.BallotError) as error:
        v.validate(v.DOT, {"a": 3}, CANDIDATES, dots=5, cap=2)
    assert (error.value.code, error.value.candidate, error.value.params) == (
        "over_cap", "a", {"value": 3, "cap": 2})


def test_too_many_dots_gives_the_numbers():
    with pytest.raises(v.BallotError) as error:
        v.validate(v.DOT, {"a": 4, "b": 3}, CANDIDATES, dots=6)
    assert error.value.params == {"used": 7, "dots": 6}


def test_remaining_dots():
    assert v.remaining_dots({"a": "2", "b": "", "c": "x", "d": 1}, 5) == 2
    assert v.remaining_dots({"a": 7}, 5) == -2


# --- validation: score and ranked --------------------------------------------------------


def test_score_ballot_keeps_zero_and_drops_blanks():
    assert v.validate(v.SCORE, {"a": 0, "b": None, "c": "5"}, CANDIDATES) == {"a": 0, "c": 5}


@pytest.mark.parametrize(("ballot", "code", "candidate"), [
    ({"a": 6}, "score_range", "a"),
    ({"a": 3, "b": -1}, "score_range", "b"),
    ({"a": None, "b": ""}, "empty", None),
])
def test_score_ballot_errors(ballot, code, candidate):
    with pytest.raises(v.BallotError) as error:
        v.validate(v.SCORE, ballot, CANDIDATES)
    assert (error.value.code, error.value.candidate) == (code, candidate)


def test_ranked_ballot_of_some_candidates():
    assert v.validate(v.RANKED, {"c": 1, "a": "2", "b": ""}, CANDIDATES) == {"a": 2, "c": 1}


@pytest.mark.parametrize(("ballot", "code", "candidate"), [
    ({"a": 1, "b": 1}, "duplicate_rank", "b"),
    ({"a": 1, "b": 3}, "rank_gap", None),
    ({"a": 2}, "rank_gap", None),
    ({"a": 5}, "rank_range", "a"),
    ({"a": 0}, "rank_range", "a"),
    ({}, "empty", None),
])
def test_ranked_ballot_errors(ballot, code, candidate):
    with pytest.raises(v.BallotError) as error:
        v.validate(v.RANKED, ballot, CANDIDATES)
    assert (error.value.code, error.value.candidate) == (code, candidate)
    if code == "duplicate_rank":
        assert error.value.params == {"value": 1, "other": "a"}
    if code == "rank_gap":
        assert error.value.params["missing"] == (2 if ballot == {"a": 1, "b": 3} else 1)


def test_config_checks():
    v.check_config(v.DOT, n_candidates=2, dots=3, cap=3)
    v.check_config(v.SCORE, n_candidates=3)
    for method, kwargs, code in [
        ("vote", {"n_candidates": 3}, "method"),
        (v.RANKED, {"n_candidates": 1}, "candidates"),
        (v.DOT, {"n_candidates": 3}, "dots"),
        (v.DOT, {"n_candidates": 3, "dots": 0}, "dots"),
        (v.DOT, {"n_candidates": 3, "dots": 3, "cap": 4}, "cap"),
        (v.DOT, {"n_candidates": 3, "dots": 3, "cap": 0}, "cap"),
    ]:
        with pytest.raises(v.ConfigError) as error:
            v.check_config(method, **kwargs)
        assert error.value.code == code


# --- counting ----------------------------------------------------------------------------


def table(results):
    return [(r.candidate, r.rank, r.result, r.tied) for r in results.rows]


def test_dot_count_with_a_tie():
    ballots = [{"a": 3, "b": 2}, {"b": 1, "c": 4}, {"a": 2}]
    results = v.count(v.DOT, ballots, CANDIDATES)
    # a 5, c 4, b 3, d 0: no tie yet
    assert [(r.candidate, r.rank, r.total, r.voters) for r in results.rows] == [
        ("a", 1, 5, 2), ("c", 2, 4, 1), ("b", 3, 3, 2), ("d", 4, 0, 0)]
    tied = v.count(v.DOT, ballots + [{"b": 1}], CANDIDATES)
    assert table(tied) == [("a", 1, 5, False), ("b", 2, 4, True), ("c", 2, 4, True),
                           ("d", 4, 0, False)]
    assert tied.ties == [["b", "c"]]
    assert tied.ballots == 4
    assert tied.winners == ["a"]


def test_score_count_is_the_mean_of_those_who_scored():
    ballots = [{"a": 5, "b": 3}, {"a": 2, "b": 3, "c": 0}, {"a": 2}]
    results = v.count(v.SCORE, ballots, CANDIDATES)
    rows = {r.candidate: r for r in results.rows}
    assert rows["a"].result == 3 and rows["a"].voters == 3 and rows["a"].total == 9
    assert rows["b"].result == 3 and rows["b"].voters == 2 and rows["b"].total == 6
    assert rows["c"].result == 0 and rows["c"].voters == 1
    assert rows["d"].result is None and rows["d"].rank is None and rows["d"].voters == 0
    assert table(results) == [("a", 1, 3, True), ("b", 1, 3, True), ("c", 3, 0, False),
                              ("d", None, None, False)]
    assert results.ties == [["a", "b"]]
    assert results.winners == ["a", "b"]


def test_score_means_compare_exactly():
    # 1/3 + 1/3 + 1/3 style means: 7/3 from three voters equals 14/6 from six.
    ballots = [{"a": 3}, {"a": 2}, {"a": 2}, *([{"b": 3}, {"b": 2}, {"b": 2}] * 2)]
    results = v.count(v.SCORE, ballots, ["a", "b"])
    assert [r.rank for r in results.rows] == [1, 1]
    assert results.rows[0].result == Fraction(7, 3)
    assert results.rows[0].value == pytest.approx(2.3333, abs=1e-4)


def test_borda_count_and_first_preferences():
    # 4 candidates: rank 1 → 3 points, 2 → 2, 3 → 1, 4 → 0; unranked 0.
    ballots = [{"a": 1, "b": 2, "c": 3, "d": 4}, {"b": 1, "a": 2}, {"c": 1}]
    results = v.count(v.RANKED, ballots, CANDIDATES)
    rows = {r.candidate: r for r in results.rows}
    assert {c: r.total for c, r in rows.items()} == {"a": 5, "b": 5, "c": 4, "d": 0}
    assert {c: r.first for c, r in rows.items()} == {"a": 1, "b": 1, "c": 1, "d": 0}
    assert {c: r.voters for c, r in rows.items()} == {"a": 2, "b": 2, "c": 2, "d": 1}
    assert table(results) == [("a", 1, 5, True), ("b", 1, 5, True), ("c", 3, 4, False),
                              ("d", 4, 0, False)]


def test_no_ballots_every_candidate_ties_or_is_unranked():
    dots = v.count(v.DOT, [], CANDIDATES)
    assert [r.rank for r in dots.rows] == [1, 1, 1, 1] and dots.ties == [CANDIDATES]
    scores = v.count(v.SCORE, [], CANDIDATES)
    assert [r.rank for r in scores.rows] == [None] * 4 and scores.ties == []


def test_participation():
    assert v.participation(3, 4) == 0.75
    assert v.participation(0, 0) is None


# --- properties --------------------------------------------------------------------------


def _ballots(method, n_candidates):
    names = [f"c{i}" for i in range(n_candidates)]
    if method == v.DOT:
        ballot = st.dictionaries(st.sampled_from(names), st.integers(1, 3), min_size=1)
    elif method == v.SCORE:
        ballot = st.dictionaries(st.sampled_from(names), st.integers(0, 5), min_size=1)
    else:
        ballot = st.lists(st.sampled_from(names), min_size=1, unique=True).map(
            lambda order: {c: r for r, c in enumerate(order, start=1)})
    return names, st.lists(ballot, max_size=25)


@st.composite
def elections(draw):
    method = draw(st.sampled_from(v.METHODS))
    names, ballots = _ballots(method, draw(st.integers(2, 6)))
    return method, names, draw(ballots), draw(st.randoms(use_true_random=False))


@settings(max_examples=150, deadline=None)
@given(elections())
def test_results_do_not_depend_on_ballot_order(election):
    method, names, ballots, rnd = election
    shuffled = list(ballots)
    rnd.shuffle(shuffled)
    assert v.count(method, ballots, names) == v.count(method, shuffled, names)


@settings(max_examples=150, deadline=None)
@given(elections())
def test_ranks_follow_results_and_ties_share_a_rank(election):
    method, names, ballots, _rnd = election
    results = v.count(method, ballots, names)
    rows = results.rows
    assert sorted(r.candidate for r in rows) == sorted(names)
    assert results.ballots == len(ballots)
    ranked = [r for r in rows if r.rank is not None]
    assert rows[:len(ranked)] == ranked  # unranked come last
    for position, row in enumerate(ranked, start=1):
        # standard competition ranking: a rank is 1 + the number of strictly better results
        assert row.rank == 1 + sum(1 for o in ranked if o.result > row.result)
        assert row.rank <= position
        assert row.tied == any(o is not row and o.result == row.result for o in ranked)
    for a, b in zip(ranked, ranked[1:], strict=False):
        assert a.result >= b.result
    assert sum(len(t) for t in results.ties) == sum(1 for r in rows if r.tied)


@settings(max_examples=100, deadline=None)
@given(elections())
def test_totals_add_up(election):
    method, names, ballots, _rnd = election
    results = v.count(method, ballots, names)
    if method == v.RANKED:
        n = len(names)
        assert sum(r.total for r in results.rows) == sum(
            sum(n - rank for rank in b.values()) for b in ballots)
        assert sum(r.first for r in results.rows) == len(ballots)
    else:
        assert sum(r.total for r in results.rows) == sum(sum(b.values()) for b in ballots)
    assert sum(r.voters for r in results.rows) == sum(len(b) for b in ballots)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 12), st.one_of(st.none(), st.integers(1, 12)),
       st.dictionaries(st.sampled_from(CANDIDATES), st.integers(-2, 14)))
def test_a_dot_ballot_is_accepted_exactly_when_it_keeps_the_rules(dots, cap, ballot):
    if cap is not None and cap > dots:
        cap = dots
    ok = (all(x >= 0 for x in ballot.values())
          and (cap is None or all(x <= cap for x in ballot.values()))
          and 0 < sum(ballot.values()) <= dots)
    try:
        clean = v.validate(v.DOT, ballot, CANDIDATES, dots=dots, cap=cap)
    except v.BallotError:
        assert not ok
    else:
        assert ok
        assert clean == {c: x for c, x in ballot.items() if x}
        assert v.remaining_dots(ballot, dots) == dots - sum(clean.values())


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(CANDIDATES), unique=True, min_size=1))
def test_any_strict_ranking_from_one_is_valid_and_a_swap_of_ranks_is_a_duplicate(order):
    ballot = {c: r for r, c in enumerate(order, start=1)}
    assert v.validate(v.RANKED, ballot, CANDIDATES) == ballot
    if len(order) > 1:
        broken = dict(ballot)
        broken[order[1]] = 1
        with pytest.raises(v.BallotError) as error:
            v.validate(v.RANKED, broken, CANDIDATES)
        assert error.value.code == "duplicate_rank"


def test_a_shuffled_large_election_counts_the_same():
    rnd = random.Random(5)
    ballots = [{c: rnd.randint(0, 5) for c in rnd.sample(CANDIDATES, rnd.randint(1, 4))}
               for _ in range(500)]
    reference = v.count(v.SCORE, ballots, CANDIDATES)
    rnd.shuffle(ballots)
    assert v.count(v.SCORE, ballots, CANDIDATES) == reference
