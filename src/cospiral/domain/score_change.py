"""Before → after of the 0–100 scores and of the family and synthetic indices, each
difference with an interval (METHOD.md §8: the ex-post wave re-measures with the same
instrument and compares). Pure NumPy, no Django.

``CHANGE_RULE`` (what the pages and the review's methods appendix say):

* The two waves are two separate samples. Each is redrawn on its own, as in the
  seeded bootstrap of ``cospiral.domain.scoring`` (per indicator, the counts per level
  are drawn from a multinomial with the wave's observed shares and its n, n_eff when
  weighted), ``replicates`` times; replicate b of the difference is replicate b of the
  ex-post wave minus replicate b of the ex-ante wave. The interval is the percentile
  interval of those differences.
* The two waves' draws come from two independent streams of one generator seeded by
  both waves' stored seeds (``numpy.random.SeedSequence((before, after))``), so a
  comparison is reproduced exactly and two waves that happen to share a seed never
  get correlated draws.
* An index is a difference only if it is of the same basket: the family and synthetic
  indices of both waves are computed from the indicators both waves share *and* both
  show (enough answers in each), with the same weights (the ex-post wave's). They can
  therefore differ from the index printed on each wave's own page when the waves do not
  share every indicator; the pages say how many indicators the basket holds.
* Each difference is read by ``cospiral.domain.verdict`` (a higher score or index is
  better).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from cospiral.domain import scoring
from cospiral.domain import verdict as verdicts

CHANGE_RULE = (
    "difference = ex-post − ex-ante; interval: percentile bootstrap of the difference, "
    "each wave redrawn on its own (multinomial per indicator, as the wave's bootstrap) "
    "from two independent streams seeded by both waves' seeds; indices of both waves "
    "from the indicators both waves share and show, with the same weights"
)

_LEVELS = np.arange(1, scoring.N_LEVELS + 1, dtype=np.float64)


@dataclass(frozen=True)
class Change:
    """One figure before and after, the difference (after − before) and its interval;
    ``None`` where a wave has no figure (too few answers, suppressed)."""

    before: float | None
    after: float | None
    difference: float | None
    low: float | None
    high: float | None
    verdict: str | None  # ``cospiral.domain.verdict``

    @property
    def defined(self) -> bool:
        return self.difference is not None


NO_CHANGE = Change(None, None, None, None, None, None)


@dataclass(frozen=True)
class ScoreChanges:
    indicators: tuple[Hashable, ...]
    scores: tuple[Change, ...]  # one per indicator
    families: tuple[Hashable, ...]  # in the order they first appear among the indicators
    family: tuple[Change, ...]  # one per family
    family_members: tuple[int, ...]  # indicators of each family counted in both waves
    synthetic: Change
    basket: int  # indicators counted in the indices (shown in both waves)
    replicates: int
    confidence: float
    seeds: tuple[int, int]  # (ex-ante, ex-post)
    rule: str = CHANGE_RULE


def _replicate_scores(distribution: scoring.Distribution, replicates: int,
                      rng: np.random.Generator) -> np.ndarray:
    """(B, J) replicate scores of the overall distribution (NaN where undefined)."""
    shares = np.ma.filled(distribution.shares, 0.0).reshape(-1, scoring.N_LEVELS)
    defined = ~np.ma.getmaskarray(distribution.mean).reshape(-1)
    n_eff = np.ma.filled(distribution.n_eff, 0.0).reshape(-1)
    draws_n = np.where(defined, np.maximum(np.rint(n_eff), 1), 0).astype(np.int64)
    p = np.where(defined[:, None], shares, 1.0 / scoring.N_LEVELS)
    p = p / p.sum(axis=-1, keepdims=True)
    counts = rng.multinomial(draws_n, p, size=(replicates, len(draws_n)))  # (B, J, 5)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = (counts @ _LEVELS) / np.where(draws_n > 0, draws_n, 1)
    scores = (means - 1.0) / 4.0 * 100.0
    return np.where(defined[None, :], scores, np.nan)


def _estimates(distribution: scoring.Distribution) -> np.ndarray:
    return np.ma.filled(np.ma.asarray(distribution.score, dtype=np.float64), np.nan).reshape(-1)


def _weighted_indices(scores: np.ndarray, counted: np.ndarray, of: np.ndarray, n_families: int,
                      iw: np.ndarray, fw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Family indices (..., F) and the synthetic index (...) of ``scores`` (..., J)
    over the indicators ``counted`` (J,): NaN where a family has no counted weight."""
    membership = np.zeros((len(of), n_families))
    membership[np.arange(len(of)), of] = 1.0
    weights = np.where(counted, iw, 0.0)
    values = np.where(counted, np.nan_to_num(scores, nan=0.0), 0.0)
    present = weights @ membership  # (F,)
    with np.errstate(invalid="ignore", divide="ignore"):
        family = (values * weights) @ membership / np.where(present > 0, present, 1.0)
    family = np.where(present > 0, family, np.nan)
    fw_present = np.where(present > 0, fw, 0.0)
    total = fw_present.sum()
    if total <= 0:
        return family, np.full(family.shape[:-1], np.nan)
    synthetic = (np.nan_to_num(family, nan=0.0) * fw_present).sum(axis=-1) / total
    return family, synthetic


def _change(before: float, after: float, before_reps: np.ndarray, after_reps: np.ndarray,
            alpha: float) -> Change:
    if not (np.isfinite(before) and np.isfinite(after)):
        return Change(None if not np.isfinite(before) else float(before),
                      None if not np.isfinite(after) else float(after), None, None, None, None)
    diff = after_reps - before_reps
    low, high = (float(v) for v in np.quantile(diff, [alpha, 1 - alpha]))
    difference = float(after - before)
    return Change(float(before), float(after), difference, low, high,
                  verdicts.verdict(difference, low, high, higher_is_better=True))


def score_changes(
    before: scoring.Distribution,
    after: scoring.Distribution,
    *,
    families: Sequence[Hashable],
    seeds: tuple[int, int],
    indicators: Sequence[Hashable] | None = None,
    indicator_weights: ArrayLike | None = None,
    family_weights: Mapping[Hashable, float] | None = None,
    replicates: int = scoring.DEFAULT_REPLICATES,
    confidence: float = scoring.DEFAULT_CONFIDENCE,
) -> ScoreChanges:
    """``CHANGE_RULE`` for two overall distributions of the same indicators (shape
    ``(J,)``, in the same order: the comparison's common indicators). ``families``: the
    family of each indicator; ``indicator_weights`` (J,) and ``family_weights`` (by
    family key) default to 1. ``seeds``: the ex-ante and ex-post waves' stored seeds."""
    if before.shape != after.shape or len(before.shape) != 1:
        raise ValueError(f"Two overall distributions of the same indicators are needed; got "
                         f"shapes {before.shape} and {after.shape}.")
    if replicates < 2:
        raise ValueError(f"At least two bootstrap replicates are needed; got {replicates}.")
    if not 0 < confidence < 1:
        raise ValueError(f"The confidence level must be between 0 and 1; got {confidence}.")
    J = before.shape[0]
    # The index plan of the scoring engine: family keys, each indicator's family, weights.
    plan = scoring._family_plan(J, families, indicator_weights, family_weights)
    assert plan is not None  # families are given
    keys, of, iw, fw = plan
    stream_before, stream_after = np.random.SeedSequence([int(s) for s in seeds]).spawn(2)
    reps_b = _replicate_scores(before, replicates, np.random.default_rng(stream_before))
    reps_a = _replicate_scores(after, replicates, np.random.default_rng(stream_after))
    est_b, est_a = _estimates(before), _estimates(after)
    alpha = (1 - confidence) / 2
    scores = tuple(_change(est_b[j], est_a[j], reps_b[:, j], reps_a[:, j], alpha) for j in range(J))
    counted = np.isfinite(est_b) & np.isfinite(est_a) & (iw > 0)
    fam_b, syn_b = _weighted_indices(est_b, counted, of, len(keys), iw, fw)
    fam_a, syn_a = _weighted_indices(est_a, counted, of, len(keys), iw, fw)
    rfam_b, rsyn_b = _weighted_indices(reps_b, counted, of, len(keys), iw, fw)
    rfam_a, rsyn_a = _weighted_indices(reps_a, counted, of, len(keys), iw, fw)
    family = tuple(_change(fam_b[k], fam_a[k], rfam_b[:, k], rfam_a[:, k], alpha)
                   for k in range(len(keys)))
    synthetic = (_change(float(syn_b), float(syn_a), rsyn_b, rsyn_a, alpha)
                 if np.any(counted) else NO_CHANGE)
    members = tuple(int(np.sum(counted & (of == k))) for k in range(len(keys)))
    return ScoreChanges(
        indicators=tuple(indicators) if indicators is not None else tuple(range(J)),
        scores=scores, families=keys, family=family, family_members=members,
        synthetic=synthetic, basket=int(counted.sum()), replicates=replicates,
        confidence=confidence, seeds=(int(seeds[0]), int(seeds[1])))


__all__ = ["CHANGE_RULE", "Change", "ScoreChanges", "score_changes"]
