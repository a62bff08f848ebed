"""Coding suggestions: a small text classifier trained locally (scikit-learn, no download).

Pure functions, no Django: ``train(texts, codes)`` builds a :class:`Model`; ``top_k(model,
texts, k)`` ranks the model's components for each text with a confidence in 0..1. A
suggestion is only ever a hint: a person confirms the code of a card.

Features: TF-IDF of character n-grams (2–5, inside word boundaries) and of words and word
pairs, both on accent-folded lower-case text, so "écoles", "ecole" and "école" share most
features and spelling mistakes cost little. Classifier: one-vs-rest logistic regression by
stochastic gradient descent (``SGDClassifier(loss="log_loss")``), chosen over
``LogisticRegression`` and ``ComplementNB`` for its cross-validated accuracy and its
training time on 50,000 cards (see ``benchmarks/suggestions.py`` and
``cospiral suggest-eval``).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "data" / "examples"
LANGUAGES = ("fr", "en")

_COMBINING = re.compile(r"[\u0300-\u036f]")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "œ": "oe", "æ": "ae"})


def fold(text: str) -> str:
    """Lower case, without accents, with plain apostrophes: what the features read."""
    text = unicodedata.normalize("NFKD", (text or "").lower().translate(_APOSTROPHES))
    return _COMBINING.sub("", text)


def family_of(code: str) -> str:
    """The family letter of a component, local component or sub-object code (``A01``,
    ``AL01``, ``A01-11`` → ``A``)."""
    return code[:1].upper()


def component_of(code: str) -> str:
    """``A01-11`` → ``A01``; a component code stays itself."""
    return code.split("-", 1)[0]


@dataclass
class Model:
    """A trained classifier and the codes it knows, in the order of its columns."""

    pipeline: object
    codes: tuple[str, ...]
    trained_on: int = 0
    meta: dict = field(default_factory=dict)


def _features():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    return FeatureUnion(
        [
            ("chars", TfidfVectorizer(preprocessor=fold, analyzer="char_wb", ngram_range=(2, 5),
                                      sublinear_tf=True, min_df=1, max_features=200_000,
                                      dtype=np.float32)),
            ("words", TfidfVectorizer(preprocessor=fold, analyzer="word", ngram_range=(1, 2),
                                      token_pattern=r"(?u)\b\w\w+\b", sublinear_tf=True,
                                      min_df=1, max_features=100_000, dtype=np.float32)),
        ],
        n_jobs=None,
    )


def _classifier(seed: int):
    from sklearn.linear_model import SGDClassifier

    return SGDClassifier(loss="log_loss", alpha=5e-5, max_iter=50, tol=1e-4,
                         random_state=seed, n_jobs=2)


class _Constant:
    """A 'classifier' for training data with one code only: always that code."""

    def __init__(self, codes):
        self.classes_ = np.array(codes)

    def predict_proba(self, texts):
        return np.ones((len(texts), 1))


def train(texts: Sequence[str], codes: Sequence[str], *, seed: int = 0) -> Model:
    """Train on labelled texts. Empty texts are ignored; at least one example is needed."""
    pairs = [(t, c) for t, c in zip(texts, codes, strict=True) if (t or "").strip() and c]
    if not pairs:
        raise ValueError("No labelled text to train on.")
    x = [t for t, _ in pairs]
    y = [c for _, c in pairs]
    distinct = sorted(set(y))
    if len(distinct) == 1:
        return Model(pipeline=_Constant(distinct), codes=tuple(distinct), trained_on=len(x))
    from sklearn.pipeline import Pipeline

    pipeline = Pipeline([("features", _features()), ("classifier", _classifier(seed))])
    pipeline.fit(x, y)
    return Model(pipeline=pipeline, codes=tuple(str(c) for c in pipeline.classes_),
                 trained_on=len(x))


def probabilities(model: Model, texts: Sequence[str]) -> np.ndarray:
    """One row per text, one column per ``model.codes``; each row sums to 1."""
    if not len(texts):
        return np.zeros((0, len(model.codes)))
    proba = model.pipeline.predict_proba(list(texts))
    return np.asarray(proba, dtype=np.float64)


def top_k(model: Model, texts: Sequence[str], k: int = 3, *,
          allowed: Iterable[str] | None = None) -> list[list[tuple[str, float]]]:
    """For each text, up to ``k`` (code, confidence) pairs, most confident first.

    With ``allowed``, only those codes are ever returned (the others are dropped, not
    redistributed, so the confidences of one text sum to at most 1). Ties break by code,
    so the ranking is deterministic."""
    if k <= 0:
        return [[] for _ in texts]
    codes = np.array(model.codes)
    proba = probabilities(model, texts)
    if allowed is not None:
        allowed = set(allowed)
        mask = np.array([c in allowed for c in model.codes], dtype=bool)
        proba = np.where(mask[np.newaxis, :], proba, -1.0)
    # Codes are sorted (LabelEncoder order), so a stable sort on -proba breaks ties by code.
    order = np.argsort(-proba, axis=1, kind="stable")[:, :k]
    result = []
    for row, idx in zip(proba, order, strict=True):
        result.append([(str(codes[j]), float(min(1.0, max(0.0, row[j]))))
                       for j in idx if row[j] >= 0])
    return result


# --- the shipped examples ------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    text: str
    code: str
    question: str
    language: str


def load_examples(languages: Iterable[str] = LANGUAGES, directory: Path = EXAMPLES_DIR) -> list[Example]:
    """The labelled example criteria shipped in ``cospiral/data/examples`` (ours)."""
    examples = []
    for language in languages:
        path = directory / f"criteria_{language}.csv"
        if not path.exists():
            continue
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                text = (row.get("text") or "").strip()
                code = (row.get("code") or "").strip()
                if text and code:
                    examples.append(Example(text=text, code=code,
                                            question=(row.get("question") or "").strip(),
                                            language=language))
    return examples


def load_demo_examples(path: Path | None = None) -> list[Example]:
    """The demo's 300 French cards with their ``suggested_code`` (also ours)."""
    import json

    path = path or (EXAMPLES_DIR.parent / "demo" / "demo_fr.json")
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    language = data.get("language", "fr")
    examples = []
    for group in data.get("groups", []):
        for card in group.get("cards", []):
            if card.get("text") and card.get("suggested_code"):
                examples.append(Example(text=card["text"], code=card["suggested_code"],
                                        question=card.get("question", ""), language=language))
    return examples


def shipped_examples() -> list[Example]:
    return load_examples() + load_demo_examples()


# --- the grid's own words ------------------------------------------------------------

_SPLIT = re.compile(r"[,:;()]|\s(?:et|ou|and|or)\s")
DEFAULT_GRID = EXAMPLES_DIR.parent / "grid" / "spiral-default-2026.csv"


def grid_phrases(label: str, description: str = "") -> list[str]:
    """Short training texts drawn from a component's label and description: the label,
    and each phrase of the description before any "goes to ..." note. Adding them to the
    examples raised cross-validated top-3 accuracy by about 15 points, and they let a
    territory's new local component be suggested before any card is coded with it."""
    phrases = [label.strip()] if label and label.strip() else []
    head = (description or "").split(";")[0]
    phrases += [p.strip(" .'") for p in _SPLIT.split(head) if len(p.strip(" .'")) > 3]
    return phrases


def default_grid_phrases(path: Path = DEFAULT_GRID) -> tuple[list[str], list[str]]:
    """(texts, codes) of :func:`grid_phrases` for every component of the default grid."""
    texts, codes = [], []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            code = row["code"].strip()
            if len(code) < 3 or "-" in code:  # families and sub-objects
                continue
            for language in LANGUAGES:
                for phrase in grid_phrases(row.get(f"label_{language}", ""),
                                           row.get(f"description_{language}", "")):
                    texts.append(phrase)
                    codes.append(code)
    return texts, codes


# --- evaluation ----------------------------------------------------------------------


def cross_validate(texts: Sequence[str], codes: Sequence[str], *, groups: Sequence[str] | None = None,
                   folds: int = 5, seed: int = 0,
                   extra: tuple[Sequence[str], Sequence[str]] = ((), ())) -> dict:
    """Stratified k-fold cross-validation (by family) of ``train`` + ``top_k``.

    ``extra`` (texts, codes) is added to every training fold, never tested (the grid's
    phrases). Returns overall and, with ``groups`` (e.g. the language of each text),
    per-group figures: ``n``, ``top1_family`` (the first suggestion is in the right family)
    and ``top3_component`` (the right component is among the three suggestions)."""
    from sklearn.model_selection import KFold, StratifiedKFold

    texts = list(texts)
    codes = list(codes)
    n = len(texts)
    groups = list(groups) if groups is not None else ["all"] * n
    families = [family_of(c) for c in codes]
    folds = max(2, min(folds, n))
    smallest = min((families.count(f) for f in set(families)), default=0)
    if smallest >= folds:
        splits = StratifiedKFold(folds, shuffle=True, random_state=seed).split(texts, families)
    else:
        splits = KFold(folds, shuffle=True, random_state=seed).split(texts)
    hits: dict[str, list[int]] = {}
    extra_texts, extra_codes = list(extra[0]), list(extra[1])
    for train_idx, test_idx in splits:
        model = train([texts[i] for i in train_idx] + extra_texts,
                      [codes[i] for i in train_idx] + extra_codes, seed=seed)
        ranked = top_k(model, [texts[i] for i in test_idx], 3)
        for i, row in zip(test_idx, ranked, strict=True):
            suggested = [c for c, _ in row]
            family_hit = bool(suggested) and family_of(suggested[0]) == families[i]
            component_hit = codes[i] in suggested
            for key in ("all", groups[i]):
                counts = hits.setdefault(key, [0, 0, 0])
                counts[0] += 1
                counts[1] += family_hit
                counts[2] += component_hit
    return {
        key: {"n": c[0], "top1_family": round(c[1] / c[0], 4),
              "top3_component": round(c[2] / c[0], 4)}
        for key, c in sorted(hits.items(), key=lambda kv: (kv[0] != "all", kv[0]))
    }
