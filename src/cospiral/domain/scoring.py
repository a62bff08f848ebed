"""Scoring engine for survey waves (METHOD.md §8, issue 4 deliverable 3).

Pure NumPy + SciPy; no Django. Everything works on a compact **level matrix**:

``levels``: ``int8`` array of shape ``(respondents, indicators)`` holding

=====================  =====  ==================================================
meaning                code   counted as a level?
=====================  =====  ==================================================
levels 1 … 5           1–5    yes (1 very unsatisfactory … 5 ideal)
no answer / missing    ``MISSING`` = 0         never
"don't know"           ``DONT_KNOW`` = -1      never (counted apart)
"not applicable"       ``NOT_APPLICABLE`` = -2 never (counted apart)
=====================  =====  ==================================================

Any other value is rejected (``ValueError`` naming the first bad row and column).

One pass over the matrix (in blocks of rows that fit in the CPU cache, never a loop
per indicator or per respondent) counts, for every indicator × code × group, the
respondents (``np.bincount`` over ``code + 8·indicator + 8·J·group`` offsets). When
respondents carry weights, the weights' distinct values form *classes* and the group
also includes the class, so weighted totals and sums of squared weights come out of
the same integer counts, exactly. Every figure is then derived from those counts:

* per indicator: counts per level, valid ``n``, "don't know", "not applicable" and
  missing counts, shares, median (from cumulative counts; the mean of the two middle
  levels when they differ, as ``numpy.median``), shares at levels 1–2 and 4–5 with
  Wilson intervals, mean and the 0–100 score (``SCORE_FORMULA``);
* family indices (weighted mean of their indicators' scores) and a synthetic index
  (weighted mean of the families), weights equal by default and always returned;
* a breakdown by one profile variable with small-cell suppression (``suppress``);
* optional respondent weights (``poststratify``, ``rake``) with the effective sample
  size n_eff = (Σw)² / Σw² (Kish); Wilson intervals then use n_eff;
* the extreme situations: indicators and profile cells with the largest shares at
  levels 1–2 (suppressed cells never listed).

Intervals for means and medians come from ``bootstrap`` (seeded, the seed returned);
ex-post against ex-ante from ``compare`` (difference of shares with Newcombe's
interval, Brunner–Munzel test with the probability of superiority).

Undefined figures (no valid answer, suppressed cell) are *masked* in the arrays of the
results (``numpy.ma``; the hidden data are zeroed, not merely hidden) and ``None`` in
the per-cell views (``Distribution.figures``). Nothing ever divides by zero.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

# --- Encoding of the level matrix ----------------------------------------------------

LEVELS = (1, 2, 3, 4, 5)
MISSING = 0
DONT_KNOW = -1
NOT_APPLICABLE = -2
LOWEST_CODE = NOT_APPLICABLE
HIGHEST_CODE = 5
N_LEVELS = 5
#: Codes are stored in count tables at ``code - LOWEST_CODE``: 0 = n/a, 1 = don't
#: know, 2 = missing, 3..7 = levels 1..5.
N_CODES = HIGHEST_CODE - LOWEST_CODE + 1
LEVEL_SLOTS = slice(-LOWEST_CODE + 1, N_CODES)
NA_SLOT, DK_SLOT, MISSING_SLOT = 0, 1, 2

#: Profile code of a respondent who did not give (or consent to give) this profile.
PROFILE_NOT_STATED = -1

LOW_LEVELS = (1, 2)
HIGH_LEVELS = (4, 5)

#: The 0–100 score, published on the results page.
SCORE_FORMULA = "score = (mean − 1) / 4 × 100"
SCORE_FORMULA_TEX = r"\mathrm{score} = \frac{\bar{x} - 1}{4} \times 100"

DEFAULT_THRESHOLD = 5
DEFAULT_CONFIDENCE = 0.95
DEFAULT_REPLICATES = 2000
DEFAULT_EXTREMES = 10

# Rows per block of the counting pass: ~2 MB of levels, so the keys stay in cache.
_BLOCK_CELLS = 1 << 21
# Above this many distinct weights, weighted totals come from a weighted bincount
# (floating point) instead of exact counts per weight class.
_MAX_WEIGHT_CLASSES = 256

_LEVEL_VALUES = np.arange(1, N_LEVELS + 1, dtype=np.float64)


# --- Results ----------------------------------------------------------------------------


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


# --- Validation and counting ----------------------------------------------------------


def _as_levels(levels: ArrayLike, check: bool = True) -> np.ndarray:
    array = np.asarray(levels)
    if array.ndim != 2:
        raise ValueError(
            f"The level matrix must have 2 dimensions (respondents, indicators); it has {array.ndim}."
        )
    if array.dtype != np.int8:
        if not np.issubdtype(array.dtype, np.integer):
            raise ValueError(f"Levels must be integers; the matrix holds {array.dtype}.")
        low, high = (int(array.min()), int(array.max())) if array.size else (0, 0)
        if low < LOWEST_CODE or high > HIGHEST_CODE:
            _raise_bad_code(array)
        array = array.astype(np.int8)
    elif check and array.size:
        if int(array.min()) < LOWEST_CODE or int(array.max()) > HIGHEST_CODE:
            _raise_bad_code(array)
    return np.ascontiguousarray(array)


def _raise_bad_code(array: np.ndarray) -> None:
    bad = (array < LOWEST_CODE) | (array > HIGHEST_CODE)
    rows, cols = np.nonzero(bad)
    raise ValueError(
        f"{int(bad.sum())} values of the level matrix are not a level: the first is "
        f"{int(array[rows[0], cols[0]])} at respondent row {int(rows[0]) + 1}, indicator "
        f"column {int(cols[0]) + 1}. Allowed: levels 1–5, {MISSING} (no answer), "
        f"{DONT_KNOW} (don't know), {NOT_APPLICABLE} (not applicable)."
    )


def _as_groups(profile: ArrayLike, respondents: int, n_groups: int | None) -> tuple[np.ndarray, int, bool]:
    """Group index per respondent (0..K-1, K = not stated) and the number of groups."""
    codes = np.asarray(profile)
    if codes.shape != (respondents,):
        raise ValueError(
            f"The profile vector has shape {codes.shape}; expected one code per respondent ({respondents},)."
        )
    if not np.issubdtype(codes.dtype, np.integer):
        raise ValueError(f"Profile codes must be integers; the vector holds {codes.dtype}.")
    high = int(codes.max()) if codes.size else -1
    low = int(codes.min()) if codes.size else 0
    if low < PROFILE_NOT_STATED:
        raise ValueError(
            f"Profile code {low} is not allowed: use 0..K-1, or {PROFILE_NOT_STATED} for not stated."
        )
    k = n_groups if n_groups is not None else high + 1
    if high >= k:
        raise ValueError(f"Profile code {high} is out of range for {k} profile values.")
    not_stated = low == PROFILE_NOT_STATED
    index = codes.astype(np.int32)
    if not_stated:
        index = np.where(index == PROFILE_NOT_STATED, k, index)
    return index, k + (1 if not_stated else 0), not_stated


@dataclass(frozen=True)
class _Tally:
    raw: np.ndarray  # (G, J, 8) int64
    weighted: np.ndarray  # (G, J, 8) float64 (Σw)
    squared: np.ndarray  # (G, J, 8) float64 (Σw²)


def _weight_classes(weights: Weighting | ArrayLike,
                    respondents: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if (isinstance(weights, Weighting) and weights.classes is not None
            and weights.class_weights is not None):
        if weights.weights.shape != (respondents,):
            raise ValueError(
                f"Weights have shape {weights.weights.shape}; expected one per respondent ({respondents},)."
            )
        # Drop classes nobody is in, and merge classes of equal weight.
        used = np.bincount(weights.classes, minlength=len(weights.class_weights)) > 0
        values, remap = np.unique(weights.class_weights[used], return_inverse=True)
        full = np.zeros(len(weights.class_weights), dtype=np.int32)
        full[used] = remap
        return weights.weights, values, full[weights.classes]
    if isinstance(weights, Weighting):
        weights = weights.weights
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (respondents,):
        raise ValueError(f"Weights have shape {w.shape}; expected one per respondent ({respondents},).")
    if not np.all(np.isfinite(w)) or (w.size and w.min() < 0):
        raise ValueError("Weights must be finite and not negative.")
    values, inverse = np.unique(w, return_inverse=True)
    return w, values, inverse.astype(np.int32)


def tally(levels: ArrayLike, group_index: np.ndarray | None = None, n_groups: int = 1,
          weights: Weighting | ArrayLike | None = None) -> _Tally:
    """Counts per group × indicator × code in one blocked pass (see module docstring)."""
    # int8 matrices are checked block by block below, while each block is in cache.
    levels = _as_levels(levels, check=False)
    rows, J = levels.shape
    G = n_groups if group_index is not None else 1
    values: np.ndarray | None = None
    cell = group_index.astype(np.int32) if group_index is not None else None
    cells = G
    dense_weights = None
    cell_group: np.ndarray | None = None
    cell_class: np.ndarray | None = None
    if weights is not None:
        w, values, classes = _weight_classes(weights, rows)
        if len(values) <= 1:
            values = None  # every weight equal: all figures are those of the raw counts
        elif len(values) <= _MAX_WEIGHT_CLASSES:
            # Count per (group, weight class) pair actually present: raking weights are
            # constant on cross-cells, so there are few pairs and the keys stay small.
            C = len(values)
            pair = classes if cell is None else cell * C + classes
            present = np.bincount(pair, minlength=G * C) > 0
            compact = np.cumsum(present) - 1
            cell = compact[pair].astype(np.int32)
            pairs = np.nonzero(present)[0]
            cell_group, cell_class = pairs // C, pairs % C
            cells = len(pairs)
        else:
            dense_weights = w
            values = None
    bins = N_CODES * J * cells
    raw: np.ndarray = np.zeros(bins, dtype=np.int64)
    # Sums of weights and of squared weights, only with dense weights (else empty).
    wsum = np.zeros(bins if dense_weights is not None else 0)
    wsq = np.zeros(bins if dense_weights is not None else 0)
    if rows and J:
        # Modular arithmetic: uint16 keys are exact whenever the bins fit in 16 bits.
        key_type = np.uint16 if bins <= 1 << 16 else np.int32
        column_offset = (np.arange(J, dtype=key_type) * N_CODES)[None, :]
        block = max(1, _BLOCK_CELLS // max(J, 1))
        shift = -LOWEST_CODE
        for start in range(0, rows, block):
            chunk = levels[start : start + block]
            if int(chunk.min()) < LOWEST_CODE or int(chunk.max()) > HIGHEST_CODE:
                _raise_bad_code(levels)
            key: np.ndarray = chunk.astype(key_type)
            if cell is None:
                key += column_offset + shift
            else:
                row_offset = cell[start : start + block].astype(key_type) * (N_CODES * J) + shift
                key += column_offset
                key += row_offset[:, None].astype(key_type)
            flat = key.ravel()
            raw += np.bincount(flat, minlength=bins)
            if dense_weights is not None:
                wb = np.broadcast_to(dense_weights[start : start + block, None], chunk.shape).ravel()
                wsum += np.bincount(flat, weights=wb, minlength=bins)
                wsq += np.bincount(flat, weights=wb * wb, minlength=bins)
    if dense_weights is not None:
        shape = (G, J, N_CODES)
        return _Tally(raw.reshape(shape), wsum.reshape(shape), wsq.reshape(shape))
    if values is None:
        raw = raw.reshape(G, J, N_CODES)
        as_float = raw.astype(np.float64)
        return _Tally(raw, as_float, as_float)
    per_cell = raw.reshape(cells, J, N_CODES)
    to_group = np.zeros((G, cells))
    to_group[cell_group, np.arange(cells)] = 1.0
    weighted = np.einsum("gc,cjk->gjk", to_group * values[cell_class], per_cell)
    squared = np.einsum("gc,cjk->gjk", to_group * (values * values)[cell_class], per_cell)
    counts = np.einsum("gc,cjk->gjk", to_group.astype(np.int64), per_cell)
    return _Tally(counts, weighted, squared)


# --- Figures from counts ------------------------------------------------------------


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


# --- Indices ----------------------------------------------------------------------------


#: Family keys, each indicator's family position, indicator weights, family weights.
_Plan = tuple[tuple[Hashable, ...], np.ndarray, np.ndarray, np.ndarray]


def _family_plan(J: int, families: Sequence[Hashable] | None, indicator_weights: ArrayLike | None,
                 family_weights: Mapping[Hashable, float] | ArrayLike | None) -> _Plan | None:
    if families is None:
        return None
    families = list(families)
    if len(families) != J:
        raise ValueError(f"{len(families)} family keys given for {J} indicators.")
    keys: list[Hashable] = []
    position: dict[Hashable, int] = {}
    of = []
    for key in families:
        if key not in position:
            position[key] = len(keys)
            keys.append(key)
        of.append(position[key])
    iw = np.ones(J) if indicator_weights is None else np.asarray(indicator_weights, dtype=np.float64)
    if iw.shape != (J,) or np.any(~np.isfinite(iw)) or np.any(iw < 0):
        raise ValueError("Indicator weights must be one finite, non-negative number per indicator.")
    if family_weights is None:
        fw = np.ones(len(keys))
    elif isinstance(family_weights, Mapping):
        unknown = set(family_weights) - set(keys)
        if unknown:
            raise ValueError(f"Weights given for unknown families: {sorted(map(str, unknown))}.")
        fw = np.array([float(family_weights.get(k, 1.0)) for k in keys])
    else:
        fw = np.asarray(family_weights, dtype=np.float64)
    if fw.shape != (len(keys),) or np.any(~np.isfinite(fw)) or np.any(fw < 0):
        raise ValueError("Family weights must be one finite, non-negative number per family.")
    return tuple(keys), np.array(of), iw, fw


def _indices(score: np.ma.MaskedArray, plan: _Plan | None) -> Indices | None:
    if plan is None:
        return None
    keys, of, iw, fw = plan
    F = len(keys)
    membership = np.zeros((len(of), F))
    membership[np.arange(len(of)), of] = 1.0
    defined = ~np.ma.getmaskarray(score)
    values = np.ma.getdata(score) * defined
    weighted = (values * iw) @ membership
    weight_present = (defined * iw) @ membership
    weight_all = iw @ membership
    with np.errstate(invalid="ignore", divide="ignore"):
        family = np.where(weight_present > 0, weighted / np.where(weight_present > 0, weight_present, 1), 0.0)
    family_defined = weight_present > 0
    family_complete = family_defined & np.isclose(weight_present, weight_all)
    fw_present = family_defined * fw
    total = fw_present.sum(axis=-1)
    synthetic = np.where(total > 0, (family * fw_present).sum(axis=-1) / np.where(total > 0, total, 1), 0.0)
    synthetic_defined = total > 0
    synthetic_complete = synthetic_defined & family_complete[..., fw > 0].all(axis=-1)
    return Indices(
        families=keys,
        family_of=tuple(int(x) for x in of),
        indicator_weights=iw,
        family_weights=fw,
        family=np.ma.MaskedArray(family, mask=~family_defined),
        family_complete=family_complete,
        synthetic=np.ma.MaskedArray(synthetic, mask=~synthetic_defined),
        synthetic_complete=np.asarray(synthetic_complete),
    )


# --- Extremes ---------------------------------------------------------------------------


def _extremes(indicators: Sequence[Hashable], overall: Distribution, breakdown: Breakdown | None,
              limit: int) -> tuple[Extreme, ...]:
    entries = []
    dists = [overall]
    if breakdown is not None:
        dists.append(breakdown.distribution)
    candidates = []
    for d_index, dist in enumerate(dists):
        share = np.ma.filled(dist.low_share, np.nan)
        lo = np.ma.filled(dist.low_low, np.nan)
        hi = np.ma.filled(dist.low_high, np.nan)
        n = np.ma.filled(dist.n, 0)
        valid = ~np.isnan(share) & ~dist.suppressed
        if share.ndim == 1:
            share, lo, hi, n, valid = (a[None, :] for a in (share, lo, hi, n, valid))
        g_idx, j_idx = np.nonzero(valid)
        candidates.append((d_index, g_idx, j_idx, share[g_idx, j_idx], lo[g_idx, j_idx], hi[g_idx, j_idx], n[g_idx, j_idx]))
    d_all = np.concatenate([np.full(len(c[1]), c[0]) for c in candidates])
    g_all = np.concatenate([c[1] for c in candidates])
    j_all = np.concatenate([c[2] for c in candidates])
    s_all = np.concatenate([c[3] for c in candidates])
    lo_all = np.concatenate([c[4] for c in candidates])
    hi_all = np.concatenate([c[5] for c in candidates])
    n_all = np.concatenate([c[6] for c in candidates])
    # Largest share first; then the largest lower bound (more certain), then larger n.
    order = np.lexsort((-n_all, -lo_all, -s_all))[:limit]
    for i in order:
        group = breakdown.groups[g_all[i]] if d_all[i] != 0 and breakdown is not None else None
        entries.append(
            Extreme(
                indicator=indicators[j_all[i]],
                group=group,
                low_share=float(s_all[i]),
                low_interval=(float(lo_all[i]), float(hi_all[i])),
                n=int(n_all[i]),
            )
        )
    return tuple(entries)


# --- The engine -------------------------------------------------------------------------


def score(
    levels: ArrayLike,
    *,
    indicators: Sequence[Hashable] | None = None,
    profile: ArrayLike | None = None,
    profile_labels: Sequence[Hashable] | None = None,
    not_stated_label: Hashable = "not stated",
    weights: Weighting | ArrayLike | None = None,
    families: Sequence[Hashable] | None = None,
    indicator_weights: ArrayLike | None = None,
    family_weights: Mapping[Hashable, float] | ArrayLike | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    confidence: float = DEFAULT_CONFIDENCE,
    extremes: int = DEFAULT_EXTREMES,
) -> Scores:
    """Every figure of a wave (see the module docstring) in one pass over ``levels``.

    ``profile``: one integer code per respondent (0..K-1, ``PROFILE_NOT_STATED`` for
    not stated; K = ``len(profile_labels)`` if given). ``weights``: one non-negative
    weight per respondent, or the ``Weighting`` made by ``poststratify`` or ``rake``
    (faster: its classes are known). ``families``: one key per
    indicator; ``indicator_weights`` (J,), ``family_weights`` (mapping or sequence in
    the order families first appear) default to 1. ``threshold``: smallest published n
    of a cell (and of an indicator overall)."""
    levels = _as_levels(levels, check=False)  # checked during the counting pass
    rows, J = levels.shape
    indicators, plan = _prepare(J, indicators, threshold, confidence, families,
                                indicator_weights, family_weights)
    labels = None
    if profile is not None:
        k = len(profile_labels) if profile_labels is not None else None
        group_index, G, not_stated = _as_groups(profile, rows, k)
        labels = _labels(profile_labels, G, not_stated, not_stated_label)
        t = tally(levels, group_index, G, weights)
    else:
        t = tally(levels, None, 1, weights)
    if isinstance(weights, Weighting):
        w_total, n_eff = weights.total, weights.n_eff
    elif weights is not None:
        w = np.asarray(weights, dtype=np.float64)
        w_total = float(w.sum())
        n_eff = effective_sample_size(w)
    else:
        w_total, n_eff = float(rows), float(rows)
    return _scores(t, labels, rows=rows, indicators=indicators, plan=plan, threshold=threshold,
                   confidence=confidence, extremes=extremes, weighted=weights is not None,
                   w_total=w_total, n_eff=n_eff)


def score_cells(
    cell_counts: ArrayLike,
    cell_respondents: ArrayLike,
    *,
    indicators: Sequence[Hashable] | None = None,
    cell_profile: ArrayLike | None = None,
    profile_labels: Sequence[Hashable] | None = None,
    not_stated_label: Hashable = "not stated",
    cell_weights: ArrayLike | None = None,
    families: Sequence[Hashable] | None = None,
    indicator_weights: ArrayLike | None = None,
    family_weights: Mapping[Hashable, float] | ArrayLike | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    confidence: float = DEFAULT_CONFIDENCE,
    extremes: int = DEFAULT_EXTREMES,
    forced_cells: ArrayLike | None = None,
    forced_overall: ArrayLike | None = None,
) -> Scores:
    """The same figures as ``score``, from counts already made per *cell* of respondents
    (for example the exact tallies a database keeps per combination of profile answers).

    ``cell_counts``: integer array (C, J, 8), respondents per cell × indicator × code, the
    code axis ordered from ``NOT_APPLICABLE`` (−2) to 5. ``cell_respondents``: (C,)
    respondents per cell. ``cell_profile``: optional (C,) profile code of each cell
    (0..K-1 or ``PROFILE_NOT_STATED``) for a breakdown. ``cell_weights``: optional (C,)
    weight of every respondent of the cell (weights constant on cells, as those of
    ``poststratify`` and ``rake`` on the cell's variables). Equal to ``score`` on the
    respondents the cells hold (tested).

    ``forced_cells``: optional (K+1, J) bool, rows by profile code (0..K-1, then not
    stated), cells of the breakdown hidden whatever their n; ``forced_overall``: optional
    (J,) bool, indicators whose overall figures are hidden whatever their n (both: the
    cells hidden in an earlier published snapshot, ``cospiral.domain.snapshots``)."""
    counts = np.asarray(cell_counts)
    if counts.ndim != 3 or counts.shape[2] != N_CODES:
        raise ValueError(f"Cell counts have shape {counts.shape}; expected (cells, indicators, {N_CODES}).")
    if not np.issubdtype(counts.dtype, np.integer) or (counts.size and counts.min() < 0):
        raise ValueError("Cell counts must be non-negative integers.")
    C, J, _ = counts.shape
    sizes = np.asarray(cell_respondents, dtype=np.int64)
    if sizes.shape != (C,) or (C and sizes.min() < 0):
        raise ValueError(f"Expected {C} non-negative respondent counts, one per cell.")
    indicators, plan = _prepare(J, indicators, threshold, confidence, families,
                                indicator_weights, family_weights)
    # Cells nobody is in change nothing (and must not add an empty "not stated" group).
    kept = sizes > 0
    counts, sizes = counts[kept].astype(np.int64, copy=False), sizes[kept]
    if cell_profile is not None:
        cell_profile = np.asarray(cell_profile)
        if cell_profile.shape != (C,):
            raise ValueError(f"Expected {C} profile codes, one per cell.")
        cell_profile = cell_profile[kept]
    if cell_weights is not None:
        cell_weights = np.asarray(cell_weights, dtype=np.float64)
        if cell_weights.shape != (C,):
            raise ValueError(f"Expected {C} weights, one per cell.")
        cell_weights = cell_weights[kept]
    C = len(sizes)
    labels = None
    if cell_profile is not None:
        k = len(profile_labels) if profile_labels is not None else None
        group_index, G, not_stated = _as_groups(cell_profile, C, k)
        labels = _labels(profile_labels, G, not_stated, not_stated_label)
        if forced_cells is not None:
            forced_cells = np.asarray(forced_cells, dtype=bool)
            if forced_cells.shape != (G - not_stated + 1, J):
                raise ValueError(f"Forced cells have shape {forced_cells.shape}; "
                                 f"expected {(G - not_stated + 1, J)}.")
            forced_cells = forced_cells if not_stated else forced_cells[:-1]
    else:
        group_index, G = np.zeros(C, dtype=np.int32), 1
        forced_cells = None
    to_group = np.zeros((G, C))
    to_group[group_index, np.arange(C)] = 1.0
    raw = np.einsum("gc,cjk->gjk", to_group.astype(np.int64), counts)
    if cell_weights is None:
        as_float = raw.astype(np.float64)
        t = _Tally(raw, as_float, as_float)
        w_total, n_eff = float(sizes.sum()), float(sizes.sum())
    else:
        w = np.asarray(cell_weights, dtype=np.float64)
        if w.shape != (C,) or not np.all(np.isfinite(w)) or (C and w.min() < 0):
            raise ValueError(f"Expected {C} finite, non-negative weights, one per cell.")
        t = _Tally(raw, np.einsum("gc,cjk->gjk", to_group * w, counts),
                   np.einsum("gc,cjk->gjk", to_group * (w * w), counts))
        w_total = float(sizes @ w)
        squares = float(sizes @ (w * w))
        n_eff = w_total * w_total / squares if squares > 0 else 0.0
    if forced_overall is not None:
        forced_overall = np.asarray(forced_overall, dtype=bool)
        if forced_overall.shape != (J,):
            raise ValueError(f"Forced overall cells have shape {forced_overall.shape}; expected {(J,)}.")
    return _scores(t, labels, rows=int(sizes.sum()), indicators=indicators, plan=plan,
                   threshold=threshold, confidence=confidence, extremes=extremes,
                   weighted=cell_weights is not None, w_total=w_total, n_eff=n_eff,
                   forced_cells=forced_cells, forced_overall=forced_overall)


def _prepare(J: int, indicators: Sequence[Hashable] | None, threshold: int, confidence: float,
             families: Sequence[Hashable] | None, indicator_weights: ArrayLike | None,
             family_weights: Mapping[Hashable, float] | ArrayLike | None,
             ) -> tuple[tuple[Hashable, ...], _Plan | None]:
    if indicators is None:
        indicators = tuple(range(J))
    indicators = tuple(indicators)
    if len(indicators) != J:
        raise ValueError(f"{len(indicators)} indicator keys given for {J} indicator columns.")
    if threshold < 1:
        raise ValueError(f"The suppression threshold must be at least 1; got {threshold}.")
    _z(confidence)
    return indicators, _family_plan(J, families, indicator_weights, family_weights)


def _labels(profile_labels: Sequence[Hashable] | None, G: int, not_stated: bool,
            not_stated_label: Hashable) -> list[Hashable]:
    labels: list[Hashable] = list(profile_labels) if profile_labels is not None else list(range(G - not_stated))
    if not_stated:
        labels.append(not_stated_label)
    return labels


def _scores(t: _Tally, labels: Sequence[Hashable] | None, *, rows: int, indicators: Sequence[Hashable],
            plan: _Plan | None, threshold: int, confidence: float, extremes: int,
            weighted: bool, w_total: float, n_eff: float, forced_cells: np.ndarray | None = None,
            forced_overall: np.ndarray | None = None) -> Scores:
    total = _Tally(t.raw.sum(axis=0), t.weighted.sum(axis=0), t.squared.sum(axis=0))
    n_overall = total.raw[..., LEVEL_SLOTS].sum(axis=-1)
    overall_suppressed = n_overall < threshold
    if forced_overall is not None:
        overall_suppressed = overall_suppressed | forced_overall
    overall = _distribution(total, overall_suppressed, confidence)
    indices = _indices(overall.score, plan)
    breakdown = None
    if labels is not None:
        n_cells = t.raw[..., LEVEL_SLOTS].sum(axis=-1)
        empty = t.raw.sum(axis=-1) == 0
        hidden = suppress(n_cells, threshold, empty, forced_cells)
        cell_dist = _distribution(t, hidden, confidence)
        breakdown = Breakdown(
            groups=tuple(labels),
            distribution=cell_dist,
            indices=_indices(cell_dist.score, plan),
            threshold=threshold,
            all_suppressed=bool(np.all(hidden | empty)),
            primary=hidden & (n_cells < threshold) & ~empty,
        )
    return Scores(
        indicators=tuple(indicators),
        respondents=rows,
        overall=overall,
        indices=indices,
        breakdown=breakdown,
        extremes=_extremes(indicators, overall, breakdown, extremes),
        threshold=threshold,
        confidence=confidence,
        weighted=weighted,
        n_eff=n_eff,
        weight_total=w_total,
    )


# --- Bootstrap --------------------------------------------------------------------------


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
    if replicates < 1:
        raise ValueError(f"At least one bootstrap replicate is needed; got {replicates}.")
    _z(confidence)
    if seed is None:
        seed = _fresh_seed()
    rng = np.random.default_rng(seed)
    shape = distribution.shape
    shares = np.ma.filled(distribution.shares, 0.0).reshape(-1, N_LEVELS)
    defined = ~np.ma.getmaskarray(distribution.mean).reshape(-1)
    n_eff = np.ma.filled(distribution.n_eff, 0.0).reshape(-1)
    draws_n = np.where(defined, np.maximum(np.rint(n_eff), 1), 0).astype(np.int64)
    p = np.where(defined[:, None], shares, 1.0 / N_LEVELS)
    p = p / p.sum(axis=-1, keepdims=True)
    counts = rng.multinomial(draws_n, p, size=(replicates, len(draws_n)))  # (B, M, 5)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = (counts @ _LEVEL_VALUES) / np.where(draws_n > 0, draws_n, 1)
    medians = _median_from_counts(counts)
    alpha = (1 - confidence) / 2
    mean_lo, mean_hi = np.quantile(means, [alpha, 1 - alpha], axis=0)
    med_lo, med_hi = np.quantile(medians, [alpha, 1 - alpha], axis=0, method="inverted_cdf")
    mask = ~defined.reshape(shape)

    def out(values: np.ndarray) -> np.ma.MaskedArray:
        return _masked(values.reshape(shape), mask, 0.0)

    return BootstrapIntervals(
        seed=seed,
        replicates=replicates,
        confidence=confidence,
        mean_low=out(mean_lo),
        mean_high=out(mean_hi),
        score_low=out((mean_lo - 1) / 4 * 100),
        score_high=out((mean_hi - 1) / 4 * 100),
        median_low=out(med_lo),
        median_high=out(med_hi),
    )


# --- Ex-post against ex-ante ------------------------------------------------------------


def newcombe(p1: np.ndarray, l1: np.ndarray, u1: np.ndarray, p2: np.ndarray, l2: np.ndarray,
             u2: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Newcombe's hybrid score interval for p2 − p1 from the two Wilson intervals."""
    d = p2 - p1
    low = d - np.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = d + np.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return d, np.clip(low, -1, 1), np.clip(high, -1, 1)


def brunner_munzel_counts(before: ArrayLike, after: ArrayLike,
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``_brunner_munzel`` without the standard error of the superiority."""
    statistic, df, p_value, superiority, _se = _brunner_munzel(before, after)
    return statistic, df, p_value, superiority


def _brunner_munzel(before: ArrayLike, after: ArrayLike,
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Brunner–Munzel test from counts per ordered category, vectorised over the
    leading axes: ``before`` and ``after`` of shape (..., K). Same statistic, degrees
    of freedom and two-sided p-value as ``scipy.stats.brunnermunzel(before_sample,
    after_sample)`` (positive statistic: ``after`` tends to be higher). Also returns
    the probability of superiority P(after > before) + ½ P(tie). NaN where undefined
    (a sample with fewer than 2 values, or no variance within both samples). Fifth: the
    standard error of the superiority, sqrt(nx·sx + ny·sy) / (nx·ny), so that the
    superiority ± t(df) × it excludes ½ exactly when the p-value is below the level."""
    x = np.asarray(before, dtype=np.float64)
    y = np.asarray(after, dtype=np.float64)
    nx = x.sum(axis=-1)
    ny = y.sum(axis=-1)
    both = x + y
    # Mid-ranks of each category in the pooled sample and within each sample.
    def midranks(c: np.ndarray) -> np.ndarray:
        cum = np.cumsum(c, axis=-1)
        return cum - (c - 1) / 2

    rc = midranks(both)
    rx = midranks(x)
    ry = midranks(y)
    with np.errstate(invalid="ignore", divide="ignore"):
        rcx_mean = (x * rc).sum(-1) / nx
        rcy_mean = (y * rc).sum(-1) / ny
        rx_mean = (x * rx).sum(-1) / nx
        ry_mean = (y * ry).sum(-1) / ny
        sx = (x * (rc - rx - rcx_mean[..., None] + rx_mean[..., None]) ** 2).sum(-1) / (nx - 1)
        sy = (y * (rc - ry - rcy_mean[..., None] + ry_mean[..., None]) ** 2).sum(-1) / (ny - 1)
        variance = nx * sx + ny * sy
        statistic = nx * ny * (rcy_mean - rcx_mean) / ((nx + ny) * np.sqrt(variance))
        df = variance**2 / ((nx * sx) ** 2 / (nx - 1) + (ny * sy) ** 2 / (ny - 1))
        superiority = (rcy_mean - (ny + 1) / 2) / nx
        defined = (nx >= 2) & (ny >= 2) & (variance > 0) & np.isfinite(df)
        statistic = np.where(defined, statistic, np.nan)
        df = np.where(defined, df, np.nan)
        cdf = stats.t.cdf(statistic, df)
        sf = stats.t.sf(statistic, df)
        p_value = np.where(defined, np.minimum(1.0, 2 * np.minimum(cdf, sf)), np.nan)
        superiority = np.where((nx > 0) & (ny > 0), superiority, np.nan)
        se = np.where(defined, np.sqrt(variance) / (nx * ny), np.nan)
    return statistic, df, p_value, superiority, se


def compare(before: Scores | Distribution, after: Scores | Distribution, *, confidence: float | None = None) -> Comparison:
    """Ex-post (``after``) against ex-ante (``before``), indicator by indicator.

    With weights, shares and Wilson intervals use the weighted shares and n_eff, and the
    Brunner–Munzel test uses pseudo-counts (shares × n_eff); unweighted these are the
    counts themselves. An indicator suppressed or without valid answers in either wave
    has every figure masked."""
    indicators: tuple[Hashable, ...]
    if isinstance(before, Scores) and isinstance(after, Scores):
        if before.indicators != after.indicators:
            raise ValueError("The two waves do not have the same indicators in the same order.")
        indicators = before.indicators
        b, a = before.overall, after.overall
    else:
        b = before.overall if isinstance(before, Scores) else before
        a = after.overall if isinstance(after, Scores) else after
        indicators = tuple(range(b.shape[-1]))
    if b.shape != a.shape or len(b.shape) != 1:
        raise ValueError(f"Cannot compare distributions of shapes {b.shape} and {a.shape}.")
    confidence = confidence if confidence is not None else b.confidence
    undefined = np.ma.getmaskarray(b.mean) | np.ma.getmaskarray(a.mean)

    def filled(x: np.ndarray) -> np.ndarray:
        return np.ma.filled(x, 0.0).astype(np.float64)

    neff_b, neff_a = filled(b.n_eff), filled(a.n_eff)
    pb_low, lb_low, ub_low = _wilson_eff(filled(b.low_share), neff_b, confidence)
    pa_low, la_low, ua_low = _wilson_eff(filled(a.low_share), neff_a, confidence)
    pb_high, lb_high, ub_high = _wilson_eff(filled(b.high_share), neff_b, confidence)
    pa_high, la_high, ua_high = _wilson_eff(filled(a.high_share), neff_a, confidence)
    d_low, d_low_lo, d_low_hi = newcombe(pb_low, lb_low, ub_low, pa_low, la_low, ua_low)
    d_high, d_high_lo, d_high_hi = newcombe(pb_high, lb_high, ub_high, pa_high, la_high, ua_high)
    pseudo_b = filled(b.shares) * neff_b[:, None]
    pseudo_a = filled(a.shares) * neff_a[:, None]
    statistic, df, p_value, superiority, se = _brunner_munzel(pseudo_b, pseudo_a)
    with np.errstate(invalid="ignore"):
        half_width = stats.t.ppf(0.5 + confidence / 2, np.where(np.isfinite(df), df, 1.0)) * se

    def out(x: np.ndarray, extra: np.ndarray | None = None) -> np.ma.MaskedArray:
        mask = undefined | ~np.isfinite(x)
        if extra is not None:
            mask = mask | extra
        return _masked(np.where(np.isfinite(x), x, 0.0), mask, 0.0)

    return Comparison(
        indicators=indicators,
        confidence=confidence,
        n_before=np.ma.filled(b.n, 0),
        n_after=np.ma.filled(a.n, 0),
        low_difference=out(d_low),
        low_diff_low=out(d_low_lo),
        low_diff_high=out(d_low_hi),
        high_difference=out(d_high),
        high_diff_low=out(d_high_lo),
        high_diff_high=out(d_high_hi),
        statistic=out(statistic),
        df=out(df),
        p_value=out(p_value),
        superiority=out(superiority),
        superiority_low=out(superiority - half_width),
        superiority_high=out(superiority + half_width),
    )


# --- Weighting ---------------------------------------------------------------------------


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


__all__ = [
    "BootstrapIntervals",
    "Breakdown",
    "Comparison",
    "DONT_KNOW",
    "DEFAULT_THRESHOLD",
    "Distribution",
    "Extreme",
    "Figures",
    "Indices",
    "LEVELS",
    "MISSING",
    "NOT_APPLICABLE",
    "PROFILE_NOT_STATED",
    "SCORE_FORMULA",
    "Scores",
    "Weighting",
    "bootstrap",
    "brunner_munzel_counts",
    "compare",
    "effective_sample_size",
    "newcombe",
    "poststratify",
    "rake",
    "score",
    "score_cells",
    "suppress",
    "tally",
    "wilson",
]


# --- Bootstrap of the indices ----------------------------------------------------------


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

    indicator_intervals = BootstrapIntervals(
        seed=seed, replicates=replicates, confidence=confidence,
        mean_low=cell(mean_lo), mean_high=cell(mean_hi),
        score_low=cell((mean_lo - 1) / 4 * 100), score_high=cell((mean_hi - 1) / 4 * 100),
        median_low=cell(med_lo), median_high=cell(med_hi),
    )
    scores = ((means - 1.0) / 4.0 * 100.0).reshape((replicates, *shape))
    index_intervals = _index_intervals(scores, defined.reshape(shape), indices, shape, seed=seed,
                                       replicates=replicates, confidence=confidence)
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


__all__ += ["IndexIntervals", "bootstrap_indices", "bootstrap_with_indices"]
