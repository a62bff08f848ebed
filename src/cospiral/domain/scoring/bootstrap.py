"""Bootstrap intervals: of each indicator's mean and median (``bootstrap``) and of the
family and synthetic indices (``bootstrap_with_indices``, ``bootstrap_indices``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cospiral.domain.scoring.codes import (
    _LEVEL_VALUES,
    DEFAULT_CONFIDENCE,
    DEFAULT_REPLICATES,
    N_LEVELS,
)
from cospiral.domain.scoring.figures import _fresh_seed, _masked, _median_from_counts, _z
from cospiral.domain.scoring.results import BootstrapIntervals, Distribution, Indices


def bootstrap(
    distribution: Distribution,
    *,
    replicates: int = DEFAULT_REPLICATES,
    seed: int | None = None,
    confidence: float = DEFAULT_CONFIDENCE,
) -> BootstrapIntervals:
    """Percentile intervals for the mean, score and median of every cell of
    ``distribution``, all cells at once: ``replicates`` multinomial draws of the level
    counts per cell (n = respondents, or round(n_eff) when weighted). ``seed`` None
    draws a fresh one; the seed used is returned so the result can be reproduced."""
    _z(confidence)
    return _indicator_intervals(distribution, replicates, seed, confidence)[0]


@dataclass(frozen=True)
class IndexIntervals:
    """Percentile bootstrap intervals of the family indices ``(..., F)`` and of the
    synthetic index ``(...)`` (shapes of ``Indices.family`` and ``Indices.synthetic``).
    Masked where the index itself is undefined."""

    seed: int
    replicates: int
    confidence: float
    family_low: np.ma.MaskedArray
    family_high: np.ma.MaskedArray
    synthetic_low: np.ma.MaskedArray
    synthetic_high: np.ma.MaskedArray
    method: str = (
        "percentile bootstrap; in each replicate every indicator's mean is redrawn as in "
        "the indicators' bootstrap, and the family and synthetic indices are computed "
        "from the replicate scores with the same weights and the same indicators"
    )


def _replicate_counts(distribution: Distribution, replicates: int, seed: int | None,
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """The multinomial redraws of ``bootstrap`` (same generator calls, so one seed gives
    the same replicates): counts (B, M, 5), draws per cell (M,), defined (M,), seed."""
    if replicates < 1:
        raise ValueError(f"At least one bootstrap replicate is needed; got {replicates}.")
    if seed is None:
        seed = _fresh_seed()
    rng = np.random.default_rng(seed)
    shares = np.ma.filled(distribution.shares, 0.0).reshape(-1, N_LEVELS)
    defined = ~np.ma.getmaskarray(distribution.mean).reshape(-1)
    n_eff = np.ma.filled(distribution.n_eff, 0.0).reshape(-1)
    draws_n = np.where(defined, np.maximum(np.rint(n_eff), 1), 0).astype(np.int64)
    p = np.where(defined[:, None], shares, 1.0 / N_LEVELS)
    p = p / p.sum(axis=-1, keepdims=True)
    counts = rng.multinomial(draws_n, p, size=(replicates, len(draws_n)))
    return counts, draws_n, defined, seed


def _indicator_intervals(distribution: Distribution, replicates: int, seed: int | None,
                         confidence: float,
                         ) -> tuple[BootstrapIntervals, np.ndarray, np.ndarray]:
    """The indicators' intervals of ``bootstrap``, with the replicate means (B, M) and
    which cells are defined (M,), for the indices drawn from the same replicates."""
    shape = distribution.shape
    counts, draws_n, defined, seed = _replicate_counts(distribution, replicates, seed)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = (counts @ _LEVEL_VALUES) / np.where(draws_n > 0, draws_n, 1)
    medians = _median_from_counts(counts)
    alpha = (1 - confidence) / 2
    mean_lo, mean_hi = np.quantile(means, [alpha, 1 - alpha], axis=0)
    med_lo, med_hi = np.quantile(medians, [alpha, 1 - alpha], axis=0, method="inverted_cdf")
    mask = ~defined.reshape(shape)

    def cell(values: np.ndarray) -> np.ma.MaskedArray:
        return _masked(values.reshape(shape), mask, 0.0)

    intervals = BootstrapIntervals(
        seed=seed, replicates=replicates, confidence=confidence,
        mean_low=cell(mean_lo), mean_high=cell(mean_hi),
        score_low=cell((mean_lo - 1) / 4 * 100), score_high=cell((mean_hi - 1) / 4 * 100),
        median_low=cell(med_lo), median_high=cell(med_hi),
    )
    return intervals, means, defined


def _index_intervals(replicate_scores: np.ndarray, defined: np.ndarray, indices: Indices,
                     shape: tuple[int, ...], *, seed: int, replicates: int,
                     confidence: float) -> IndexIntervals:
    """Percentile intervals of the indices from replicate scores (B, *shape), where
    ``shape`` ends with the indicators' axis J and ``defined`` (shape) tells which
    indicator scores the estimate used."""
    J = shape[-1]
    F = len(indices.families)
    membership = np.zeros((J, F))
    membership[np.arange(J), np.asarray(indices.family_of, dtype=np.int64)] = 1.0
    iw = np.asarray(indices.indicator_weights, dtype=np.float64)
    fw = np.asarray(indices.family_weights, dtype=np.float64)
    present = defined * iw  # (*shape)
    weight_present = present @ membership  # (*lead, F)
    with np.errstate(invalid="ignore", divide="ignore"):
        family = (np.where(defined, replicate_scores, 0.0) * iw) @ membership
        family = family / np.where(weight_present > 0, weight_present, 1.0)
    family_defined = weight_present > 0
    fw_present = family_defined * fw
    total = fw_present.sum(axis=-1)
    synthetic = (family * fw_present).sum(axis=-1) / np.where(total > 0, total, 1.0)
    alpha = (1 - confidence) / 2
    fam_lo, fam_hi = np.quantile(family, [alpha, 1 - alpha], axis=0)
    syn_lo, syn_hi = np.quantile(synthetic, [alpha, 1 - alpha], axis=0)
    family_mask = np.ma.getmaskarray(indices.family) | ~family_defined
    synthetic_mask = np.ma.getmaskarray(indices.synthetic) | ~(total > 0)

    def out(values: np.ndarray, mask: np.ndarray) -> np.ma.MaskedArray:
        values = np.asarray(values, dtype=np.float64)
        return np.ma.MaskedArray(np.where(mask, 0.0, values), mask=np.array(mask, copy=True))

    return IndexIntervals(
        seed=seed, replicates=replicates, confidence=confidence,
        family_low=out(fam_lo, family_mask), family_high=out(fam_hi, family_mask),
        synthetic_low=out(syn_lo, synthetic_mask), synthetic_high=out(syn_hi, synthetic_mask),
    )


def bootstrap_with_indices(
    distribution: Distribution,
    indices: Indices,
    *,
    replicates: int = DEFAULT_REPLICATES,
    seed: int | None = None,
    confidence: float = DEFAULT_CONFIDENCE,
) -> tuple[BootstrapIntervals, IndexIntervals]:
    """``bootstrap`` of the indicators and intervals of the family and synthetic indices
    from the very same replicates (one draw): with the same seed, the indicators'
    intervals equal those of ``bootstrap``. ``indices`` must be those computed from
    ``distribution`` (``Scores.indices`` with ``Scores.overall``, or a breakdown's)."""
    _z(confidence)
    shape = distribution.shape
    if len(indices.family_of) != shape[-1]:
        raise ValueError(f"The indices have {len(indices.family_of)} indicators; the "
                         f"distribution has {shape[-1]}.")
    indicator_intervals, means, defined = _indicator_intervals(distribution, replicates, seed,
                                                               confidence)
    scores = ((means - 1.0) / 4.0 * 100.0).reshape((replicates, *shape))
    index_intervals = _index_intervals(scores, defined.reshape(shape), indices, shape,
                                       seed=indicator_intervals.seed, replicates=replicates,
                                       confidence=confidence)
    return indicator_intervals, index_intervals


def bootstrap_indices(
    distribution: Distribution,
    indices: Indices,
    *,
    replicates: int = DEFAULT_REPLICATES,
    seed: int | None = None,
    confidence: float = DEFAULT_CONFIDENCE,
) -> IndexIntervals:
    """Seeded percentile bootstrap intervals of the family indices and the synthetic
    index: per replicate, each indicator's mean is redrawn (multinomial with its shares
    and n, as ``bootstrap``) and the indices are computed from the replicate scores with
    the same indicator and family weights as the estimate. ``seed`` None draws a fresh
    one; the seed used is returned."""
    return bootstrap_with_indices(distribution, indices, replicates=replicates, seed=seed,
                                  confidence=confidence)[1]

