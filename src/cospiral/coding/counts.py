"""Keeping ``CodingCount`` exact.

Every service that moves a card in or out of a (group, question, component) cell calls
``apply`` inside its own transaction with the cells the card left and entered; ``cell``
builds the key of a card's current cell (None when the card is not counted or not
coded). ``recompute`` rebuilds a territory's counts from the cards (after bulk writes
such as the generator) and ``differences`` lists where the table and a recomputation
disagree (tests assert it is empty).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, F

from cospiral.coding.models import CodingCount
from cospiral.criteria.models import Card
from cospiral.domain.coding import is_counted
from cospiral.stats import services as stamps

Cell = tuple[int, int, int]  # (group_id, question_id, component_id)


def cell(card: Card) -> Cell | None:
    """The cell a card counts in now, or None."""
    if card.component_id is None:
        return None
    if not is_counted(deleted=card.deleted_at is not None, is_split=card.is_split,
                      merged=card.merged_into_id is not None):
        return None
    return (card.group_id, card.question_id, card.component_id)


def apply(territory, changes: Iterable[tuple[Cell | None, Cell | None]]) -> None:
    """Apply moves ``(before, after)`` of cards between cells. Must run inside the
    transaction that changed the cards."""
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
    for (group_id, question_id, component_id), change in sorted(delta.items()):
        if change == 0:
            continue
        updated = CodingCount.objects.of(territory).filter(
            group_id=group_id, question_id=question_id, component_id=component_id,
        ).update(count=F("count") + change)
        if not updated:
            if change < 0:
                raise ValueError(f"count of cell {(group_id, question_id, component_id)} would go below 0")
            CodingCount.objects.create(territory=territory, group_id=group_id,
                                       question_id=question_id, component_id=component_id,
                                       count=change)
    CodingCount.objects.of(territory).filter(count=0).delete()
    stamps.bump(territory.pk)  # statistics' cached summaries of these counts are now stale


def _from_cards(territory) -> dict[Cell, int]:
    rows = (
        Card.objects.of(territory).counted().filter(component__isnull=False)
        .values("group_id", "question_id", "component_id").annotate(n=Count("id"))
    )
    return {(r["group_id"], r["question_id"], r["component_id"]): r["n"] for r in rows}


def _from_table(territory) -> dict[Cell, int]:
    return {
        (r.group_id, r.question_id, r.component_id): r.count
        for r in CodingCount.objects.of(territory).filter(count__gt=0)
    }


@transaction.atomic
def recompute(territory) -> int:
    """Rebuild a territory's counts from its cards; returns the number of cells."""
    CodingCount.objects.of(territory).delete()
    cells = _from_cards(territory)
    CodingCount.objects.bulk_create(
        [CodingCount(territory=territory, group_id=g, question_id=q, component_id=c, count=n)
         for (g, q, c), n in cells.items()],
        batch_size=5000,
    )
    stamps.bump(territory.pk)
    return len(cells)


def differences(territory) -> dict[Cell, tuple[int, int]]:
    """Cells where the table (first) and a recomputation from the cards (second) differ."""
    table, cards = _from_table(territory), _from_cards(territory)
    return {
        key: (table.get(key, 0), cards.get(key, 0))
        for key in table.keys() | cards.keys()
        if table.get(key, 0) != cards.get(key, 0)
    }
