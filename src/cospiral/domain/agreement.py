"""Agreement between coders (double coding of cards on the grid), nominal categories.

- ``observed_agreement(a, b)``: share of the units both coders coded on which they agree.
- ``cohen_kappa(a, b)``: Cohen's kappa for two coders, ``(p_o - p_e) / (1 - p_e)`` where
  ``p_e`` is the agreement expected by chance from each coder's own category shares.
- ``krippendorff_alpha(rows)``: Krippendorff's alpha (nominal) for two or more coders with
  missing data, ``1 - D_o / D_e`` from the coincidence matrix.

Missing values are ``None``. Each function returns ``None`` when the statistic is
undefined (no unit coded by both; every value in one single category, so that chance
agreement is already perfect and the ratio is 0/0): pages must say so instead of
printing a number.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np


def _pairs(a: Sequence[Hashable | None], b: Sequence[Hashable | None]) -> list[tuple[Any, ...]]:
    if len(a) != len(b):
        raise ValueError("Both coders must have one value (or None) per unit.")
    return [(x, y) for x, y in zip(a, b, strict=True) if x is not None and y is not None]


def coded_by_both(a: Sequence[Hashable | None], b: Sequence[Hashable | None]) -> int:
    return len(_pairs(a, b))


def observed_agreement(a: Sequence[Hashable | None], b: Sequence[Hashable | None]) -> float | None:
    pairs = _pairs(a, b)
    if not pairs:
        return None
    return sum(1 for x, y in pairs if x == y) / len(pairs)


def cohen_kappa(a: Sequence[Hashable | None], b: Sequence[Hashable | None]) -> float | None:
    """Cohen's kappa over the units both coders coded; None when undefined."""
    pairs = _pairs(a, b)
    if not pairs:
        return None
    categories = sorted({v for pair in pairs for v in pair}, key=repr)
    index = {c: i for i, c in enumerate(categories)}
    table = np.zeros((len(categories), len(categories)), dtype=float)
    for x, y in pairs:
        table[index[x], index[y]] += 1
    n = table.sum()
    p_o = np.trace(table) / n
    p_e = float((table.sum(axis=1) / n) @ (table.sum(axis=0) / n))
    if np.isclose(p_e, 1.0):
        return None
    return float((p_o - p_e) / (1.0 - p_e))


def krippendorff_alpha(rows: Sequence[Sequence[Hashable | None]]) -> float | None:
    """Krippendorff's alpha, nominal. ``rows`` holds one sequence per coder, one value (or
    None) per unit. Units with fewer than two values are not pairable and are skipped."""
    if not rows:
        return None
    width = len(rows[0])
    if any(len(r) != width for r in rows):
        raise ValueError("Every coder must have one value (or None) per unit.")
    categories = sorted({v for r in rows for v in r if v is not None}, key=repr)
    if not categories:
        return None
    index = {c: i for i, c in enumerate(categories)}
    k = len(categories)
    coincidence = np.zeros((k, k), dtype=float)
    for unit in range(width):
        values = [index[r[unit]] for r in rows if r[unit] is not None]
        m = len(values)
        if m < 2:
            continue
        counts = np.bincount(values, minlength=k).astype(float)
        # Ordered pairs of values from different coders in this unit, weighted 1/(m-1).
        coincidence += (np.outer(counts, counts) - np.diag(counts)) / (m - 1)
    n = coincidence.sum()
    if n <= 1:
        return None
    n_c = coincidence.sum(axis=1)
    disagreement_observed = (n - np.trace(coincidence)) / n
    disagreement_expected = (n * n - float(n_c @ n_c)) / (n * (n - 1))
    if np.isclose(disagreement_expected, 0.0):
        return None
    return float(1.0 - disagreement_observed / disagreement_expected)
