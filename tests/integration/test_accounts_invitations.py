"""Invitations by e-mail, password reset by e-mail, first run from the browser: the
pages for every role and anonymous, across two territories."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from cospiral.accounts.models import Invitation
from cospiral.territories.models import Membership
from tests.conftest import ROLES

LINK = re.compile(r"https?://testserver(/\S+)")


def _invite(client, slug, email="new.person@example.org", role="facilitator"):
    return client.post(reverse("invitations:list", kwargs={"territory": slug}),
                       {"email": email, "role": role})


@pytest.mark.parametrize("role", ROLES)
def test_invitation_page_is_for_coordinators_of_the_territory_only(world, login, role):
    client = login(world.alpha.users[role])
    page = reverse("invitations:list", kwargs={"territory": "alpha"})
    assert client.get(page).status_code == (200 if role == "coordinator" else 403)
    response = _invite(client, "alpha")
    assert response.status_code == (302 if role == "coordinator" else 403)
    assert Invitation.objects.count() == (1 if role == "coordinator" else 0)
    # Another territory's page does not exist for alpha's members, whatever their role.
    assert client.get(reverse("invitations:list", kwargs={"territory": "beta"})).status_code == 404
    assert _invite(client, "beta", email="x@example.org").status_code == 404
    assert not Invitation.objects.filter(territory=world.beta.territory).exists()


def test_anonymous_is_sent_to_sign_in(world, client):
    for name in ("invitations:list",):
        response = client.get(reverse(name, kwargs={"territory": "alpha"}))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert _invite(client, "alpha").status_code == 302
    assert client.get(reverse("accounts:account")).status_code == 302
    assert client.get(reverse("accounts:two_factor")).status_code == 302
    assert not Invitation.objects.exists()


def test_withdraw_is_scoped_and_for_coordinators(world, login):
    coordinator = login(world.alpha.users["coordinator"])
    _invite(coordinator, "alpha")
    invitation = Invitation.objects.get()
    withdraw = reverse("invitations:withdraw", kwargs={"territory": "beta", "pk": invitation.pk})
    coordinator.force_login(world.beta.users["coordinator"])
    assert coordinator.post(withdraw).status_code == 404  # beta's coordinator: not theirs
    coordinator.force_login(world.alpha.users["facilitator"])
    withdraw = reverse("invitations:withdraw", kwargs={"territory": "alpha", "pk": invitation.pk})
    assert coordinator.post(withdraw).status_code == 403
    invitation.refresh_from_db()
    assert invitation.pending
    coordinator.force_login(world.alpha.users["coordinator"])
    assert coordinator.post(withdraw).status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    link = LINK.search(mail.outbox[0].body).group(1)
    coordinator.logout()
    response = coordinator.get(link)
    assert response.status_code == 404 and "withdrawn" in response.content.decode()


def test_a_new_person_accepts_by_creating_an_account(world, login, client):
    coordinator = login(world.alpha.users["coordinator"])
    assert _invite(coordinator, "alpha", role="partner").status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.person@example.org"] and "Alphaville" in message.subject
    link = LINK.search(message.body).group(1)
    coordinator.logout()
    page = client.get(link)
    assert page.status_code == 200 and "partner" in page.content.decode().lower()
    bad = client.post(link, {"username": "newbie", "password1": "short", "password2": "short"})
    assert bad.status_code == 200 and not get_user_model().objects.filter(username="newbie").exists()
    ok = client.post(link, {"username": "newbie", "password1": "a long enough phrase 42",
                            "password2": "a long enough phrase 42"})
    assert ok.status_code == 302 and ok["Location"] == "/t/alpha/"
    user = get_user_model().objects.get(username="newbie")
    assert user.email == "new.person@example.org" and user.check_password("a long enough phrase 42")
    assert Membership.objects.get(user=user).role == "partner"
    assert client.get("/t/alpha/").status_code == 200  # signed in
    # The link works once.
    client.logout()
    again = client.get(link)
    assert again.status_code == 404 and "already been accepted" in again.content.decode()


def test_an_existing_user_accepts_by_signing_in(world, login, client):
    coordinator = login(world.beta.users["coordinator"])
    _invite(coordinator, "beta", email="alpha.observer@example.org", role="observer")
    link = LINK.search(mail.outbox[0].body).group(1)
    someone = world.alpha.users["observer"]
    client.force_login(someone)
    assert client.get(link).status_code == 200
    assert client.post(link).status_code == 302
    assert Membership.objects.of(world.beta.territory).get(user=someone).role == "observer"
    assert client.get("/t/beta/").status_code == 200


def test_tampered_or_expired_links_are_refused(world, login, client, settings):
    coordinator = login(world.alpha.users["coordinator"])
    _invite(coordinator, "alpha")
    link = LINK.search(mail.outbox[0].body).group(1)
    coordinator.logout()
    assert "not valid" in client.get(link[:-3] + "xyz/").content.decode()
    settings.COSPIRAL_INVITATION_DAYS = -1
    response = client.get(link)
    assert response.status_code == 404 and "expired" in response.content.decode()


def test_cannot_invite_a_member_twice(world, login):
    coordinator = login(world.alpha.users["coordinator"])
    member = world.alpha.users["observer"]
    member.email = "obs@example.org"
    member.save()
    response = _invite(coordinator, "alpha", email="OBS@example.org")
    assert response.status_code == 200 and "already a member" in response.content.decode()
    _invite(coordinator, "alpha", email="twice@example.org")
    response = _invite(coordinator, "alpha", email="twice@example.org")
    assert "pending invitation" in response.content.decode()
    assert Invitation.objects.count() == 1


def test_password_reset_by_email(world, client):
    user = world.alpha.users["facilitator"]
    user.email = "fac@example.org"
    user.save()
    assert client.get(reverse("password_reset")).status_code == 200
    response = client.post(reverse("password_reset"), {"email": "fac@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = LINK.search(mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    set_url = form.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "brand new password 77",
                                 "new_password2": "brand new password 77"})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("brand new password 77")
    # An unknown address says the same and sends nothing.
    client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert len(mail.outbox) == 1


def test_french_pages(world, client):
    client.cookies["django_language"] = "fr"
    text = client.get(reverse("password_reset"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Réinitialiser votre mot de passe" in text
    text = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Mot de passe oublié" in text
