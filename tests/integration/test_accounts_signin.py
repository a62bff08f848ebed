"""Sign-in that resists attack: lock-out after repeated failures (django-axes), and the
optional second factor (TOTP) for those who enrol."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


@pytest.fixture
def axes_on(settings):
    from axes.handlers.proxy import AxesProxyHandler

    settings.AXES_ENABLED = True
    AxesProxyHandler.implementation = None  # rebuilt from the settings above
    yield
    AxesProxyHandler.implementation = None


def _sign_in(client, username, password, addr="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password},
                       REMOTE_ADDR=addr)


def test_thirty_wrong_passwords_lock_the_account_and_an_admin_unlocks(world, client, axes_on):
    user = world.alpha.users["coordinator"]
    statuses = [_sign_in(client, user.username, f"wrong {i}").status_code for i in range(30)]
    assert statuses[:9] == [200] * 9  # the form again, with its error
    assert set(statuses[10:]) == {429}
    locked = _sign_in(client, user.username, world.password)
    assert locked.status_code == 429
    assert "Sign-in locked" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # Per account: another address does not help…
    assert _sign_in(client, user.username, world.password, addr="10.9.9.9").status_code == 429
    # …and per address: this address cannot try another account either.
    other = world.alpha.users["observer"]
    assert _sign_in(client, other.username, world.password).status_code == 429
    # A site administrator unlocks (the same as the admin's "Access attempts" page).
    call_command("axes_reset_username", user.username)
    call_command("axes_reset_ip", "10.0.0.1")
    ok = _sign_in(client, user.username, world.password)
    assert ok.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)


def test_lockout_message_in_french(world, client, axes_on):
    for i in range(10):
        _sign_in(client, "alpha-partner", f"faux {i}")
    text = client.post(reverse("login"), {"username": "alpha-partner", "password": "x"},
                       REMOTE_ADDR="10.0.0.1", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Connexion bloquée" in text


def test_a_good_sign_in_resets_the_count(world, client, axes_on):
    user = world.alpha.users["facilitator"]
    for i in range(9):
        _sign_in(client, user.username, f"wrong {i}")
    assert _sign_in(client, user.username, world.password).status_code == 302
    client.logout()
    for i in range(9):
        assert _sign_in(client, user.username, f"again {i}").status_code == 200


def _code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def test_two_factor_enrolment_then_sign_in_asks_for_the_code(world, client, axes_on):
    user = world.alpha.users["coordinator"]
    assert _sign_in(client, user.username, world.password).status_code == 302
    page = client.get(reverse("accounts:two_factor"))
    assert page.status_code == 200 and "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    wrong = client.post(reverse("accounts:two_factor"), {"code": "000000"})
    assert wrong.status_code == 200 and "not right" in wrong.content.decode(), wrong.content.decode()[-3000:]
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    done = client.post(reverse("accounts:two_factor"), {"code": _code(device)})
    assert done.status_code == 302
    assert TOTPDevice.objects.get(user=user).confirmed
    client.logout()

    step1 = _sign_in(client, user.username, world.password)
    assert step1.status_code == 302 and step1["Location"] == reverse("accounts:login_code")
    assert "_auth_user_id" not in client.session  # the password alone does not sign in
    assert client.get("/t/alpha/").status_code == 302
    bad = client.post(reverse("accounts:login_code"), {"code": "123456"})
    assert bad.status_code == 200 and "_auth_user_id" not in client.session
    device = TOTPDevice.objects.get(user=user)
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.last_t = -1
    device.save()
    ok = client.post(reverse("accounts:login_code"), {"code": _code(device)})
    assert ok.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)
    assert client.get("/t/alpha/").status_code == 200


def test_the_code_page_without_a_password_first_sends_to_sign_in(world, client):
    response = client.get(reverse("accounts:login_code"))
    assert response.status_code == 302 and response["Location"] == reverse("login")


def test_admin_sign_in_goes_through_the_same_page(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_behind_a_trusted_proxy_each_client_has_its_own_address_lock(world, client, axes_on,
                                                                     settings):
    settings.COSPIRAL_TRUSTED_PROXIES = ("127.0.0.1",)

    def through_proxy(username, password, client_address):
        return client.post(reverse("login"), {"username": username, "password": password},
                           REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=client_address)

    for i in range(10):  # one client tries ten accounts: its address is locked
        through_proxy(f"nobody-{i}", "wrong", "203.0.113.7")
    partner = world.alpha.users["partner"]
    assert through_proxy(partner.username, world.password, "203.0.113.7").status_code == 429
    # Another client behind the same proxy signs in.
    ok = through_proxy(partner.username, world.password, "198.51.100.4")
    assert ok.status_code == 302 and client.session["_auth_user_id"] == str(partner.pk)
