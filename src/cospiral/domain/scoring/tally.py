"""Validation of the level matrix and the one counting pass (``tally``): respondents
per indicator × code × group (× weight class)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from cospiral.domain.scoring.codes import (
    _BLOCK_CELLS,
    _MAX_WEIGHT_CLASSES,
    DONT_KNOW,
    HIGHEST_CODE,
    LOWEST_CODE,
    MISSING,
    N_CODES,
    NOT_APPLICABLE,
    PROFILE_NOT_STATED,
)
from cospiral.domain.scoring.results import Weighting


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
