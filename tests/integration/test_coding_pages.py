"""Coding pages through the test client: tenancy and roles for every page, the board's
actions with and without JavaScript, conflicts, blind coding and the agreement report."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import translation

from cospiral.cards.models import Card
from cospiral.coding import counts
from cospiral.coding.models import CodingValidation, IndependentCoding

ROLES = ("coordinator", "facilitator", "partner", "observer")
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture(autouse=True)
def _language_reset():
    """A French request leaves French active in this thread (the locale middleware does
    not undo it): later tests must not inherit it."""
    yield
    translation.deactivate()


def url(name, t, pk):
    return reverse(f"coding:{name}", kwargs={"territory": t.territory.slug, "pk": pk})


def fresh(card):
    return Card.objects.get(pk=card.pk)


def group_pages(t):
    return [url(n, t, t.group.pk) for n in ("board", "blind", "agreement")]


def card_posts(t, card):
    return [(url(n, t, card.pk), data) for n, data in (
        ("code", {"code": "A01"}), ("uncode", {}), ("not_codable", {"reason": "x"}),
        ("split", {"parts": "a\nb"}), ("merge", {"duplicates": [t.cards[1].pk]}), ("unmerge", {}),
    )]


@pytest.mark.parametrize("role", ROLES)
def test_other_territory_is_404_for_every_page_and_action(world, login, role):
    alpha, beta = world.alpha, world.beta
    client = login(alpha.users[role])
    # beta's pages through beta's slug: alpha's users are not members.
    for page in group_pages(beta):
        assert client.get(page).status_code == 404, page
    # beta's group or card through alpha's slug: not found in alpha.
    for name in ("board", "blind", "agreement"):
        assert client.get(url(name, alpha, beta.group.pk)).status_code in (403, 404)
    for name, data in (("code", {"code": "A01"}), ("uncode", {}), ("not_codable", {"reason": "x"}),
                       ("split", {"parts": "a\nb"}), ("merge", {"duplicates": [beta.cards[1].pk]}),
                       ("unmerge", {})):
        response = client.post(url(name, alpha, beta.cards[0].pk), data)
        assert response.status_code in (403, 404), (name, response.status_code)
    assert client.post(url("validate", alpha, beta.group.pk), {"validated_on": "2026-01-01"}).status_code in (403, 404)
    assert client.get(reverse("coding:search", kwargs={"territory": beta.territory.slug}) + "?q=A").status_code == 404
    assert all(c.component_id is None and not c.is_split and c.merged_into_id is None
               for c in Card.objects.of(beta.territory))
    assert not CodingValidation.objects.of(beta.territory).exists()


def test_merge_of_a_card_from_another_territory_is_refused(world, login):
    alpha, beta = world.alpha, world.beta
    client = login(alpha.users["coordinator"])
    response = client.post(url("merge", alpha, alpha.cards[0].pk), {"duplicates": [beta.cards[0].pk]})
    assert response.status_code in (302, 400)
    assert fresh(beta.cards[0]).merged_into_id is None


@pytest.mark.parametrize("role,board,write,blind", [
    ("coordinator", 200, True, 200), ("facilitator", 200, True, 200),
    ("partner", 200, False, 403), ("observer", 200, False, 403),
])
def test_roles(world, login, role, board, write, blind):
    alpha = world.alpha
    client = login(alpha.users[role])
    response = client.get(url("board", alpha, alpha.group.pk))
    assert response.status_code == board
    assert (b'class="code-form"' in response.content) is write
    assert alpha.cards[0].text in response.content.decode()
    assert world.beta.cards[0].text not in response.content.decode()
    assert client.get(url("blind", alpha, alpha.group.pk)).status_code == blind
    assert client.get(url("agreement", alpha, alpha.group.pk)).status_code == blind
    card = fresh(alpha.cards[0])
    response = client.post(url("code", alpha, card.pk), {"code": "A01", "seen": card.updated_at.isoformat()})
    assert response.status_code == (302 if write else 403)
    assert (fresh(card).component is not None) is write
    assert counts.differences(alpha.territory) == {}


def test_facilitator_of_another_group_cannot_code(world, login):
    from cospiral.groups.models import Group

    alpha = world.alpha
    other = Group.objects.create(territory=alpha.territory, name="Elders", profile="elderly")
    card = Card.objects.create(territory=alpha.territory, group=other, question=alpha.q1, text="bench")
    client = login(alpha.users["facilitator"])
    response = client.post(url("code", alpha, card.pk), {"code": "A01", "seen": card.updated_at.isoformat()},
                           **JSON)
    assert response.status_code == 403 and "Elders" in response.json()["error"]
    assert client.get(url("blind", alpha, other.pk)).status_code == 403
    assert b'class="code-form"' not in client.get(url("board", alpha, other.pk)).content


def test_board_codes_by_json_and_moves_to_next_uncoded(world, login):
    alpha = world.alpha
    client = login(alpha.users["facilitator"])
    page = client.get(url("board", alpha, alpha.group.pk)).content.decode()
    assert "0 / 3 coded" in page and "<progress" in page
    assert "When in doubt, use the family" in page and "A00" in page
    first, second = (fresh(c) for c in alpha.cards[:2])
    response = client.post(url("code", alpha, first.pk), {"code": "a01", "seen": first.updated_at.isoformat()}, **JSON)
    data = response.json()
    assert data["ok"] and data["next"] == second.pk and data["progress"]["text"] == "1 / 3 coded"
    assert "A01" in data["html"] and "Food and drink" in data["html"]
    # Full code from the optional fields.
    response = client.post(url("code", alpha, second.pk),
                           {"code": "B01", "sense": "P15", "beneficiary": "k",
                            "seen": second.updated_at.isoformat()}, **JSON)
    assert response.json()["ok"] and fresh(second).full_code == "B01/P15/k"
    # Without JS: a redirect focused on the next uncoded card.
    third = fresh(alpha.cards[2])
    response = client.post(url("code", alpha, third.pk), {"code": "A03", "seen": third.updated_at.isoformat()})
    assert response.status_code == 302
    page = client.get(url("board", alpha, alpha.group.pk)).content.decode()
    assert "3 / 3 coded" in page
    assert counts.differences(alpha.territory) == {}


def test_bad_codes_are_explained(world, login):
    alpha, beta = world.alpha, world.beta
    from cospiral.grid import services as grid_services
    from cospiral.grid.models import GridEntry

    grid_services.add_local_component(beta.territory, family_code="B", labels={"fr": "Vélo", "en": "Bike"},
                                      user=beta.users["coordinator"])
    beta_local = GridEntry.objects.get(territory=beta.territory).code
    client = login(alpha.users["facilitator"])
    card = fresh(alpha.cards[0])
    for bad, words in (("Z99", "not in this grid version"), (beta_local, "not in this grid version"),
                       ("A01/xx", "sense"), ("", "empty")):
        response = client.post(url("code", alpha, card.pk), {"code": bad, "seen": card.updated_at.isoformat()}, **JSON)
        assert response.status_code == 400 and words in response.json()["error"], bad
    response = client.post(url("code", alpha, card.pk), {"code": "Z99", "seen": card.updated_at.isoformat()}, follow=True)
    assert "not in this grid version" in response.content.decode()
    assert fresh(card).component is None
    # The search never offers beta's local component to alpha.
    search = reverse("coding:search", kwargs={"territory": alpha.territory.slug})
    assert beta_local not in str(client.get(search + "?q=" + beta_local).json())
    assert beta_local not in str(client.get(search + "?q=Bike").json())


def test_search_by_code_label_and_family(world, login):
    alpha = world.alpha
    client = login(alpha.users["facilitator"])
    search = reverse("coding:search", kwargs={"territory": alpha.territory.slug})
    results = client.get(search + "?q=b").json()["results"]
    assert results[0]["code"] == "B00" and results[0]["doubt"] is True
    assert [r["code"] for r in client.get(search + "?q=a01").json()["results"]] == ["A01"]
    assert "A01" in [r["code"] for r in client.get(search + "?q=aliment").json()["results"]]
    assert "A03" in [r["code"] for r in client.get(search + "?q=housing").json()["results"]]
    assert client.get(search + "?q=").json()["results"] == []


def test_concurrent_edit_second_facilitator_gets_conflict(world, login, client):
    alpha = world.alpha
    from django.test import Client

    other = Client()
    other.force_login(alpha.users["coordinator"])
    card = fresh(alpha.cards[0])
    seen = card.updated_at.isoformat()
    assert other.post(url("code", alpha, card.pk), {"code": "A01", "seen": seen}, **JSON).json()["ok"]
    client = login(alpha.users["facilitator"])
    response = client.post(url("code", alpha, card.pk), {"code": "B01", "seen": seen}, **JSON)
    assert response.status_code == 409
    assert "alpha-coordinator" in response.json()["error"]
    assert fresh(card).component.code == "A01"
    response = client.post(url("code", alpha, card.pk), {"code": "B01", "seen": seen}, follow=True)
    assert "changed by alpha-coordinator" in response.content.decode()
    assert fresh(card).component.code == "A01"


def test_split_not_codable_merge_through_pages(world, login):
    alpha = world.alpha
    client = login(alpha.users["facilitator"])
    card = fresh(alpha.cards[0])
    response = client.post(url("split", alpha, card.pk), {"parts": "Food\nHousing\n", "seen": card.updated_at.isoformat()})
    assert response.status_code == 302
    parts = list(Card.objects.of(alpha.territory).filter(split_from=card))
    assert len(parts) == 2 and fresh(card).is_split
    page = client.get(url("board", alpha, alpha.group.pk)).content.decode()
    assert "part of a split card" in page and "0 / 4 coded" in page
    response = client.post(url("not_codable", alpha, parts[0].pk), {"reason": ""}, **JSON)
    assert response.status_code == 400 and "reason" in response.json()["error"]
    response = client.post(url("not_codable", alpha, parts[0].pk), {"reason": "Illegible"}, **JSON)
    assert response.json()["progress"]["text"] == "1 / 4 coded"
    response = client.post(url("merge", alpha, alpha.cards[1].pk), {"duplicates": [alpha.cards[2].pk]})
    assert fresh(alpha.cards[2]).merged_into_id == alpha.cards[1].pk
    page = client.get(url("board", alpha, alpha.group.pk)).content.decode()
    assert "Undo merge" in page
    client.post(url("unmerge", alpha, alpha.cards[2].pk))
    assert fresh(alpha.cards[2]).merged_into_id is None
    assert counts.differences(alpha.territory) == {}


def test_duplicate_proposals_are_listed(world, login):
    alpha = world.alpha
    Card.objects.create(territory=alpha.territory, group=alpha.group, question=alpha.q1,
                        text="More buses at night")
    Card.objects.create(territory=alpha.territory, group=alpha.group, question=alpha.q1,
                        text="more buses at night!")
    client = login(alpha.users["facilitator"])
    page = client.get(url("board", alpha, alpha.group.pk)).content.decode()
    assert "Merge these duplicates" in page and "same text" in page


def test_validation_and_changes_after_it(world, login):
    alpha = world.alpha
    client = login(alpha.users["facilitator"])
    assert client.post(url("validate", alpha, alpha.group.pk), {"validated_on": "2026-01-10"}).status_code == 403
    client = login(alpha.users["coordinator"])
    page = client.get(url("board", alpha, alpha.group.pk)).content.decode()
    assert "has not validated its coding yet" in page
    response = client.post(url("validate", alpha, alpha.group.pk), {"validated_on": "2026-01-10", "note": "ok"})
    assert response.status_code == 302
    page = client.get(url("board", alpha, alpha.group.pk)).content.decode()
    assert "Validated by the group on 10 Jan 2026" in page and "No change since the validation" in page
    card = fresh(alpha.cards[0])
    client.post(url("code", alpha, card.pk), {"code": "A01", "seen": card.updated_at.isoformat()})
    page = client.get(url("board", alpha, alpha.group.pk)).content.decode()
    assert "1 change since the validation" in page and "Coded A01" in page and "alpha-coordinator" in page
    assert "Validated by the group" not in client.get(url("board", world.beta, world.beta.group.pk)).content.decode()


def test_blind_coding_hidden_and_agreement_report(world, login):
    alpha = world.alpha
    coordinator = login(alpha.users["coordinator"])
    for card, value in zip(alpha.cards, ["A01", "A03", "B01"], strict=True):
        card = fresh(card)
        coordinator.post(url("code", alpha, card.pk), {"code": value, "seen": card.updated_at.isoformat()})
    from django.test import Client

    facilitator = Client()
    facilitator.force_login(alpha.users["facilitator"])
    blind_page = facilitator.get(url("blind", alpha, alpha.group.pk)).content.decode()
    # Agreed codes are not shown (whole words: a random CSRF token may hold such letters).
    assert not re.search(r"\b(A03|B01)\b", blind_page)
    for card, value in zip(alpha.cards, ["A01", "A01", "B01"], strict=True):
        response = facilitator.post(url("blind", alpha, alpha.group.pk), {"card": card.pk, "code": value})
        assert response.status_code == 302
    assert IndependentCoding.objects.of(alpha.territory).count() == 3
    assert fresh(alpha.cards[1]).component.code == "A03"  # blind codes never touch cards
    # The board does not show blind codes; the coordinator's blind page shows none of them.
    board = coordinator.get(url("board", alpha, alpha.group.pk)).content.decode()
    assert "alpha-facilitator" not in board
    own_blind = coordinator.get(url("blind", alpha, alpha.group.pk)).content.decode()
    assert 'value="A01"' not in own_blind and "0 / 3 coded by you" in own_blind
    # Bad blind code.
    response = facilitator.post(url("blind", alpha, alpha.group.pk), {"card": alpha.cards[0].pk, "code": "Z99"}, follow=True)
    assert "not in this grid version" in response.content.decode()
    report = facilitator.get(url("agreement", alpha, alpha.group.pk)).content.decode()
    # 3 cards, 2 agree: observed 0.67; families all agree but... A,A,B vs A,A,B -> kappa 1.00
    assert "0.67" in report and "1.00" in report
    assert "Disagreements to resolve" in report and "alpha-facilitator: A01" in report
    card = fresh(alpha.cards[1])
    response = coordinator.post(url("agreement", alpha, alpha.group.pk),
                                {"card": card.pk, "code": "A01", "seen": card.updated_at.isoformat()})
    assert response.status_code == 302 and fresh(card).component.code == "A01"
    assert "No disagreement." in coordinator.get(url("agreement", alpha, alpha.group.pk)).content.decode()
    assert counts.differences(alpha.territory) == {}


def test_agreement_with_three_coders_shows_alpha(world, login):
    alpha = world.alpha
    from cospiral.coding import services

    for card, value in zip(alpha.cards, ["A01", "A03", "B01"], strict=True):
        card = fresh(card)
        services.code_card(alpha.territory, card, code=value, user=alpha.users["coordinator"],
                           seen_updated_at=card.updated_at)
        services.record_blind_coding(alpha.territory, card, user=alpha.users["facilitator"], code=value)
        services.record_blind_coding(alpha.territory, card, user=alpha.users["coordinator"], code="A01")
    page = login(alpha.users["coordinator"]).get(url("agreement", alpha, alpha.group.pk)).content.decode()
    assert "Krippendorff" in page


def test_one_category_only_says_undefined(world, login):
    alpha = world.alpha
    from cospiral.coding import services

    for card in alpha.cards:
        card = fresh(card)
        services.code_card(alpha.territory, card, code="A01", user=alpha.users["coordinator"],
                           seen_updated_at=card.updated_at)
        services.record_blind_coding(alpha.territory, card, user=alpha.users["facilitator"], code="A01")
    page = login(alpha.users["coordinator"]).get(url("agreement", alpha, alpha.group.pk)).content.decode()
    assert "undefined" in page and "1.00" in page


def test_validation_date_in_future_is_refused(world, login):
    alpha = world.alpha
    client = login(alpha.users["coordinator"])
    future = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    response = client.post(url("validate", alpha, alpha.group.pk), {"validated_on": future}, follow=True)
    assert "in the future" in response.content.decode()
    assert not CodingValidation.objects.exists()


def test_split_gives_the_focus_to_the_first_part(world, login):
    alpha = world.alpha
    client = login(alpha.users["facilitator"])
    card = fresh(alpha.cards[0])
    data = client.post(url("split", alpha, card.pk), {"parts": "Food\nHousing\n",
                                                     "seen": card.updated_at.isoformat()}, **JSON).json()
    first = Card.objects.of(alpha.territory).filter(split_from=card).order_by("id").first()
    assert data["ok"] and data["next"] == first.pk
    card = fresh(alpha.cards[1])
    response = client.post(url("split", alpha, card.pk), {"parts": "Noise\nParks\n",
                                                         "seen": card.updated_at.isoformat()})
    first = Card.objects.of(alpha.territory).filter(split_from=card).order_by("id").first()
    assert response.status_code == 302 and response["Location"].endswith(f"?focus={first.pk}#card-{first.pk}")


def test_blind_coding_by_json_moves_to_the_next_card(world, login):
    alpha = world.alpha
    client = login(alpha.users["facilitator"])
    first, second, third = alpha.cards
    response = client.post(url("blind", alpha, alpha.group.pk), {"card": first.pk, "code": "a01"}, **JSON)
    data = response.json()
    assert data["ok"] and data["next"] == second.pk and data["progress"]["text"] == "1 / 3 coded by you"
    response = client.post(url("blind", alpha, alpha.group.pk), {"card": second.pk, "code": "Z99"}, **JSON)
    assert response.status_code == 400 and response.json()["error"] and response.json()["card"] == second.pk
    data = client.post(url("blind", alpha, alpha.group.pk), {"card": third.pk, "not_codable": "1"}, **JSON).json()
    assert data["ok"] and data["next"] == second.pk and data["progress"]["done"] == 2
    data = client.post(url("blind", alpha, alpha.group.pk), {"card": second.pk, "code": "B01"}, **JSON).json()
    assert data["ok"] and data["next"] is None
    assert IndependentCoding.objects.of(alpha.territory).count() == 3
    assert fresh(first).component_id is None  # blind codes never touch cards
    # Another territory's card: 404, nothing recorded.
    beta_card = world.beta.cards[0]
    response = client.post(url("blind", alpha, alpha.group.pk), {"card": beta_card.pk, "code": "A01"}, **JSON)
    assert response.status_code == 404


def test_card_rows_escape_what_citizens_wrote_and_tools_come_on_demand(world, login):
    alpha = world.alpha
    card = Card.objects.create(territory=alpha.territory, group=alpha.group, question=alpha.q1,
                               text='<script>alert("x")</script> & « le bruit »')
    counts.recompute(alpha.territory)
    client = login(alpha.users["facilitator"])
    page = client.get(url("board", alpha, alpha.group.pk)).content.decode()
    assert '<script>alert("x")</script>' not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; « le bruit »" in page
    row = page[page.index(f'id="card-{card.pk}"'):]
    row = row[:row.index("</details>")]
    # A compact row: the code field and a link to the card's other tools, not their forms.
    assert f'id="code-{card.pk}"' in row and f'aria-labelledby="code-{card.pk}-label card-{card.pk}-text"' in row
    assert 'name="parts"' not in row and 'name="reason"' not in row
    tools = reverse("coding:card_tools", kwargs={"territory": alpha.territory.slug, "pk": card.pk})
    assert f'href="{tools}"' in row
    # Without JavaScript: the tools page of the card; the board's script fetches the fragment.
    full = client.get(tools).content.decode()
    assert "<html" in full and 'name="parts"' in full and 'name="reason"' in full and 'name="sense"' in full
    assert "&lt;script&gt;" in full and '<script>alert("x")' not in full
    fragment = client.get(tools + "?fragment=1").content.decode()
    assert "<html" not in fragment and f'id="parts-{card.pk}"' in fragment
    # The full code from the tools page.
    response = client.post(url("code", alpha, card.pk), {"code": "B01", "sense": "P15", "beneficiary": "k",
                                                          "seen": fresh(card).updated_at.isoformat()})
    assert response.status_code == 302 and fresh(card).full_code == "B01/P15/k"
    assert 'value="B01"' in client.get(tools).content.decode()  # "Remove the code" offered too
    assert "Remove the code" in client.get(tools).content.decode()
    # Another territory's card, a partner, a facilitator of another group: no tools.
    assert client.get(reverse("coding:card_tools", kwargs={
        "territory": alpha.territory.slug, "pk": world.beta.cards[0].pk})).status_code == 404
    assert login(alpha.users["partner"]).get(tools).status_code == 403
    from cospiral.groups.models import Group

    other = Group.objects.create(territory=alpha.territory, name="Elders", profile="elderly")
    elder = Card.objects.create(territory=alpha.territory, group=other, question=alpha.q1, text="bench")
    assert client.get(reverse("coding:card_tools", kwargs={
        "territory": alpha.territory.slug, "pk": elder.pk})).status_code == 403


def test_merge_by_hand_has_its_own_page(world, login):
    alpha = world.alpha
    client = login(alpha.users["facilitator"])
    board = client.get(url("board", alpha, alpha.group.pk)).content.decode()
    page_url = url("merge_by_hand", alpha, alpha.group.pk)
    assert f'href="{page_url}"' in board and 'name="keep"' not in board
    page = client.get(page_url).content.decode()
    assert 'name="keep"' in page and all(f'id="dup-{c.pk}"' in page for c in alpha.cards)
    assert world.beta.cards[0].text not in page
    assert login(alpha.users["partner"]).get(page_url).status_code == 403
    other = client.get(url("merge_by_hand", alpha, world.beta.group.pk))
    assert other.status_code in (403, 404) and world.beta.cards[0].text not in other.content.decode()


def test_board_in_french_has_french_rows(world, login):
    alpha = world.alpha
    client = login(alpha.users["facilitator"])
    page = client.get(url("board", alpha, alpha.group.pk), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Enregistrer le code" in page and "Code de la carte" in page
    assert "Code complet, scinder, non codable, retirer le code" in page
    card = alpha.cards[0]
    card.not_codable_reason = "illisible"
    card.save(update_fields=["not_codable_reason"])
    page = client.get(url("board", alpha, alpha.group.pk), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "<strong>Non codable\u00a0:</strong> illisible" in page  # French typography


def test_a_paraphrase_proposal_says_which_words_put_the_cards_together(world, login):
    alpha = world.alpha
    for text in ("La solitude des personnes âgées", "L'isolement"):
        Card.objects.create(territory=alpha.territory, group=alpha.group, question=alpha.q1, text=text)
    client = login(alpha.users["facilitator"])
    page = client.get(url("board", alpha, alpha.group.pk)).content.decode()
    assert "Put together because of these words: solitude ~ isolement. You decide." in page
    french = client.get(url("board", alpha, alpha.group.pk), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Rapprochées à cause de ces mots\u00a0: solitude ~ isolement." in french
