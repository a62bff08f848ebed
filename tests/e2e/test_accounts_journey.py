"""Accounts in the browser, under the Content-Security-Policy: first run from the setup
link, two-factor enrolment and sign-in with a code, an invitation accepted, the password
reset pages; axe on each page."""

from __future__ import annotations

import re

from django.core import mail
from django_otp.oath import TOTP
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations, shot

PASSWORD = "une phrase assez longue 2026"


def _no_axe(page) -> None:
    violations = axe_violations(page)
    assert not violations, violations


def _code(user) -> str:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user).latest("id")
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def test_first_run_two_factor_and_invitation(page, live_server, transactional_db, monkeypatch):
    from django.contrib.auth import get_user_model

    from cospiral.core import firstrun
    from cospiral.core.middleware import FirstRunMiddleware

    monkeypatch.setattr(FirstRunMiddleware, "users_exist", False)
    assert not get_user_model().objects.exists()

    # Fresh install: the sign-in page says where the link is; the link sets up.
    page.goto("/accounts/login/")
    assert "setup link" in page.locator("main").inner_text()
    _no_axe(page)
    page.goto(f"/setup/{firstrun.setup_token()}/")
    _no_axe(page)
    page.locator("[name=username]").fill("maire")
    page.locator("[name=email]").fill("maire@example.org")
    page.locator("[name=password1]").fill(PASSWORD)
    page.locator("[name=password2]").fill(PASSWORD)
    page.locator("[name=territory_name]").fill("Mulhouse")
    page.locator("[name=territory_slug]").fill("mulhouse")
    with page.expect_navigation():
        page.get_by_role("button", name="Create the administrator and the territory").click()
    assert page.url.endswith("/t/mulhouse/")
    shot(page, "accounts-first-run-done")
    admin = get_user_model().objects.get(username="maire")
    assert admin.is_superuser

    # Two-factor enrolment from the account page.
    with page.expect_navigation():
        page.get_by_role("link", name="maire").click()
    _no_axe(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Turn two-factor sign-in on").click()
    # expect() waits for the page: a bare is_visible() right after a click raced the load.
    expect(page.locator(".qr-code svg")).to_be_visible()
    _no_axe(page)
    shot(page, "accounts-two-factor-enrol")
    page.locator("[name=code]").fill(_code(admin))
    with page.expect_navigation():
        page.get_by_role("button", name="Turn it on").click()
    assert "Two-factor sign-in is on" in page.locator(".messages").inner_text()

    # An invitation, from the members page.
    page.goto("/t/mulhouse/members/")
    with page.expect_navigation():
        page.get_by_role("link", name="Invite someone by e-mail").click()
    _no_axe(page)
    page.locator("[name=email]").fill("animatrice@example.org")
    page.locator("[name=role]").select_option("facilitator")
    with page.expect_navigation():
        page.get_by_role("button", name="Send the invitation").click()
    assert "animatrice@example.org" in page.locator("table").inner_text()
    link = re.search(r"https?://[^/\s]+(/\S+)", mail.outbox[-1].body).group(1)

    # Sign out; sign in again: the password, then the code.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    page.goto("/accounts/login/")
    page.locator("input[name=username]").fill("maire")
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("input[name=password]").press("Enter")
    assert page.url.endswith("/accounts/login/code/")
    _no_axe(page)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=admin).update(last_t=-1)  # the same 30 s window again
    page.locator("[name=code]").fill(_code(admin))
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.locator("a.brand").is_visible() and "/accounts/login" not in page.url
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()

    # The invited person accepts with a new account.
    page.goto(link)
    _no_axe(page)
    page.locator("[name=username]").fill("animatrice")
    page.locator("[name=password1]").fill(PASSWORD)
    page.locator("[name=password2]").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Create my account and accept").click()
    assert page.url.endswith("/t/mulhouse/")
    assert "Welcome to" in page.locator(".messages").inner_text()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()

    # Password reset pages.
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    _no_axe(page)
    page.locator("input[name=email]").fill("maire@example.org")
    with page.expect_navigation():
        page.get_by_role("button", name="Send the link").click()
    assert "Check your e-mail" in page.locator("h1").inner_text()
    _no_axe(page)
