"""The library of example indicators shipped in ``cospiral/data/indicators/library.json``
is valid against the default grid, read without a database."""

from __future__ import annotations

import csv
import json
from importlib import resources

from cospiral.domain import indicators as rules


def _library() -> dict:
    return json.loads(resources.files("cospiral.data").joinpath("indicators", "library.json")
                      .read_text("utf-8"))


def _default_grid_components() -> set[str]:
    text = resources.files("cospiral.data").joinpath("grid", "spiral-default-2026.csv").read_text("utf-8")
    return {row["code"] for row in csv.DictReader(text.splitlines())
            if len(row["code"]) == 3 and row["code"][1:].isdigit()}


def test_the_library_is_valid_against_the_default_grid():
    components = _default_grid_components()
    assert {"A01", "A03", "D00"} <= components
    assert rules.library_problems(_library(), components) == []


def test_about_ten_examples_with_unique_keys_each_complete():
    examples = _library()["examples"]
    assert 8 <= len(examples) <= 14
    keys = [e["key"] for e in examples]
    assert len(set(keys)) == len(keys)
    assert len({e["component"] for e in examples}) == len(examples)
    for example in examples:
        assert len(example["levels"]) == rules.LEVEL_COUNT
        for level in example["levels"]:
            assert level["fr"].strip() and level["en"].strip(), example["key"]
        assert rules.problems(example["titles"], example["levels"],
                              rules.example_categories(example)) == [], example["key"]


def test_the_library_says_these_are_cospiral_examples_not_official_texts():
    about = _library()["_about"]
    assert "not official" in about["en"].lower() and "non des textes officiels" in about["fr"].lower()
    assert _library()["source"] == "cospiral"


def test_the_housing_example_follows_the_method_example():
    housing = next(e for e in _library()["examples"] if e["key"] == "housing")
    assert housing["component"] == "A03"
    levels = [level["en"].lower() for level in housing["levels"]]
    assert "no housing" in levels[0] and "overcrowded" in levels[1]
    assert "decent" in levels[2] and "precarious" in levels[3] and "long term" in levels[4]


def test_french_texts_use_french_typography():
    for example in _library()["examples"]:
        texts = [example["titles"]["fr"], *(lv["fr"] for lv in example["levels"]),
                 *(c["fr"] for items in example["criteria"].values() for c in items)]
        for text in texts:
            assert '"' not in text and "..." not in text, text
            assert text[0].isupper(), text
