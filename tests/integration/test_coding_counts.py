"""The exact counts table against a recomputation from the cards."""

import pytest
from django.db import transaction

from cospiral.coding import counts
from cospiral.coding.models import CodingCount
from cospiral.grid.models import GridEntry


def code(card, entry):
    with transaction.atomic():
        before = counts.cell(card)
        card.component = entry
        card.save()
        counts.apply(card.territory, [(before, counts.cell(card))])


def test_apply_follows_codings_and_equals_recompute(world):
    alpha, beta = world.alpha, world.beta
    a01 = GridEntry.objects.get(version=alpha.territory.grid_version, code="A01")
    b01 = GridEntry.objects.get(version=alpha.territory.grid_version, code="B01")
    code(alpha.cards[0], a01)
    code(alpha.cards[1], a01)
    code(alpha.cards[1], b01)
    code(beta.cards[0], b01)
    assert counts.differences(alpha.territory) == {}
    assert counts.differences(beta.territory) == {}
    table = {(c.component.code, c.count) for c in CodingCount.objects.of(alpha.territory)}
    assert table == {("A01", 1), ("B01", 1)}
    # Deleting a coded card takes it out.
    with transaction.atomic():
        card = alpha.cards[0]
        before = counts.cell(card)
        card.deleted_at = card.created_at
        card.save()
        counts.apply(alpha.territory, [(before, counts.cell(card))])
    assert counts.differences(alpha.territory) == {}
    assert not CodingCount.objects.of(alpha.territory).filter(component=a01).exists()


def test_recompute_repairs_and_apply_refuses_negative_counts(world):
    alpha = world.alpha
    a01 = GridEntry.objects.get(version=alpha.territory.grid_version, code="A01")
    type(alpha.cards[0]).objects.filter(pk=alpha.cards[0].pk).update(component=a01)
    assert counts.differences(alpha.territory)
    assert counts.recompute(alpha.territory) == 1
    assert counts.differences(alpha.territory) == {}
    with pytest.raises(ValueError), transaction.atomic():
        counts.apply(alpha.territory, [((alpha.group.pk, alpha.q1.pk, 999999), None)])
