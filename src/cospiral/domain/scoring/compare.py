"""Ex-post against ex-ante: difference of shares with Newcombe's interval, the
Brunner–Munzel test with the probability of superiority (``compare``)."""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from cospiral.domain.scoring.figures import _masked, _wilson_eff
from cospiral.domain.scoring.results import Comparison, Distribution, Scores


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
