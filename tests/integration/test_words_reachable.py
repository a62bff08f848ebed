"""Citizens' words, reachable (issue 15, point 2): every group page links its « what
became of our words » page and a printable handout with a QR code, paper-only groups
included, without opening online entry. Two territories."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cospiral.groups.models import Group

pytestmark = pytest.mark.django_db


def _group(t, name="Paper group"):
    return Group.objects.create(territory=t.territory, name=name, kind="homogeneous")


def test_a_paper_only_group_gets_a_handout_with_a_qr_code(world, login):
    group = _group(world.alpha)
    assert group.entry_token is None
    coordinator = login(world.alpha.users["coordinator"])
    detail = reverse("groups:detail", args=[world.alpha.territory.slug, group.pk])
    handout = reverse("groups:words_handout", args=[world.alpha.territory.slug, group.pk])
    assert handout in coordinator.get(detail).content.decode()
    page = coordinator.get(handout)
    assert page.status_code == 200 and "has no address for its page of words yet" in page.content.decode()
    response = coordinator.post(handout)
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.entry_token and not group.entry_open  # nobody can write cards with it
    words = reverse("public:words", args=[group.entry_token])
    html = coordinator.get(handout).content.decode()
    assert "<svg" in html and words in html and "style=" not in html.split("<svg", 1)[1].split("</svg>")[0]
    # The group page now links the words page itself, which opens without an account.
    assert words in coordinator.get(detail).content.decode()
    from django.test import Client

    assert Client().get(words).status_code == 200
    # In French.
    coordinator.cookies["django_language"] = "fr"
    text = coordinator.get(handout, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "ce que sont devenus nos mots" in text


def test_the_handout_stays_in_its_territory(world, login):
    group = _group(world.alpha)
    handout = reverse("groups:words_handout", args=[world.beta.territory.slug, group.pk])
    beta = login(world.beta.users["coordinator"])
    assert beta.get(handout).status_code == 404
    assert beta.post(handout).status_code == 404
    group.refresh_from_db()
    assert group.entry_token is None
    # An observer of alpha reads the handout but cannot create the address.
    own = reverse("groups:words_handout", args=[world.alpha.territory.slug, group.pk])
    observer = login(world.alpha.users["observer"])
    assert observer.get(own).status_code == 200
    assert observer.post(own).status_code == 403
