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
from typing import Any

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

    pipeline: Any  # a fitted scikit-learn pipeline (or a stand-in with predict_proba)
    codes: tuple[str, ...]
    trained_on: int = 0
    meta: dict = field(default_factory=dict)


_TOKEN = re.compile(r"\w\w+")
_RUNS = re.compile(r"(\w)\1{2,}")
# Spellings of post-its and text messages, folded, to the word they stand for (French and
# English). Only tokens of two letters or more reach this table (see ``_TOKEN``).
SPELLINGS = {
    "bcp": "beaucoup", "tjrs": "toujours", "tjs": "toujours", "ds": "dans", "pr": "pour",
    "qd": "quand", "pk": "pourquoi", "pq": "pourquoi", "ya": "il y a", "jsp": "je sais pas",
    "mm": "meme", "tt": "tout", "ts": "tous", "koi": "quoi", "ke": "que", "kan": "quand",
    "gosse": "enfant", "gosses": "enfants", "gamin": "enfant", "gamins": "enfants",
    "boulot": "travail", "taf": "travail", "bosser": "travailler", "flic": "police",
    "flics": "police", "keuf": "police", "keufs": "police", "thune": "argent", "thunes": "argent",
    "fric": "argent", "sous": "argent", "appart": "appartement", "apparts": "appartements",
    "ado": "adolescent", "ados": "adolescents", "asso": "association", "assos": "associations",
    "ordi": "ordinateur", "bouffe": "nourriture", "bouffer": "manger", "pote": "ami",
    "potes": "amis", "copain": "ami", "copains": "amis", "copine": "amie", "copines": "amies",
    "fringues": "vetements", "toubib": "medecin", "secu": "securite sociale",
    "u": "you", "ur": "your", "cuz": "because", "coz": "because", "gonna": "going to",
    "wanna": "want to", "dunno": "do not know", "mates": "friends", "mate": "friend",
    "kids": "children", "kid": "child", "telly": "television", "quid": "pounds",
    "cops": "police", "coppers": "police", "dosh": "money", "skint": "no money",
}


def _spelled(word: str) -> list[str]:
    """A folded token as one or more folded words: runs of three or more equal letters
    squeezed (« trooop » → « trop »), text-message spellings spelled out."""
    word = _RUNS.sub(r"\1", word)
    spelled = SPELLINGS.get(word)
    return spelled.split() if spelled else [word]


_stemmer_pair = None


_lead_cache: dict[str, tuple[str, ...]] = {}
_LEAD_CACHE_SIZE = 300_000


def _lead(word: str) -> tuple[str, ...]:
    """Features of the first word of a card (folded, spellings spelled out): its French
    and English stems, apart from the same stems elsewhere. A card that starts with a
    verb of action (« trier », « aider », « switching », « not ») says what someone does
    (family H), one that starts with « avoir », « un » or « les » names a need or a
    place: the first word tells the kind of card, whatever its topic words."""
    lead = _lead_cache.get(word)
    if lead is None:
        french, english = stems(word)
        lead = ("f:" + french, "g:" + english)
        if len(_lead_cache) >= _LEAD_CACHE_SIZE:
            _lead_cache.clear()
        _lead_cache[word] = lead
    return lead


def _stemmers():
    global _stemmer_pair
    if _stemmer_pair is None:
        import snowballstemmer

        _stemmer_pair = (snowballstemmer.stemmer("french"), snowballstemmer.stemmer("english"))
    return _stemmer_pair


def stems(word: str) -> tuple[str, str]:
    """French and English Snowball stems of one lower-case word, accent-folded
    (« logements » → « log », « loneliness » → « loneli »)."""
    french, english = _stemmers()
    return fold(french.stemWord(word)), fold(english.stemWord(word))


# Weights of the kinds of feature before normalisation (chosen by cross-validation on the
# shipped examples, ``cospiral suggest-eval``): the n-grams of a word are many, its word
# and stem features few, so these are raised to count about as much as the n-grams.
WORD_WEIGHT = 1.0
STEM_WEIGHT = 1.0
PAIR_WEIGHT = 1.0
QUESTION_WEIGHT = 3.0
LEAD_WEIGHT = 1.0


class CardVectorizer:
    """TF-IDF of character n-grams inside words (2–5, padded with a space on each side),
    whole words, French and English Snowball stems and word pairs, on accent-folded text
    with text-message spellings spelled out, plus (optionally) the question a card answers
    (``q:Q1`` …), L2-normalised.

    Computed about five times faster than a ``FeatureUnion`` of ``TfidfVectorizer``: the
    features of a word are looked up once and their column numbers cached, so a card costs
    a few dictionary look-ups per word instead of one per n-gram. This is what keeps
    prediction above 20,000 cards/s."""

    def __init__(self, char_range: tuple[int, int] = (3, 5), cache_size: int = 300_000):
        self.char_range = char_range
        self.cache_size = cache_size
        self.vocabulary_: dict[str, int] = {}
        self.idf_ = np.zeros(0, dtype=np.float32)
        self.weights_ = np.zeros(0, dtype=np.float32)
        self._cache: dict[str, np.ndarray] = {}
        self._spelled_cache: dict[str, list[str]] = {}

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_cache"] = {}
        state["_spelled_cache"] = {}
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.__dict__.setdefault("_spelled_cache", {})
        if not hasattr(self, "weights_"):  # a model pickled before weights existed
            self.weights_ = np.ones(len(self.vocabulary_), dtype=np.float32)

    def _word_grams(self, word: str) -> list[str]:
        """The features of one folded word: n-grams and the word itself."""
        padded = f" {word} "
        lo, hi = self.char_range
        grams: list[str] = []
        for n in range(lo, hi + 1):
            if len(padded) < n:
                break
            grams.extend(padded[i:i + n] for i in range(len(padded) - n + 1))
        grams.append("w:" + word)
        return grams

    def _token_features(self, token: str) -> list[str]:
        """Every feature of one lower-case token (n-grams, words, stems)."""
        features = []
        for word in _spelled(fold(token)):
            features.extend(self._word_grams(word))
            french, english = stems(word if word != fold(token) else token)
            features.append("s:" + french)
            features.append("e:" + english)
        return features

    @staticmethod
    def _tokens(text: str) -> list[str]:
        return _TOKEN.findall((text or "").lower().translate(_APOSTROPHES))

    @staticmethod
    def _words(text: str) -> list[str]:
        """Folded words of a text, spellings spelled out (for word pairs)."""
        words = []
        for token in CardVectorizer._tokens(text):
            words.extend(_spelled(fold(token)))
        return words

    @staticmethod
    def _weight(feature: str) -> float:
        if feature.startswith("w:"):
            return WORD_WEIGHT
        if feature.startswith(("s:", "e:")):
            return STEM_WEIGHT
        if feature.startswith("b:"):
            return PAIR_WEIGHT
        if feature.startswith("q:"):
            return QUESTION_WEIGHT
        if feature.startswith(("f:", "g:")):
            return LEAD_WEIGHT
        return 1.0

    def fit(self, texts: Sequence[str], y=None, *, questions: Sequence[str] | None = None):
        self._fit_counts(texts, questions)
        return self

    def _fit_counts(self, texts: Sequence[str], questions: Sequence[str] | None):
        """Learn the vocabulary and the document frequencies, and return the raw term
        counts of ``texts`` (what :meth:`transform` would count): one pass over the
        texts, each distinct token's features built and numbered once."""
        from scipy import sparse

        vocabulary: dict[str, int] = {}
        number = vocabulary.setdefault
        token_columns: dict[str, np.ndarray] = {}
        spelled_of: dict[str, list[str]] = {}
        pieces: list[np.ndarray] = []
        lengths = np.zeros(len(texts), dtype=np.int64)
        # Word pairs a one-token text gets at fit time only (a spelling spelled out into
        # several words): they count in the document frequencies, as they always did,
        # never in the text's row (transform reads pairs of two tokens or more).
        fit_only: list[tuple[int, int]] = []
        for row, text in enumerate(texts):
            tokens = self._tokens(text)
            size = 0
            words: list[str] = []
            for token in tokens:
                columns = token_columns.get(token)
                if columns is None:
                    columns = np.fromiter((number(g, len(vocabulary)) for g in self._token_features(token)),
                                          dtype=np.int32)
                    token_columns[token] = columns
                    spelled_of[token] = _spelled(fold(token))
                pieces.append(columns)
                size += len(columns)
                words.extend(spelled_of[token])
            pairs = [number(f"b:{a} {b}", len(vocabulary)) for a, b in zip(words, words[1:], strict=False)]
            if len(tokens) <= 1:
                fit_only.extend((row, column) for column in set(pairs))
                pairs = []
            if words:
                pairs.extend(number(f, len(vocabulary)) for f in _lead(words[0]))
            if questions is not None and questions[row]:
                pairs.append(number("q:" + str(questions[row]), len(vocabulary)))
            if pairs:
                pieces.append(np.asarray(pairs, dtype=np.int32))
                size += len(pairs)
            lengths[row] = size
        if not vocabulary:
            # Texts without a word of two letters: one column that is never set, so that a
            # classifier still learns the codes' frequencies instead of failing.
            vocabulary["_:empty"] = 0
        indices = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int32)
        indptr = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        counts = sparse.csr_matrix((np.ones(len(indices), dtype=np.float32), indices, indptr),
                                   shape=(len(texts), len(vocabulary)))
        counts.sum_duplicates()
        df = np.bincount(counts.indices, minlength=len(vocabulary))
        if fit_only:
            df += np.bincount(np.asarray([c for _, c in fit_only], dtype=np.int64), minlength=len(vocabulary))
        n = len(texts)
        self.vocabulary_ = vocabulary
        self.idf_ = (np.log((1 + n) / (1 + df.astype(np.float64))) + 1).astype(np.float32)
        weights = np.ones(len(vocabulary), dtype=np.float32)
        for feature, index in vocabulary.items():
            if len(feature) > 2 and feature[1] == ":":  # n-grams never hold a colon
                weights[index] = self._weight(feature)
        self.weights_ = weights
        self._cache = token_columns if len(token_columns) < self.cache_size else {}
        self._spelled_cache = spelled_of if len(spelled_of) < self.cache_size else {}
        return counts

    def _token_columns(self, token: str) -> np.ndarray:
        columns = self._cache.get(token)
        if columns is None:
            vocabulary = self.vocabulary_
            columns = np.fromiter((vocabulary[g] for g in self._token_features(token) if g in vocabulary),
                                  dtype=np.int32)
            if len(self._cache) >= self.cache_size:
                self._cache.clear()
            self._cache[token] = columns
        return columns

    def transform(self, texts: Sequence[str], *, questions: Sequence[str] | None = None):
        """One unit-length row per text. ``questions`` (optional, one per text: ``Q1`` …)
        adds the question feature of each text that has one."""
        from scipy import sparse

        vocabulary = self.vocabulary_
        lookup = vocabulary.get
        pieces: list[np.ndarray] = []
        lengths = np.zeros(len(texts), dtype=np.int64)
        token_columns = self._token_columns
        spelled_cache = self._spelled_cache
        if len(spelled_cache) >= self.cache_size:
            spelled_cache.clear()
        for row, text in enumerate(texts):
            tokens = self._tokens(text)
            size = 0
            for token in tokens:
                columns = token_columns(token)
                pieces.append(columns)
                size += len(columns)
            words = []
            for token in tokens:
                spelled = spelled_cache.get(token)
                if spelled is None:
                    spelled = spelled_cache[token] = _spelled(fold(token))
                words.extend(spelled)
            if len(tokens) > 1:
                pairs = [c for c in map(lookup, [f"b:{a} {b}" for a, b in zip(words, words[1:], strict=False)])
                         if c is not None]
            else:
                pairs = []
            if words:
                pairs.extend(c for c in map(lookup, _lead(words[0])) if c is not None)
            if questions is not None and questions[row]:
                column = vocabulary.get("q:" + str(questions[row]))
                if column is not None:
                    pairs.append(column)
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
        return self._weigh(matrix)

    def _weigh(self, matrix):
        """Raw counts to features, in place: sublinear term frequency, inverse document
        frequency, kind weight, unit length."""
        # Sublinear term frequency, inverse document frequency, kind weight, unit length.
        np.log(matrix.data, out=matrix.data)
        matrix.data += 1
        matrix.data *= self.idf_[matrix.indices] * self.weights_[matrix.indices]
        counts = np.diff(matrix.indptr)
        norms = np.ones(matrix.shape[0], dtype=np.float32)
        filled = counts > 0
        if filled.any():
            # Sum of squares per row in float32, over the rows that have entries only
            # (reduceat would misread an empty row).
            squares = matrix.data * matrix.data
            norms[filled] = np.sqrt(np.add.reduceat(squares, matrix.indptr[:-1][filled]))
            norms[norms == 0] = 1
        matrix.data /= np.repeat(norms, counts)
        return matrix

    def fit_transform(self, texts: Sequence[str], y=None, *, questions: Sequence[str] | None = None):
        """``fit(texts).transform(texts)`` in one pass (the counts of the fit are the
        transform's)."""
        return self._weigh(self._fit_counts(texts, questions))

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
    return SGDClassifier(loss="log_loss", alpha=ALPHA, max_iter=epochs, tol=1e-4,
                         random_state=seed, n_jobs=2)


ALPHA = 2e-5


class _Constant:
    """A 'classifier' for training data with one code only: always that code."""

    def __init__(self, codes):
        self.classes_ = np.array(codes)

    def predict_proba(self, texts):
        return np.ones((len(texts), 1))


def _softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores / max(temperature, 1e-6)
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def _scores(classifier, matrix) -> np.ndarray:
    """Decision scores, one column per class (two classes give one column).

    The weights are kept in Fortran order: the product ``matrix @ coef_.T`` then reads
    them as they are, where a C-ordered ``coef_`` was copied whole on every call (7 ms
    for a board's two cards with the base model, far more for a large territory's)."""
    coef = getattr(classifier, "coef_", None)
    if coef is not None and not coef.flags.f_contiguous:
        classifier.coef_ = np.asfortranarray(coef)  # once per model: same values
    scores = np.asarray(classifier.decision_function(matrix), dtype=np.float64)
    if scores.ndim == 1:
        scores = np.column_stack([-scores, scores])
    return scores


def _fit_temperature(scores: np.ndarray, truth: np.ndarray) -> float:
    """The temperature that minimises the negative log-likelihood of held-out answers
    (temperature scaling, Guo et al. 2017): a single number, so the ranking never changes,
    only what the percentages mean."""
    from scipy.optimize import minimize_scalar

    rows = np.arange(len(truth))

    def loss(log_t):
        p = _softmax(scores, float(np.exp(log_t)))
        return -float(np.mean(np.log(np.clip(p[rows, truth], 1e-12, None))))

    result = minimize_scalar(loss, bounds=(np.log(0.02), np.log(50.0)), method="bounded")
    return float(np.exp(result.x))


# The temperature used when the training data is too small or too one-sided to hold some
# out (measured on the shipped examples).
DEFAULT_TEMPERATURE = 0.25
CALIBRATION_SAMPLE = 12_000
# Above LARGE texts, the model leaves LARGE_HOLDOUT of them out to fit its temperature.
LARGE = 20_000
LARGE_HOLDOUT = 2_000


def _fit(x, y, questions, seed):
    from sklearn.exceptions import ConvergenceWarning

    vectorizer = _features()
    matrix = vectorizer.fit_transform(x, questions=questions)
    classifier = _classifier(seed, len(x))
    with warnings.catch_warnings():
        # Few epochs on large data is deliberate (see _classifier).
        warnings.simplefilter("ignore", category=ConvergenceWarning)
        classifier.fit(matrix, y)
    return vectorizer, classifier


def _calibration_temperature(x, y, questions, seed) -> float:
    """Hold out a fifth of (at most ``CALIBRATION_SAMPLE``) training texts, train on the
    rest, fit the temperature on the held-out fifth."""
    rng = np.random.default_rng(seed)
    n = len(x)
    order = rng.permutation(n)[:CALIBRATION_SAMPLE]
    cut = int(len(order) * 0.8)
    fit_idx, held_idx = order[:cut], order[cut:]
    y = np.asarray(y)
    if len(held_idx) < 50 or len(set(y[fit_idx])) < 2:
        return DEFAULT_TEMPERATURE
    q = None if questions is None else [questions[i] for i in fit_idx]
    vectorizer, classifier = _fit([x[i] for i in fit_idx], y[fit_idx], q, seed)
    known = {c: i for i, c in enumerate(classifier.classes_)}
    keep = [i for i in held_idx if y[i] in known]
    if len(keep) < 50:
        return DEFAULT_TEMPERATURE
    qh = None if questions is None else [questions[i] for i in keep]
    scores = _scores(classifier, vectorizer.transform([x[i] for i in keep], questions=qh))
    return _fit_temperature(scores, np.array([known[y[i]] for i in keep]))


def train(texts: Sequence[str], codes: Sequence[str], *, seed: int = 0,
          questions: Sequence[str] | None = None, calibrate: bool = True) -> Model:
    """Train on labelled texts. Empty texts are ignored; at least one example is needed.

    ``questions`` (optional, one per text: ``Q1`` well-being, ``Q2`` ill-being, ``Q3`` what
    I do…, or empty) makes the question a feature; a model trained with it still ranks
    texts given without one. ``calibrate`` fits the temperature of the confidences on
    held-out data: up to ``LARGE`` texts, a model trained on four fifths of them ranks the
    last fifth (see :func:`_calibration_temperature`); above, the model leaves
    ``LARGE_HOLDOUT`` texts out of its own training (so that training 50,000 cards stays
    within its time)."""
    if questions is None:
        rows = [(t, c, "") for t, c in zip(texts, codes, strict=True)]
    else:
        rows = list(zip(texts, codes, questions, strict=True))
    rows = [(t, c, q or "") for t, c, q in rows if (t or "").strip() and c]
    if not rows:
        raise ValueError("No labelled text to train on.")
    x = [t for t, _, _ in rows]
    y = [c for _, c, _ in rows]
    q = [str(q) for _, _, q in rows] if questions is not None else None
    distinct = sorted(set(y))
    if len(distinct) == 1:
        return Model(pipeline=_Constant(distinct), codes=tuple(distinct), trained_on=len(x))
    from sklearn.pipeline import Pipeline

    if calibrate and len(x) > LARGE:
        # Large data: the model itself leaves out a few thousand texts to fit its
        # temperature on (no second training, and a loss of a few per cent of the data).
        order = np.random.default_rng(seed).permutation(len(x))
        drawn, kept = order[:LARGE_HOLDOUT], np.sort(order[LARGE_HOLDOUT:])
        y_array = np.asarray(y)
        vectorizer, classifier = _fit([x[i] for i in kept], y_array[kept],
                                      None if q is None else [q[i] for i in kept], seed)
        known = {c: i for i, c in enumerate(classifier.classes_)}
        held = [i for i in drawn if y[i] in known]
        scores = _scores(classifier, vectorizer.transform(
            [x[i] for i in held], questions=None if q is None else [q[i] for i in held]))
        temperature = _fit_temperature(scores, np.array([known[y[i]] for i in held]))
    else:
        temperature = _calibration_temperature(x, y, q, seed) if calibrate else DEFAULT_TEMPERATURE
        vectorizer, classifier = _fit(x, y, q, seed)
    pipeline = Pipeline([("features", vectorizer), ("classifier", classifier)])
    return Model(pipeline=pipeline, codes=tuple(str(c) for c in classifier.classes_),
                 trained_on=len(x), meta={"temperature": temperature,
                                          "questions": questions is not None})


def vectorizer_of(model: Model):
    """The model's :class:`CardVectorizer` (for nearest neighbours over the same
    features), or None for a one-code model."""
    steps = getattr(model.pipeline, "named_steps", None)
    return steps["features"] if steps else None


def probabilities(model: Model, texts: Sequence[str], *,
                  questions: Sequence[str] | None = None) -> np.ndarray:
    """One row per text, one column per ``model.codes``; each row sums to 1. The
    confidences are calibrated (temperature scaling, see :func:`train`)."""
    if not len(texts):
        return np.zeros((0, len(model.codes)))
    steps = getattr(model.pipeline, "named_steps", None)
    if not steps:
        return np.asarray(model.pipeline.predict_proba(list(texts)), dtype=np.float64)
    texts = list(texts)
    vectorizer, classifier = steps["features"], steps["classifier"]
    temperature = model.meta.get("temperature")
    if temperature is None:  # a model from before calibration
        matrix = vectorizer.transform(texts, questions=questions)
        return np.asarray(classifier.predict_proba(matrix), dtype=np.float64)
    unknown = [] if not model.meta.get("questions") else (
        list(range(len(texts))) if questions is None else [i for i, q in enumerate(questions) if not q])
    if not unknown:
        return _softmax(_scores(classifier, vectorizer.transform(texts, questions=questions)), temperature)
    # The model learnt the question a card answers, and this card's is unknown: its
    # confidences are averaged over the three questions of a group (well-being,
    # ill-being, what I do), each as likely. Ranked as if no question had been asked,
    # a card that says what someone does (« trier mes poubelles ») went to the topic it
    # names (pollution) rather than to family H.
    given = list(questions) if questions is not None else [""] * len(texts)
    known = [i for i, q in enumerate(given) if q]
    proba = np.zeros((len(texts), len(model.codes)))
    if known:
        proba[known] = _softmax(_scores(classifier, vectorizer.transform(
            [texts[i] for i in known], questions=[given[i] for i in known])), temperature)
    missing = [texts[i] for i in unknown]
    mixed = sum(_softmax(_scores(classifier, vectorizer.transform(missing, questions=[q] * len(missing))),
                         temperature) for q in UNKNOWN_QUESTION_MIX)
    proba[unknown] = mixed / len(UNKNOWN_QUESTION_MIX)
    return proba


FAMILY_FIRST = True


def ranking(proba: np.ndarray, codes: Sequence[str], k: int) -> np.ndarray:
    """Column numbers of the ``k`` suggestions of each row of ``proba`` (one column per
    ``codes``; a negative value is a code that may not be named).

    The first is the most likely component of the most likely *family* (the family whose
    components' probabilities sum highest), the others the most likely of the rest, ties
    by column: a card split between three components of one family and one of another is
    most likely in the first family (top-1 family 0.2 point higher, cross-validated on the
    shipped examples, 0.6 and 2 points on the French and English held-out criteria; the
    three named are the same). Its confidence may then be below the second's."""
    k = min(k, proba.shape[1])
    order = np.argsort(-proba, axis=1, kind="stable")[:, :k]
    if not FAMILY_FIRST or not len(proba) or k == 0:
        return order
    families = sorted({family_of(c) for c in codes})
    if len(families) < 2:
        return order
    family_column = np.array([families.index(family_of(c)) for c in codes])
    one_hot = np.zeros((len(codes), len(families)))
    one_hot[np.arange(len(codes)), family_column] = 1.0
    best_family = np.argmax(np.clip(proba, 0.0, None) @ one_hot, axis=1)
    inside = np.where(family_column[np.newaxis, :] == best_family[:, np.newaxis], proba, -np.inf)
    first = np.argmax(inside, axis=1)
    rows = np.arange(len(proba))
    # A first that may not be named (or names nothing) leaves the plain order.
    first = np.where(proba[rows, first] > 0, first, order[:, 0])
    is_first = order == first[:, np.newaxis]
    present = is_first.any(axis=1)
    moved = np.take_along_axis(order, np.argsort(~is_first, axis=1, kind="stable"), axis=1)
    prepended = np.column_stack([first, order[:, :k - 1]])
    return np.where(present[:, np.newaxis], moved, prepended)


# The questions a card with no known question is ranked under, each as likely (see
# :func:`probabilities`).
UNKNOWN_QUESTION_MIX = ("Q1", "Q2", "Q3")


def top_k(model: Model, texts: Sequence[str], k: int = 3, *,
          allowed: Iterable[str] | None = None,
          questions: Sequence[str] | None = None) -> list[list[tuple[str, float]]]:
    """For each text, up to ``k`` (code, confidence) pairs, most confident first.

    With ``allowed``, only those codes are ever returned (the others are dropped, not
    redistributed, so the confidences of one text sum to at most 1). ``questions``
    (optional, one per text) is passed to the features. Ties break by code, so the
    ranking is deterministic."""
    if k <= 0:
        return [[] for _ in texts]
    codes = np.array(model.codes)
    proba = probabilities(model, texts, questions=questions)
    if allowed is not None:
        allowed = set(allowed)
        mask = np.array([c in allowed for c in model.codes], dtype=bool)
        proba = np.where(mask[np.newaxis, :], proba, -1.0)
    # Codes are sorted (LabelEncoder order), so a stable sort on -proba breaks ties by code.
    order = ranking(proba, model.codes, k)
    top = np.take_along_axis(proba, order, axis=1)
    names = codes[order].tolist()
    values = np.clip(top, 0.0, 1.0).tolist()
    if allowed is None:  # every code may be named: nothing to drop
        return [list(zip(n, v, strict=True)) for n, v in zip(names, values, strict=True)]
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


class _Tally:
    """Counts of top-1 family and top-3 component hits per key."""

    def __init__(self):
        self.hits: dict[str, list[int]] = {}

    def add(self, keys: Iterable[str], truth: str, suggested: Sequence[str]) -> None:
        family_hit = bool(suggested) and family_of(suggested[0]) == family_of(truth)
        component_hit = truth in suggested[:3] if len(truth) >= 3 else family_hit
        for key in keys:
            counts = self.hits.setdefault(key, [0, 0, 0])
            counts[0] += 1
            counts[1] += family_hit
            counts[2] += component_hit

    def result(self) -> dict:
        return {
            key: {"n": c[0], "top1_family": round(c[1] / c[0], 4),
                  "top3_component": round(c[2] / c[0], 4)}
            for key, c in sorted(self.hits.items(), key=lambda kv: (kv[0] != "all", kv[0]))
        }


def reliability(confidences: Sequence[float] | np.ndarray, correct: Sequence[bool] | np.ndarray,
                bins: int = 10) -> dict:
    """Reliability table of shown confidences: for each bin of confidence (0–10 %, …,
    90–100 %), how many suggestions fell in it, their mean confidence and how often they
    were right; and the expected calibration error (the mean gap, weighted by count)."""
    confidences = np.asarray(confidences, dtype=np.float64)
    correct = np.asarray(correct, dtype=bool)
    rows = []
    total = len(confidences)
    gap = 0.0
    edges = np.linspace(0, 1, bins + 1)
    which = np.minimum((confidences * bins).astype(int), bins - 1) if total else np.zeros(0, int)
    for b in range(bins):
        mask = which == b
        n = int(mask.sum())
        if not n:
            continue
        mean = float(confidences[mask].mean())
        accuracy = float(correct[mask].mean())
        gap += n * abs(mean - accuracy)
        rows.append({"low": round(float(edges[b]), 2), "high": round(float(edges[b + 1]), 2), "n": n,
                     "mean_confidence": round(mean, 4), "accuracy": round(accuracy, 4)})
    return {"bins": rows, "suggestions": total,
            "expected_calibration_error": round(gap / total, 4) if total else None}


def score_ranked(truths: Sequence[str], ranked: Sequence[Sequence[tuple[str, float]]],
                 groups: Sequence[Sequence[str]]) -> tuple[dict, list[float], list[bool]]:
    """Tally of :func:`top_k` rows against the right codes, per group key (each text has
    a list of keys, e.g. ``["all", "fr", "fr:A"]``); and the (confidence, right?) of every
    suggestion shown, for :func:`reliability`."""
    tally = _Tally()
    confidences: list[float] = []
    correct: list[bool] = []
    for truth, row, keys in zip(truths, ranked, groups, strict=True):
        tally.add(keys, truth, [c for c, _ in row])
        for code, confidence in row:
            confidences.append(confidence)
            correct.append(code == truth if len(truth) >= 3 else family_of(code) == family_of(truth))
    return tally.result(), confidences, correct


def cross_validate(texts: Sequence[str], codes: Sequence[str], *, groups: Sequence[str] | None = None,
                   folds: int = 5, seed: int = 0,
                   extra: tuple[Sequence[str], Sequence[str]] = ((), ()),
                   questions: Sequence[str] | None = None,
                   split_by: Sequence[object] | None = None,
                   with_reliability: bool = False, calibrate: bool = True) -> dict:
    """Stratified k-fold cross-validation (by family) of ``train`` + ``top_k``.

    ``extra`` (texts, codes) is added to every training fold, never tested (the grid's
    phrases, or the shipped examples when a territory is cross-validated). ``questions``
    (one per text) makes the question a feature. ``split_by`` (one key per text, e.g. a
    card's id) keeps the texts of one key in the same fold. Returns overall and, with
    ``groups`` (e.g. the language of each text), per-group figures: ``n``,
    ``top1_family`` (the first suggestion is in the right family) and ``top3_component``
    (the right component is among the three suggestions); with ``with_reliability``, also
    the ``reliability`` table of the confidences shown. ``calibrate=False`` skips the
    temperature fit of each fold's model (same ranking, faster)."""
    from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold

    texts = list(texts)
    codes = list(codes)
    n = len(texts)
    groups = list(groups) if groups is not None else ["all"] * n
    families = [family_of(c) for c in codes]
    folds = max(2, min(folds, n))
    smallest = min((families.count(f) for f in set(families)), default=0)
    if split_by is not None:
        keys = list(split_by)
        folds = max(2, min(folds, len(set(keys))))
        splits = GroupKFold(folds).split(texts, families, keys)
    elif smallest >= folds:
        splits = StratifiedKFold(folds, shuffle=True, random_state=seed).split(texts, families)
    else:
        splits = KFold(folds, shuffle=True, random_state=seed).split(texts)
    extra_texts, extra_codes = list(extra[0]), list(extra[1])
    truths, rows, keys_of = [], [], []
    for train_idx, test_idx in splits:
        train_questions = None
        if questions is not None:
            train_questions = [questions[i] for i in train_idx] + [""] * len(extra_texts)
        model = train([texts[i] for i in train_idx] + extra_texts,
                      [codes[i] for i in train_idx] + extra_codes, seed=seed,
                      questions=train_questions, calibrate=calibrate)
        test_questions = None if questions is None else [questions[i] for i in test_idx]
        ranked = top_k(model, [texts[i] for i in test_idx], 3, questions=test_questions)
        for i, row in zip(test_idx, ranked, strict=True):
            truths.append(codes[i])
            rows.append(row)
            keys_of.append(["all", groups[i]])
    result, confidences, correct = score_ranked(truths, rows, keys_of)
    if with_reliability:
        result["reliability"] = reliability(confidences, correct)
    return result


def evaluate_model(model: Model, texts: Sequence[str], truths: Sequence[str], *,
                   languages: Sequence[str], questions: Sequence[str] | None = None,
                   allowed: Iterable[str] | None = None) -> dict:
    """How a trained model ranks labelled texts it never saw (a held-out set): top-1
    family and top-3 component overall, per language, per family and per language and
    family, and the reliability table. A truth may be a family letter alone (then only
    the family counts)."""
    ranked = top_k(model, list(texts), 3, allowed=allowed, questions=questions)
    keys = [["all", lang, f"{lang}:{family_of(t)}", f"*:{family_of(t)}"]
            for t, lang in zip(truths, languages, strict=True)]
    result, confidences, correct = score_ranked(list(truths), ranked, keys)
    return {"results": result, "reliability": reliability(confidences, correct)}


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
