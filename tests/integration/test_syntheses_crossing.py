"""Rainbow crossing, the shared definition of well-being, and the public page "what
became of my words"."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cospiral.coding import counts
from cospiral.core.models import AuditEntry
from cospiral.groups.models import Group, new_token
from cospiral.jobs.models import Job
from cospiral.syntheses import selectors, services
from cospiral.syntheses.models import SharedCriterion
from tests import pdfs

from .test_syntheses_pages import add_card, code, entry, url


@pytest.fixture
def rainbow(world):
    """Alpha: young people (the world's group) and elderly people, each with coded
    cards; a near-duplicate idea across them (French) and one in English; a rainbow
    group whose delegates come from both; a third group that is not a source."""
    a = world.alpha
    for card in a.cards:
        code(a, card, "A03")
    a.elderly = Group.objects.create(territory=a.territory, name="Elderly people", profile="over 70")
    a.rainbow = Group.objects.create(territory=a.territory, name="Rainbow", kind=Group.Kind.MIXED)
    a.rainbow.source_groups.set([a.group, a.elderly])
    a.rainbow.facilitators.add(a.users["facilitator"])
    a.outsider = Group.objects.create(territory=a.territory, name="Shopkeepers")
    a.young_park = add_card(a, "Des parcs propres pour les enfants", component_code="B01",
                            author_tag="anon-young-1")
    a.elderly_park = add_card(a, "Des parcs bien propres pour nos enfants", group=a.elderly,
                              component_code="B01", author_tag="anon-elder-1")
    a.young_noise = add_card(a, "Less noise from traffic at night", component_code="B01")
    a.elderly_noise = add_card(a, "less traffic noise at night", group=a.elderly, component_code="B01")
    a.elderly_alone = add_card(a, "Ne pas rester seul le dimanche", group=a.elderly, component_code="A03")
    a.shop_card = add_card(a, "Des parcs propres pour les clients", group=a.outsider, component_code="B01")
    b = world.beta
    b.rainbow = Group.objects.create(territory=b.territory, name="Beta rainbow", kind=Group.Kind.MIXED)
    b.rainbow.source_groups.set([b.group])
    code(b, b.cards[0], "B01")
    return world


def test_crossing_sets_source_groups_side_by_side_and_groups_same_ideas(rainbow, login):
    a = rainbow.alpha
    crossing = selectors.crossing(a.territory, a.rainbow)
    assert [g.name for g in crossing.source_groups] == ["Alphaville young people", "Elderly people"]
    block = {b.component.code: b for b in crossing.blocks}
    assert [b.component.code for b in crossing.blocks] == ["A03", "B01"]
    young, elderly = block["B01"].columns
    assert {c.pk for c in young} == {a.young_park.pk, a.young_noise.pk}
    assert {c.pk for c in elderly} == {a.elderly_park.pk, a.elderly_noise.pk}
    # The outsider group's card is not crossed here.
    assert a.shop_card.pk not in {c.pk for col in block["B01"].columns for c in col}
    ideas = [{c.pk for c in idea.cards} for idea in block["B01"].same_ideas]
    assert {a.young_park.pk, a.elderly_park.pk} in ideas  # French
    assert {a.young_noise.pk, a.elderly_noise.pk} in ideas  # English
    assert all(idea.n_groups == 2 for idea in block["B01"].same_ideas)
    # The same idea within one group is not a crossing (it is a matter for merging).
    assert block["A03"].same_ideas == []

    page = login(a.users["observer"]).get(url("crossing", "alpha", a.rainbow.pk)).content.decode()
    assert "The same idea in 2 groups" in page
    assert "Des parcs propres pour les enfants" in page and "Des parcs propres pour les clients" not in page
    assert "anon-young-1" not in page and "Betatown" not in page


def test_crossing_is_for_mixed_groups_of_the_territory(rainbow, login):
    a, b = rainbow.alpha, rainbow.beta
    client = login(a.users["coordinator"])
    assert client.get(url("crossing", "alpha", a.group.pk)).status_code == 404  # not mixed
    assert client.get(url("crossing", "alpha", b.rainbow.pk)).status_code == 404  # other territory
    assert client.get(url("crossing", "beta", b.rainbow.pk)).status_code == 404  # not a member
    assert login(b.users["observer"]).get(url("crossing", "beta", b.rainbow.pk)).status_code == 200


def test_shared_criterion_from_the_form_derives_its_groups(rainbow, login):
    a = rainbow.alpha
    b01 = entry(a, "B01")
    client = login(a.users["facilitator"])
    add = url("criterion_add", "alpha", a.rainbow.pk, b01.pk)
    form = client.get(add).content.decode()
    assert f'value="{a.young_park.pk}"' in form and f'value="{a.shop_card.pk}"' not in form
    response = client.post(add, {"component": b01.pk, "text": "Clean parks where children play",
                                 "language": "en", "cards": [a.young_park.pk, a.elderly_park.pk]})
    assert response.status_code == 302
    criterion = SharedCriterion.objects.get()
    assert criterion.mixed_group == a.rainbow and criterion.component == b01
    assert AuditEntry.objects.of(a.territory).filter(model="sharedcriterion", action="create").exists()

    definition = selectors.definition(a.territory)
    assert [c.source_groups for c in definition] == [[a.group, a.elderly]]
    page = login(a.users["partner"]).get(url("definition", "alpha")).content.decode()
    assert "Clean parks where children play" in page
    assert "Alphaville young people, Elderly people" in page
    assert "<td>2</td>" in page  # source cards
    _response, content = pdfs.download(login(a.users["partner"]), url("definition_pdf", "alpha"))
    pypdf = pytest.importorskip("pypdf")
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(content)).pages).split())
    assert "Clean parks where children play" in text and "Elderly people" in text
    job = Job.objects.get(kind="syntheses.definition_pdf")
    assert login(rainbow.beta.users["coordinator"]).get(job.download_url()).status_code == 404
    _response, beta_pdf = pdfs.download(login(rainbow.beta.users["observer"]), url("definition_pdf", "beta"))
    assert b"Clean parks" not in beta_pdf and "Clean parks" not in " ".join(
        p.extract_text() for p in pypdf.PdfReader(io.BytesIO(beta_pdf)).pages)
    assert "Clean parks" not in login(rainbow.beta.users["coordinator"]).get(
        url("definition", "beta")).content.decode()

    # Edit: now one source group only; then delete. (The test client is shared: sign in again.)
    client = login(a.users["facilitator"])
    response = client.post(url("criterion_edit", "alpha", criterion.pk),
                           {"component": b01.pk, "text": "Clean parks", "language": "en",
                            "cards": [a.elderly_park.pk]})
    assert response.status_code == 302
    assert [c.source_groups for c in selectors.definition(a.territory)] == [[a.elderly]]
    assert login(a.users["observer"]).post(url("criterion_delete", "alpha", criterion.pk)).status_code == 403
    assert login(a.users["facilitator"]).post(url("criterion_delete", "alpha", criterion.pk)).status_code == 302
    assert not SharedCriterion.objects.exists()
    assert counts.differences(a.territory) == {}


def test_shared_criterion_refuses_cards_outside_the_source_groups(rainbow, login):
    a, b = rainbow.alpha, rainbow.beta
    b01 = entry(a, "B01")
    coordinator = a.users["coordinator"]
    with pytest.raises(ValidationError) as error:
        services.save_shared_criterion(a.territory, user=coordinator, mixed_group=a.rainbow, component=b01,
                                       text="Parks", cards=[a.young_park, a.shop_card, b.cards[0]])
    text = " ".join(error.value.messages)
    assert f"Card #{a.shop_card.pk} belongs to the group “Shopkeepers”" in text
    assert f"Card #{b.cards[0].pk} is not a card of this territory." in text
    with pytest.raises(ValidationError, match="Only a mixed"):
        services.save_shared_criterion(a.territory, user=coordinator, mixed_group=a.group, component=b01,
                                       text="Parks", cards=[a.young_park])
    with pytest.raises(PermissionDenied):
        services.save_shared_criterion(a.territory, user=coordinator, mixed_group=b.rainbow, component=b01,
                                       text="Parks", cards=[b.cards[0]])
    with pytest.raises(PermissionDenied):
        services.save_shared_criterion(a.territory, user=a.users["partner"], mixed_group=a.rainbow,
                                       component=b01, text="Parks", cards=[a.young_park])
    response = login(coordinator).post(url("criterion_add", "alpha", a.rainbow.pk, b01.pk),
                                       {"component": b01.pk, "text": "Parks", "language": "fr",
                                        "cards": [b.cards[0].pk]})
    assert response.status_code == 400 and "is not a card of this territory" in response.content.decode()
    assert not SharedCriterion.objects.exists()


# --- what became of my words ------------------------------------------------------------------

def words(token):
    return reverse("public:words", args=[token])


def test_words_page_shows_the_group_its_own_words_only(rainbow, client):
    a = rainbow.alpha
    a.group.entry_token = new_token()
    a.group.entry_open = False  # works even when online entry is closed
    a.group.save()
    sentence = services.add_sentence(a.territory, user=a.users["facilitator"], group=a.group,
                                     component=entry(a, "B01"), text="Parks must be clean",
                                     cards=[a.young_park])
    services.add_sentence(a.territory, user=a.users["coordinator"], group=a.elderly,
                          component=entry(a, "B01"), text="Elderly sentence", cards=[a.elderly_park])
    services.save_shared_criterion(a.territory, user=a.users["coordinator"], mixed_group=a.rainbow,
                                   component=entry(a, "B01"), text="Clean parks for all",
                                   cards=[a.young_park, a.elderly_park])
    response = client.get(words(a.group.entry_token))
    assert response.status_code == 200
    page = response.content.decode()
    for card in [*a.cards, a.young_park, a.young_noise]:
        assert card.text in page
    for other in [a.elderly_park, a.elderly_noise, a.elderly_alone, a.shop_card]:
        assert other.text not in page
    assert "Parks must be clean" in page and "Elderly sentence" not in page
    assert "Clean parks for all" in page and "It draws on 1 of your ideas" in page
    assert "B01 · Pollution, noise" in page and "A03 · Housing" in page  # coding in the reader's language
    assert "anon-young-1" not in page and "anon-" not in page
    for user in a.users.values():
        assert user.get_username() not in page
    assert "Betatown" not in page
    # French reader: component labels in French.
    page_fr = client.get(words(a.group.entry_token), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Pollution, bruit" in page_fr
    assert sentence.text in page_fr


def test_words_page_unknown_or_revoked_token_is_404(rainbow, client):
    a = rainbow.alpha
    assert client.get(words("no-such-token")).status_code == 404
    token = new_token()
    a.group.entry_token = token
    a.group.save()
    assert client.get(words(token)).status_code == 200
    from cospiral.groups.services import revoke_entry_token

    revoke_entry_token(a.group, user=a.users["coordinator"])
    assert client.get(words(token)).status_code == 404
    assert "Alphaville secret card" not in client.get(words(token)).content.decode()


def test_online_entry_links_to_words_once_revealed(rainbow, client):
    a = rainbow.alpha
    a.group.entry_token = new_token()
    a.group.entry_open = True
    a.group.save()
    link = f'href="{words(a.group.entry_token)}"'
    assert link not in client.get(reverse("public:entry", args=[a.group.entry_token])).content.decode()
    a.group.revealed_at = timezone.now()
    a.group.save()
    assert link in client.get(reverse("public:entry", args=[a.group.entry_token])).content.decode()
    a.group.entry_open = False
    a.group.save()
    assert link in client.get(reverse("public:entry", args=[a.group.entry_token])).content.decode()
