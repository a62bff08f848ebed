"""Coding suggestions: a small text classifier trained locally (scikit-learn, no download).

Pure functions, no Django: ``train(texts, codes)`` builds a :class:`Model`; ``top_k(model,
texts, k)`` ranks the model's components for each text with a confidence in 0..1. A
suggestion is only ever a hint: a person confirms the code of a card.

Features (:class:`CardVectorizer`): TF-IDF of character n-grams (3–5, inside word boundaries) and of words, stems and
word pairs, both on accent-folded lower-case text, so "écoles", "ecole" and "école" share most
features and spelling mistakes cost little; the stems of the card's first word apart (a card
that starts with a verb of action says what someone does); the question it answers when
known (averaged over the three questions when not). Classifier: one-vs-rest logistic regression by
stochastic gradient descent (``SGDClassifier(loss="log_loss")``), chosen over
``LogisticRegression`` (same accuracy, ten times slower to train) and ``ComplementNB``
(slightly better top-3, but confidences about five times too low to show to a person)
for its cross-validated accuracy, its confidences and its training time on 50,000 cards (see ``benchmarks/suggestions.py`` and
``cospiral suggest-eval``). A complement naive Bayes's log-likelihoods are added to its
scores before the temperature (a second learner on the same features: top-1 family with
the question unknown 79.3 % → 80.1 %, cross-validated), so the confidences shown are
still the calibrated ones.

The package, one module at a time: :mod:`.text` (folding, tokens, spellings, stems),
:mod:`.features` (:class:`CardVectorizer`), :mod:`.model` (training, calibration, the
question guessed when unknown, ranking), :mod:`.examples` (the shipped examples and the
grid's words) and :mod:`.evaluation` (accuracy, reliability, cross-validation). Every name
is importable from ``cospiral.domain.suggest`` as before.
"""

from __future__ import annotations

from cospiral.domain.suggest.evaluation import (
    cross_validate,
    evaluate_model,
    reliability,
    score_ranked,
)
from cospiral.domain.suggest.examples import (
    DEFAULT_GRID,
    Example,
    default_grid_phrases,
    grid_phrases,
    load_demo_examples,
    load_examples,
    shipped_examples,
)
from cospiral.domain.suggest.features import (
    LEAD_WEIGHT,
    PAIR_WEIGHT,
    QUESTION_WEIGHT,
    STEM_WEIGHT,
    WORD_WEIGHT,
    CardVectorizer,
)
from cospiral.domain.suggest.model import (
    ALPHA,
    DEFAULT_TEMPERATURE,
    FAMILY_FIRST,
    GUESSED_QUESTIONS,
    UNKNOWN_QUESTION_MIX,
    Model,
    features,
    probabilities,
    ranking,
    top_k,
    train,
    vectorizer_of,
)
from cospiral.domain.suggest.text import (
    EXAMPLES_DIR,
    LANGUAGES,
    SPELLINGS,
    _lead,
    component_of,
    family_of,
    fold,
    stems,
)

__all__ = [
    "ALPHA", "DEFAULT_GRID", "DEFAULT_TEMPERATURE", "EXAMPLES_DIR", "FAMILY_FIRST", "GUESSED_QUESTIONS",
    "LANGUAGES", "LEAD_WEIGHT", "PAIR_WEIGHT", "QUESTION_WEIGHT", "SPELLINGS", "STEM_WEIGHT",
    "UNKNOWN_QUESTION_MIX", "WORD_WEIGHT", "CardVectorizer", "Example", "Model", "_lead",
    "component_of", "cross_validate", "default_grid_phrases", "evaluate_model", "family_of",
    "features", "fold", "grid_phrases", "load_demo_examples", "load_examples", "probabilities",
    "ranking", "reliability", "score_ranked", "shipped_examples", "stems", "top_k", "train",
    "vectorizer_of",
]
