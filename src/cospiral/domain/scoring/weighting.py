"""Respondent weights: effective sample size (Kish), post-stratification and raking."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike

from cospiral.domain.scoring.codes import PROFILE_NOT_STATED
from cospiral.domain.scoring.results import Weighting


def effective_sample_size(weights: ArrayLike) -> float:
    """Kish's n_eff = (Σw)² / Σw² (0 when every weight is 0)."""
    w = np.asarray(weights, dtype=np.float64)
    w2 = float(np.dot(w, w))
    return float(w.sum()) ** 2 / w2 if w2 > 0 else 0.0


def _margin_array(margin: Mapping[int, float] | ArrayLike, k: int, name: str) -> np.ndarray:
    if isinstance(margin, Mapping):
        array = np.zeros(k)
        for code, value in margin.items():
            if not 0 <= int(code) < k:
                raise ValueError(f"Margin of {name}: code {code} is outside 0..{k - 1}.")
            array[int(code)] = float(value)
    else:
        array = np.asarray(margin, dtype=np.float64)
    if array.shape != (k,) or np.any(~np.isfinite(array)) or np.any(array < 0) or array.sum() <= 0:
        raise ValueError(
            f"Margin of {name}: expected {k} non-negative population figures (counts or shares) with a positive total."
        )
    shares: np.ndarray = array / array.sum()
    return shares


def _weighting(weights: np.ndarray, method: str, iterations: int = 0, converged: bool = True,
               classes: np.ndarray | None = None,
               class_weights: np.ndarray | None = None) -> Weighting:
    if class_weights is not None and classes is not None:
        members = np.bincount(classes, minlength=len(class_weights))
        used = members > 0
        positive = class_weights[used & (class_weights > 0)]
        present = class_weights[used]
        total = float(members @ class_weights)
        squares = float(members @ (class_weights * class_weights))
        n_eff = total * total / squares if squares > 0 else 0.0
    else:
        positive = weights[weights > 0]
        present = weights
        total = float(weights.sum())
        n_eff = effective_sample_size(weights)
    return Weighting(
        weights=weights,
        method=method,
        n_eff=n_eff,
        total=total,
        iterations=iterations,
        converged=converged,
        max_weight=float(present.max()) if present.size else 1.0,
        min_weight=float(positive.min()) if positive.size else 0.0,
        classes=classes,
        class_weights=class_weights,
    )


def poststratify(profile: ArrayLike, margin: Mapping[int, float] | Sequence[float], *, name: str = "profile") -> Weighting:
    """Weights that make the sample's distribution of one profile variable equal to a
    known population margin (counts or shares per code 0..K-1; K = len(margin)).

    Respondents who did not state the profile keep weight 1; the others share the rest
    of the sample's size so that Σw = number of respondents. A population category with
    no respondent in the sample cannot be represented: ValueError."""
    codes = np.asarray(profile)
    k = len(margin) if not isinstance(margin, Mapping) else (max(int(c) for c in margin) + 1)
    target = _margin_array(margin, k, name)
    if codes.size and (codes.max() >= k or codes.min() < PROFILE_NOT_STATED):
        raise ValueError(f"{name}: profile codes must be in 0..{k - 1} or {PROFILE_NOT_STATED}.")
    stated = codes >= 0
    sample = np.bincount(codes[stated], minlength=k).astype(np.float64)
    missing = np.nonzero((target > 0) & (sample == 0))[0]
    if missing.size:
        raise ValueError(
            f"{name}: no respondent in the sample for code(s) {missing.tolist()}, which the population margin includes."
        )
    n_stated = sample.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(sample > 0, target * n_stated / np.where(sample > 0, sample, 1), 0.0)
    # Class k = profile code k; class K = not stated (weight 1).
    classes = np.where(stated, codes, k).astype(np.int32)
    class_weights = np.append(factor, 1.0)
    return _weighting(class_weights[classes], "post-stratification", classes=classes, class_weights=class_weights)


def rake(
    profiles: Sequence[ArrayLike],
    margins: Sequence[Mapping[int, float] | Sequence[float]],
    *,
    names: Sequence[str] | None = None,
    max_iterations: int = 100,
    tolerance: float = 1e-10,
) -> Weighting:
    """Raking (iterative proportional fitting) to several known margins at once.

    ``profiles``: one code vector per variable; ``margins``: for each, population counts
    or shares per code 0..K-1. Respondents who did not state one of these variables
    keep weight 1. The fitting runs on the table of cross-cells (at most ∏K cells), not
    on respondents. ``converged`` tells whether every margin is met within
    ``tolerance`` (largest absolute difference of shares)."""
    if len(profiles) != len(margins) or not profiles:
        raise ValueError("rake needs one margin per profile variable, and at least one variable.")
    names = list(names) if names is not None else [f"profile {i + 1}" for i in range(len(profiles))]
    codes = [np.asarray(p) for p in profiles]
    size = codes[0].shape[0]
    if any(c.shape != (size,) for c in codes):
        raise ValueError("Every profile vector must have one code per respondent.")
    ks = [len(m) for m in margins]
    targets = [_margin_array(m, k, name) for m, k, name in zip(margins, ks, names, strict=True)]
    for c, k, name in zip(codes, ks, names, strict=True):
        if c.size and (c.max() >= k or c.min() < PROFILE_NOT_STATED):
            raise ValueError(f"{name}: profile codes must be in 0..{k - 1} or {PROFILE_NOT_STATED}.")
    stated = np.minimum.reduce(codes) >= 0 if len(codes) > 1 else codes[0] >= 0
    # Cross-cell of each respondent (row-major over the variables); not stated -> last.
    cells = np.zeros(size, dtype=np.int32)
    for c, k in zip(codes, ks, strict=True):  # one step per variable, vectorised over respondents
        cells *= k
        cells += c.astype(np.int32)
    total_cells = math.prod(ks)
    cells[~stated] = total_cells
    table = np.bincount(cells, minlength=total_cells + 1)[:total_cells].astype(np.float64).reshape(ks)
    n_stated = table.sum()
    for axis, (target, name) in enumerate(zip(targets, names, strict=True)):
        present = table.sum(axis=tuple(i for i in range(len(ks)) if i != axis))
        missing = np.nonzero((target > 0) & (present == 0))[0]
        if missing.size:
            raise ValueError(
                f"{name}: no respondent in the sample for code(s) {missing.tolist()}, which the population margin includes."
            )
    fitted = table.copy()
    converged = False
    iterations = 0
    for iterations in range(1, max_iterations + 1):  # noqa: B007 — iterations is reported
        for axis, target in enumerate(targets):
            others = tuple(i for i in range(len(ks)) if i != axis)
            current = fitted.sum(axis=others)
            with np.errstate(divide="ignore", invalid="ignore"):
                factor = np.where(current > 0, target * n_stated / np.where(current > 0, current, 1), 0.0)
            shape = [1] * len(ks)
            shape[axis] = ks[axis]
            fitted = fitted * factor.reshape(shape)
        gap = max(
            float(np.abs(fitted.sum(axis=tuple(i for i in range(len(ks)) if i != axis)) / n_stated - target).max())
            for axis, target in enumerate(targets)
        )
        if gap <= tolerance:
            converged = True
            break
    with np.errstate(divide="ignore", invalid="ignore"):
        cell_weight = np.where(table > 0, fitted / np.where(table > 0, table, 1), 0.0).reshape(-1)
    class_weights = np.append(cell_weight, 1.0)  # the last class: not stated, weight 1
    return _weighting(
        class_weights[cells], "raking", iterations, converged, classes=cells, class_weights=class_weights
    )
