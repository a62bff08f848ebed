"""Synthetic benchmark content: reproducible, exact coded share, plausible values."""

import datetime as dt
import random

import pytest

from cospiral.domain import synthetic


def test_same_seed_gives_same_cards():
    a = synthetic.group_cards(random.Random("s:1"), 200, attendees=9, coded_share=0.5,
                              n_components=60)
    b = synthetic.group_cards(random.Random("s:1"), 200, attendees=9, coded_share=0.5,
                              n_components=60)
    c = synthetic.group_cards(random.Random("s:2"), 200, attendees=9, coded_share=0.5,
                              n_components=60)
    assert a == b
    assert [x.text for x in a] != [x.text for x in c]


@pytest.mark.parametrize("count,share,expected", [
    (100, 0.8, 80), (10, 0.25, 3), (10, 0.24, 2), (7, 0.5, 4), (0, 0.8, 0), (5, 0, 0), (5, 1, 5),
])
def test_coded_count_rounds_half_up(count, share, expected):
    assert synthetic.coded_count(count, share) == expected


@pytest.mark.parametrize("share", [-0.1, 1.5])
def test_coded_count_refuses_a_share_outside_0_1(share):
    with pytest.raises(ValueError):
        synthetic.coded_count(10, share)


def test_group_cards_codes_exactly_the_share_with_valid_components():
    cards = synthetic.group_cards(random.Random(3), 100, attendees=7, coded_share=0.8,
                                  n_components=12)
    coded = [c for c in cards if c.component is not None]
    assert len(cards) == 100
    assert len(coded) == 80
    assert all(0 <= c.component < 12 for c in coded)
    assert {c.question for c in cards} == {"Q1", "Q2", "Q3"}
    assert {c.author_tag for c in cards} <= {f"p{i:02d}" for i in range(1, 8)}
    assert all(c.text and c.text == c.text.strip() and "  " not in c.text for c in cards)


def test_no_component_means_nothing_coded():
    cards = synthetic.group_cards(random.Random(3), 50, coded_share=0.8, n_components=0)
    assert all(c.component is None for c in cards)


def test_card_text_answers_each_question_in_french():
    rng = random.Random(11)
    q3 = {synthetic.card_text(rng, "Q3") for _ in range(200)}
    assert any(t.startswith(("Je peux", "Participer", "Organiser")) for t in q3)
    q2 = {synthetic.card_text(rng, "Q2") for _ in range(200)}
    assert len(q2) > 50  # varied enough to look like many different post-its


def test_profiles_cycle_and_session_dates_fall_in_2026():
    n = len(synthetic.PROFILES)
    assert synthetic.profile_for(0) == synthetic.profile_for(n) == "Jeunes 15–25 ans"
    rng = random.Random(5)
    dates = [synthetic.session_date(rng) for _ in range(500)]
    assert all(dt.date(2026, 1, 1) <= d <= dt.date(2026, 12, 31) for d in dates)
