"""Figures from counts: Wilson intervals, medians from cumulative counts, each
indicator's distribution; and small-cell suppression (``suppress``)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from cospiral.domain.scoring.codes import (
    _LEVEL_VALUES,
    DEFAULT_CONFIDENCE,
    DEFAULT_THRESHOLD,
    DK_SLOT,
    LEVEL_SLOTS,
    MISSING_SLOT,
    NA_SLOT,
)
from cospiral.domain.scoring.results import Distribution
from cospiral.domain.scoring.tally import _Tally


def _fresh_seed() -> int:
    """A new random seed (below 2**63), for bootstrap draws a caller can reproduce."""
    entropy = np.random.SeedSequence().entropy  # an int when the sequence draws it fresh
    assert isinstance(entropy, int)
    return entropy % (1 << 63)


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"The confidence level must be between 0 and 1; got {confidence}.")
    return float(stats.norm.ppf(0.5 + confidence / 2))


def wilson(successes: ArrayLike, n: ArrayLike,
           confidence: float = DEFAULT_CONFIDENCE) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Wilson score interval for a share ``successes / n`` (arrays; ``n`` may be an
    effective size). Returns (share, low, high), NaN where ``n == 0``."""
    z = _z(confidence)
    x = np.asarray(successes, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        p: np.ndarray = np.where(n > 0, x / np.where(n > 0, n, 1), np.nan)
        p = np.clip(p, 0.0, 1.0)
        nn = np.where(n > 0, n, np.nan)
        denominator = 1 + z * z / nn
        centre = (p + z * z / (2 * nn)) / denominator
        half = z / denominator * np.sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn))
        low = np.clip(np.minimum(centre - half, p), 0.0, 1.0)
        high = np.clip(np.maximum(centre + half, p), 0.0, 1.0)
    return p, low, high


def _median_from_counts(level_counts: np.ndarray) -> np.ndarray:
    """Median level from counts (..., 5): the mean of the lower and upper middle levels
    (smallest level whose cumulative count reaches half, resp. exceeds half)."""
    cumulative = np.cumsum(level_counts, axis=-1)
    doubled = 2 * cumulative
    total = cumulative[..., -1:]
    lower = np.argmax(doubled >= total, axis=-1) + 1
    upper = np.argmax(doubled > total, axis=-1) + 1
    median = (lower + upper) / 2.0
    return np.where(total[..., 0] > 0, median, np.nan)


def _masked(data: np.ndarray, mask: np.ndarray, fill: float = 0) -> np.ma.MaskedArray:
    data = np.array(data, copy=True)
    full_mask = np.broadcast_to(mask.reshape(mask.shape + (1,) * (data.ndim - mask.ndim)), data.shape)
    data[full_mask] = fill
    return np.ma.MaskedArray(data, mask=full_mask.copy())


def _distribution(t: _Tally, suppressed: np.ndarray, confidence: float) -> Distribution:
    raw_levels = t.raw[..., LEVEL_SLOTS]
    w_levels = t.weighted[..., LEVEL_SLOTS]
    n = raw_levels.sum(axis=-1)
    total_w = w_levels.sum(axis=-1)
    total_w2 = t.squared[..., LEVEL_SLOTS].sum(axis=-1)
    everyone = t.raw.sum(axis=-1)
    empty = everyone == 0
    undefined = (n == 0) | suppressed
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = np.where(total_w2 > 0, total_w * total_w / np.where(total_w2 > 0, total_w2, 1), 0.0)
        safe_w = np.where(total_w > 0, total_w, 1.0)
        shares = w_levels / safe_w[..., None]
        mean = (w_levels @ _LEVEL_VALUES) / safe_w
    no_weight = total_w <= 0
    undefined = undefined | no_weight
    score = (mean - 1.0) / 4.0 * 100.0
    # Wilson intervals on the effective sample size: the successes are rescaled by
    # n_eff / Σw, exactly 1 when unweighted (so the interval is the textbook one).
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(total_w > 0, n_eff / safe_w, 0.0)
    low_p, low_lo, low_hi = wilson((w_levels[..., 0] + w_levels[..., 1]) * scale, n_eff, confidence)
    high_p, high_lo, high_hi = wilson((w_levels[..., 3] + w_levels[..., 4]) * scale, n_eff, confidence)
    median = _median_from_counts(w_levels)
    hide = suppressed
    return Distribution(
        raw_counts=_masked(raw_levels, hide),
        counts=_masked(w_levels, hide, 0.0),
        n=_masked(n, hide),
        dont_know=_masked(t.raw[..., DK_SLOT], hide),
        not_applicable=_masked(t.raw[..., NA_SLOT], hide),
        missing=_masked(t.raw[..., MISSING_SLOT], hide),
        weight_total=_masked(total_w, hide, 0.0),
        n_eff=_masked(n_eff, hide, 0.0),
        shares=_masked(shares, undefined, 0.0),
        median=_masked(median, undefined, 0.0),
        mean=_masked(mean, undefined, 0.0),
        score=_masked(score, undefined, 0.0),
        low_share=_masked(low_p, undefined, 0.0),
        low_low=_masked(low_lo, undefined, 0.0),
        low_high=_masked(low_hi, undefined, 0.0),
        high_share=_masked(high_p, undefined, 0.0),
        high_low=_masked(high_lo, undefined, 0.0),
        high_high=_masked(high_hi, undefined, 0.0),
        suppressed=suppressed.copy(),
        empty=empty,
        confidence=confidence,
    )


def _wilson_eff(p: np.ndarray, n_eff: np.ndarray,
               confidence: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    with np.errstate(invalid="ignore"):
        return wilson(np.where(np.isnan(p), 0.0, p) * n_eff, n_eff, confidence)


# --- Suppression ----------------------------------------------------------------------


def suppress(n: np.ndarray, threshold: int = DEFAULT_THRESHOLD, empty: np.ndarray | None = None,
             forced: np.ndarray | None = None) -> np.ndarray:
    """Cells to suppress in a table ``n`` of shape (G, J) (groups × indicators), each
    column J being a "row" whose total (the overall n of the indicator) is published.

    Primary: every non-empty cell with ``n < threshold`` (a cell whose group has no
    respondent at all is *empty*: shown as such, it reveals nobody). Secondary, so that
    the total minus the published cells never reveals a small count: while a column has
    suppressed cells whose n add up to less than the threshold, or exactly one
    suppressed cell, the smallest published cell is suppressed too. Vectorised: cells
    sorted by n per column, the answer is a prefix of that order.

    ``forced``: cells to hide whatever their n (the cells hidden in an earlier published
    snapshot of the same wave, see ``cospiral.domain.snapshots``); they count as primary
    cells, and the secondary rule is then applied again column by column."""
    n = np.asarray(n)
    if forced is not None and np.asarray(forced).any():
        return _suppress_forced(n, threshold, empty, np.asarray(forced, dtype=bool))
    if n.ndim != 2:
        raise ValueError("suppress expects a (groups, indicators) table of counts.")
    if threshold < 1:
        raise ValueError(f"The suppression threshold must be at least 1; got {threshold}.")
    G = n.shape[0]
    if empty is None:
        empty = np.zeros(n.shape, dtype=bool)
    if G == 0:
        return np.zeros(n.shape, dtype=bool)
    # Empty cells sort last and are never suppressed.
    big = np.iinfo(np.int64).max // 4
    key = np.where(empty, big, n).astype(np.int64)
    order = np.argsort(key, axis=0, kind="stable")
    sorted_n = np.take_along_axis(key, order, axis=0)
    candidates = ~np.take_along_axis(empty, order, axis=0)
    primary = ((sorted_n < threshold) & candidates).sum(axis=0)
    cumulative = np.cumsum(np.where(candidates, sorted_n, 0), axis=0)
    available = candidates.sum(axis=0)
    # Smallest s >= max(primary, 2) with cumulative[s-1] >= threshold, else all candidates.
    sizes = np.arange(1, G + 1)[:, None]
    ok = (sizes >= np.maximum(primary, 2)[None, :]) & (cumulative >= threshold) & (sizes <= available[None, :])
    first_ok = np.where(ok.any(axis=0), np.argmax(ok, axis=0) + 1, available)
    count = np.where(primary > 0, first_ok, 0)
    suppressed_sorted = sizes <= count[None, :]
    result = np.zeros(n.shape, dtype=bool)
    np.put_along_axis(result, order, suppressed_sorted, axis=0)
    kept: np.ndarray = result & ~empty
    return kept


def _suppress_forced(n: np.ndarray, threshold: int, empty: np.ndarray | None, forced: np.ndarray) -> np.ndarray:
    if empty is None:
        empty = np.zeros(n.shape, dtype=bool)
    if forced.shape != n.shape:
        raise ValueError(f"Forced cells have shape {forced.shape}; expected {n.shape}.")
    result: np.ndarray = suppress(n, threshold, empty) | (forced & ~empty)
    for j in np.flatnonzero(result.any(axis=0)):
        column = result[:, j].copy()
        while column.sum() < 2 or n[column, j].sum() < threshold:
            candidates = np.flatnonzero(~column & ~empty[:, j])
            if not len(candidates):
                break
            column[candidates[np.argmin(n[candidates, j])]] = True
        result[:, j] = column
    return result
