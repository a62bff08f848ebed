"""The engine's results: figures of a cell, distributions, indices, extremes,
breakdowns, weightings, scores, intervals and comparisons (frozen dataclasses)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np

from cospiral.domain.scoring.codes import SCORE_FORMULA


@dataclass(frozen=True)
class Figures:
    """Every figure of one indicator for one set of respondents, as plain Python.

    ``None`` means undefined (no valid answer) or suppressed (see ``suppressed``)."""

    indicator: Hashable
    group: Hashable | None
    suppressed: bool
    empty: bool
    n: int | None
    dont_know: int | None
    not_applicable: int | None
    missing: int | None
    counts: tuple[float, ...] | None
    shares: tuple[float, ...] | None
    median: float | None
    mean: float | None
    score: float | None
    low_share: float | None
    low_interval: tuple[float, float] | None
    high_share: float | None
    high_interval: tuple[float, float] | None
    weight_total: float | None
    n_eff: float | None


@dataclass(frozen=True)
class Distribution:
    """Figures for indicators (last axis ``J``) of one or more sets of respondents.

    The overall distribution has shape ``(J,)``; a breakdown ``(G, J)`` (groups first).
    ``counts`` and ``shares`` have an extra last axis of the 5 levels. Every array is a
    ``numpy.ma.MaskedArray`` masked where the figure is undefined or suppressed; data
    under a suppression mask is zeroed."""

    raw_counts: np.ma.MaskedArray  # respondents per level (int64)
    counts: np.ma.MaskedArray  # weighted respondents per level (== raw when unweighted)
    n: np.ma.MaskedArray  # valid answers (levels 1–5), respondents
    dont_know: np.ma.MaskedArray
    not_applicable: np.ma.MaskedArray
    missing: np.ma.MaskedArray
    weight_total: np.ma.MaskedArray  # Σw over valid answers (== n unweighted)
    n_eff: np.ma.MaskedArray  # (Σw)² / Σw² over valid answers (== n unweighted)
    shares: np.ma.MaskedArray
    median: np.ma.MaskedArray
    mean: np.ma.MaskedArray
    score: np.ma.MaskedArray
    low_share: np.ma.MaskedArray
    low_low: np.ma.MaskedArray
    low_high: np.ma.MaskedArray
    high_share: np.ma.MaskedArray
    high_low: np.ma.MaskedArray
    high_high: np.ma.MaskedArray
    suppressed: np.ndarray  # bool: n < threshold (primary) or secondary suppression
    empty: np.ndarray  # bool: nobody of this set of respondents in the wave
    confidence: float

    @property
    def shape(self) -> tuple[int, ...]:
        return self.suppressed.shape

    def figures(self, index: int | tuple[int, ...], *, indicator: Hashable = None,
                group: Hashable = None) -> Figures:
        """The figures at ``index`` (``j`` overall, ``(g, j)`` in a breakdown)."""

        def scalar(array: np.ndarray, cast: Callable[[Any], Any] = float) -> Any:
            value = array[index]
            return None if value is np.ma.masked else cast(value)

        def pair(low: np.ndarray, high: np.ndarray) -> tuple[float, float] | None:
            lo, hi = low[index], high[index]
            if lo is np.ma.masked or hi is np.ma.masked:
                return None
            return (float(lo), float(hi))

        def vector(array: np.ndarray) -> tuple[float, ...] | None:
            row = array[index]
            if np.ma.is_masked(row):
                return None
            return tuple(float(v) for v in np.ma.getdata(row))

        return Figures(
            indicator=indicator,
            group=group,
            suppressed=bool(self.suppressed[index]),
            empty=bool(self.empty[index]),
            n=scalar(self.n, int),
            dont_know=scalar(self.dont_know, int),
            not_applicable=scalar(self.not_applicable, int),
            missing=scalar(self.missing, int),
            counts=vector(self.counts),
            shares=vector(self.shares),
            median=scalar(self.median),
            mean=scalar(self.mean),
            score=scalar(self.score),
            low_share=scalar(self.low_share),
            low_interval=pair(self.low_low, self.low_high),
            high_share=scalar(self.high_share),
            high_interval=pair(self.high_low, self.high_high),
            weight_total=scalar(self.weight_total),
            n_eff=scalar(self.n_eff),
        )


@dataclass(frozen=True)
class Indices:
    """Family indices and the synthetic index (0–100), for the shape of a Distribution
    without its last axis (``()`` overall, ``(G,)`` for a breakdown)."""

    families: tuple[Hashable, ...]
    family_of: tuple[int, ...]  # family position of each indicator
    indicator_weights: np.ndarray  # (J,) as given (default 1)
    family_weights: np.ndarray  # (F,) as given (default 1)
    family: np.ma.MaskedArray  # (..., F)
    family_complete: np.ndarray  # (..., F) bool: every indicator of the family counted
    synthetic: np.ma.MaskedArray  # (...)
    synthetic_complete: np.ndarray  # (...) bool


@dataclass(frozen=True)
class Extreme:
    """An indicator (overall, ``group is None``) or a profile cell with a large share of
    respondents at levels 1–2."""

    indicator: Hashable
    group: Hashable | None
    low_share: float
    low_interval: tuple[float, float]
    n: int


@dataclass(frozen=True)
class Breakdown:
    groups: tuple[Hashable, ...]  # labels; the last may be PROFILE_NOT_STATED's label
    distribution: Distribution  # shape (G, J)
    indices: Indices | None
    threshold: int
    all_suppressed: bool  # every non-empty cell is suppressed
    # Suppressed for having fewer than ``threshold`` answers (True), as opposed to
    # hidden to protect another cell (complementary suppression) or because an earlier
    # published snapshot hid it.
    primary: np.ndarray | None = None

    def hidden_reason(self, g: int, j: int) -> str | None:
        """Why the cell (g, j) is hidden: ``"small"`` (fewer answers than the threshold),
        ``"complementary"`` (hidden so that the total cannot reveal another hidden cell,
        or kept hidden as in an earlier snapshot), ``None`` when it is shown."""
        if not self.distribution.suppressed[g, j]:
            return None
        if self.primary is not None and self.primary[g, j]:
            return "small"
        return "complementary"


@dataclass(frozen=True)
class Weighting:
    """Respondent weights and how they were made."""

    weights: np.ndarray
    method: str  # "none", "given", "post-stratification", "raking"
    n_eff: float
    total: float
    iterations: int = 0
    converged: bool = True
    max_weight: float = 1.0
    min_weight: float = 1.0
    #: Optional class of each respondent (int32) and the weight of each class, when the
    #: weights are constant on known cells (raking, post-stratification): ``tally``
    #: then needs no sort to find the distinct weights.
    classes: np.ndarray | None = None
    class_weights: np.ndarray | None = None


@dataclass(frozen=True)
class Scores:
    indicators: tuple[Hashable, ...]
    respondents: int
    overall: Distribution  # shape (J,)
    indices: Indices | None
    breakdown: Breakdown | None
    extremes: tuple[Extreme, ...]
    threshold: int
    confidence: float
    weighted: bool
    n_eff: float  # of the whole wave (== respondents unweighted)
    weight_total: float
    score_formula: str = SCORE_FORMULA

    def figures(self, j: int) -> Figures:
        return self.overall.figures(j, indicator=self.indicators[j])

    def cell(self, g: int, j: int) -> Figures:
        if self.breakdown is None:
            raise ValueError("These scores have no breakdown by profile.")
        return self.breakdown.distribution.figures(
            (g, j), indicator=self.indicators[j], group=self.breakdown.groups[g]
        )


@dataclass(frozen=True)
class BootstrapIntervals:
    """Percentile bootstrap intervals for means, scores and medians (shape of the
    Distribution without its level axis). Masked where undefined or suppressed."""

    seed: int
    replicates: int
    confidence: float
    mean_low: np.ma.MaskedArray
    mean_high: np.ma.MaskedArray
    score_low: np.ma.MaskedArray
    score_high: np.ma.MaskedArray
    median_low: np.ma.MaskedArray
    median_high: np.ma.MaskedArray
    method: str = (
        "percentile bootstrap; each replicate redraws the counts per level from a "
        "multinomial with the observed shares and n (n_eff when weighted), which is "
        "exactly the distribution of i.i.d. resampling of the respondents"
    )


@dataclass(frozen=True)
class Comparison:
    """Ex-post against ex-ante, per indicator (arrays of shape ``(J,)``, masked where a
    wave has no valid answer or is suppressed, or the test is undefined)."""

    indicators: tuple[Hashable, ...]
    confidence: float
    n_before: np.ndarray
    n_after: np.ndarray
    low_difference: np.ma.MaskedArray  # after − before, share at levels 1–2
    low_diff_low: np.ma.MaskedArray
    low_diff_high: np.ma.MaskedArray
    high_difference: np.ma.MaskedArray  # after − before, share at levels 4–5
    high_diff_low: np.ma.MaskedArray
    high_diff_high: np.ma.MaskedArray
    statistic: np.ma.MaskedArray  # Brunner–Munzel W (positive: after higher)
    df: np.ma.MaskedArray
    p_value: np.ma.MaskedArray  # two-sided
    superiority: np.ma.MaskedArray  # P(after > before) + ½ P(tie)
    # Brunner–Munzel interval of the superiority at ``confidence`` (t approximation): it
    # excludes ½ exactly when ``p_value`` < 1 − confidence.
    superiority_low: np.ma.MaskedArray
    superiority_high: np.ma.MaskedArray
    interval_method: str = "Newcombe hybrid score interval (Wilson-based), method 10"
    test_method: str = "Brunner–Munzel, t approximation (as scipy.stats.brunnermunzel)"
