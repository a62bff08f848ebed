"""Card services: validation, permissions, audit trail, optimistic concurrency."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cospiral.cards import services
from cospiral.cards.models import Card, Question
from cospiral.coding import counts
from cospiral.core.models import AuditEntry


def make(world, side="alpha", role="facilitator", texts=("one idea",), **kw):
    t = getattr(world, side)
    params = dict(group=t.group, session=t.session, question=t.q1, user=t.users[role],
                  channel="paper", language="fr")
    params.update(kw)
    return services.create_cards(t.territory, texts=list(texts), **params)


def test_create_cards_in_bulk_writes_one_audit_entry_per_card(world):
    cards = make(world, texts=["  la santé  ", "un logement"])
    assert [c.text for c in cards] == ["la santé", "un logement"]
    assert all(c.pk and c.created_by == world.alpha.users["facilitator"] for c in cards)
    entries = AuditEntry.objects.of(world.alpha.territory).filter(model="card", action="create")
    assert {e.object_id for e in entries} == {str(c.pk) for c in cards}
    entry = entries.get(object_id=str(cards[0].pk))
    assert entry.changes["text"] == ["", "la santé"]
    assert entry.changes["question"] == ["", "Q1"]
    assert entry.actor_label == "alpha-facilitator"
    assert counts.differences(world.alpha.territory) == {}


@pytest.mark.parametrize("texts, fragment", [
    ([], "at least one card"),
    (["   "], "is empty"),
    (["ok", ""], "Card 2 is empty"),
    (["x" * 2001], "2001 characters"),
])
def test_create_cards_rejects_bad_text_and_stores_nothing(world, texts, fragment):
    before = Card.objects.count()
    with pytest.raises(ValidationError) as exc:
        make(world, texts=texts)
    assert fragment in " ".join(exc.value.messages)
    assert Card.objects.count() == before


def test_text_of_exactly_2000_characters_is_accepted(world):
    [card] = make(world, texts=["x" * 2000])
    assert len(card.text) == 2000


def test_related_objects_must_belong_to_the_territory_and_to_each_other(world):
    alpha, beta = world.alpha, world.beta
    with pytest.raises(ValidationError) as exc:
        make(world, role="coordinator", question=beta.q1)
    assert "question" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        make(world, role="coordinator", session=beta.session)
    assert "session" in exc.value.message_dict
    from cospiral.groups.models import Group, Session

    other = Group.objects.create(territory=alpha.territory, name="Elderly people")
    other_session = Session.objects.create(territory=alpha.territory, group=other,
                                           date=dt.date(2026, 11, 2))
    with pytest.raises(ValidationError) as exc:
        make(world, role="coordinator", session=other_session)
    assert "belongs to another group" in exc.value.message_dict["session"][0]
    with pytest.raises(ValidationError) as exc:
        make(world, role="coordinator", language="xx")
    assert "language" in exc.value.message_dict
    assert Card.objects.of(alpha.territory).count() == 3


def test_question_must_be_enabled(world):
    q4 = Question.objects.of(world.alpha.territory).get(code="Q4")
    with pytest.raises(ValidationError) as exc:
        make(world, question=q4)
    assert "Q4" in exc.value.message_dict["question"][0]


@pytest.mark.parametrize("role", ["partner", "observer"])
def test_readers_cannot_write_cards(world, role):
    with pytest.raises(PermissionDenied):
        make(world, role=role)


def test_facilitator_writes_only_for_their_groups_and_never_across_territories(world):
    from cospiral.groups.models import Group

    other = Group.objects.create(territory=world.alpha.territory, name="Shopkeepers")
    with pytest.raises(PermissionDenied):
        make(world, group=other, session=None)
    assert make(world, role="coordinator", group=other, session=None)
    with pytest.raises(PermissionDenied):  # alpha's coordinator in beta
        services.create_cards(world.beta.territory, group=world.beta.group, session=None,
                              question=world.beta.q1, texts=["x"],
                              user=world.alpha.users["coordinator"], channel="paper",
                              language="fr")
    assert Card.objects.of(world.beta.territory).count() == 3


def test_update_with_conflict_detection_and_audit_diff(world):
    [card] = make(world)
    seen = card.updated_at
    user = world.alpha.users["facilitator"]
    q2 = Question.objects.of(world.alpha.territory).get(code="Q2")
    updated = services.update_card(card, user=user, seen_updated_at=seen, text="une idée",
                                   question=q2, author_tag="p3")
    assert (updated.text, updated.question, updated.author_tag) == ("une idée", q2, "p3")
    entry = AuditEntry.objects.of(world.alpha.territory).get(action="update",
                                                             object_id=str(card.pk))
    assert entry.changes == {"text": ["one idea", "une idée"], "question": ["Q1", "Q2"],
                             "author_tag": ["", "p3"]}
    # A second editor who opened the card before that change gets a conflict.
    with pytest.raises(services.EditConflict) as exc:
        services.update_card(card, user=world.alpha.users["coordinator"], seen_updated_at=seen,
                             text="overwrite")
    assert "changed this card" in str(exc.value)
    card.refresh_from_db()
    assert card.text == "une idée"
    assert AuditEntry.objects.filter(action="update", object_id=str(card.pk)).count() == 1
    assert counts.differences(world.alpha.territory) == {}  # the card moved to Q2's cell


def test_partner_cannot_update_delete_or_restore(world):
    card = world.alpha.cards[0]
    partner = world.alpha.users["partner"]
    with pytest.raises(PermissionDenied):
        services.update_card(card, user=partner, seen_updated_at=card.updated_at, text="x")
    with pytest.raises(PermissionDenied):
        services.delete_card(card, user=partner)
    card.refresh_from_db()
    assert card.text == "Alphaville secret card 0" and card.deleted_at is None


def test_soft_delete_restore_and_undo(world):
    user = world.alpha.users["facilitator"]
    first, second = make(world, texts=["first", "second"])
    card = services.delete_card(first, user=user)
    assert card.deleted_at and card.deleted_by == user
    assert counts.differences(world.alpha.territory) == {}
    assert Card.objects.filter(pk=first.pk).exists()
    assert not Card.objects.alive().filter(pk=first.pk).exists()
    services.restore_card(first, user=user)
    first.refresh_from_db()
    assert first.deleted_at is None and first.deleted_by is None
    assert counts.differences(world.alpha.territory) == {}
    actions = list(AuditEntry.objects.filter(object_id=str(first.pk), model="card")
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["create", "delete", "restore"]
    t = world.alpha
    # Undo removes the user's most recent card of the batch, then the one before.
    assert services.undo_last_card(t.territory, user=user, group=t.group, session=t.session, question=t.q1).pk in {first.pk, second.pk}
    assert services.undo_last_card(t.territory, user=user, group=t.group, session=t.session, question=t.q1) is not None
    # The fixture's cards have no creator: nothing of this user is left to undo.
    assert services.undo_last_card(t.territory, user=user, group=t.group, session=t.session, question=t.q1) is None
    assert Card.objects.of(t.territory).alive().count() == 3
    assert counts.differences(t.territory) == {}


def test_deleted_card_cannot_be_edited(world):
    [card] = make(world)
    user = world.alpha.users["facilitator"]
    card = services.delete_card(card, user=user)
    with pytest.raises(ValidationError):
        services.update_card(card, user=user, seen_updated_at=card.updated_at, text="x")


def test_online_entry_counts_its_cards(world):
    t = world.alpha
    t.group.entry_token, t.group.entry_open = "tok", True
    t.group.save()
    q2 = Question.objects.of(t.territory).get(code="Q2")
    made = services.submit_online_cards(t.group, answers=[(t.q1, ["a", "b"]), (q2, ["c"])],
                                        language="fr", author_tag="x1")
    assert len(made) == 3
    assert counts.differences(t.territory) == {}
    assert counts.differences(world.beta.territory) == {}
