"""Keeping ``CodingCount`` exact.

Every service that creates a card or moves it between cells calls ``apply`` inside its
own transaction with the cells the card left and entered; ``cell`` builds the key of a
card's current cell: ``(group, question, component)`` for a counted coded card,
``(group, question, None)`` for a counted card without a code, ``(group, question,
NOT_COUNTED)`` for a card entered but not counted (split into parts, or merged into
another card), and None for a deleted card. ``recompute`` rebuilds a territory's
counts from the cards (after bulk writes such as the generator) and ``differences``
lists where the table and a recomputation disagree (tests assert it is empty).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q

from cospiral.cards.models import Card
from cospiral.coding.models import CodingCount
from cospiral.domain.coding import is_counted
from cospiral.statistics import services as stamps

NOT_COUNTED = -1  # the "component" of the cell of cards entered but not counted

Cell = tuple[int, int, int | None]  # (group_id, question_id, component_id | None | NOT_COUNTED)


def cell(card: Card) -> Cell | None:
    """The cell a card is in now, or None (a deleted card)."""
    if card.deleted_at is not None:
        return None
    if not is_counted(deleted=False, is_split=card.is_split,
                      merged=card.merged_into_id is not None):
        return (card.group_id, card.question_id, NOT_COUNTED)
    return (card.group_id, card.question_id, card.component_id)


def _lookup(component):
    """The columns of a cell's component part."""
    if component == NOT_COUNTED:
        return {"component__isnull": True, "counted": False}
    if component is None:
        return {"component__isnull": True, "counted": True}
    return {"component_id": component}


def _row(component) -> dict:
    if component == NOT_COUNTED:
        return {"component_id": None, "counted": False}
    return {"component_id": component, "counted": True}


def apply(territory, changes: Iterable[tuple[Cell | None, Cell | None]]) -> None:
    """Apply moves ``(before, after)`` of cards between cells (``(None, cell)`` for a new
    card). Must run inside the transaction that changed the cards."""
    delta: Counter[Cell] = Counter()
    for before, after in changes:
        if before == after:
            continue
        if before is not None:
            delta[before] -= 1
        if after is not None:
            delta[after] += 1
    if not delta:
        return
    assert transaction.get_connection().in_atomic_block, "apply() belongs in a transaction"
    if len(delta) > BULK_CELLS:
        _apply_many(territory, delta)
        stamps.bump(territory.pk)
        return
    emptied: list[Q] = []
    # Sorted (components None first) so concurrent writers lock rows in the same order.
    for key, change in sorted(delta.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or 0)):
        if change == 0:
            continue
        group_id, question_id, component = key
        where = {"group_id": group_id, "question_id": question_id, **_lookup(component)}
        updated = CodingCount.objects.of(territory).filter(**where).update(count=F("count") + change)
        if not updated:
            if change < 0:
                raise ValueError(f"count of cell {key} would go below 0")
            try:
                with transaction.atomic():  # a savepoint: another writer may create it first
                    CodingCount.objects.create(territory=territory, group_id=group_id,
                                               question_id=question_id, count=change,
                                               **_row(component))
            except IntegrityError:
                CodingCount.objects.of(territory).filter(**where).update(count=F("count") + change)
        elif change < 0:
            emptied.append(Q(**where))
    if emptied:
        any_of = emptied[0]
        for q in emptied[1:]:
            any_of |= q
        CodingCount.objects.of(territory).filter(any_of, count=0).delete()
    stamps.bump(territory.pk)  # statistics' cached summaries of these counts are now stale


BULK_CELLS = 20  # above this many cells, read, lock and write them in a few statements


def _apply_many(territory, delta: Counter[Cell]) -> None:
    """``apply`` for many cells at once (an import): the affected groups' rows are read
    and locked in one query, then updated, created and deleted in bulk. On SQLite the
    IMMEDIATE transaction already serialises writers; on PostgreSQL the row locks do."""
    groups = sorted({group_id for group_id, _, _ in delta})
    rows = {
        _key(row): row
        for row in CodingCount.objects.of(territory).filter(group_id__in=groups)
        .order_by("pk").select_for_update()
    }
    to_update, to_create, emptied = [], [], []
    for key, change in delta.items():
        if change == 0:
            continue
        row = rows.get(key)
        if row is None:
            if change < 0:
                raise ValueError(f"count of cell {key} would go below 0")
            group_id, question_id, component = key
            to_create.append(CodingCount(territory=territory, group_id=group_id,
                                         question_id=question_id, count=change,
                                         **_row(component)))
            continue
        row.count += change
        if row.count < 0:
            raise ValueError(f"count of cell {key} would go below 0")
        (emptied if row.count == 0 else to_update).append(row)
    if to_update:
        CodingCount.objects.bulk_update(to_update, ["count"], batch_size=500)
    if emptied:
        CodingCount.objects.filter(pk__in=[row.pk for row in emptied]).delete()
    if to_create:
        try:
            with transaction.atomic():  # a savepoint: another writer may create a cell first
                CodingCount.objects.bulk_create(to_create, batch_size=1000)
        except IntegrityError:
            for row in to_create:  # rare: fall back to the cell-by-cell path for these
                component = NOT_COUNTED if not row.counted else row.component_id
                apply(territory, [(None, (row.group_id, row.question_id, component))]
                      * row.count)


def _from_cards(territory) -> dict[Cell, int]:
    alive = Card.objects.of(territory).alive().order_by()
    counted = Q(is_split=False, merged_into__isnull=True)
    result = {}
    for r in (alive.filter(counted).values("group_id", "question_id", "component_id")
              .annotate(n=Count("id"))):
        result[(r["group_id"], r["question_id"], r["component_id"])] = r["n"]
    for r in alive.exclude(counted).values("group_id", "question_id").annotate(n=Count("id")):
        result[(r["group_id"], r["question_id"], NOT_COUNTED)] = r["n"]
    return result


def _key(row: CodingCount) -> Cell:
    if row.component_id is None and not row.counted:
        return (row.group_id, row.question_id, NOT_COUNTED)
    return (row.group_id, row.question_id, row.component_id)


def _from_table(territory) -> dict[Cell, int]:
    return {_key(r): r.count for r in CodingCount.objects.of(territory).filter(count__gt=0)}


@transaction.atomic
def recompute(territory) -> int:
    """Rebuild a territory's counts from its cards; returns the number of cells."""
    CodingCount.objects.of(territory).delete()
    cells = _from_cards(territory)
    CodingCount.objects.bulk_create(
        [CodingCount(territory=territory, group_id=g, question_id=q, count=n, **_row(c))
         for (g, q, c), n in cells.items()],
        batch_size=5000,
    )
    stamps.bump(territory.pk)
    return len(cells)


def differences(territory) -> dict[Cell, tuple[int, int]]:
    """Cells where the table (first) and a recomputation from the cards (second) differ.
    Rows with a count of 0 are differences too (``apply`` deletes emptied cells)."""
    table, cards = _from_table(territory), _from_cards(territory)
    result = {
        key: (table.get(key, 0), cards.get(key, 0))
        for key in table.keys() | cards.keys()
        if table.get(key, 0) != cards.get(key, 0)
    }
    for row in CodingCount.objects.of(territory).filter(count=0):
        result.setdefault(_key(row), (0, cards.get(_key(row), 0)))
    return result
