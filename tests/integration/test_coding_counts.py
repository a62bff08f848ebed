"""The exact counts table against a recomputation from the cards."""

import pytest
from django.db import IntegrityError, transaction

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
    table = {(c.component.code if c.component else None, c.counted, c.count)
             for c in CodingCount.objects.of(alpha.territory)}
    # the third card is counted, not coded: a cell without a component
    assert table == {("A01", True, 1), ("B01", True, 1), (None, True, 1)}
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
    assert counts.recompute(alpha.territory) == 2  # A01, and the two uncoded cards
    assert counts.differences(alpha.territory) == {}
    # A split or merged card is entered, not counted: it has its own cell.
    type(alpha.cards[1]).objects.filter(pk=alpha.cards[1].pk).update(is_split=True)
    assert counts.differences(alpha.territory) == {
        (alpha.group.pk, alpha.q1.pk, None): (2, 1),
        (alpha.group.pk, alpha.q1.pk, counts.NOT_COUNTED): (0, 1)}
    assert counts.recompute(alpha.territory) == 3
    assert counts.differences(alpha.territory) == {}
    with pytest.raises(ValueError), transaction.atomic():
        counts.apply(alpha.territory, [((alpha.group.pk, alpha.q1.pk, 999999), None)])


def test_cells_without_component_are_unique_on_every_database(world):
    """NULLs are distinct in unique constraints: a partial constraint keeps one uncoded
    cell (and one not-counted cell) per group × question."""
    alpha = world.alpha
    existing = CodingCount.objects.of(alpha.territory).get(component__isnull=True)
    assert existing.counted and existing.count == 3
    with pytest.raises(IntegrityError), transaction.atomic():
        CodingCount.objects.create(territory=alpha.territory, group=alpha.group,
                                   question=alpha.q1, component=None, counted=True, count=1)
    CodingCount.objects.create(territory=alpha.territory, group=alpha.group,
                               question=alpha.q1, component=None, counted=False, count=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        CodingCount.objects.create(territory=alpha.territory, group=alpha.group,
                                   question=alpha.q1, component=None, counted=False, count=1)
    a01 = GridEntry.objects.get(version=alpha.territory.grid_version, code="A01")
    with pytest.raises(IntegrityError), transaction.atomic():  # a coded cell is counted
        CodingCount.objects.create(territory=alpha.territory, group=alpha.group,
                                   question=alpha.q1, component=a01, counted=False, count=1)


def test_apply_moves_cards_between_uncoded_and_not_counted_cells(world):
    alpha = world.alpha
    card = alpha.cards[0]
    with transaction.atomic():
        before = counts.cell(card)
        assert before == (alpha.group.pk, alpha.q1.pk, None)
        card.merged_into = alpha.cards[1]
        card.save()
        assert counts.cell(card) == (alpha.group.pk, alpha.q1.pk, counts.NOT_COUNTED)
        counts.apply(alpha.territory, [(before, counts.cell(card))])
    assert counts.differences(alpha.territory) == {}
    with transaction.atomic():
        before = counts.cell(card)
        card.deleted_at = card.created_at
        card.save()
        assert counts.cell(card) is None
        counts.apply(alpha.territory, [(before, None)])
    assert counts.differences(alpha.territory) == {}
    # the emptied not-counted cell is gone, not left at 0
    assert not CodingCount.objects.of(alpha.territory).filter(counted=False).exists()


def test_apply_adds_to_a_cell_another_writer_created_first(world, monkeypatch):
    """Two first cards of a cell at once: the second insert meets the unique constraint
    and adds to the row the first writer created, in its savepoint."""
    alpha = world.alpha
    q2 = type(alpha.q1).objects.of(alpha.territory).get(code="Q2")
    cell = (alpha.group.pk, q2.pk, None)
    real_filter = type(CodingCount.objects.of(alpha.territory)).filter
    calls = {"n": 0}

    def filter_missing_once(self, *args, **kwargs):
        # The first look-up of the cell misses, as if the other writer had not committed.
        if kwargs.get("question_id") == q2.pk and calls["n"] == 0:
            calls["n"] += 1
            CodingCount.objects.create(territory=alpha.territory, group=alpha.group,
                                       question=q2, component=None, counted=True, count=1)
            return real_filter(self, pk__in=[])
        return real_filter(self, *args, **kwargs)

    monkeypatch.setattr(type(CodingCount.objects.of(alpha.territory)), "filter", filter_missing_once)
    with transaction.atomic():
        counts.apply(alpha.territory, [(None, cell)])
    monkeypatch.undo()
    assert CodingCount.objects.of(alpha.territory).get(question=q2, component=None).count == 2


def test_many_cells_at_once_take_the_bulk_path_and_stay_exact(world):
    """An import moves cards into dozens of cells: the bulk path (more than
    ``BULK_CELLS`` cells) creates, increments, empties and refuses like the cell path."""
    from cospiral.cards.models import Card, Question
    from cospiral.groups.models import Group

    alpha = world.alpha
    entries = list(GridEntry.objects.filter(version=alpha.territory.grid_version,
                                            kind="component"))
    questions = list(Question.objects.of(alpha.territory))
    other = Group.objects.create(territory=alpha.territory, name="Elderly people")
    cards, moves = [], []
    with transaction.atomic():
        for group in (alpha.group, other):
            for question in questions:
                for entry in entries:
                    card = Card.objects.create(territory=alpha.territory, group=group,
                                               question=question, component=entry,
                                               text=f"{question.code} {entry.code}")
                    cards.append(card)
                    moves.append((None, counts.cell(card)))
        assert len({after for _, after in moves}) > counts.BULK_CELLS
        counts.apply(alpha.territory, moves)
    assert counts.differences(alpha.territory) == {}
    # Take every other card out again (some cells empty, some go down) in bulk.
    with transaction.atomic():
        out = []
        for card in cards[::2]:
            before = counts.cell(card)
            card.deleted_at = card.created_at
            card.save()
            out.append((before, counts.cell(card)))
        counts.apply(alpha.territory, out)
    assert counts.differences(alpha.territory) == {}
    assert not CodingCount.objects.of(alpha.territory).filter(count=0).exists()
    # A bulk move that would make a cell negative is refused whole.
    before = CodingCount.objects.of(alpha.territory).count()
    with pytest.raises(ValueError), transaction.atomic():
        too_many = [(counts.cell(card), None) for card in cards[1::2]] * 2
        new_cells = [(None, (other.pk, q.pk, None)) for q in questions]
        assert len({before for before, _ in too_many} | {a for _, a in new_cells}) > counts.BULK_CELLS
        counts.apply(alpha.territory, too_many + new_cells)
    assert CodingCount.objects.of(alpha.territory).count() == before
    assert counts.differences(alpha.territory) == {}
