"""Published snapshots of a wave's results, and the rule that keeps small-cell suppression
holding over time (issue 13, deliverable 2). Pure NumPy, no Django.

Everyone but the wave's coordinators sees the results of a *snapshot*: the wave's exact
tallies frozen when a coordinator publishes them. An observer may keep every snapshot
ever published and subtract one from another, so a new snapshot may be published over
the previous one only when:

1. **No count went down** (no answer was corrected or withdrawn since): every change is
   made of new questionnaires, so a hidden cell of the new snapshot holds at least what
   it held before;
2. **every hidden cell stays hidden**: the cells hidden in the previous snapshot (too few
   answers, or hidden to protect such a cell) are hidden in the new one whatever their
   size, and the secondary suppression is computed again around them (``hidden_of``);
3. **every cell shown in both changed by nothing or by at least the threshold** of valid
   answers, so the difference of two shown cells is itself a cell of at least the
   threshold.

Checking the new snapshot against the latest one is enough: hidden sets only grow and
counts only rise, so between any two published snapshots every shown-in-both cell
changed by zero or by at least the threshold (a sum of such changes).

A cell is addressed as ``(key, code, indicator)``: ``key`` ``None`` for the overall
figures (``code`` ``None``), else a profile question and the code of its answer
(0..K-1, or −1 not stated)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from cospiral.domain.scoring import LEVEL_SLOTS, N_CODES, PROFILE_NOT_STATED, suppress


@dataclass(frozen=True)
class Tables:
    """Counts of a snapshot: ``overall`` (J, 8), and per profile question ``by_key[key]``
    (K+1, J, 8), rows by answer code 0..K-1 then not stated."""

    overall: np.ndarray
    by_key: Mapping[str, np.ndarray]


@dataclass(frozen=True)
class Hidden:
    """Cells hidden in a snapshot: ``overall`` (J,) and ``by_key[key]`` (K+1, J)."""

    overall: np.ndarray
    by_key: Mapping[str, np.ndarray]

    def to_json(self) -> dict[str, Any]:
        return {"overall": [int(j) for j in np.flatnonzero(self.overall)],
                "by_key": {key: [[_code(int(r), len(mask)), int(j)] for r, j in zip(*np.nonzero(mask), strict=True)]
                           for key, mask in self.by_key.items()}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any], J: int, sizes: Mapping[str, int]) -> Hidden:
        """``sizes``: the number of answers K of each profile question."""
        overall = np.zeros(J, dtype=bool)
        overall[[j for j in data.get("overall", []) if 0 <= j < J]] = True
        by_key = {}
        for key, k in sizes.items():
            mask = np.zeros((k + 1, J), dtype=bool)
            for code, j in data.get("by_key", {}).get(key, []):
                row = k if code == PROFILE_NOT_STATED else code
                if 0 <= row <= k and 0 <= j < J:
                    mask[row, j] = True
            by_key[key] = mask
        return cls(overall, by_key)


def _code(row: int, rows: int) -> int:
    return PROFILE_NOT_STATED if row == rows - 1 else row


def tables(counts: ArrayLike, profiles: ArrayLike, keys: Sequence[tuple[str, int, int]]) -> Tables:
    """``counts`` (C, J, 8) per cell of profile answers, ``profiles`` (C, P) their codes;
    ``keys``: ``(key, column of profiles, K)`` of every profile question asked."""
    counts = np.asarray(counts, dtype=np.int64)
    profiles = np.asarray(profiles, dtype=np.int64)
    C, J = counts.shape[0], counts.shape[1]
    overall = counts.sum(axis=0) if C else np.zeros((J, N_CODES), dtype=np.int64)
    by_key = {}
    for key, column, k in keys:
        rows = np.where(profiles[:, column] == PROFILE_NOT_STATED, k, profiles[:, column]) if C else np.zeros(0, int)
        table = np.zeros((k + 1, J, N_CODES), dtype=np.int64)
        if C:
            np.add.at(table, rows, counts)
        by_key[key] = table
    return Tables(overall, by_key)


def _n(table: np.ndarray) -> np.ndarray:
    n: np.ndarray = table[..., LEVEL_SLOTS].sum(axis=-1)
    return n


def hidden_of(t: Tables, threshold: int, forced: Hidden | None = None) -> Hidden:
    """The cells a snapshot hides: fewer valid answers than ``threshold``, the secondary
    cells that protect them (``scoring.suppress``), and every ``forced`` cell (those
    hidden in the previous snapshot). Equal to the masks of ``scoring.score_cells``
    given the same forced cells (tested)."""
    overall = _n(t.overall) < threshold
    if forced is not None:
        overall = overall | forced.overall
    by_key = {}
    for key, table in t.by_key.items():
        empty = table.sum(axis=-1) == 0
        force = forced.by_key.get(key) if forced is not None else None
        by_key[key] = suppress(_n(table), threshold, empty, force)
    return Hidden(overall, by_key)


@dataclass(frozen=True)
class Problem:
    """Why a new snapshot may not be published: ``kind`` "decrease" (answers corrected
    or withdrawn) or "small_change" (``change`` new valid answers, under the threshold)."""

    kind: str
    key: str | None
    code: int | None
    indicator: int
    change: int


def problems(old: Tables, old_hidden: Hidden, new: Tables, new_hidden: Hidden,
             threshold: int) -> list[Problem]:
    """Every reason not to publish ``new`` after ``old`` (empty: allowed). ``new_hidden``
    must be ``hidden_of(new, threshold, forced=old_hidden)``."""
    found: list[Problem] = []
    pairs: list[tuple[str | None, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = [
        (None, old.overall[None], old_hidden.overall[None], new.overall[None], new_hidden.overall[None])]
    pairs += [(key, old.by_key[key], old_hidden.by_key[key], new.by_key[key], new_hidden.by_key[key])
              for key in new.by_key if key in old.by_key]
    for key, before, hidden_before, after, hidden_after in pairs:
        if before.shape != after.shape:
            raise ValueError(f"Snapshots of different shapes for {key or 'overall'}: "
                             f"{before.shape} and {after.shape}.")
        delta = after - before
        rows = len(before)
        for r, j in zip(*np.nonzero((delta < 0).any(axis=-1)), strict=True):
            found.append(Problem("decrease", key, None if key is None else _code(int(r), rows), int(j),
                                 int(_n(delta)[r, j])))
        shown = ~hidden_before & ~hidden_after & (delta != 0).any(axis=-1) & (delta >= 0).all(axis=-1)
        change = _n(delta)
        for r, j in zip(*np.nonzero(shown & (change < threshold)), strict=True):
            found.append(Problem("small_change", key, None if key is None else _code(int(r), rows), int(j),
                                 int(change[r, j])))
    return found
