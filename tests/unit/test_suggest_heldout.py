"""The held-out criteria and the labelled card pairs (``tests/data``): well-formed, apart
from the training examples, and the floors of what the suggestions and the same-idea
pairing reach on them, so that a regression fails in CI.

The held-out sets were written for this project apart from the shipped examples and are
never trained on; the figures below were measured once, after development by
cross-validation on the shipped examples (``cospiral suggest-eval --heldout``)."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from cospiral.domain import similarity, suggest

DATA = Path(__file__).resolve().parents[1] / "data"
GRID = suggest.DEFAULT_GRID
LANGUAGES = ("fr", "en")


def _components():
    with GRID.open(encoding="utf-8") as handle:
        return {row["code"] for row in csv.DictReader(handle) if len(row["code"]) == 3}


def _heldout(language):
    with (DATA / f"heldout_{language}.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["text", "lang", "code", "question"]
        return list(reader)


@pytest.mark.parametrize("language", LANGUAGES)
def test_heldout_sets_are_well_formed_and_cover_every_family(language):
    rows = _heldout(language)
    components = _components()
    for line, row in enumerate(rows, start=2):
        assert row["text"].strip(), f"line {line}: empty text"
        assert row["lang"] == language, f"line {line}"
        assert row["code"] in components, f"line {line}: {row['code']}"
        assert row["question"] in {"Q1", "Q2", "Q3", "Q4"}, f"line {line}"
    per_family = Counter(r["code"][0] for r in rows)
    assert set(per_family) == set("ABCDEFGH")
    assert min(per_family.values()) >= 40, per_family
    folded = Counter(suggest.fold(r["text"]).strip() for r in rows)
    assert [t for t, n in folded.items() if n > 1] == []


def _words(text):
    return similarity.normalise(text).split()


def _trigrams(text):
    padded = " " + similarity.normalise(text) + " "
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


def _jaccards(left: list[set], right: list[set]):
    """The Jaccard index of every set of ``left`` with every set of ``right`` (1.0 for two
    empty sets), as a dense matrix."""
    import numpy as np
    from sklearn.feature_extraction.text import CountVectorizer

    vectoriser = CountVectorizer(analyzer=lambda items: list(items), binary=True)
    a = vectoriser.fit_transform(left + right)
    x, y = a[:len(left)], a[len(left):]
    inter = (x @ y.T).toarray().astype(float)
    sizes_x = np.asarray(x.sum(axis=1)).reshape(-1, 1)
    sizes_y = np.asarray(y.sum(axis=1)).reshape(1, -1)
    union = sizes_x + sizes_y - inter
    return np.divide(inter, union, out=np.ones_like(inter), where=union > 0)


def test_no_heldout_criterion_repeats_or_nearly_repeats_a_training_example():
    """Neither the same text once folded, nor a near copy (character trigrams and words
    once normalised without function words, Jaccard 0.6 / 0.4 blend at 0.45 or more): the
    held-out measures what the model does on criteria it never saw."""
    training = suggest.shipped_examples()
    grid_texts, _ = suggest.default_grid_phrases()
    texts = [e.text for e in training]
    # The grid's own phrases are never repeated; near copies are looked for among the
    # examples (a criterion may well share words with a component's description).
    folded = {suggest.fold(t).strip() for t in texts + grid_texts}
    rows = [row for language in LANGUAGES for row in _heldout(language)]
    for row in rows:
        assert suggest.fold(row["text"]).strip() not in folded, row["text"]
    # Jaccard of every held-out criterion with every example at once, on sets coded as
    # binary sparse rows: |A ∩ B| = A·Bᵀ and |A ∪ B| = |A| + |B| − |A ∩ B|.
    blend = 0.6 * _jaccards([_trigrams(r["text"]) for r in rows], [_trigrams(t) for t in texts])
    blend += 0.4 * _jaccards([set(_words(r["text"])) for r in rows], [set(_words(t)) for t in texts])
    best = blend.max(axis=1)
    near = [(row["text"], round(float(b), 2)) for row, b in zip(rows, best, strict=True)
            if b >= 0.45]
    assert near == []


@pytest.fixture(scope="module")
def question_model():
    """As the board's base model: trained with the question of each example (the grid's
    phrases have none)."""
    examples = suggest.shipped_examples()
    grid_texts, grid_codes = suggest.default_grid_phrases()
    return suggest.train([e.text for e in examples] + grid_texts, [e.code for e in examples] + grid_codes,
                         questions=[e.question for e in examples] + [""] * len(grid_texts))


@pytest.fixture(scope="module")
def heldout_report(question_model):
    """As the board ranks a card: given the question each held-out card answers."""
    rows = _heldout("fr") + _heldout("en")
    return suggest.evaluate_model(question_model, [r["text"] for r in rows], [r["code"] for r in rows],
                                  languages=[r["lang"] for r in rows],
                                  questions=[r["question"] for r in rows])


# Measured on the held-out sets (``cospiral suggest-eval --heldout --no-cv``, "the
# question as a feature", seed 0, 6,124 shipped examples, the linear model blended with a
# complement naive Bayes): French 85.8 % top-1 family, 90.4 % top-3 component; English
# 84.3 %, 90.4 %; the weakest family B at 80.0 % top-1 family (both languages). The same
# model for cards whose question is unknown (the question guessed from the text): 81.8 %,
# 89.2 %, 80.9 %, 87.7 %, the weakest families B and H at 78.8 % (both languages), and
# per language English H 75.0 %.
# Each floor is that figure minus about 1 point (per family: about 3 points, 80 cards
# each; per language and family: 2.5 points, one card of 40).
HELDOUT_FLOORS = {
    "fr": {"top1_family": 0.85, "top3_component": 0.895},
    "en": {"top1_family": 0.835, "top3_component": 0.895},
}
FAMILY_FLOOR = 0.77
QUESTION_UNKNOWN_FLOORS = {
    "fr": {"top1_family": 0.81, "top3_component": 0.88},
    "en": {"top1_family": 0.80, "top3_component": 0.865},
}
QUESTION_UNKNOWN_FAMILY_FLOOR = 0.76
QUESTION_UNKNOWN_LANGUAGE_FAMILY_FLOOR = 0.725


@pytest.mark.parametrize("language", LANGUAGES)
def test_heldout_accuracy_floor(heldout_report, language):
    measured = heldout_report["results"][language]
    assert measured["n"] >= 320
    for key, floor in HELDOUT_FLOORS[language].items():
        assert measured[key] >= floor, (language, key, measured)


def test_heldout_accuracy_floor_per_family(heldout_report):
    results = heldout_report["results"]
    for family in "ABCDEFGH":
        assert results[f"*:{family}"]["top1_family"] >= FAMILY_FLOOR, (family, results[f"*:{family}"])


@pytest.fixture(scope="module")
def question_unknown_report(question_model):
    """The board's model for cards typed with no question known."""
    rows = _heldout("fr") + _heldout("en")
    return suggest.evaluate_model(question_model, [r["text"] for r in rows], [r["code"] for r in rows],
                                  languages=[r["lang"] for r in rows])


@pytest.mark.parametrize("language", LANGUAGES)
def test_heldout_accuracy_floor_when_the_question_is_unknown(question_unknown_report, language):
    measured = question_unknown_report["results"][language]
    for key, floor in QUESTION_UNKNOWN_FLOORS[language].items():
        assert measured[key] >= floor, (language, key, measured)
    results = question_unknown_report["results"]
    for family in "ABCDEFGH":
        assert results[f"*:{family}"]["top1_family"] >= QUESTION_UNKNOWN_FAMILY_FLOOR, (family, results[f"*:{family}"])
        key = f"{language}:{family}"
        assert results[key]["top1_family"] >= QUESTION_UNKNOWN_LANGUAGE_FAMILY_FLOOR, (key, results[key])


def test_heldout_confidences_are_calibrated(heldout_report):
    table = heldout_report["reliability"]
    assert table["suggestions"] >= 3 * 640
    assert table["expected_calibration_error"] <= 0.08, table


# --- the same idea across groups ------------------------------------------------------


def _pairs():
    with (DATA / "pairs.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_pairs_set_is_well_formed():
    rows = _pairs()
    components = _components()
    assert len(rows) >= 200
    counts = Counter((r["lang"], r["same"]) for r in rows)
    for language in LANGUAGES:
        assert counts[(language, "1")] >= 40 and counts[(language, "0")] >= 40, counts
    for line, row in enumerate(rows, start=2):
        assert row["code_a"] in components and row["code_b"] in components, f"line {line}"
        assert row["text_a"].strip() and row["text_b"].strip(), f"line {line}"


# Measured on tests/data/pairs.csv at the shipped threshold 0.45 (chosen on the
# even-numbered pairs only; F1 on the odd-numbered ones 0.883): F1 0.898 (French 0.891,
# English 0.907). The floor is that F1 minus about 3 points.
PAIRS_F1_FLOOR = 0.87


def test_pairing_f1_floor():
    rows = [(r["text_a"], r["code_a"], r["text_b"], r["code_b"], r["same"] == "1") for r in _pairs()]
    result = similarity.evaluate_pairs(rows)
    assert result["f1"] >= PAIRS_F1_FLOOR, result
    for language in LANGUAGES:
        subset = [(r["text_a"], r["code_a"], r["text_b"], r["code_b"], r["same"] == "1")
                  for r in _pairs() if r["lang"] == language]
        assert similarity.evaluate_pairs(subset)["f1"] >= PAIRS_F1_FLOOR - 0.05, language
