"""Typed-in paper questionnaires: one character per indicator."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cospiral.domain.scoring import DONT_KNOW, MISSING, NOT_APPLICABLE
from cospiral.domain.survey import AnswerError
from cospiral.domain.typed_entry import errors_of, format_typed, parse_char, parse_typed


def test_every_accepted_character():
    assert [parse_char(c) for c in "12345"] == [1, 2, 3, 4, 5]
    assert {parse_char(c) for c in "dD?"} == {DONT_KNOW}
    assert {parse_char(c) for c in "nNxX"} == {NOT_APPLICABLE}
    assert {parse_char(c) for c in " .-"} == {MISSING}


def test_twenty_keystrokes_make_twenty_answers():
    answers = parse_typed("12345dn.-x?334455 21", 20)
    assert len(answers) == 20
    assert answers[0] == 1 and answers[4] == 5
    assert answers[5] == DONT_KNOW and answers[6] == NOT_APPLICABLE
    assert answers[7] == MISSING and answers[8] == MISSING and answers[17] == MISSING
    assert answers[9] == NOT_APPLICABLE and answers[10] == DONT_KNOW
    assert answers[19] == 1


@pytest.mark.parametrize("char, code", [("8", "level_out_of_range"), ("0", "level_out_of_range"),
                                        ("z", "level_unreadable"), ("é", "level_unreadable")])
def test_a_wrong_character_names_its_position(char, code):
    text = "333333" + char + "333"
    with pytest.raises(AnswerError) as caught:
        parse_typed(text, 10)
    assert caught.value.code == code
    assert caught.value.field == 6  # the seventh character
    assert caught.value.value == char


def test_wrong_length_says_typed_and_expected():
    with pytest.raises(AnswerError) as caught:
        parse_typed("1234", 5)
    assert (caught.value.code, caught.value.field, caught.value.value) == ("wrong_length", 4, 5)
    with pytest.raises(AnswerError) as caught:
        parse_typed("123456", 5)
    assert caught.value.code == "wrong_length"


def test_all_no_answer_is_refused():
    with pytest.raises(AnswerError) as caught:
        parse_typed(" .- ", 4)
    assert caught.value.code == "no_answer"


def test_errors_lists_every_problem():
    found = errors_of("1x8z5", 6)
    assert [(e.code, e.field) for e in found] == [
        ("wrong_length", 5), ("level_out_of_range", 2), ("level_unreadable", 3)]
    assert errors_of("12345", 5) == []


@given(st.lists(st.sampled_from([1, 2, 3, 4, 5, DONT_KNOW, NOT_APPLICABLE, MISSING]),
                min_size=1, max_size=120))
def test_format_is_the_inverse_of_parse(codes):
    text = format_typed(codes)
    assert len(text) == len(codes)
    if all(c == MISSING for c in codes):
        with pytest.raises(AnswerError):
            parse_typed(text, len(codes))
    else:
        assert [parse_typed(text, len(codes))[i] for i in range(len(codes))] == codes
