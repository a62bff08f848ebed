"""Coding services: codes checked against the territory's grid, permissions, concurrency,
split, merge, not codable, blind coding, validation, and exact counts after each write
(including the cards app's writers and the generator)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from cospiral.cards import services as card_services
from cospiral.cards.models import Card
from cospiral.coding import counts, services
from cospiral.coding.models import CodingCount, CodingValidation, IndependentCoding
from cospiral.core.models import AuditEntry
from cospiral.grid import services as grid_services
from cospiral.grid.models import GridEntry


def fresh(card):
    return Card.objects.get(pk=card.pk)


def code(t, card, value, user=None):
    card = fresh(card)
    return services.code_card(t.territory, card, code=value, user=user or t.users["facilitator"],
                              seen_updated_at=card.updated_at)


def exact(*ts):
    for t in ts:
        assert counts.differences(t.territory) == {}


def cells(t):
    """The coded cells: (component, cards)."""
    return {(c.component.code, c.count)
            for c in CodingCount.objects.of(t.territory).filter(component__isnull=False)}


def uncoded(t):
    """The cells without a component: (question, counted) -> cards (counted = not
    coded; not counted = split or merged away)."""
    return {(c.question.code, c.counted): c.count
            for c in CodingCount.objects.of(t.territory).filter(component__isnull=True)}


def test_code_card_sets_fields_counts_and_audit(world):
    alpha = world.alpha
    card = code(alpha, alpha.cards[0], "a01")
    assert card.component.code == "A01" and card.full_code == "A01"
    assert card.coded_by == alpha.users["facilitator"] and card.coded_at is not None
    assert cells(alpha) == {("A01", 1)} and uncoded(alpha) == {("Q1", True): 2}
    entry = AuditEntry.objects.of(alpha.territory).filter(model="card", object_id=str(card.pk)).first()
    assert entry.changes["code"] == ["", "A01"]
    card = code(alpha, card, "B01/P15/k")
    assert card.full_code == "B01/P15/k" and cells(alpha) == {("B01", 1)}
    card = services.uncode_card(alpha.territory, card, user=alpha.users["coordinator"])
    assert card.component is None and cells(alpha) == set()
    assert uncoded(alpha) == {("Q1", True): 3}
    exact(alpha, world.beta)


def test_sub_object_stores_its_component(world):
    alpha = world.alpha
    a01 = GridEntry.objects.get(version=alpha.territory.grid_version, code="A01", territory=None)
    GridEntry.objects.create(version=a01.version, code="A01-11", kind="sub_object", parent=a01,
                             labels={"fr": "Pain", "en": "Bread"}, position=99)
    card = code(alpha, alpha.cards[0], "A01-11/P15/k")
    assert card.component == a01 and card.full_code == "A01-11/P15/k"
    exact(alpha)


@pytest.mark.parametrize("bad", ["", "Z99", "A02", "A01/p15", "hello", "A01-11"])
def test_unknown_or_malformed_codes_change_nothing(world, bad):
    alpha = world.alpha
    with pytest.raises(services.CodingError):
        code(alpha, alpha.cards[0], bad)
    assert fresh(alpha.cards[0]).component is None
    exact(alpha)


def test_local_code_of_the_other_territory_is_refused(world):
    alpha, beta = world.alpha, world.beta
    grid_services.add_local_component(beta.territory, family_code="A",
                                      labels={"fr": "Vélo", "en": "Bicycle"},
                                      user=beta.users["coordinator"])
    local = GridEntry.objects.get(territory=beta.territory)
    with pytest.raises(services.CodingError):
        code(alpha, alpha.cards[0], local.code)
    assert code(beta, beta.cards[0], local.code).component == local
    exact(alpha, beta)


def test_card_of_another_territory_and_roles(world):
    alpha, beta = world.alpha, world.beta
    card = fresh(beta.cards[0])
    with pytest.raises(PermissionDenied):
        services.code_card(alpha.territory, card, code="A01", user=alpha.users["coordinator"],
                           seen_updated_at=card.updated_at)
    for role in ("partner", "observer"):
        with pytest.raises(PermissionDenied):
            code(alpha, alpha.cards[0], "A01", user=alpha.users[role])
    # A facilitator of another territory may not code alpha's card.
    with pytest.raises(PermissionDenied):
        code(alpha, alpha.cards[0], "A01", user=beta.users["facilitator"])
    assert fresh(card).component is None and fresh(alpha.cards[0]).component is None
    exact(alpha, beta)


def test_conflicting_concurrent_edit_is_refused_with_who_and_when(world):
    alpha = world.alpha
    opened = fresh(alpha.cards[0])
    code(alpha, opened, "A01", user=alpha.users["coordinator"])
    with pytest.raises(services.CodingConflict) as caught:
        services.code_card(alpha.territory, opened, code="B01", user=alpha.users["facilitator"],
                           seen_updated_at=opened.updated_at)
    assert "alpha-coordinator" in str(caught.value) and "reload" in str(caught.value)
    assert fresh(opened).component.code == "A01"
    exact(alpha)


def test_not_codable_needs_a_reason_and_leaves_counts(world):
    alpha = world.alpha
    card = code(alpha, alpha.cards[0], "A01")
    with pytest.raises(services.CodingError):
        services.mark_not_codable(alpha.territory, card, reason="  ", user=alpha.users["facilitator"])
    card = services.mark_not_codable(alpha.territory, card, reason="Illegible",
                                     user=alpha.users["facilitator"])
    assert card.not_codable_reason == "Illegible" and card.component is None
    assert cells(alpha) == set() and uncoded(alpha) == {("Q1", True): 3}
    exact(alpha)
    card = code(alpha, card, "A03")
    assert card.not_codable_reason == "" and cells(alpha) == {("A03", 1)}
    exact(alpha)


def test_split_keeps_original_and_moves_it_out_of_counts(world):
    alpha = world.alpha
    card = code(alpha, alpha.cards[0], "A01")
    with pytest.raises(services.CodingError):
        services.split_card(alpha.territory, card, texts=["only one"], user=alpha.users["facilitator"])
    parts = services.split_card(alpha.territory, fresh(card), texts=["Food", "", "Housing"],
                                user=alpha.users["facilitator"])
    assert [p.text for p in parts] == ["Food", "Housing"]
    original = fresh(card)
    assert original.is_split and original.component.code == "A01"
    for part in parts:
        assert part.split_from == original and part.group == original.group
        assert part.question == original.question and part.session == original.session
    # The original is entered but no longer counted; its two parts are counted, uncoded.
    assert cells(alpha) == set() and uncoded(alpha) == {("Q1", False): 1, ("Q1", True): 4}
    exact(alpha)
    with pytest.raises(services.CodingError):
        code(alpha, original, "A03")
    code(alpha, parts[0], "A01")
    code(alpha, parts[1], "A03")
    assert cells(alpha) == {("A01", 1), ("A03", 1)}
    assert Card.objects.of(alpha.territory).counted().count() == 4
    exact(alpha)


def test_merge_and_undo(world):
    alpha, beta = world.alpha, world.beta
    keep = code(alpha, alpha.cards[0], "A01")
    dup = code(alpha, alpha.cards[1], "A01")
    assert cells(alpha) == {("A01", 2)}
    with pytest.raises(services.CodingError):
        services.merge_cards(alpha.territory, keep, [keep], user=alpha.users["facilitator"])
    with pytest.raises(PermissionDenied):
        services.merge_cards(alpha.territory, keep, [beta.cards[0]], user=alpha.users["facilitator"])
    services.merge_cards(alpha.territory, keep, [dup, alpha.cards[2]], user=alpha.users["facilitator"])
    assert fresh(dup).merged_into == keep and cells(alpha) == {("A01", 1)}
    assert uncoded(alpha) == {("Q1", False): 2}
    exact(alpha)
    services.unmerge_card(alpha.territory, dup, user=alpha.users["facilitator"])
    assert fresh(dup).merged_into is None and cells(alpha) == {("A01", 2)}
    assert uncoded(alpha) == {("Q1", False): 1}
    exact(alpha, beta)


def test_card_writers_keep_counts_exact(world):
    alpha = world.alpha
    user = alpha.users["facilitator"]
    card = code(alpha, alpha.cards[0], "A01")
    card_services.delete_card(fresh(card), user=user)
    assert cells(alpha) == set() and uncoded(alpha) == {("Q1", True): 2}
    exact(alpha)
    # Deleting and restoring an uncoded card moves it out of and back into its cell.
    card_services.delete_card(fresh(alpha.cards[1]), user=user)
    assert uncoded(alpha) == {("Q1", True): 1}
    exact(alpha)
    card_services.restore_card(fresh(alpha.cards[1]), user=user)
    assert uncoded(alpha) == {("Q1", True): 2}
    card_services.restore_card(fresh(card), user=user)
    assert cells(alpha) == {("A01", 1)}
    exact(alpha)
    q2 = type(alpha.q1).objects.of(alpha.territory).get(code="Q2")
    current = fresh(card)
    card_services.update_card(current, user=user, seen_updated_at=current.updated_at, question=q2)
    assert CodingCount.objects.of(alpha.territory).get(component__isnull=False).question == q2
    exact(alpha)
    # An uncoded card changing question moves between uncoded cells.
    other = fresh(alpha.cards[2])
    card_services.update_card(other, user=user, seen_updated_at=other.updated_at, question=q2)
    assert uncoded(alpha) == {("Q1", True): 1, ("Q2", True): 1}
    exact(alpha)
    current = fresh(card)
    card_services.update_card(current, user=user, seen_updated_at=current.updated_at, text="New text")
    exact(alpha)
    # Undo of the last typed card of a batch.
    more = card_services.create_cards(alpha.territory, group=alpha.group, session=alpha.session,
                                      question=alpha.q1, texts=["one", "two"], user=user)
    assert len(more) == 2 and uncoded(alpha) == {("Q1", True): 3, ("Q2", True): 1}
    exact(alpha)
    made = card_services.create_cards(alpha.territory, group=alpha.group, session=alpha.session,
                                      question=alpha.q1, texts=["typed"], user=user)
    assert uncoded(alpha) == {("Q1", True): 4, ("Q2", True): 1}
    exact(alpha)
    code(alpha, made[0], "B01")
    card_services.undo_last_card(alpha.territory, user=user, group=alpha.group, session=alpha.session, question=alpha.q1)
    assert fresh(made[0]).deleted_at is not None
    exact(alpha)


def test_import_with_codes_adds_per_cell_counts(world):
    alpha = world.alpha
    code(alpha, alpha.cards[0], "A01")
    rows = "group,question,text,code\n" + "".join(
        f"{alpha.group.name},Q1,imported {i},{c}\n"
        for i, c in enumerate(["A01", "A01", "B01/P15/k", "", "A03"])
    )
    result = card_services.import_cards(alpha.territory, rows.encode(), "cards.csv",
                                        user=alpha.users["coordinator"])
    assert result.created == 5
    assert cells(alpha) == {("A01", 3), ("B01", 1), ("A03", 1)}
    assert uncoded(alpha) == {("Q1", True): 3}  # the fixture's two + the row without code
    exact(alpha, world.beta)


def test_generator_writes_exact_counts(db, grid_version):
    from cospiral.demo.generate import generate
    from cospiral.territories.models import Territory

    summary = generate(territories=2, groups_per_territory=2, cards_per_group=15, seed=7,
                       grid_version=grid_version)
    assert summary.coded_cards > 0
    coded = entered = 0
    for territory in Territory.objects.filter(slug__startswith="gen-7-"):
        assert counts.differences(territory) == {}
        rows = CodingCount.objects.of(territory)
        coded += sum(rows.filter(component__isnull=False).values_list("count", flat=True))
        entered += sum(rows.values_list("count", flat=True))
        assert not rows.filter(counted=False).exists()  # the generator splits or merges nothing
    assert coded == summary.coded_cards and entered == summary.cards


def test_blind_coding_never_touches_the_card(world):
    alpha = world.alpha
    card = code(alpha, alpha.cards[0], "A01")
    stamp = card.updated_at
    blind = services.record_blind_coding(alpha.territory, card, user=alpha.users["coordinator"],
                                         code="B01")
    assert blind.component.code == "B01"
    services.record_blind_coding(alpha.territory, card, user=alpha.users["coordinator"],
                                 not_codable=True)
    assert IndependentCoding.objects.get().not_codable
    after = fresh(card)
    assert after.updated_at == stamp and after.component.code == "A01"
    with pytest.raises(PermissionDenied):
        services.record_blind_coding(alpha.territory, card, user=alpha.users["observer"], code="A01")
    with pytest.raises(PermissionDenied):
        services.record_blind_coding(world.beta.territory, card, user=world.beta.users["coordinator"],
                                     code="A01")
    exact(alpha)


def test_validation_coordinators_only(world):
    alpha, beta = world.alpha, world.beta
    day = dt.date(2026, 1, 15)
    with pytest.raises(PermissionDenied):
        services.validate_group_coding(alpha.territory, alpha.group, validated_on=day,
                                       user=alpha.users["facilitator"])
    with pytest.raises(PermissionDenied):
        services.validate_group_coding(alpha.territory, beta.group, validated_on=day,
                                       user=alpha.users["coordinator"])
    with pytest.raises(services.CodingError):
        services.validate_group_coding(alpha.territory, alpha.group,
                                       validated_on=dt.date.today() + dt.timedelta(days=3),
                                       user=alpha.users["coordinator"])
    v = services.validate_group_coding(alpha.territory, alpha.group, validated_on=day,
                                       note="Read aloud", user=alpha.users["coordinator"])
    assert CodingValidation.objects.of(alpha.territory).get() == v
    assert not CodingValidation.objects.of(beta.territory).exists()
