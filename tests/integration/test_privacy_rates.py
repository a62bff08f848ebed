"""Rate limits that count right (issue 13): per link and per browser, with a higher
ceiling per link and client address, the client seen through the trusted proxies only.
A class of 30 behind one school address each post their cards; one client that floods
is refused, with or without its cookies."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import reverse

from cospiral.cards.models import Card
from cospiral.core.clients import client_address

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"
SCHOOL = "203.0.113.7"


@pytest.fixture
def link(world, monkeypatch):
    """The entry link of alpha's group, counts cleared, the clock of the rate limits
    stopped (a fixed window: a slow run must not cross a minute boundary)."""
    from types import SimpleNamespace

    import django_ratelimit.core

    from cospiral.groups import services as group_services

    monkeypatch.setattr(django_ratelimit.core, "time", SimpleNamespace(time=lambda: 1_800_000_000.0))
    cache.clear()
    group = world.alpha.group
    coordinator = world.alpha.users["coordinator"]
    token = group_services.create_entry_token(group, user=coordinator)
    group_services.set_entry_open(group, user=coordinator, is_open=True)
    return reverse("public:entry", args=[token])


def post(client, world, link, text):
    return client.post(link, {f"q-{world.alpha.q1.pk}": [text]}, HTTP_X_FORWARDED_FOR=SCHOOL)


def test_thirty_people_behind_one_address_each_post_their_cards(world, link, settings):
    settings.COSPIRAL_TRUSTED_PROXIES = [PROXY]
    people = [Client(REMOTE_ADDR=PROXY) for _i in range(30)]
    statuses = [post(person, world, link, f"idea {n}-{k}").status_code
                for k in range(5) for n, person in enumerate(people)]
    assert statuses.count(302) == 150 and set(statuses) == {302}
    assert Card.objects.filter(text__startswith="idea ").count() == 150


def test_one_client_flooding_is_refused(world, link, settings):
    settings.COSPIRAL_TRUSTED_PROXIES = [PROXY]
    settings.COSPIRAL_ONLINE_RATE = "30/h"
    flood = Client(REMOTE_ADDR=PROXY)
    statuses = [post(flood, world, link, f"flood {n}").status_code for n in range(32)]
    assert statuses[:30] == [302] * 30 and statuses[30:] == [429, 429]
    # Another person behind the same address still posts.
    assert post(Client(REMOTE_ADDR=PROXY), world, link, "someone else").status_code == 302


def test_a_client_dropping_its_cookies_meets_the_address_ceiling(world, link, settings):
    settings.COSPIRAL_ONLINE_ADDRESS_RATE = "20/h"
    # No trusted proxy: X-Forwarded-For is ignored, so writing it does not help.
    statuses = []
    for n in range(22):
        fresh = Client(REMOTE_ADDR="198.51.100.4")
        statuses.append(fresh.post(link, {f"q-{world.alpha.q1.pk}": [f"spam {n}"]},
                                   HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code)
    assert statuses[:20] == [302] * 20 and statuses[20:] == [429, 429]
    assert Card.objects.filter(text__startswith="spam ").count() == 20


def test_client_address_reads_the_header_only_from_trusted_proxies(settings):
    factory = RequestFactory()
    settings.COSPIRAL_TRUSTED_PROXIES = []
    request = factory.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_address(request) == PROXY
    settings.COSPIRAL_TRUSTED_PROXIES = ["10.0.0.0/8"]
    # Right-most address that is not a trusted proxy; a forged left part is ignored.
    request = factory.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="6.6.6.6, 1.2.3.4, 10.0.0.2")
    assert client_address(request) == "1.2.3.4"
    request = factory.get("/", REMOTE_ADDR="8.8.8.8", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_address(request) == "8.8.8.8"  # not from a trusted proxy
    request = factory.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="not an address")
    assert client_address(request) == PROXY
    settings.COSPIRAL_TRUSTED_PROXIES = ["10.0.0.1", "2001:db8::/32"]
    request = factory.get("/", REMOTE_ADDR="2001:db8::5", HTTP_X_FORWARDED_FOR="2001:db9::1")
    assert client_address(request) == "2001:db9::1"


def test_a_bad_proxy_setting_stops_the_start_with_a_clear_message(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "COSPIRAL_TRUSTED_PROXIES": "10.0.0.1, not-a-network",
           "COSPIRAL_DATA_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", "import django, os; "
                             "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'cospiral.settings'); "
                             "from django.conf import settings; settings.INSTALLED_APPS"],
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "COSPIRAL_TRUSTED_PROXIES: “not-a-network” is not an IP address" in result.stderr
