"""Rules of syntheses: minority ideas and two-way traceability (pure, no database)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cospiral.domain.synthesis import (
    MINORITY_SHARE_PERCENT,
    groups_spanned,
    is_minority_card,
    is_minority_component,
    minority_threshold,
    traceability,
)


def test_minority_threshold_scales_with_the_group():
    assert MINORITY_SHARE_PERCENT == 5
    # A small group: only an idea written on a single card is a minority one.
    assert [minority_threshold(n) for n in (0, 1, 9, 30, 39)] == [1, 1, 1, 1, 1]
    # 5 % rounded down as the group grows.
    assert [minority_threshold(n) for n in (40, 60, 100, 150, 1000)] == [2, 3, 5, 7, 50]


def test_minority_rule_thresholds():
    assert is_minority_component(0, 0)
    assert is_minority_component(1, 3)
    # At 30 cards (the example) a component with 2 cards is no longer a minority.
    assert is_minority_component(1, 30)
    assert not is_minority_component(2, 30)
    assert not is_minority_component(2, 2)
    assert not is_minority_component(3, 10)
    # Five cards out of 100 (5 %): a minority; six (6 %): not.
    assert is_minority_component(5, 100)
    assert not is_minority_component(6, 100)
    # 10 out of 200 = 5 % exactly.
    assert is_minority_component(10, 200)
    assert not is_minority_component(11, 200)


@given(st.integers(0, 100_000), st.integers(0, 100_000))
def test_minority_threshold_is_monotonic_and_at_most_five_percent(a, b):
    small, large = sorted((a, b))
    assert minority_threshold(small) <= minority_threshold(large)
    assert minority_threshold(large) == 1 or minority_threshold(large) * 100 <= large * 5


@given(st.integers(1, 5000))
def test_not_every_component_of_a_real_group_is_a_minority(total):
    # Whatever the size, the threshold is below the whole: a component holding every card
    # (or more than 5 % of them, and at least 2) is never a minority idea.
    assert not is_minority_component(total, total) or total == 1
    assert is_minority_component(1, total)


def test_minority_rule_rejects_negative_counts():
    with pytest.raises(ValueError):
        is_minority_component(-1, 10)
    with pytest.raises(ValueError):
        minority_threshold(-1)


def test_minority_card():
    assert is_minority_card(component_is_minority=True, cited=True)
    assert is_minority_card(component_is_minority=False, cited=False)
    assert not is_minority_card(component_is_minority=False, cited=True)


def test_traceability_both_ways_with_counts():
    sentences = {"s1": [1, 2, 2, 3], "s2": [3, 4], "s3": [9]}
    trace = traceability(sentences, [1, 2, 3, 4, 5, 6])
    # Sentence -> cards: duplicates counted once, cards out of scope set apart.
    assert trace.sentence_cards == {"s1": [1, 2, 3], "s2": [3, 4], "s3": []}
    assert trace.stale_cards == {"s1": [], "s2": [], "s3": [9]}
    assert [trace.count(s) for s in ("s1", "s2", "s3")] == [3, 2, 0]
    # Card -> sentences: card 3 supports two sentences.
    assert trace.card_sentences == {1: ["s1"], 2: ["s1"], 3: ["s1", "s2"], 4: ["s2"], 5: [], 6: []}
    # No card dropped silently: the uncited ones, in scope order.
    assert trace.uncited == [5, 6]
    assert trace.cited_count == 4
    assert trace.coverage == pytest.approx(4 / 6)


def test_traceability_empty():
    trace = traceability({}, [])
    assert trace.uncited == [] and trace.coverage == 1.0 and trace.count("x") == 0
    trace = traceability({}, [7, 7, 8])
    assert trace.uncited == [7, 8]


def test_groups_spanned_in_first_seen_order():
    group_of = {1: "young", 2: "elderly", 3: "young", 4: "shopkeepers"}
    assert groups_spanned([3, 2, 1], group_of) == ["young", "elderly"]
    assert groups_spanned([4, 99], group_of) == ["shopkeepers"]
