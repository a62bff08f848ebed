"""The classifier: training (:func:`train`), calibrated confidences, the question a card
answers guessed from its text when unknown, and the ranking of suggestions (:func:`top_k`)."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cospiral.domain.suggest.features import CardVectorizer
from cospiral.domain.suggest.text import family_of


@dataclass
class Model:
    """A trained classifier and the codes it knows, in the order of its columns."""

    pipeline: Any  # a fitted scikit-learn pipeline (or a stand-in with predict_proba)
    codes: tuple[str, ...]
    trained_on: int = 0
    meta: dict = field(default_factory=dict)


def _features():
    return CardVectorizer()


def _classifier(seed: int, n: int = 0):
    """Epochs shrink as the data grows (about 300,000 card passes in all, 5 to 50 epochs):
    small territories converge fully, 50,000 cards train within the 15 s goal on 2 cores."""
    from sklearn.linear_model import SGDClassifier

    epochs = max(5, min(50, 300_000 // max(1, n)))
    return SGDClassifier(loss="log_loss", alpha=ALPHA, max_iter=epochs, tol=1e-4,
                         random_state=seed, n_jobs=2)


# The classifier's regularisation: 1e-5 rather than 2e-5 raised the cross-validated top-1
# family on the shipped examples by 0.4 point with the question given and 0.7 with it
# unknown (5 folds, seed 0, 5,695 examples).
ALPHA = 1e-5


class _Constant:
    """A 'classifier' for training data with one code only: always that code."""

    def __init__(self, codes):
        self.classes_ = np.array(codes)

    def predict_proba(self, texts):
        return np.ones((len(texts), 1))


class _Blended:
    """The linear classifier's decision scores plus ``BAYES_WEIGHT`` times a complement
    naive Bayes's log-likelihoods (Rennie et al. 2003) on the same features: a second,
    different learner whose errors are not the first's (see ``BAYES_WEIGHT``).

    The naive Bayes is kept sparse (see :func:`_fit_bayes`): ``bayes``, one column per
    class, holds a weight only where a feature occurs in that class's cards, and
    ``per_weight`` a class's weight per unit of a card's total feature weight; what it
    leaves out adds the same to every class of a card, which no ranking or confidence
    sees (a softmax row is the same when a constant is added to it). It is pickled sparse
    (the base model's file 13 % larger, not twice) and spread out in memory when built or
    loaded (a web process loads its models when it starts): a sparse product ranked four
    times slower."""

    def __init__(self, linear, bayes, per_weight: np.ndarray):
        self.linear = linear
        self.bayes = bayes
        self.per_weight = per_weight
        self.classes_ = linear.classes_
        self._dense = np.ascontiguousarray(bayes.toarray())

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_dense"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._dense = np.ascontiguousarray(self.bayes.toarray())

    def decision_function(self, matrix) -> np.ndarray:
        bayes = np.asarray(matrix @ self._dense, dtype=np.float64)
        bayes += np.asarray(matrix.sum(axis=1), dtype=np.float64).reshape(-1, 1) * self.per_weight
        bayes *= BAYES_WEIGHT
        bayes += _scores(self.linear, matrix)
        return bayes


# A complement naive Bayes (smoothing ``BAYES_ALPHA``) blended with the linear classifier,
# its log-likelihoods added to the linear scores with weight ``BAYES_WEIGHT``: chosen by
# 5-fold cross-validation on the shipped examples with the question unknown at test time
# (top-1 family 79.3 % → 80.1 % with seed 0, 80.0 → 80.1 and 79.8 → 80.4 % with seeds 1
# and 2; with the question known 82.3 → 82.4 %). Weights 0.7 to 1.5 with smoothings 0.01
# to 0.1 gave 80.0 to 80.2 % (seed 0), smoothings 0.3 and 1 79.5 to 79.8 %; a multinomial
# naive Bayes (78.2 to 79.2 %), a nearest centroid (78.5 to 79.3 %), a second linear model
# (hinge 79.4 %, modified Huber 78.7 %) and the same naive Bayes in the question guesser
# (79.0 to 79.2 % alone) did no better. The cross-validated expected calibration error
# rises from 1.9 to 3.1 % (2.4 → 2.3 % on the held-out criteria, the question unknown).
BAYES_WEIGHT = 1.0
BAYES_ALPHA = 0.03


def _fit_bayes(matrix, y: np.ndarray, classes: np.ndarray):
    """The complement naive Bayes of ``sklearn.naive_bayes.ComplementNB(norm=False)``
    (smoothing ``BAYES_ALPHA``), kept sparse: ``(bayes, per_weight)`` of :class:`_Blended`.

    Its weight of feature j for class c is ``-log((N_j - n_cj + α) / S_c)``, n_cj the
    feature's total in the class's cards, N_j in all, S_c the sum over features of
    ``N_j - n_cj + α``. Less ``-log(N_j + α)``, the same for every class, it is
    ``-log((N_j - n_cj + α) / (N_j + α))``, zero where n_cj is (most of them), plus
    ``log S_c``: a card's scores are then its features times the first, plus its total
    feature weight times the second, and differ from the naive Bayes's only by the same
    amount for every class. A dense weight matrix would double the model's size."""
    from scipy import sparse

    columns = np.searchsorted(classes, y)
    member = sparse.csr_matrix((np.ones(len(y)), (columns, np.arange(len(y)))),
                               shape=(len(classes), matrix.shape[0]))
    counts = sparse.csr_matrix(member @ matrix, dtype=np.float64)
    counts.eliminate_zeros()
    totals = np.asarray(counts.sum(axis=0), dtype=np.float64).ravel()
    complement = totals.sum() - np.asarray(counts.sum(axis=1), dtype=np.float64).ravel()
    per_weight = np.log(complement + BAYES_ALPHA * counts.shape[1])
    rest = totals[counts.indices]
    bayes = counts.copy()
    bayes.data = -np.log((rest - counts.data + BAYES_ALPHA) / (rest + BAYES_ALPHA))
    return sparse.csr_matrix(bayes.T, dtype=np.float32), per_weight


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
    if isinstance(classifier, _Blended):
        return classifier.decision_function(matrix)
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


def _fit(x, y, questions, seed, *, guess_questions: bool = False):
    """The fitted vectorizer and classifier, and (with ``guess_questions`` and known
    questions) the question guesser of :func:`_fit_question_guesser`, else None."""
    from sklearn.exceptions import ConvergenceWarning

    vectorizer = _features()
    matrix = vectorizer.fit_transform(x, questions=questions)
    classifier = _classifier(seed, len(x))
    fitted = matrix
    if questions is not None and QUESTION_DROPOUT > 0:
        # Some cards learnt without their question, so that the words themselves say
        # what only the question said (a card of what someone does, family H).
        dropped = np.random.default_rng(seed).random(matrix.shape[0]) < QUESTION_DROPOUT
        fitted = _without_questions(vectorizer, matrix, dropped)
    with warnings.catch_warnings():
        # Few epochs on large data is deliberate (see _classifier).
        warnings.simplefilter("ignore", category=ConvergenceWarning)
        classifier.fit(fitted, y)
        classifier = _Blended(classifier, *_fit_bayes(fitted, np.asarray(y), classifier.classes_))
        guesser = None
        if guess_questions and questions is not None:
            guesser = _fit_question_guesser(vectorizer, matrix, questions, seed)
    return vectorizer, classifier, guesser


def _without_questions(vectorizer: CardVectorizer, matrix, rows: np.ndarray | None = None):
    """``matrix`` with the question columns of ``rows`` (a boolean mask, every row when
    None) dropped and its rows at unit length again: what :meth:`CardVectorizer.transform`
    gives for the same texts without their questions."""
    from scipy import sparse
    from sklearn.preprocessing import normalize

    columns = np.array([i for f, i in vectorizer.vocabulary_.items() if f.startswith("q:")], dtype=np.int64)
    matrix = sparse.csr_matrix(matrix, copy=True)
    if not len(columns):
        return matrix
    drop = np.isin(matrix.indices, columns)
    if rows is not None:
        drop &= np.repeat(rows, np.diff(matrix.indptr))
    matrix.data[drop] = 0
    matrix.eliminate_zeros()
    return normalize(matrix, copy=False)


# The questions a card is guessed to answer when its question is unknown; a question
# outside them (``Q4``, a territory's own) is never guessed.
GUESSED_QUESTIONS = ("Q1", "Q2", "Q3")


def _fit_question_guesser(vectorizer: CardVectorizer, matrix, questions: Sequence[str], seed: int):
    """A classifier of the question a card answers (well-being, ill-being, what I do)
    from its text alone, on the same features, for the cards typed with no question:
    « je fais du bénévolat » says what someone does, « le bruit la nuit » what goes
    wrong. None when the training texts do not hold two of those questions."""
    from sklearn.linear_model import SGDClassifier

    rows = np.array([i for i, q in enumerate(questions) if q in GUESSED_QUESTIONS], dtype=np.int64)
    labels = np.asarray(questions, dtype=object)[rows] if len(rows) else np.zeros(0)
    if len(set(labels)) < 2:
        return None
    epochs = max(5, min(50, 300_000 // max(1, len(rows))))
    guesser = SGDClassifier(loss="log_loss", alpha=QUESTION_ALPHA, max_iter=epochs, tol=1e-4,
                            random_state=seed, class_weight=QUESTION_CLASS_WEIGHT)
    guesser.fit(_without_questions(vectorizer, matrix[rows]), labels.astype(str))
    return guesser


# Chosen by 3-fold cross-validation on the shipped examples with the question unknown
# at test time (top-1 family 73.1 % → 73.8 %, family H 59.8 % → 71.5 %; with the
# question known 77.6 % → 77.3 %): the guesser weighs the three questions alike
# (``class_weight="balanced"``, there are far fewer cards of what people do), its
# probabilities are squared before they weigh the rankings under each question
# (``MIX_POWER``), and a quarter of the training cards are learnt without their question
# (``QUESTION_DROPOUT``).
QUESTION_ALPHA = 1e-4
QUESTION_CLASS_WEIGHT = "balanced"
MIX_POWER = 2.0
QUESTION_DROPOUT = 0.25


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
    vectorizer, classifier, _ = _fit([x[i] for i in fit_idx], y[fit_idx], q, seed)
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
        vectorizer, classifier, guesser = _fit([x[i] for i in kept], y_array[kept],
                                               None if q is None else [q[i] for i in kept], seed,
                                               guess_questions=True)
        known = {c: i for i, c in enumerate(classifier.classes_)}
        held = [i for i in drawn if y[i] in known]
        scores = _scores(classifier, vectorizer.transform(
            [x[i] for i in held], questions=None if q is None else [q[i] for i in held]))
        temperature = _fit_temperature(scores, np.array([known[y[i]] for i in held]))
    else:
        temperature = _calibration_temperature(x, y, q, seed) if calibrate else DEFAULT_TEMPERATURE
        vectorizer, classifier, guesser = _fit(x, y, q, seed, guess_questions=True)
    pipeline = Pipeline([("features", vectorizer), ("classifier", classifier)])
    return Model(pipeline=pipeline, codes=tuple(str(c) for c in classifier.classes_),
                 trained_on=len(x), meta={"temperature": temperature,
                                          "questions": questions is not None,
                                          "question_guesser": guesser})


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
    mix = _question_mix(model, vectorizer, missing)
    mixed = np.zeros((len(missing), len(model.codes)))
    for column, question in enumerate(UNKNOWN_QUESTION_MIX):
        mixed += mix[:, column:column + 1] * _softmax(_scores(classifier, vectorizer.transform(
            missing, questions=[question] * len(missing))), temperature)
    proba[unknown] = mixed
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


# The questions a card with no known question is ranked under (see :func:`probabilities`).
UNKNOWN_QUESTION_MIX = GUESSED_QUESTIONS


def _question_mix(model: Model, vectorizer: CardVectorizer, texts: Sequence[str]) -> np.ndarray:
    """How likely each text answers each of ``UNKNOWN_QUESTION_MIX``, one row per text
    summing to 1: the model's question guesser's probabilities, or each as likely for a
    model without one (trained before it existed, or on one question only)."""
    guesser = model.meta.get("question_guesser")
    uniform = np.full((len(texts), len(UNKNOWN_QUESTION_MIX)), 1.0 / len(UNKNOWN_QUESTION_MIX))
    if guesser is None or not len(texts):
        return uniform
    guessed = np.asarray(guesser.predict_proba(vectorizer.transform(list(texts))), dtype=np.float64)
    classes = [str(c) for c in guesser.classes_]
    mix = np.zeros_like(uniform)
    for column, question in enumerate(UNKNOWN_QUESTION_MIX):
        if question in classes:
            mix[:, column] = guessed[:, classes.index(question)] ** MIX_POWER
    totals = mix.sum(axis=1, keepdims=True)
    return np.where(totals > 0, mix / np.where(totals > 0, totals, 1), uniform)


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
