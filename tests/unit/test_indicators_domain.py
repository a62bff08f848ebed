"""Rules of indicators of progress (``cospiral.domain.indicators``), without a database."""

from __future__ import annotations

import pytest

from cospiral.domain import indicators as rules

TITLES = {"fr": "Avoir un logement digne", "en": "Having decent housing"}
LEVELS = [{"fr": f"niveau {n}", "en": f"level {n}"} for n in range(1, 6)]
SORTED = ["possibility", "obtaining", "quality", "sustainability"]


def test_a_complete_indicator_has_no_problem():
    assert rules.problems(TITLES, LEVELS, SORTED) == []
    assert rules.is_ready(TITLES, LEVELS, ["quality"])


def test_missing_titles_are_named_per_language():
    assert rules.problems({"fr": "Logement", "en": "  "}, LEVELS, SORTED) == [
        ("titles.en", rules.TITLE_MISSING)]
    assert rules.problems(None, LEVELS, SORTED) == [
        ("titles.fr", rules.TITLE_MISSING), ("titles.en", rules.TITLE_MISSING)]


def test_each_missing_level_text_is_named_by_number_and_language():
    levels = [dict(level) for level in LEVELS]
    levels[2]["en"] = ""
    levels[4] = {"fr": "idéal"}
    assert rules.problems(TITLES, levels, SORTED) == [
        ("levels.3.en", rules.LEVEL_MISSING), ("levels.5.en", rules.LEVEL_MISSING)]


def test_not_five_levels_is_a_problem_and_the_missing_ones_are_listed():
    found = rules.problems(TITLES, LEVELS[:3], SORTED)
    assert found[0] == ("levels", rules.LEVELS_COUNT)
    assert found[1:] == [(f"levels.{n}.{lang}", rules.LEVEL_MISSING)
                         for n in (4, 5) for lang in ("fr", "en")]
    assert ("levels", rules.LEVELS_COUNT) in rules.problems(TITLES, LEVELS + LEVELS[:1], SORTED)
    # A string is not a list of levels.
    assert ("levels", rules.LEVELS_COUNT) in rules.problems(TITLES, "abcde", SORTED)


def test_criteria_must_exist_and_all_be_sorted():
    assert rules.problems(TITLES, LEVELS, []) == [("criteria", rules.NO_CRITERIA)]
    assert rules.problems(TITLES, LEVELS, ["quality", ""]) == [("criteria", rules.CRITERIA_UNSORTED)]
    assert rules.problems(TITLES, LEVELS, ["quality", None]) == [("criteria", rules.CRITERIA_UNSORTED)]
    assert rules.problems(TITLES, LEVELS, ["beauty"]) == [("criteria", rules.CATEGORY_UNKNOWN)]


def test_clean_levels_pads_to_five_and_refuses_more():
    cleaned = rules.clean_levels([{"fr": "  un ", "en": "one", "de": "eins"}])
    assert cleaned[0] == {"fr": "un", "en": "one"}
    assert cleaned[1:] == [{"fr": "", "en": ""}] * 4
    with pytest.raises(ValueError):
        rules.clean_levels(LEVELS + LEVELS)


@pytest.mark.parametrize(("existing", "expected"), [
    ([], "A03-1"),
    (["A03-1", "A03-2", "B01-7"], "A03-3"),
    (["a03-4", "A03-x", "A031-9"], "A03-5"),
])
def test_next_code_follows_the_highest_number_of_the_component(existing, expected):
    assert rules.next_code("A03", existing) == expected


@pytest.mark.parametrize(("code", "valid"), [
    ("A03-1", True), ("housing.v2", True), ("", False), ("-A03", False), ("A 03", False),
    ("x" * 21, False), ("A03/1", False),
])
def test_codes_are_plain_identifiers(code, valid):
    assert rules.is_valid_code(code) is valid


def test_library_problems_name_the_example_and_what_is_wrong():
    example = {"key": "housing", "component": "A03", "titles": TITLES, "levels": LEVELS,
               "criteria": {c: [{"fr": "a", "en": "b"}, {"fr": "c", "en": "d"}] for c in SORTED}}
    assert rules.library_problems({"examples": [example]}, {"A03"}) == []
    twice = rules.library_problems({"examples": [example, example]}, {"A03"})
    assert twice == ["example 2 (housing): the key is used twice"]
    unknown = rules.library_problems({"examples": [example]}, {"A01"})
    assert unknown == ["example 1 (housing): component 'A03' is not in the grid"]
    thin = dict(example, criteria={**example["criteria"], "quality": [{"fr": "a", "en": ""}]})
    assert rules.library_problems({"examples": [thin]}, {"A03"}) == [
        "example 1 (housing): quality has 1 criteria, not 2 to 4",
        "example 1 (housing): quality criterion 1 has no en text"]
    assert rules.library_problems({}, {"A03"}) == ["the document has no list of examples"]


def test_only_the_territorys_languages_are_asked_for():
    from cospiral.domain.indicators import problems, used_languages

    titles = {"fr": "Se loger", "en": ""}
    levels = [{"fr": f"Niveau {n}", "en": ""} for n in range(1, 6)]
    assert problems(titles, levels, ["quality"], languages=["fr"]) == []
    both = problems(titles, levels, ["quality"], languages=["fr", "en"])
    assert ("titles.en", "title_missing") in both and ("levels.5.en", "level_missing") in both
    assert problems(titles, levels, ["quality"]) == both  # none declared: both asked
    assert used_languages(["en", "fr"]) == ("fr", "en") and used_languages(["de"]) == ("fr", "en")
