"""Syntheses of a group and of the territory: roles, tenancy, traceability both ways,
minority ideas, validation and changes after it, PDF and CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse

from cospiral.cards.models import Card
from cospiral.coding import counts
from cospiral.core.models import AuditEntry
from cospiral.grid.models import GridEntry
from cospiral.groups.models import Group
from cospiral.jobs.models import Job
from cospiral.syntheses import selectors, services
from cospiral.syntheses.models import Synthesis, SynthesisSentence
from tests import pdfs


def entry(t, code):
    return GridEntry.objects.get(version=t.territory.grid_version, code=code, territory__isnull=True)


def code(t, card, component_code):
    """Code a card as the coding board does: the card and the exact counts together."""
    with transaction.atomic():
        before = counts.cell(card)
        card.component = entry(t, component_code)
        card.coded_by = t.users["facilitator"]
        card.coded_at = card.created_at
        card.save()
        counts.apply(t.territory, [(before, counts.cell(card))])


def add_card(t, text, *, group=None, component_code=None, author_tag=""):
    card = Card.objects.create(territory=t.territory, group=group or t.group, session=None,
                               question=t.q1, text=text, language="fr", author_tag=author_tag)
    with transaction.atomic():
        counts.apply(t.territory, [(None, counts.cell(card))])  # as the services count it
    if component_code:
        code(t, card, component_code)
    return card


@pytest.fixture
def coded(world):
    """Alpha: the group's three cards + 6 more; 8 coded A01, 1 coded B01 (a minority
    component: 1 card of 9). Beta: its three cards coded A01."""
    t = world.alpha
    for card in t.cards:
        code(t, card, "A01")
    t.more = [add_card(t, f"Alphaville food idea {i}", component_code="A01") for i in range(5)]
    t.noise = add_card(t, "Alphaville noise at night", component_code="B01")
    for card in world.beta.cards:
        code(world.beta, card, "A01")
    return world


def url(name, slug, *args):
    return reverse(f"syntheses:{name}", args=[slug, *args])


# --- roles and tenancy ------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["coordinator", "facilitator", "partner", "observer"])
def test_every_member_reads_syntheses_and_no_one_across(coded, login, role):
    a, b = coded.alpha, coded.beta
    services.add_sentence(a.territory, user=a.users["coordinator"], group=a.group,
                          component=entry(a, "A01"), text="Eating well every day", cards=a.cards)
    client = login(a.users[role])
    pages = [url("index", "alpha"), url("group", "alpha", a.group.pk), url("territory", "alpha"),
             url("group_csv", "alpha", a.group.pk), url("territory_csv", "alpha"),
             url("definition", "alpha")]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert b"Betatown" not in response.content
    assert "Eating well every day" in client.get(url("group", "alpha", a.group.pk)).content.decode()
    # Alpha's members never reach beta's pages, nor beta's objects under alpha's address.
    for page in [url("index", "beta"), url("group", "beta", b.group.pk), url("territory", "beta"),
                 url("group_pdf", "beta", b.group.pk), url("group_csv", "beta", b.group.pk),
                 url("definition", "beta"), url("group", "alpha", b.group.pk),
                 url("group_csv", "alpha", b.group.pk)]:
        assert client.get(page).status_code == 404, page
    # Beta's users cannot see alpha's sentence through any address.
    beta_client = login(b.users[role])
    sentence = SynthesisSentence.objects.get()
    assert beta_client.get(url("group", "alpha", a.group.pk)).status_code == 404
    writer = role in ("coordinator", "facilitator")
    for page in [url("sentence_edit", "beta", sentence.pk), url("sentence_delete", "beta", sentence.pk)]:
        assert beta_client.get(page).status_code == (404 if writer else 403), page


@pytest.mark.parametrize("role, group_status, territory_status", [
    ("coordinator", 200, 200), ("facilitator", 200, 403), ("partner", 403, 403), ("observer", 403, 403),
])
def test_who_writes_sentences(coded, login, role, group_status, territory_status):
    a = coded.alpha
    a01 = entry(a, "A01")
    client = login(a.users[role])
    assert client.get(url("group_sentence_add", "alpha", a.group.pk, a01.pk)).status_code == group_status
    assert client.get(url("territory_sentence_add", "alpha", a01.pk)).status_code == territory_status
    validate_status = 200 if role == "coordinator" else 403
    assert client.get(url("group_validate", "alpha", a.group.pk)).status_code == validate_status


def test_facilitator_of_another_group_cannot_write(coded, login):
    a = coded.alpha
    other = Group.objects.create(territory=a.territory, name="Elderly people")
    card = add_card(a, "Un repas chaud", group=other, component_code="A01")
    client = login(a.users["facilitator"])  # facilitates a.group only
    response = client.post(url("group_sentence_add", "alpha", other.pk, entry(a, "A01").pk),
                           {"text": "Hot meals", "language": "fr", "cards": [card.pk]})
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        services.add_sentence(a.territory, user=a.users["facilitator"], group=other,
                              component=entry(a, "A01"), text="Hot meals", cards=[card])
    assert not SynthesisSentence.objects.exists()


# --- writing and traceability ------------------------------------------------------------------

def test_sentence_form_writes_and_traces_both_ways(coded, login):
    a = coded.alpha
    a01 = entry(a, "A01")
    client = login(a.users["facilitator"])
    form = client.get(url("group_sentence_add", "alpha", a.group.pk, a01.pk)).content.decode()
    # The choices are the component's counted cards of the group, never B01's or beta's.
    assert all(f'value="{c.pk}"' in form for c in a.cards + a.more)
    assert f'value="{a.noise.pk}"' not in form and "Betatown" not in form
    response = client.post(url("group_sentence_add", "alpha", a.group.pk, a01.pk),
                           {"text": "Good food for all", "language": "en",
                            "cards": [a.cards[0].pk, a.cards[1].pk]})
    assert response.status_code == 302
    first = SynthesisSentence.objects.get(text="Good food for all")
    services.add_sentence(a.territory, user=a.users["facilitator"], group=a.group, component=a01,
                          text="Local markets", cards=[a.cards[1], a.more[0]])
    second = SynthesisSentence.objects.get(text="Local markets")
    assert first.synthesis.group == a.group and first.created_by == a.users["facilitator"]

    board = selectors.board(a.territory, a.group)
    block = {b.component.code: b for b in board.blocks}
    assert [b.component.code for b in board.blocks] == ["A01", "B01"]  # grid order
    assert block["A01"].count == 8 and block["B01"].count == 1
    # sentence -> cards, with counts
    by_text = {s.text: s for s in block["A01"].sentences}
    assert [c.pk for c in by_text["Good food for all"].scope_cards] == [a.cards[0].pk, a.cards[1].pk]
    assert by_text["Local markets"].count == 2
    # card -> sentences: a card may support several sentences
    citing = {c.pk: [s.pk for s in c.citing] for c in block["A01"].cards}
    assert citing[a.cards[1].pk] == [first.pk, second.pk]
    assert citing[a.cards[0].pk] == [first.pk]
    assert citing[a.cards[2].pk] == []
    # uncited cards are listed, none dropped silently
    assert {c.pk for c in block["A01"].uncited} == {a.cards[2].pk, *[c.pk for c in a.more[1:]]}
    assert [c.pk for c in block["B01"].uncited] == [a.noise.pk]
    assert board.uncited_count == 6

    page = client.get(url("group", "alpha", a.group.pk)).content.decode()
    assert "Good food for all" in page and "Local markets" in page
    assert "not yet in the synthesis" in page
    assert f'href="#sentence-{second.pk}"' in page
    # every write is in the audit trail, on the synthesis
    summaries = list(AuditEntry.objects.of(a.territory).filter(model="synthesis")
                     .values_list("summary", flat=True))
    assert any(f"sentence #{first.pk} added under A01" in s for s in summaries)


def test_cards_of_another_territory_group_component_or_state_are_refused(coded, login):
    a, b = coded.alpha, coded.beta
    a01 = entry(a, "A01")
    other = Group.objects.create(territory=a.territory, name="Elderly people")
    elsewhere = add_card(a, "Un repas chaud", group=other, component_code="A01")
    uncoded = add_card(a, "Pas encore codée")
    deleted = add_card(a, "Supprimée", component_code="A01")
    with transaction.atomic():
        before = counts.cell(deleted)
        deleted.deleted_at = deleted.created_at
        deleted.save()
        counts.apply(a.territory, [(before, counts.cell(deleted))])
    coordinator = a.users["coordinator"]
    cases = [
        (b.cards[0], "is not a card of this territory"),
        (elsewhere, "belongs to the group “Elderly people”, which is not in the group"),
        (a.noise, "is coded B01, not A01"),
        (uncoded, "is not coded yet"),
        (deleted, "no longer counts"),
    ]
    for card, message in cases:
        with pytest.raises(ValidationError) as error:
            services.add_sentence(a.territory, user=coordinator, group=a.group, component=a01,
                                  text="x", cards=[a.cards[0], card])
        text = " ".join(error.value.messages)
        assert f"#{card.pk}" in text and message in text, (card.text, text)
    with pytest.raises(ValidationError, match="Choose at least one card"):
        services.add_sentence(a.territory, user=coordinator, group=a.group, component=a01, text="x", cards=[])
    with pytest.raises(ValidationError, match="cannot be empty"):
        services.add_sentence(a.territory, user=coordinator, group=a.group, component=a01, text="  ",
                              cards=[a.cards[0]])
    # Beta's component id is the same shared grid; a local component of beta is refused.
    with pytest.raises(PermissionDenied):
        services.add_sentence(a.territory, user=coordinator, group=b.group, component=a01, text="x",
                              cards=[b.cards[0]])
    assert not SynthesisSentence.objects.exists()
    # Through the page: the foreign card's error is shown, nothing is written.
    client = login(coordinator)
    response = client.post(url("group_sentence_add", "alpha", a.group.pk, a01.pk),
                           {"text": "Sneaky", "language": "fr", "cards": [b.cards[0].pk]})
    assert response.status_code == 400
    assert f"Card #{b.cards[0].pk} is not a card of this territory." in response.content.decode()
    assert "Betatown" not in response.content.decode()
    assert not SynthesisSentence.objects.exists()


def test_territory_synthesis_spans_groups_and_is_coordinators_only(coded, login):
    a = coded.alpha
    other = Group.objects.create(territory=a.territory, name="Elderly people")
    elder = add_card(a, "Un repas chaud", group=other, component_code="A01")
    with pytest.raises(PermissionDenied):
        services.add_sentence(a.territory, user=a.users["facilitator"], component=entry(a, "A01"),
                              text="Food", cards=[elder])
    sentence = services.add_sentence(a.territory, user=a.users["coordinator"], component=entry(a, "A01"),
                                     text="Food for every age", cards=[elder, a.cards[0]])
    assert sentence.synthesis.group is None
    board = selectors.board(a.territory)
    assert board.total == 10
    page = login(a.users["observer"]).get(url("territory", "alpha")).content.decode()
    assert "Food for every age" in page and "Elderly people" in page
    # The group's own synthesis is separate.
    assert selectors.board(a.territory, a.group).synthesis is None


def test_edit_and_delete_sentence(coded, login):
    a = coded.alpha
    a01 = entry(a, "A01")
    sentence = services.add_sentence(a.territory, user=a.users["facilitator"], group=a.group,
                                     component=a01, text="Food", cards=[a.cards[0]])
    client = login(a.users["facilitator"])
    response = client.post(url("sentence_edit", "alpha", sentence.pk),
                           {"text": "Healthy food", "language": "fr",
                            "cards": [a.cards[0].pk, a.cards[2].pk]})
    assert response.status_code == 302
    sentence.refresh_from_db()
    assert sentence.text == "Healthy food"
    assert set(sentence.cards.values_list("pk", flat=True)) == {a.cards[0].pk, a.cards[2].pk}
    # Two editors: the second one, who opened the sentence before the first saved, gets a
    # conflict and nothing is overwritten.
    page = client.get(url("sentence_edit", "alpha", sentence.pk)).content.decode()
    seen = sentence.updated_at.isoformat()
    assert f'value="{seen}"' in page
    services.update_sentence(sentence, user=a.users["coordinator"], text="Healthy food for all",
                             language="fr", cards=[a.cards[0]])
    response = client.post(url("sentence_edit", "alpha", sentence.pk),
                           {"text": "Stale edit", "language": "fr", "seen": seen,
                            "cards": [a.cards[0].pk]})
    assert response.status_code == 400 and "Someone else changed this sentence" in response.content.decode()
    sentence.refresh_from_db()
    assert sentence.text == "Healthy food for all"
    # A partner cannot delete it; the facilitator can.
    assert login(a.users["partner"]).post(url("sentence_delete", "alpha", sentence.pk)).status_code == 403
    assert login(a.users["facilitator"]).post(url("sentence_delete", "alpha", sentence.pk)).status_code == 302
    assert not SynthesisSentence.objects.exists()
    assert counts.differences(a.territory) == {}


# --- minority ideas -----------------------------------------------------------------------------

def test_minority_flags_and_filter(coded, login):
    a = coded.alpha
    a01 = entry(a, "A01")
    services.add_sentence(a.territory, user=a.users["facilitator"], group=a.group, component=a01,
                          text="Food", cards=[*a.cards, *a.more[:4]])
    board = selectors.board(a.territory, a.group)
    block = {b.component.code: b for b in board.blocks}
    assert not block["A01"].minority  # 8 of 9 cards
    assert block["B01"].minority  # 1 card
    flags = {c.pk: c.minority for c in block["A01"].cards}
    assert flags[a.more[4].pk] is True  # uncited
    assert flags[a.cards[0].pk] is False
    assert block["B01"].cards[0].minority is True
    client = login(a.users["observer"])
    page = client.get(url("group", "alpha", a.group.pk)).content.decode()
    # 9 coded cards: the threshold is 1 card (5% of 9 rounded down, at least 1).
    assert "minority idea" in page and "at most 1 card cites it" in page and "5%" in page
    filtered = client.get(url("group", "alpha", a.group.pk) + "?show=minority").content.decode()
    assert "Alphaville noise at night" in filtered and "Alphaville food idea 4" in filtered
    # cards covered by a sentence of a non-minority component are filtered out of the card table
    assert filtered.count("Alphaville secret card 0") < page.count("Alphaville secret card 0")


# --- validation ---------------------------------------------------------------------------------

def test_validation_then_changes_after_validation(coded, login):
    a = coded.alpha
    a01 = entry(a, "A01")
    coordinator = a.users["coordinator"]
    with pytest.raises(ValidationError, match="at least one sentence"):
        services.validate_synthesis(a.territory, user=coordinator, group=a.group, validated_on=dt.date(2026, 10, 8))
    sentence = services.add_sentence(a.territory, user=a.users["facilitator"], group=a.group,
                                     component=a01, text="Food", cards=[a.cards[0]])
    with pytest.raises(PermissionDenied):
        services.validate_synthesis(a.territory, user=a.users["facilitator"], group=a.group,
                                    validated_on=dt.date(2026, 10, 8))
    client = login(coordinator)
    response = client.post(url("group_validate", "alpha", a.group.pk), {"validated_on": "2099-01-01"})
    assert response.status_code == 400 and "in the future" in response.content.decode()
    response = client.post(url("group_validate", "alpha", a.group.pk), {"validated_on": "2026-10-08"})
    assert response.status_code == 400 and "say how the group handled them" in response.content.decode()
    response = client.post(url("group_validate", "alpha", a.group.pk),
                           {"validated_on": "2026-10-08", "uncited_note": "Kept for the next meeting."})
    assert response.status_code == 302
    synthesis = Synthesis.objects.get(group=a.group)
    assert synthesis.status == "validated" and synthesis.validated_on == dt.date(2026, 10, 8)
    assert synthesis.validated_by == coordinator
    page = client.get(url("group", "alpha", a.group.pk)).content.decode()
    assert "validated on 8 Oct 2026" in page and "changed after validation" not in page
    # A change after validation keeps the validation and is listed.
    services.update_sentence(sentence, user=a.users["facilitator"], text="Healthy food", language="en",
                             cards=[a.cards[0], a.cards[1]])
    synthesis.refresh_from_db()
    assert synthesis.status == "validated"
    page = client.get(url("group", "alpha", a.group.pk)).content.decode()
    assert "changed after validation" in page and f"sentence #{sentence.pk} changed" in page
    assert len(selectors.board(a.territory, a.group).changes) == 1
    # A new validation clears the list.
    services.validate_synthesis(a.territory, user=coordinator, group=a.group, validated_on=dt.date(2026, 10, 9),
                                uncited_note="Kept for the next meeting.")
    assert selectors.board(a.territory, a.group).changes == []


# --- exports -----------------------------------------------------------------------------------

def test_pdf_has_sentences_counts_and_traceability_appendix(coded, login):
    pypdf = pytest.importorskip("pypdf")
    a = coded.alpha
    services.add_sentence(a.territory, user=a.users["facilitator"], group=a.group,
                          component=entry(a, "A01"), text="Eating well every day",
                          cards=[a.cards[0], a.cards[1]])
    response, content = pdfs.download(login(a.users["partner"]), url("group_pdf", "alpha", a.group.pk))
    assert response["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(content))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Eating well every day" in text and "2 cards" in text
    assert "A01" in text and "B01" in text and "minority idea" in text
    assert "Alphaville noise at night" in text  # appendix: card texts
    assert "Traceability" in text and "Betatown" not in text
    assert login(coded.beta.users["coordinator"]).get(url("group_pdf", "alpha", a.group.pk)).status_code == 404
    _response, content = pdfs.download(login(a.users["observer"]), url("territory_pdf", "alpha"))
    assert content.startswith(b"%PDF") and b"Betatown" not in content
    job = Job.objects.filter(kind="syntheses.synthesis_pdf").latest("pk")
    assert login(coded.beta.users["coordinator"]).get(job.download_url()).status_code == 404
    assert login(coded.beta.users["coordinator"]).get(url("territory_pdf", "beta")).status_code == 302
    assert Job.objects.filter(territory=coded.beta.territory).count() == 1


def test_csv_lists_sentences_with_card_ids_and_texts(coded, login):
    a = coded.alpha
    sentence = services.add_sentence(a.territory, user=a.users["facilitator"], group=a.group,
                                     component=entry(a, "A01"), text="=Eating well",
                                     cards=[a.cards[0], a.cards[1]])
    response = login(a.users["observer"]).get(url("group_csv", "alpha", a.group.pk))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["sentence_id"], r["card_id"]) for r in rows] == [
        (str(sentence.pk), str(a.cards[0].pk)), (str(sentence.pk), str(a.cards[1].pk))]
    assert rows[0]["sentence"] == "'=Eating well"  # never run as a formula
    assert rows[0]["card_text"] == "Alphaville secret card 0"
    assert rows[0]["component"] == "A01" and rows[0]["sentence_cards"] == "2"
    assert "Betatown" not in response.content.decode()
