"""Coding suggestions: a small text classifier trained locally (scikit-learn, no download).

Pure functions, no Django: ``train(texts, codes)`` builds a :class:`Model`; ``top_k(model,
texts, k)`` ranks the model's components for each text with a confidence in 0..1. A
suggestion is only ever a hint: a person confirms the code of a card.

Features (:class:`CardVectorizer`): TF-IDF of character n-grams (2–5, inside word boundaries) and of words and word
pairs, both on accent-folded lower-case text, so "écoles", "ecole" and "école" share most
features and spelling mistakes cost little. Classifier: one-vs-rest logistic regression by
stochastic gradient descent (``SGDClassifier(loss="log_loss")``), chosen over
``LogisticRegression`` (same accuracy, ten times slower to train) and ``ComplementNB``
(slightly better top-3, but confidences about five times too low to show to a person)
for its cross-validated accuracy, its confidences and its training time on 50,000 cards (see ``benchmarks/suggestions.py`` and
``cospiral suggest-eval``).
"""

from __future__ import annotations

import csv
import re
import unicodedata
import warnings
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


_TOKEN = re.compile(r"\w\w+")


class CardVectorizer:
    """TF-IDF of character n-grams inside words (2–5, padded with a space on each side),
    whole words and word pairs, on accent-folded text, L2-normalised.

    The same features as a ``FeatureUnion`` of two ``TfidfVectorizer`` (``char_wb`` and
    word 1–2 grams), computed about five times faster: the n-grams of a word are looked up
    once and their column numbers cached, so a card costs a few dictionary look-ups per
    word instead of one per n-gram. This is what brings prediction above 20,000 cards/s."""

    def __init__(self, char_range: tuple[int, int] = (2, 5), cache_size: int = 300_000):
        self.char_range = char_range
        self.cache_size = cache_size
        self.vocabulary_: dict[str, int] = {}
        self.idf_ = np.zeros(0, dtype=np.float32)
        self._cache: dict[str, np.ndarray] = {}

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_cache"] = {}
        return state

    def _word_grams(self, word: str) -> list[str]:
        padded = f" {word} "
        lo, hi = self.char_range
        grams = []
        for n in range(lo, hi + 1):
            if len(padded) < n:
                break
            grams.extend(padded[i:i + n] for i in range(len(padded) - n + 1))
        grams.append("w:" + word)
        return grams

    @staticmethod
    def _words(text: str) -> list[str]:
        return _TOKEN.findall(fold(text))

    def fit(self, texts: Sequence[str], y=None):
        vocabulary: dict[str, int] = {}
        df: list[int] = []
        grams_of: dict[str, list[str]] = {}  # words repeat: build each word's grams once
        for text in texts:
            words = self._words(text)
            features = set()
            for word in set(words):
                grams = grams_of.get(word)
                if grams is None:
                    grams = grams_of[word] = self._word_grams(word)
                features.update(grams)
            features.update(f"b:{a} {b}" for a, b in zip(words, words[1:], strict=False))
            for feature in features:
                index = vocabulary.setdefault(feature, len(vocabulary))
                if index == len(df):
                    df.append(0)
                df[index] += 1
        n = len(texts)
        self.vocabulary_ = vocabulary
        self.idf_ = (np.log((1 + n) / (1 + np.asarray(df, dtype=np.float64))) + 1).astype(np.float32)
        self._cache = {}
        return self

    def _word_columns(self, word: str) -> np.ndarray:
        columns = self._cache.get(word)
        if columns is None:
            vocabulary = self.vocabulary_
            columns = np.fromiter((vocabulary[g] for g in self._word_grams(word) if g in vocabulary),
                                  dtype=np.int32)
            if len(self._cache) >= self.cache_size:
                self._cache.clear()
            self._cache[word] = columns
        return columns

    def transform(self, texts: Sequence[str]):
        from scipy import sparse

        vocabulary = self.vocabulary_
        pieces: list[np.ndarray] = []
        lengths = np.zeros(len(texts), dtype=np.int64)
        word_columns = self._word_columns
        for row, text in enumerate(texts):
            words = self._words(text)
            size = 0
            for word in words:
                columns = word_columns(word)
                pieces.append(columns)
                size += len(columns)
            pairs = [vocabulary[f] for f in (f"b:{a} {b}" for a, b in zip(words, words[1:], strict=False))
                     if f in vocabulary]
            if pairs:
                pieces.append(np.asarray(pairs, dtype=np.int32))
                size += len(pairs)
            lengths[row] = size
        indices = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int32)
        indptr = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        matrix = sparse.csr_matrix(
            (np.ones(len(indices), dtype=np.float32), indices, indptr),
            shape=(len(texts), len(vocabulary)))
        matrix.sum_duplicates()
        # Sublinear term frequency, inverse document frequency, unit length.
        np.log(matrix.data, out=matrix.data)
        matrix.data += 1
        matrix.data *= self.idf_[matrix.indices]
        counts = np.diff(matrix.indptr)
        norms = np.ones(len(texts), dtype=np.float32)
        filled = counts > 0
        if filled.any():
            # Sum of squares per row in float32, over the rows that have entries only
            # (reduceat would misread an empty row).
            squares = matrix.data * matrix.data
            norms[filled] = np.sqrt(np.add.reduceat(squares, matrix.indptr[:-1][filled]))
            norms[norms == 0] = 1
        matrix.data /= np.repeat(norms, counts)
        return matrix

    def fit_transform(self, texts: Sequence[str], y=None):
        return self.fit(texts).transform(texts)

    # scikit-learn's Pipeline asks these of its steps.
    def get_params(self, deep=True):
        return {"char_range": self.char_range, "cache_size": self.cache_size}

    def set_params(self, **params):
        for key, value in params.items():
            setattr(self, key, value)
        return self


def _features():
    return CardVectorizer()


def _classifier(seed: int, n: int = 0):
    """Epochs shrink as the data grows (about 300,000 card passes in all, 5 to 50 epochs):
    small territories converge fully, 50,000 cards train within the 15 s goal on 2 cores."""
    from sklearn.linear_model import SGDClassifier

    epochs = max(5, min(50, 300_000 // max(1, n)))
    return SGDClassifier(loss="log_loss", alpha=1e-4, max_iter=epochs, tol=1e-4,
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
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.pipeline import Pipeline

    pipeline = Pipeline([("features", _features()), ("classifier", _classifier(seed, len(x)))])
    with warnings.catch_warnings():
        # Few epochs on large data is deliberate (see _classifier).
        warnings.simplefilter("ignore", category=ConvergenceWarning)
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
    top = np.take_along_axis(proba, order, axis=1)
    names = codes[order].tolist()
    values = np.clip(top, 0.0, 1.0).tolist()
    keep = (top >= 0).tolist()
    result = []
    for row_names, row_values, row_keep in zip(names, values, keep, strict=True):
        if all(row_keep):
            result.append(list(zip(row_names, row_values, strict=True)))
        else:
            result.append([(c, v) for c, v, ok in zip(row_names, row_values, row_keep, strict=True) if ok])
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
            for key in {"all", groups[i]}:
                counts = hits.setdefault(key, [0, 0, 0])
                counts[0] += 1
                counts[1] += family_hit
                counts[2] += component_hit
    return {
        key: {"n": c[0], "top1_family": round(c[1] / c[0], 4),
              "top3_component": round(c[2] / c[0], 4)}
        for key, c in sorted(hits.items(), key=lambda kv: (kv[0] != "all", kv[0]))
    }


# --- features for nearest neighbours ---------------------------------------------------


def features(model: Model, texts: Sequence[str]):
    """The model's L2-normalised sparse feature rows of ``texts`` (one row per text), for
    nearest neighbours over the same features (``cospiral.domain.suggest_layer``). A
    model without a feature step (one code only) gives rows with no column."""
    from scipy import sparse

    steps = getattr(model.pipeline, "steps", None)
    if not steps:
        return sparse.csr_matrix((len(texts), 0), dtype=np.float32)
    return sparse.csr_matrix(steps[0][1].transform(list(texts)), dtype=np.float32)
