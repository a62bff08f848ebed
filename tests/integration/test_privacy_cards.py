"""Online post-its (issue 13): an online participant's tag is never shown beside a time;
times of cards are shown to the day, to the minute for coordinators only; the API gives
no seconds, and only days to keys other than coordinators'."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from cospiral.api import services as key_services
from cospiral.cards.models import Card

pytestmark = pytest.mark.django_db


@pytest.fixture
def online(world):
    from cospiral.groups import services as group_services

    cache.clear()
    group = world.alpha.group
    coordinator = world.alpha.users["coordinator"]
    token = group_services.create_entry_token(group, user=coordinator)
    group_services.set_entry_open(group, user=coordinator, is_open=True)
    link = reverse("public:entry", args=[token])
    Client().post(link, {f"q-{world.alpha.q1.pk}": ["Safer bike lanes", "More benches"]})
    cards = list(Card.objects.filter(text__in=["Safer bike lanes", "More benches"]))
    assert len(cards) == 2 and cards[0].author_tag.startswith("anon-")
    return cards


def test_history_shows_days_and_never_the_tag(world, online, login):
    card = online[0]
    url = reverse("criteria:history", args=["alpha", card.pk])
    for role in ("facilitator", "partner", "observer"):
        html = login(world.alpha.users[role]).get(url).content.decode()
        assert card.author_tag not in html, role
        assert not re.search(r"\d{1,2} \w{3} \d{4}, \d\d:\d\d", html), role  # the day only
        assert re.search(r"<td>\d{1,2} \w{3} \d{4}</td>", html), role
    html = login(world.alpha.users["coordinator"]).get(url).content.decode()
    assert card.author_tag not in html
    assert re.search(r"<td>\d{1,2} \w{3} \d{4}, \d\d:\d\d</td>", html)
    assert not re.search(r"\d\d:\d\d:\d\d", html)  # never seconds
    assert login(world.beta.users["coordinator"]).get(url).status_code == 404


def test_audit_trail_never_shows_the_tag_beside_a_time(world, online, login):
    html = login(world.alpha.users["coordinator"]).get(
        reverse("territories:audit", args=["alpha"])).content.decode()
    assert "Safer bike lanes" in html and online[0].author_tag not in html


@pytest.mark.parametrize("role", ["coordinator", "facilitator", "partner", "observer"])
def test_api_times_of_cards(world, online, client, role):
    coordinator = world.alpha.users["coordinator"]
    key = key_services.create_key(world.alpha.territory, user=coordinator, name="k", role=role,
                                  acts_for=world.alpha.users[role]).secret
    items = client.get("/api/territories/alpha/criteria", HTTP_AUTHORIZATION=f"Bearer {key}").json()["items"]
    times = [i["created_at"] for i in items]
    assert times and all("." not in t for t in times)  # never sub-second
    if role == "coordinator":
        assert all(re.search(r"T\d\d:\d\d:00", t) for t in times)
    else:
        assert all(re.search(r"T00:00:00", t) for t in times)
