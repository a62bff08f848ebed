"""How good the suggestions are: top-1 family and top-3 component per key, the
reliability table of the confidences, cross-validation and held-out evaluation."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from cospiral.domain.suggest.model import Model, top_k, train
from cospiral.domain.suggest.text import family_of

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
                   with_reliability: bool = False, calibrate: bool = True,
                   question_unknown: bool = False, per_family: bool = False) -> dict:
    """Stratified k-fold cross-validation (by family) of ``train`` + ``top_k``.

    ``extra`` (texts, codes) is added to every training fold, never tested (the grid's
    phrases, or the shipped examples when a territory is cross-validated). ``questions``
    (one per text) makes the question a feature. ``split_by`` (one key per text, e.g. a
    card's id) keeps the texts of one key in the same fold. Returns overall and, with
    ``groups`` (e.g. the language of each text), per-group figures: ``n``,
    ``top1_family`` (the first suggestion is in the right family) and ``top3_component``
    (the right component is among the three suggestions); with ``with_reliability``, also
    the ``reliability`` table of the confidences shown. ``calibrate=False`` skips the
    temperature fit of each fold's model (same ranking, faster). With ``questions`` and
    ``question_unknown``, the same models also rank the tested texts as if their question
    were unknown (a card typed with no question), under the key ``"question_unknown"``
    (the same figures, without the tested questions). ``per_family`` adds the figures of
    each group and family (``"fr:A"``…)."""
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
    truths, rows, keys_of, unknown_rows = [], [], [], []
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
            keys_of.append(["all", groups[i], f"{groups[i]}:{family_of(codes[i])}"] if per_family
                           else ["all", groups[i]])
        if question_unknown and questions is not None:
            unknown_rows += top_k(model, [texts[i] for i in test_idx], 3)
    result, confidences, correct = score_ranked(truths, rows, keys_of)
    if with_reliability:
        result["reliability"] = reliability(confidences, correct)
    if question_unknown and questions is not None:
        unknown, confidences, correct = score_ranked(truths, unknown_rows, keys_of)
        if with_reliability:
            unknown["reliability"] = reliability(confidences, correct)
        result["question_unknown"] = unknown
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
