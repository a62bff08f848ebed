"""Anonymous online entry through a group's private link."""

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from cospiral.cards.models import Card, Question


@pytest.fixture
def link(world):
    from cospiral.groups import services as group_services

    cache.clear()
    group = world.alpha.group
    coordinator = world.alpha.users["coordinator"]
    token = group_services.create_entry_token(group, user=coordinator)
    group_services.set_entry_open(group, user=coordinator, is_open=True)
    return reverse("public:entry", args=[token])


def ideas(world, *texts, question=None):
    q = question or world.alpha.q1
    return {f"q-{q.pk}": list(texts)}


def test_page_shows_group_and_enabled_questions_without_account(world, link):
    response = Client().get(link)
    html = response.content.decode()
    assert response.status_code == 200
    assert world.alpha.group.name in html
    assert "What is well-being for you?" in html and "Q3" in html
    # Not enabled (as a whole word: a random CSRF token may hold the letters "Q4").
    assert not re.search(r"\bQ4\b", html)
    assert "secret card" not in html  # other people's cards stay hidden
    assert 'name="viewport"' in html and "<label" in html


def test_submit_creates_online_cards_with_random_author_tag(world, link):
    client = Client()
    q2 = Question.objects.of(world.alpha.territory).get(code="Q2")
    data = {**ideas(world, "un jardin partagé", "", "  "), f"q-{q2.pk}": ["le bruit la nuit"]}
    response = client.post(link, data, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 302
    cards = Card.objects.of(world.alpha.territory).filter(channel="online").order_by("id")
    assert [c.text for c in cards] == ["un jardin partagé", "le bruit la nuit"]
    tags = {c.author_tag for c in cards}
    assert len(tags) == 1 and next(iter(tags)).startswith("anon-")
    assert all(c.session is None and c.created_by is None and c.language == "fr" for c in cards)
    assert "127.0.0.1" not in next(iter(tags))
    html = client.get(link).content.decode()
    assert "un jardin partagé" in html and "le bruit la nuit" in html


def test_language_follows_the_page_language(world, link):
    client = Client()
    client.post(link, ideas(world, "a quiet street"), HTTP_ACCEPT_LANGUAGE="en")
    assert Card.objects.get(text="a quiet street").language == "en"


def test_people_see_only_their_own_cards_until_the_group_view_opens(world, link):
    alice, bob = Client(), Client()
    alice.post(link, ideas(world, "alice idea"))
    bob.post(link, ideas(world, "bob idea"))
    alice_tag = Card.objects.get(text="alice idea").author_tag
    assert alice_tag != Card.objects.get(text="bob idea").author_tag
    html = alice.get(link).content.decode()
    assert "alice idea" in html and "bob idea" not in html
    html = bob.get(link).content.decode()
    assert "bob idea" in html and "alice idea" not in html
    from cospiral.groups import services as group_services

    group_services.reveal_group(world.alpha.group, user=world.alpha.users["coordinator"])
    html = alice.get(link).content.decode()
    assert "alice idea" in html and "bob idea" in html and "secret card 0" in html
    assert "Betatown" not in html


def test_add_another_idea_without_js_keeps_what_was_typed(world, link):
    client = Client()
    q = world.alpha.q1
    response = client.post(link, {f"q-{q.pk}": ["kept", "", ""], "more": str(q.pk)})
    html = response.content.decode()
    assert response.status_code == 200
    assert ">kept</textarea>" in html
    assert f'id="q-{q.pk}-4"' in html
    assert not Card.objects.filter(text="kept").exists()


def test_empty_submission_is_refused_clearly(world, link):
    response = Client().post(link, ideas(world, "", " "))
    assert response.status_code == 400
    assert "at least one idea" in response.content.decode()
    assert Card.objects.of(world.alpha.territory).count() == 3


def test_too_long_idea_is_refused(world, link):
    response = Client().post(link, ideas(world, "x" * 2001))
    assert response.status_code == 400
    assert Card.objects.of(world.alpha.territory).count() == 3


def test_questions_of_another_group_or_disabled_are_ignored(world, link):
    q4 = Question.objects.of(world.alpha.territory).get(code="Q4")
    Client().post(link, {**ideas(world, "fine"), f"q-{q4.pk}": ["sneaky"],
                         f"q-{world.beta.q1.pk}": ["leak"]})
    assert Card.objects.filter(text="fine").exists()
    assert not Card.objects.filter(text__in=["sneaky", "leak"]).exists()


def test_closed_entry_shows_a_clear_page_and_stores_nothing(world, link):
    from cospiral.groups import services as group_services

    group_services.set_entry_open(world.alpha.group, user=world.alpha.users["coordinator"], is_open=False)
    client = Client()
    response = client.get(link)
    assert response.status_code == 200 and "Entry is closed" in response.content.decode()
    response = client.post(link, ideas(world, "late idea"))
    assert "Entry is closed" in response.content.decode()
    assert not Card.objects.filter(text="late idea").exists()


def test_unknown_or_revoked_token_is_404(world, link):
    client = Client()
    response = client.get(reverse("public:entry", args=["no-such-token"]))
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()
    from cospiral.groups import services as group_services

    group_services.revoke_entry_token(world.alpha.group, user=world.alpha.users["coordinator"])
    assert client.get(link).status_code == 404
    assert client.post(link, ideas(world, "x")).status_code == 404
    assert not Card.objects.filter(text="x").exists()


def test_rate_limit_answers_429(world, link, settings):
    settings.COSPIRAL_ONLINE_RATE = "2/h"
    client = Client()
    assert client.post(link, ideas(world, "one")).status_code == 302
    assert client.post(link, ideas(world, "two")).status_code == 302
    response = client.post(link, ideas(world, "three"))
    assert response.status_code == 429
    assert "Too many sendings" in response.content.decode()
    assert not Card.objects.filter(text="three").exists()
    # Another address is not blocked by this one.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post(link, ideas(world, "four")).status_code == 302
