"""The territory layer of the coding suggestions: nearest neighbours among the cards a
person coded, blended with a trained model's probabilities.

Pure (numpy and scipy, no Django). A :class:`Layer` holds one L2-normalised sparse row
per confirmed coding (the features of ``domain.suggest``) with its card id and code. A
confirmation adds or replaces one row at once (:meth:`Layer.put`), an uncoding removes
it (:meth:`Layer.drop`): no retraining, so what a person confirms counts for the very
next card. New rows wait in a small list and are stacked into the main matrix every
:data:`COMPACT_EVERY` rows, so a confirmation costs one row, not a copy of 100,000.

:func:`blend` mixes the neighbours' codes into the model's probabilities with a weight
that grows with the similarity of the closest neighbour: a near-identical card coded by a
person decides the first suggestion; a vaguely similar one only nudges it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from scipy import sparse

from cospiral.domain.suggest import ranking

COMPACT_EVERY = 256
KEEP = 32  # features kept per row: its most telling ones (highest weights)
NEIGHBOURS = 10
# Cosine similarity under which a coded card says nothing about another one, and the
# similarity from which the closest neighbour gets the full weight.
FLOOR = 0.3
FULL = 0.85
MAX_WEIGHT = 0.85


class Layer:
    """Confirmed codings of one territory as feature rows."""

    def __init__(self, n_features: int):
        self.n_features = int(n_features)
        self._main = sparse.csr_matrix((0, self.n_features), dtype=np.float32)
        self._main_ids: list[int] = []
        self._main_codes: list[str] = []
        self._alive = np.zeros(0, dtype=bool)
        self._pending: dict[int, tuple[object, str]] = {}  # card id -> (row, code)
        self._where: dict[int, int] = {}  # card id -> row of the main matrix
        self._stacked = None  # the pending rows as one matrix, until they change
        self._main_csc: Any = None  # the main matrix by columns (SciPy CSC), until it changes

    # --- building ------------------------------------------------------------------

    @classmethod
    def from_rows(cls, matrix, ids: Sequence[int], codes: Sequence[str]) -> Layer:
        """A layer over ``matrix`` (one row per card of ``ids``, coded ``codes``); a card
        id that repeats keeps its last row."""
        matrix = prune(matrix)
        layer = cls(matrix.shape[1])
        layer._main = matrix
        layer._main_ids = [int(i) for i in ids]
        layer._main_codes = [str(c) for c in codes]
        layer._alive = np.ones(matrix.shape[0], dtype=bool)
        layer._main_csc = matrix.tocsc()  # built here (off the request), searched by columns
        for row, card in enumerate(layer._main_ids):
            previous = layer._where.get(card)
            if previous is not None:
                layer._alive[previous] = False
            layer._where[card] = row
        return layer

    def put(self, card_id: int, row, code: str) -> None:
        """Add or replace the coding of one card (``row``: a 1 × n_features sparse row)."""
        card_id = int(card_id)
        self._kill(card_id)
        self._pending[card_id] = (prune(row), str(code))
        self._stacked = None
        if len(self._pending) >= COMPACT_EVERY:
            self.compact()

    def drop(self, card_id: int) -> None:
        """The card is no longer coded by a person (uncoded, not codable, split, gone)."""
        self._kill(int(card_id))
        if self._pending.pop(int(card_id), None) is not None:
            self._stacked = None

    def _kill(self, card_id: int) -> None:
        row = self._where.pop(card_id, None)
        if row is not None:
            self._alive[row] = False

    def compact(self) -> None:
        """Stack the pending rows (and drop the dead ones) into the main matrix."""
        if not self._pending and self._alive.all():
            return
        keep = np.flatnonzero(self._alive)
        blocks = [self._main[keep]] if len(keep) else []
        ids = [self._main_ids[i] for i in keep]
        codes = [self._main_codes[i] for i in keep]
        for card, (row, code) in self._pending.items():
            blocks.append(row)
            ids.append(card)
            codes.append(code)
        matrix = (sparse.vstack(blocks, format="csr", dtype=np.float32) if blocks
                  else sparse.csr_matrix((0, self.n_features), dtype=np.float32))
        self._main, self._main_ids, self._main_codes = matrix, ids, codes
        self._main_csc = None
        self._alive = np.ones(len(ids), dtype=bool)
        self._where = {card: i for i, card in enumerate(ids)}
        self._pending = {}
        self._stacked = None
        self._main_csc = matrix.tocsc()

    # --- reading -------------------------------------------------------------------

    def __len__(self) -> int:
        return int(self._alive.sum()) + len(self._pending)

    def codes(self) -> set[str]:
        alive = {self._main_codes[i] for i in np.flatnonzero(self._alive)}
        return alive | {code for _, code in self._pending.values()}

    def rows(self) -> tuple[object, list[int], list[str]]:
        """(matrix, card ids, codes) of every live row, for storing the layer."""
        self.compact()
        return self._main, list(self._main_ids), list(self._main_codes)

    def neighbours(self, features, k: int = NEIGHBOURS, *,
                   exclude: Iterable[int] = ()) -> list[list[tuple[str, float]]]:
        """For each row of ``features``, up to ``k`` (code, cosine similarity) of the
        closest coded cards, most similar first, at least :data:`FLOOR` similar. Cards of
        ``exclude`` (e.g. the card being coded itself) are skipped."""
        features = sparse.csr_matrix(features, dtype=np.float32)
        n = features.shape[0]
        result: list[list[tuple[str, float]]] = [[] for _ in range(n)]
        if n == 0 or len(self) == 0:
            return result
        features = prune(features)
        offset = self._main.shape[0]
        scores = np.zeros((offset + len(self._pending), n), dtype=np.float32)
        if offset:
            if self._main_csc is None:
                self._main_csc = self._main.tocsc()
            # Per text, only the columns of its own features: rows are pruned to their
            # most telling features, so these columns are short.
            for column in range(n):
                lo, hi = features.indptr[column], features.indptr[column + 1]
                if lo == hi:
                    continue
                sub = self._main_csc[:, features.indices[lo:hi]]
                scores[:offset, column] = sub @ features.data[lo:hi]
            dead = ~self._alive
            if dead.any():
                scores[:offset][dead, :] = 0
        pending_ids = list(self._pending)
        if self._pending:
            if self._stacked is None:
                self._stacked = sparse.vstack([r for r, _ in self._pending.values()], format="csr")
            scores[offset:, :] = (self._stacked @ features.T).toarray()
        for card in exclude:
            row = self._where.get(int(card))
            if row is not None:
                scores[row, :] = 0
            if int(card) in self._pending:
                scores[offset + pending_ids.index(int(card)), :] = 0
        pending_codes = [c for _, c in self._pending.values()]

        def code(i: int) -> str:
            return self._main_codes[i] if i < offset else pending_codes[i - offset]

        k = min(k, scores.shape[0])
        for column in range(n):
            values = scores[:, column]
            if k < len(values):
                top = np.argpartition(-values, k - 1)[:k]
            else:
                top = np.arange(len(values))
            top = top[np.argsort(-values[top], kind="stable")]
            result[column] = [(code(i), float(values[i])) for i in top if values[i] >= FLOOR]
        return result


def prune(features, keep: int = KEEP):
    """Each row reduced to its ``keep`` largest weights (the rarest, most telling
    n-grams and words), L2-normalised again: a near-identical text keeps a similarity
    near 1, and a search touches short columns only."""
    matrix = sparse.csr_matrix(features, dtype=np.float32, copy=True)
    matrix.sum_duplicates()
    counts = np.diff(matrix.indptr)
    if len(counts) and counts.max() > keep:
        rows = np.repeat(np.arange(matrix.shape[0]), counts)
        order = np.lexsort((-matrix.data, rows))
        rank = np.arange(len(order)) - np.repeat(matrix.indptr[:-1], counts)
        chosen = np.sort(order[rank < keep])
        matrix = sparse.csr_matrix((matrix.data[chosen], (rows[chosen], matrix.indices[chosen])),
                                   shape=matrix.shape, dtype=np.float32)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel()).astype(np.float32)
    norms[norms == 0] = 1
    matrix = sparse.csr_matrix(sparse.diags(1 / norms) @ matrix, dtype=np.float32)
    matrix.sort_indices()
    return matrix


def weight(similarity: float) -> float:
    """How much the neighbours count against the model, from the closest one's similarity:
    0 at :data:`FLOOR`, :data:`MAX_WEIGHT` from :data:`FULL` on, linear between."""
    if similarity <= FLOOR:
        return 0.0
    return MAX_WEIGHT * min(1.0, (similarity - FLOOR) / (FULL - FLOOR))


def blend(proba: np.ndarray, model_codes: Sequence[str],
          neighbours: Sequence[Sequence[tuple[str, float]]],
          allowed: Iterable[str] | None = None) -> tuple[np.ndarray, list[str]]:
    """Mix each text's neighbours into its model probabilities.

    ``proba`` has one row per text and one column per ``model_codes`` (it may have no
    column when there is no model yet). Returns (probabilities, codes): the codes are the
    model's and any neighbour's code the model does not know (a new local component), in
    sorted order; codes outside ``allowed`` are dropped. Each row sums to at most 1."""
    codes = sorted(set(model_codes) | {c for row in neighbours for c, _ in row})
    if allowed is not None:
        allowed = set(allowed)
        codes = [c for c in codes if c in allowed]
    column = {c: i for i, c in enumerate(codes)}
    n = len(neighbours)
    out = np.zeros((n, len(codes)), dtype=np.float64)
    proba = np.asarray(proba, dtype=np.float64).reshape(n, len(model_codes)) if n else proba
    source = [column.get(c) for c in model_codes]
    keep = [i for i, c in enumerate(source) if c is not None]
    if keep and n:
        out[:, [c for c in source if c is not None]] = proba[:, keep]
    has_model = bool(len(model_codes))
    for row, near in enumerate(neighbours):
        near = [(c, s) for c, s in near if c in column]
        if not near:
            continue
        votes = np.zeros(len(codes), dtype=np.float64)
        for code, similarity in near:
            votes[column[code]] += similarity ** 2
        votes /= votes.sum()
        w = weight(near[0][1]) if has_model else 1.0
        out[row] = (1 - w) * out[row] + w * votes
    return out, codes


def top_k(proba: np.ndarray, codes: Sequence[str], k: int) -> list[list[tuple[str, float]]]:
    """Up to ``k`` (code, confidence) per row: the most likely component of the most
    likely family first, then the most confident of the rest, ties by code
    (:func:`cospiral.domain.suggest.ranking`); codes with no probability at all are left
    out."""
    if k <= 0 or not len(codes):
        return [[] for _ in range(len(proba))]
    names = np.asarray(codes)
    order = ranking(np.asarray(proba, dtype=np.float64), codes, k)
    result = []
    for row, columns in zip(proba, order, strict=True):
        result.append([(str(names[c]), float(min(1.0, row[c]))) for c in columns if row[c] > 0])
    return result
