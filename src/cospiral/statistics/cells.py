"""The exact counts of ``coding.CodingCount`` as arrays (``cospiral.domain.counts``),
kept in this process under each territory's version token (``stats.models.CountsStamp``),
which changes in the same transaction as every change of the counts: a summary is
reused only while it is exact. Read through ``cospiral.statistics.selectors``, which re-exports
``cells_of``, ``summaries`` and ``CACHE``."""

from __future__ import annotations

import threading
from collections import OrderedDict

from django.db import connection

from cospiral.cards.models import Question
from cospiral.coding.models import CodingCount
from cospiral.domain import counts
from cospiral.domain.counts import Cells, Summary
from cospiral.statistics.models import CountsStamp
from cospiral.territories.models import Territory

# --- the counts of territories, as arrays, cached by version token ---------------------

_QUESTION_CODES: dict[str, int] = {}  # process-wide index of question codes
_QUESTION_LOCK = threading.Lock()


def _question_index(code: str) -> int:
    with _QUESTION_LOCK:
        return _QUESTION_CODES.setdefault(code, len(_QUESTION_CODES))


def _question_code(index: int) -> str:
    for code, i in _QUESTION_CODES.items():
        if i == index:
            return code
    raise KeyError(index)


class _CellCache:
    """Territory id -> (key, Summary); least recently used dropped beyond ``max_rows``."""

    def __init__(self, max_rows: int = 20_000_000) -> None:
        self.max_rows = max_rows
        self.rows = 0
        self.items: OrderedDict[int, tuple[tuple, Summary]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, territory_id: int, key: tuple) -> Summary | None:
        with self.lock:
            item = self.items.get(territory_id)
            if item is None or item[0] != key:
                return None
            self.items.move_to_end(territory_id)
            return item[1]

    def put(self, territory_id: int, key: tuple, summary: Summary) -> None:
        with self.lock:
            old = self.items.pop(territory_id, None)
            if old is not None:
                self.rows -= old[1].rows
            self.items[territory_id] = (key, summary)
            self.rows += summary.rows
            while self.rows > self.max_rows and len(self.items) > 1:
                _, (_, dropped) = self.items.popitem(last=False)
                self.rows -= dropped.rows

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
            self.rows = 0
        JOINED.clear()  # built from these


CACHE = _CellCache()


# Beyond this many territories, a read by territory id reads every row of the table
# instead and keeps the wanted ones in Python: a network page asks for nearly all of
# them, and building and planning an IN list of a thousand ids costs more than the rows.
MANY = 200


def _keys(territories: list[Territory]) -> dict[int, tuple]:
    """The cache key of each territory: its id's creation time (ids can be reused after a
    rolled-back transaction) and its counts' version token."""
    stamps = CountsStamp.objects.values_list("territory_id", "token")
    if len(territories) <= MANY:
        stamps = stamps.filter(territory_id__in=[t.pk for t in territories])
    tokens = dict(stamps)
    return {t.pk: (t.created_at, tokens.get(t.pk)) for t in territories}


def _rows(territory_ids: list[int]) -> counts.IntArray:
    """The non-empty ``CodingCount`` rows of these territories as one integer array:
    territory, group, question id, component id (0: none), counted (0/1), count.
    A plain cursor: the ORM's per-row converters (booleans on SQLite) would cost about
    a second per million rows."""
    qn = connection.ops.quote_name
    meta = CodingCount._meta
    column = {f: qn(meta.get_field(f).column) for f in
              ("territory", "group", "question", "component", "counted", "count")}
    rows: list[tuple] = []
    with connection.cursor() as cursor:
        for start in range(0, len(territory_ids), 500):
            chunk = territory_ids[start:start + 500]
            cursor.execute(
                f"SELECT {column['territory']}, {column['group']}, {column['question']}, "  # noqa: S608 (names quoted, values bound)
                f"COALESCE({column['component']}, 0), "
                f"CASE WHEN {column['counted']} THEN 1 ELSE 0 END, {column['count']} "
                f"FROM {qn(meta.db_table)} WHERE {column['count']} > 0 "
                f"AND {column['territory']} IN ({', '.join(['%s'] * len(chunk))})", chunk)
            rows += cursor.fetchall()
    return counts.as_rows(rows)


def _load(territory_ids: list[int]) -> dict[int, Summary]:
    data = _rows(territory_ids)
    # Question ids -> the process-wide index of their code (the join key across territories).
    question_ids = sorted(set(data[:, counts.QUESTION].tolist()))
    codes = dict(Question.objects.filter(pk__in=question_ids).values_list("pk", "code"))
    return counts.summarise(data, {q: _question_index(codes[q]) for q in question_ids},
                            territory_ids)


def summaries(territories: list[Territory], *, keys: dict[int, tuple] | None = None
              ) -> dict[int, Summary]:
    """Each territory's ``Summary``: from the cache while its version token is
    unchanged, else read again from ``CodingCount``."""
    territories = sorted({t.pk: t for t in territories}.values(), key=lambda t: t.pk)
    keys = keys or _keys(territories)
    parts, stale = {}, []
    for t in territories:
        found = CACHE.get(t.pk, keys[t.pk])
        if found is None:
            stale.append(t.pk)
        else:
            parts[t.pk] = found
    if stale:
        for t, summary in _load(stale).items():
            CACHE.put(t, keys[t], summary)
            parts[t] = summary
    return parts


class _Joined:
    """The last few concatenations of many territories' cells, each under the cache keys
    of all its territories: reused only while none of them changed (a change rebuilds it
    from the per-territory summaries, only the changed territory being read again)."""

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self.items: OrderedDict[tuple, Cells] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple) -> Cells | None:
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
            return found

    def put(self, key: tuple, cells: Cells) -> None:
        with self.lock:
            self.items[key] = cells
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


JOINED = _Joined()


def cells_of(territories: list[Territory], *, by_group: bool = True) -> Cells:
    """The coded counts of these territories (see ``summaries``). Without ``by_group``,
    the counts are summed over groups (group -1)."""
    territories = sorted({t.pk: t for t in territories}.values(), key=lambda t: t.pk)
    if len(territories) == 1:
        summary = summaries(territories)[territories[0].pk]
        return summary.full if by_group else summary.summed
    keys = _keys(territories)
    joined_key = (by_group, tuple((t.pk, keys[t.pk]) for t in territories))
    found = JOINED.get(joined_key)
    if found is not None:
        return found
    parts = summaries(territories, keys=keys)
    cells = Cells.concatenate([parts[t.pk].full if by_group else parts[t.pk].summed
                               for t in territories])
    JOINED.put(joined_key, cells)
    return cells
