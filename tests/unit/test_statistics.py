"""Statistics numbers and sentences (cospiral.domain.stats), without a database."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cospiral.domain import stats


def test_shares_sum_to_one_and_keep_keys():
    result = stats.shares({"A": 3, "B": 1, "C": 0})
    assert result == {"A": 0.75, "B": 0.25, "C": 0.0}
    assert math.isclose(sum(result.values()), 1.0)


def test_shares_of_nothing_is_empty():
    assert stats.shares({}) == {}
    assert stats.shares({"A": 0}) == {}


@given(st.dictionaries(st.text(min_size=1, max_size=3), st.integers(0, 10_000), min_size=1))
def test_shares_always_sum_to_one(counts):
    result = stats.shares(counts)
    if sum(counts.values()):
        assert math.isclose(sum(result.values()), 1.0)
    else:
        assert result == {}


@given(st.lists(st.integers(0, 1000), min_size=1, max_size=30))
def test_rounded_percents_sum_to_100(counts):
    result = stats.rounded_percents(counts)
    assert sum(result) == (100 if sum(counts) else 0)
    for count, pct in zip(counts, result, strict=True):
        assert abs(pct - (count * 100 / sum(counts) if sum(counts) else 0)) < 1


def test_percent_never_shows_a_rare_idea_as_zero():
    assert stats.percent(0.342) == "34%"
    assert stats.percent(0.001) == "<1%"
    assert stats.percent(0) == "0%"


def test_ranked_by_count_ties_keep_order():
    assert stats.ranked({"B": 2, "A": 5, "C": 2, "D": 0}) == [("A", 5), ("B", 2), ("C", 2)]


def test_crosstab_and_add_up():
    assert stats.crosstab([("g1", "A", 2), ("g1", "A", 1), ("g2", "B", 4)]) == {
        "g1": {"A": 3}, "g2": {"B": 4}}
    assert stats.add_up([("A", 1), ("B", 2), ("A", 3)]) == {"A": 4, "B": 2}


LABELS = {"A": "Access to means of living", "B": "Living environment", "C": "Relations"}


def test_summary_sentence_names_the_largest_shares_in_order():
    sentence = stats.summary_sentence({"A": 2, "B": 5, "C": 3}, LABELS, "Alphaville")
    assert sentence == ("The coded cards of Alphaville are most often about Living environment "
                        "(50%), then Relations (30%) and Access to means of living (20%).")


def test_summary_sentence_one_key_and_none():
    assert stats.summary_sentence({"A": 4}, LABELS, "G1") == (
        "All the coded cards of G1 are about Access to means of living (100%).")
    assert stats.summary_sentence({"A": 0}, LABELS, "G1") == "No coded card yet for G1."


def test_summary_sentence_is_translated_by_the_given_gettext():
    catalogue = {
        "The coded cards of %(subject)s are most often about %(first)s, then %(rest)s.":
            "Les cartes codées de %(subject)s portent surtout sur %(first)s, puis %(rest)s.",
        "%(items)s and %(last)s": "%(items)s et %(last)s",
    }
    sentence = stats.summary_sentence({"A": 1, "B": 2, "C": 1}, LABELS, "Mulhouse",
                                      gettext=lambda m: catalogue.get(m, m))
    assert sentence.startswith("Les cartes codées de Mulhouse portent surtout sur Living environment (50%), puis")
    assert " et " in sentence


def test_overrepresented_against_the_others_pooled():
    by_group = {
        "young": {"A07": 6, "A06": 2, "B01": 2},  # 60% leisure
        "elderly": {"A02": 6, "A07": 1, "B01": 3},  # 60% health care
    }
    found = stats.overrepresented(by_group, top=2)
    young = found["young"]
    assert [o.key for o in young] == ["A07", "A06"]
    assert young[0].share == pytest.approx(0.6)
    assert young[0].others_share == pytest.approx(0.1)
    assert young[0].difference == pytest.approx(0.5)
    assert young[1].difference == pytest.approx(0.2)  # 2/10 against 0/10
    # elderly: A02 6/10 against 0/10, then B01 3/10 against 2/10; A07 is under-represented
    elderly = stats.overrepresented(by_group, top=3)["elderly"]
    assert [o.key for o in elderly] == ["A02", "B01"]
    assert elderly[1].difference == pytest.approx(0.1)


def test_overrepresented_leaves_out_single_cards_and_lone_groups():
    assert stats.overrepresented({"only": {"A": 5}}) == {"only": []}
    found = stats.overrepresented({"a": {"X": 1, "Y": 3}, "b": {"Y": 4}}, min_count=2)
    assert all(o.key != "X" for o in found["a"])


def test_comparison_sentence():
    found = stats.overrepresented({"young": {"A07": 6, "B01": 4}, "old": {"A02": 5, "B01": 5}})
    sentence = stats.comparison_sentence("Young people", found["young"], {"A07": "Leisure"})
    assert sentence == "Compared with the other groups, Young people stresses Leisure (60% against 0%)."
    assert stats.comparison_sentence("Old", [], {}) == (
        "Old stresses no component more than the other groups do.")
