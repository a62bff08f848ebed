"""Ex-ante evaluation of existing actions: the published score rule and ranking."""

from __future__ import annotations

import pytest

from cospiral.domain import evaluation as ev
from cospiral.domain.evaluation import QUESTIONS


def scores(*values):
    return dict(zip(QUESTIONS, values, strict=True))


def test_the_five_questions_are_stable_keys():
    assert QUESTIONS == ("coverage", "priority_to_disadvantaged", "sober_resources",
                         "multiplier_effect", "co_responsibility")
    assert ev.SCALE == (0, 1, 2, 3, 4)
    assert "/ 4 x 100" in ev.SCORE_FORMULA


def test_total_is_the_mean_of_assessed_questions_on_0_100():
    assert ev.total(scores(4, 4, 4, 4, 4)) == 100.0
    assert ev.total(scores(0, 0, 0, 0, 0)) == 0.0
    assert ev.total(scores(4, 3, 2, 1, 0)) == 50.0
    # Not assessed is left out, never counted as 0.
    assert ev.total(scores(4, None, None, None, None)) == 100.0
    assert ev.total(scores(3, None, 1, None, None)) == 50.0
    # Rounded to one decimal: 3, 3, 2 -> 8/3/4*100 = 66.66...
    assert ev.total(scores(3, 3, 2, None, None)) == 66.7


def test_nothing_assessed_has_no_total_and_no_division_by_zero():
    empty = scores(None, None, None, None, None)
    assert ev.total(empty) is None
    assert ev.total({}) is None
    assert ev.assessed(empty) == 0 and not ev.is_complete(empty)


@pytest.mark.parametrize("value", [-1, 5, 2.5, "3", True])
def test_scores_off_the_scale_are_refused(value):
    with pytest.raises(ev.ScoreError) as info:
        ev.check_score("sober_resources", value)
    assert info.value.question == "sober_resources"
    with pytest.raises(ev.ScoreError):
        ev.total({"sober_resources": value})


def test_unknown_question_is_refused():
    with pytest.raises(KeyError):
        ev.check_scores({"popularity": 3})


def test_ranking_ties_share_a_rank_standard_competition():
    ranked = ev.rank([
        ("b", scores(2, 2, 2, 2, 2)),
        ("a", scores(4, 4, 4, 4, 4)),
        ("c", scores(2, 2, 2, 2, 2)),
        ("d", scores(1, 1, 1, 1, 1)),
    ])
    assert [(r.key, r.rank, r.total) for r in ranked] == [
        ("a", 1, 100.0), ("b", 2, 50.0), ("c", 2, 50.0), ("d", 4, 25.0)]
    assert all(r.complete and r.assessed == 5 for r in ranked)


def test_incomplete_actions_rank_after_complete_ones_even_with_a_higher_total():
    ranked = ev.rank([
        ("partial", scores(4, 4, 4, 4, None)),
        ("low", scores(1, 1, 1, 1, 1)),
        ("high", scores(3, 3, 3, 3, 3)),
        ("partial-low", scores(0, None, None, None, None)),
        ("partial-tie", scores(None, 4, None, None, None)),
    ])
    assert [(r.key, r.rank, r.complete) for r in ranked] == [
        ("high", 1, True), ("low", 2, True),
        ("partial", 3, False), ("partial-tie", 3, False), ("partial-low", 5, False)]
    assert ranked[2].assessed == 4


def test_a_complete_and_an_incomplete_action_of_equal_total_do_not_share_a_rank():
    ranked = ev.rank([("inc", scores(2, None, 2, 2, 2)), ("com", scores(2, 2, 2, 2, 2))])
    assert [(r.key, r.rank) for r in ranked] == [("com", 1), ("inc", 2)]


def test_nothing_assessed_comes_last_without_a_rank():
    ranked = ev.rank([
        ("none", scores(None, None, None, None, None)),
        ("some", scores(None, None, 0, None, None)),
    ])
    assert [(r.key, r.rank, r.total) for r in ranked] == [("some", 1, 0.0), ("none", None, None)]
    assert ev.rank([]) == []


def test_families_stay_a_separate_figure():
    ranked = ev.rank([("x", scores(2, 2, 2, 2, 2), ["A", "C"]),
                      ("y", scores(2, 2, 2, 2, 2), ["A", "B", "C", "D"])])
    # Same total and rank whatever the number of families.
    assert [(r.key, r.rank, r.total, r.families_count) for r in ranked] == [
        ("x", 1, 50.0, 2), ("y", 1, 50.0, 4)]


def test_family_codes_are_checked_against_the_grid():
    known = ["A", "B", "C"]
    assert ev.clean_families([" C", "A", "A", ""], known) == ["A", "C"]
    assert ev.unknown_families(["A", "Z", "a"], known) == ["Z", "a"]
    with pytest.raises(ValueError) as info:
        ev.clean_families(["A", "Z"], known)
    assert info.value.args[0] == ["Z"]


def test_coverage_matrix_counts_actions_per_family_and_shows_uncovered():
    matrix = ev.coverage(["A", "B", "C"], [(1, ["A", "C"]), (2, ["A", "A"]), (3, ["Z"])])
    assert [(f.code, f.actions, f.count, f.uncovered) for f in matrix] == [
        ("A", (1, 2), 2, False), ("B", (), 0, True), ("C", (1,), 1, False)]
