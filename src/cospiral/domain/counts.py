"""The arithmetic of the statistics pages: coded-card counts as NumPy arrays, summed,
filtered, cross-tabulated and turned into counts and shares.

Plain data in, plain data out (no Django): ``cospiral.statistics.selectors`` reads the exact
counts of ``CodingCount`` (one row per territory × group × question × component) and the
grid, and hands them here; what comes back are arrays and lists of numbers that the
selectors put in tables with translated headings.

Conventions: positions (of a component, family, question, group, territory...) are
small non-negative integers; -1 means "not known here" and is left out of every count.
Shares are rounded to 4 places and are 0 where their denominator is 0 (never a division
by zero).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Columns of the rows handed to ``summarise`` (one row per ``CodingCount`` cell).
TERRITORY, GROUP, QUESTION, COMPONENT, COUNTED, COUNT = range(6)

# Above this value, ``lookup`` sorts and searches instead of building a dense table.
_DENSE_LIMIT = 50_000_000


def _int(values: npt.ArrayLike) -> IntArray:
    return np.asarray(values, dtype=np.int64)


@dataclass(frozen=True)
class Cells:
    """Coded-card counts, one row per territory × group × question × component."""

    territory: IntArray
    group: IntArray
    question: IntArray  # index of the question code (a process-wide index of codes)
    component: IntArray  # GridEntry id
    count: IntArray

    @classmethod
    def empty(cls) -> Cells:
        z = np.zeros(0, dtype=np.int64)
        return cls(z, z, z, z, z)

    def __len__(self) -> int:
        return len(self.count)

    def where(self, mask: BoolArray) -> Cells:
        return Cells(self.territory[mask], self.group[mask], self.question[mask],
                     self.component[mask], self.count[mask])

    @classmethod
    def concatenate(cls, parts: Sequence[Cells]) -> Cells:
        if not parts:
            return cls.empty()
        if len(parts) == 1:
            return parts[0]
        return cls(*(np.concatenate([getattr(p, f) for p in parts])
                     for f in ("territory", "group", "question", "component", "count")))


@dataclass(frozen=True)
class Summary:
    """One territory's counts as arrays: the coded cells (``full``), the same summed
    over groups (``summed``), and per group the cards entered and counted (``groups``,
    ``entered``, ``counted``, from the cells without a component)."""

    full: Cells
    summed: Cells
    groups: IntArray
    entered: IntArray
    counted: IntArray

    @property
    def rows(self) -> int:
        return len(self.full) + len(self.summed) + len(self.groups)


@dataclass
class Catalogue:
    """Families and components of the territories' grids, keyed by code."""

    families: list[str]  # family codes in grid order
    components: list[str]  # component codes in grid order
    labels: dict[str, str]  # code -> label in the reader's language
    family_of: dict[str, str]  # component code -> family code
    entry_code: dict[int, str]  # GridEntry id -> component code (sub-objects -> component)
    _ids: tuple[IntArray, IntArray] | None = field(default=None, init=False, repr=False,
                                                     compare=False)

    def component_index(self, entry_ids: IntArray) -> IntArray:
        """Position in ``components`` of each GridEntry id (unknown ids: -1)."""
        if self._ids is None:
            position = {code: i for i, code in enumerate(self.components)}
            ids = np.array(sorted(self.entry_code), dtype=np.int64)
            pos = np.array([position[self.entry_code[i]] for i in ids.tolist()], dtype=np.int64)
            self._ids = (ids, pos)
        ids, pos = self._ids
        return lookup(ids, pos, entry_ids)

    def family_index(self) -> IntArray:
        """For each component position, the position of its family."""
        position = {code: i for i, code in enumerate(self.families)}
        return np.array([position[self.family_of[c]] for c in self.components], dtype=np.int64)


def as_rows(rows: Sequence[Sequence[int]]) -> IntArray:
    """Count rows (territory, group, question id, component id or 0, counted 0/1,
    count) as one ``(n, 6)`` integer array."""
    return np.array(rows, dtype=np.int64).reshape(-1, 6)


def summarise(data: IntArray, question_index: Mapping[int, int],
              territory_ids: Sequence[int]) -> dict[int, Summary]:
    """Each territory's ``Summary`` from its count rows (``as_rows``; rows with a
    component are coded cells, the others only count in the per-group totals).
    ``question_index`` maps a question id to the index of its code, the join key of
    questions across territories."""
    data = data[np.argsort(data[:, TERRITORY], kind="stable")]
    q_index = map_positions(data[:, QUESTION], question_index)
    wanted = _int(territory_ids)
    bounds = np.searchsorted(data[:, TERRITORY], wanted, side="left").tolist()
    ends = np.searchsorted(data[:, TERRITORY], wanted, side="right").tolist()
    result = {}
    for t, lo, hi in zip(territory_ids, bounds, ends, strict=True):
        part, q = data[lo:hi], q_index[lo:hi]
        coded = part[:, COMPONENT] > 0
        full = Cells(part[coded, TERRITORY], part[coded, GROUP], q[coded],
                     part[coded, COMPONENT], part[coded, COUNT])
        groups, inverse = np.unique(part[:, GROUP], return_inverse=True)
        entered = bincount(inverse, part[:, COUNT], len(groups))
        counted = bincount(inverse, part[:, COUNT] * part[:, COUNTED], len(groups))
        result[t] = Summary(full, without_groups(full), _int(groups), entered, counted)
    return result


def without_groups(cells: Cells) -> Cells:
    """The same counts summed over groups (group -1), one row per question × component
    in that order: fewer rows for pages that do not split by group."""
    if len(cells) == 0:
        return cells
    key = cells.question * (int(cells.component.max()) + 1) + cells.component
    unique, inverse = np.unique(key, return_inverse=True)
    first = np.zeros(len(unique), dtype=np.int64)
    first[inverse[::-1]] = np.arange(len(key))[::-1]
    return Cells(cells.territory[first], np.full(len(unique), -1, dtype=np.int64),
                 cells.question[first], cells.component[first],
                 bincount(inverse.reshape(-1), cells.count, len(unique)))


def bincount(index: npt.ArrayLike, weights: npt.ArrayLike, size: int) -> IntArray:
    """The sum of ``weights`` at each position ``0 … size - 1`` of ``index``."""
    if size == 0:
        return np.zeros(0, dtype=np.int64)
    return np.bincount(_int(index), weights=np.asarray(weights),
                       minlength=size).astype(np.int64)


def sum_by(keys: IntArray, weights: IntArray) -> dict[int, int]:
    """The sum of ``weights`` for each distinct key, keys in increasing order."""
    if len(keys) == 0:
        return {}
    unique, inverse = np.unique(_int(keys), return_inverse=True)
    sums = bincount(inverse.reshape(-1), weights, len(unique))
    return dict(zip(unique.tolist(), sums.tolist(), strict=True))


def crosstab(rows: IntArray, n_rows: int, cols: IntArray, n_cols: int,
             weights: IntArray) -> IntArray:
    """Counts in an ``n_rows × n_cols`` matrix (rows or columns < 0 are left out)."""
    keep = (rows >= 0) & (cols >= 0)
    flat = rows[keep] * n_cols + cols[keep]
    return bincount(flat, weights[keep], n_rows * n_cols).reshape(n_rows, n_cols)


def lookup(keys: IntArray, positions: IntArray, values: IntArray) -> IntArray:
    """``positions[i]`` where ``values == keys[i]``, else -1: a dense table indexed by
    value (ids are small non-negative integers), one gather per value; sorted search
    for negative or very large values."""
    values = _int(values)
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    keys, positions = _int(keys), _int(positions)
    if len(keys) == 0:
        return np.full(len(values), -1, dtype=np.int64)
    top = int(max(keys.max(), values.max()))
    if keys.min() < 0 or values.min() < 0 or top > _DENSE_LIMIT:
        order = np.argsort(keys)
        keys, positions = keys[order], positions[order]
        at = np.clip(np.searchsorted(keys, values), 0, len(keys) - 1)
        return np.where(keys[at] == values, positions[at], -1)
    table = np.full(top + 1, -1, dtype=np.int64)
    table[keys] = positions
    return table[values]


def map_positions(values: IntArray, positions: Mapping[int, int]) -> IntArray:
    """Replace each value by its position in ``positions`` (-1 when absent), vectorised."""
    keys = np.fromiter(positions.keys(), dtype=np.int64, count=len(positions))
    pos = np.fromiter(positions.values(), dtype=np.int64, count=len(positions))
    return lookup(keys, pos, values)


def present(values: IntArray) -> list[int]:
    """The distinct non-negative values that occur, in increasing order."""
    if len(values) == 0:
        return []
    return [int(v) for v in np.flatnonzero(np.bincount(_int(values)))]


def families_of(component: IntArray, family_of_component: IntArray) -> IntArray:
    """The family position of each component position (-1 stays -1)."""
    if len(family_of_component) == 0:
        return component
    known = component >= 0
    return np.where(known, family_of_component[np.where(known, component, 0)], -1)


def keep_mask(cells: Cells, *, question: int | None = None,
              groups: Sequence[Iterable[int]] = ()) -> BoolArray | None:
    """Which cells belong to ``question`` (an index; -1 matches nothing) and to a group
    of every set of ``groups`` (ids); ``None`` when every cell does."""
    mask = np.ones(len(cells), dtype=bool)
    if question is not None:
        mask &= cells.question == question
    for ids in groups:
        mask &= np.isin(cells.group, _int(list(ids)))
    return None if mask.all() else mask


def keep(cells: Cells, *, question: int | None = None,
         groups: Sequence[Iterable[int]] = ()) -> Cells:
    """The cells that ``keep_mask`` keeps (the same object when it keeps them all)."""
    mask = keep_mask(cells, question=question, groups=groups)
    return cells if mask is None else cells.where(mask)


def count_share_pairs(matrix: IntArray, denominators: IntArray,
                      row_totals: IntArray | None = None, whole: int = 0) -> list[list[Any]]:
    """Each row of ``matrix`` as [count, share, count, share, ...] (shares rounded to 4
    places, 0 where the denominator, broadcast against the matrix, is 0), then
    [total, share of whole] if ``row_totals`` is given: computed for every cell at once."""
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = np.where(denominators > 0,
                          matrix / np.where(denominators > 0, denominators, 1), 0.0)
    counts: npt.NDArray[Any] = matrix
    rounded = np.round(shares, 4)
    if row_totals is not None:
        total_share = np.round(row_totals / whole, 4) if whole else np.zeros(len(row_totals))
        counts = np.column_stack([matrix, row_totals])
        rounded = np.column_stack([rounded, total_share])
    return [[v for pair in zip(c, r, strict=True) for v in pair]
            for c, r in zip(counts.tolist(), rounded.tolist(), strict=True)]


def by_question(matrix: IntArray) -> tuple[list[int], list[list[Any]]]:
    """Rows × questions: each row's total, and each row as the count and share of each
    question's cards (share of the question's column) then its total and share of all."""
    row_totals = matrix.sum(axis=1)
    whole = int(row_totals.sum())
    pairs = count_share_pairs(matrix, matrix.sum(axis=0)[np.newaxis, :], row_totals, whole)
    return [int(v) for v in row_totals.tolist()], pairs


def by_unit(matrix: IntArray) -> tuple[list[int], list[list[Any]]]:
    """Units × families: each unit's total, and each unit as the count and share (of the
    unit's own total) of each family."""
    totals = matrix.sum(axis=1)
    return [int(v) for v in totals.tolist()], count_share_pairs(matrix, totals[:, np.newaxis])


def column_shares(matrix: IntArray) -> list[list[Any]]:
    """Each row of ``matrix`` as [count, share of its column, ...] (a unit per column;
    shares rounded as Python's ``round``, like ``share``)."""
    totals = column_totals(matrix)
    return [[v for j, n in enumerate(row) for v in (int(n), share(int(n), totals[j]))]
            for row in matrix.tolist()]


def column_totals(matrix: IntArray) -> list[int]:
    return [int(v) for v in matrix.sum(axis=0).tolist()]


def row_totals(matrix: IntArray) -> list[int]:
    return [int(v) for v in matrix.sum(axis=1).tolist()]


def per_column(matrix: IntArray, row_keys: Sequence[str],
               column_keys: Sequence[Hashable]) -> dict[Hashable, dict[str, int]]:
    """Column key -> {row key: count} of the non-zero cells of ``matrix``."""
    result: dict[Hashable, dict[str, int]] = {}
    cells = matrix.T.tolist()
    for j, unit in enumerate(column_keys):
        result[unit] = {row_keys[i]: int(n) for i, n in enumerate(cells[j]) if n}
    return result


def share(part: int, whole: int) -> float:
    """``part / whole`` rounded to 4 places; 0 when ``whole`` is 0."""
    return round(part / whole, 4) if whole else 0.0
