"""The printable handout of a paper-only group (issue 15, point 2) on a phone: the
coordinator creates the address from the group's page, the QR code and the address fit
390 px, no serious accessibility violation, and the address opens the words page."""

from __future__ import annotations

from .conftest import axe_violations, sign_in


def test_the_handout_fits_a_phone_and_its_address_opens_the_words(browser, live_server,
                                                                  transactional_db, world):
    context = browser.new_context(base_url=live_server.url, locale="fr-FR",
                                  viewport={"width": 390, "height": 844}, is_mobile=True)
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        sign_in(page, world.alpha.users["coordinator"].username, world.password)
        page.goto(f"/t/alpha/groups/{world.alpha.group.pk}/")
        page.get_by_role("link", name="Document à distribuer avec code QR").click()
        page.get_by_role("button", name="Créer l’adresse").click()
        qr = page.locator(".handout-qr svg")
        qr.wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        box = qr.bounding_box()
        assert box["width"] > 100 and box["x"] + box["width"] <= 390
        assert not axe_violations(page), axe_violations(page)
        address = page.locator(".handout-address a").get_attribute("href")
        assert "/words/" in address
        page.goto(address)
        assert page.locator("h1").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
