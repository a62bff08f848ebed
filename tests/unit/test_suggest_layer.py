"""The territory layer: nearest neighbours among confirmed codings, blended with a
model's probabilities (pure, no database)."""

from __future__ import annotations

import numpy as np
import pytest

from cospiral.domain import suggest, suggest_layer

TEXTS = ["Le loyer est trop cher", "Un logement trop petit", "Manger à sa faim",
         "Le prix des courses", "Un parc pour les enfants", "Des bancs au jardin public"]
CODES = ["A03", "A03", "A01", "A01", "B02", "B02"]


@pytest.fixture(scope="module")
def model():
    return suggest.train(TEXTS * 3, CODES * 3, seed=0)


def _rank(model, layer, text, exclude=()):
    features = suggest.features(model, [text])
    proba = suggest.probabilities(model, [text])
    near = layer.neighbours(features, exclude=exclude)
    blended, codes = suggest_layer.blend(proba, model.codes, near)
    return suggest_layer.top_k(blended, codes, 3)[0]


def test_a_confirmation_changes_the_next_suggestion_for_a_near_identical_card_at_once(model):
    card = "La pétanque au boulodrome avec les voisins"
    layer = suggest_layer.Layer(len(model.pipeline.steps[0][1].vocabulary_))
    before = _rank(model, layer, card)
    assert before[0][0] != "AL01"
    layer.put(101, suggest.features(model, ["La pétanque au boulodrome avec mes voisins"]), "AL01")
    after = _rank(model, layer, card)
    assert after[0][0] == "AL01" and after[0][1] > 0.5
    # Recoding the same card replaces its row; dropping it takes it out.
    layer.put(101, suggest.features(model, ["La pétanque au boulodrome avec mes voisins"]), "B02")
    assert _rank(model, layer, card)[0][0] == "B02" and len(layer) == 1
    layer.drop(101)
    assert _rank(model, layer, card) == before and len(layer) == 0


def test_a_far_card_is_not_pulled(model):
    layer = suggest_layer.Layer(len(model.pipeline.steps[0][1].vocabulary_))
    layer.put(1, suggest.features(model, ["La pétanque au boulodrome"]), "AL01")
    assert _rank(model, layer, "Le loyer est trop cher")[0][0] == "A03"


def test_compaction_keeps_every_live_row_and_exclusion(model, monkeypatch):
    monkeypatch.setattr(suggest_layer, "COMPACT_EVERY", 4)
    width = len(model.pipeline.steps[0][1].vocabulary_)
    rows = suggest.features(model, TEXTS)
    layer = suggest_layer.Layer.from_rows(rows[:2], [1, 2], CODES[:2])
    for i in range(2, 6):
        layer.put(i + 1, rows[i], CODES[i])
    layer.drop(2)
    assert len(layer) == 5 and layer.codes() == {"A03", "A01", "B02"}
    matrix, ids, codes = layer.rows()
    assert matrix.shape == (5, width) and sorted(ids) == [1, 3, 4, 5, 6]
    near = layer.neighbours(suggest.features(model, ["Le prix des courses"]))[0]
    assert near[0] == ("A01", pytest.approx(1.0, abs=1e-5))
    near = layer.neighbours(suggest.features(model, ["Le prix des courses"]), exclude=[4])[0]
    assert all(s < 0.99 for _, s in near)


def test_blend_without_a_model_and_with_allowed_codes():
    near = [[("AL01", 0.9), ("A03", 0.5)], []]
    blended, codes = suggest_layer.blend(np.zeros((2, 0)), (), near)
    assert codes == ["A03", "AL01"]
    assert blended[0].argmax() == 1 and blended[0].sum() == pytest.approx(1.0)
    assert blended[1].sum() == 0
    assert suggest_layer.top_k(blended, codes, 3)[1] == []
    blended, codes = suggest_layer.blend(np.array([[0.7, 0.3], [0.2, 0.8]]), ("A01", "B01"),
                                         near, allowed={"A01", "AL01"})
    assert codes == ["A01", "AL01"]
    assert all(row.sum() <= 1 + 1e-9 for row in blended)


def test_weight_grows_with_similarity():
    assert suggest_layer.weight(0.1) == 0
    assert 0 < suggest_layer.weight(0.5) < suggest_layer.weight(0.8) <= suggest_layer.MAX_WEIGHT
    assert suggest_layer.weight(1.0) == suggest_layer.MAX_WEIGHT


def test_empty_texts_have_no_features_and_no_neighbours(model):
    layer = suggest_layer.Layer.from_rows(suggest.features(model, TEXTS), range(6), CODES)
    features = suggest.features(model, ["", "😀😀", "1234"])
    assert features.shape[0] == 3
    assert all(row == [] for row in layer.neighbours(features)[:2])
