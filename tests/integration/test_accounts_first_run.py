"""First run from the browser: with no account at all, a one-time setup link."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from cospiral.core import firstrun
from cospiral.core.middleware import FirstRunMiddleware
from cospiral.territories.models import Membership, Territory


@pytest.fixture
def fresh(db, monkeypatch, grid_version):
    monkeypatch.setattr(FirstRunMiddleware, "users_exist", False)
    monkeypatch.setattr("cospiral.grid.services.default_version", lambda: grid_version)
    assert not get_user_model().objects.exists()


FORM = {"username": "maire", "email": "maire@example.org", "password1": "une phrase assez longue",
        "password2": "une phrase assez longue", "territory_name": "Mulhouse",
        "territory_slug": "mulhouse", "territory_kind": "city"}


def test_sign_in_page_says_where_the_link_is_and_console_prints_it(fresh, client, capsys):
    page = client.get(reverse("login"))
    assert "setup link printed on the server" in page.content.decode()
    err = capsys.readouterr().err
    assert f"http://testserver/setup/{firstrun.setup_token()}/" in err
    call_command("setup-link")
    assert f"/setup/{firstrun.setup_token()}/" in capsys.readouterr().out


def test_setup_creates_the_administrator_and_territory_once(fresh, client):
    link = reverse("setup", kwargs={"token": firstrun.setup_token()})
    assert client.get(reverse("setup", kwargs={"token": "0" * 40})).status_code == 404
    assert client.get(link).status_code == 200
    bad = client.post(link, {**FORM, "password2": "autre chose"})
    assert bad.status_code == 200 and not get_user_model().objects.exists()
    response = client.post(link, FORM)
    assert response.status_code == 302 and response["Location"] == "/t/mulhouse/"
    user = get_user_model().objects.get()
    assert user.is_superuser and user.is_staff and user.username == "maire"
    territory = Territory.objects.get()
    assert Membership.objects.get(territory=territory).user == user
    assert client.get("/t/mulhouse/").status_code == 200
    # Dead once an account exists, for anyone.
    client.logout()
    assert client.get(link).status_code == 404
    assert client.post(link, {**FORM, "username": "other", "territory_slug": "other"}
                       ).status_code == 404
    assert get_user_model().objects.count() == 1
    assert "setup link" not in client.get(reverse("login")).content.decode()


def test_no_setup_link_when_accounts_exist(world, client, capsys, monkeypatch):
    monkeypatch.setattr(FirstRunMiddleware, "users_exist", False)
    client.get(reverse("login"))
    assert "setup" not in capsys.readouterr().err
    assert client.get(reverse("setup", kwargs={"token": firstrun.setup_token()})).status_code == 404
    call_command("setup-link")
    assert "/setup/" not in capsys.readouterr().out
