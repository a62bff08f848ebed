"""The engine: ``score`` (a level matrix) and ``score_cells`` (count tables), which
tally, suppress, and derive every figure, index and extreme."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike

from cospiral.domain.scoring.codes import (
    DEFAULT_CONFIDENCE,
    DEFAULT_EXTREMES,
    DEFAULT_THRESHOLD,
    LEVEL_SLOTS,
    N_CODES,
)
from cospiral.domain.scoring.figures import _distribution, _z, suppress
from cospiral.domain.scoring.indices import _extremes, _family_plan, _indices, _Plan
from cospiral.domain.scoring.results import Breakdown, Scores, Weighting
from cospiral.domain.scoring.tally import _as_groups, _as_levels, _Tally, tally
from cospiral.domain.scoring.weighting import effective_sample_size


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
