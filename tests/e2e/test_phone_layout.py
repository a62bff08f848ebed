"""Signed-in pages on a phone: the header wraps instead of running off the screen, and
the territory's pages are a menu, grouped by phase, closed on the first screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import axe_violations, shot, sign_in

# The elements that stick out on the right, to say what overflows.
WIDEST = """(width) => {
  const clipped = (e) => { for (let a = e.parentElement; a; a = a.parentElement) {
    if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(a).overflowX)) return true; }
    return false; };
  return [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > width + 1 && !clipped(e))
    .slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right));
}"""

ANCESTORS = """() => { const out = []; for (let a = document.querySelector('main table'); a; a = a.parentElement)
  out.push(a.tagName + '.' + a.className + ' ' + getComputedStyle(a).overflowX + ' ' + a.clientWidth + '/' + a.scrollWidth);
  return out; }"""

PAGES = [
    "/",
    "/t/alpha/",
    "/t/alpha/groups/",
    "/t/alpha/cards/",
    "/t/alpha/statistics/",
    "/t/alpha/surveys/",
    "/t/alpha/actions/",
    "/networks/",
]


# Widths, the menu and axe depend on the templates and the CSS, not on the database: CI
# runs these on SQLite only (tests/conftest.py, --database-tests-only).
@pytest.mark.database_independent
@pytest.mark.parametrize("width", [320, 390])
def test_signed_in_pages_fit_a_phone_and_the_menu_is_closed(browser, live_server,
                                                            transactional_db, world, width):
    context = browser.new_context(base_url=live_server.url, locale="fr-FR",
                                  viewport={"width": width, "height": 844}, is_mobile=True,
                                  has_touch=True)
    context.set_default_timeout(30_000)
    page = context.new_page()
    from .test_crawl_layout import _bad_charts  # (that module imports this one)

    try:
        sign_in(page, world.alpha.users["coordinator"].username, world.password)
        for path in PAGES:
            page.goto(path)
            overflow = page.evaluate("document.documentElement.scrollWidth")
            assert overflow <= width, (f"{path} is {overflow} px wide at {width} px", page.evaluate(
                WIDEST, width), page.evaluate(ANCESTORS))
            # Charts fit their box and draw no text under 12 px, at 320 px too.
            assert not _bad_charts(page), (path, width, _bad_charts(page))
            # Sign-out and the language switch are on the screen, not off to the right.
            for name in ("Sign out", "Se déconnecter"):
                button = page.get_by_role("button", name=name)
                if button.count():
                    box = button.bounding_box()
                    assert box["x"] + box["width"] <= width, (path, box)
        page.goto("/t/alpha/")
        menu = page.locator("details.territory-menu")
        assert menu.get_attribute("open") is None  # closed on a phone
        cards = page.locator(".territory-nav a[href$='/cards/']")
        assert cards.is_hidden()
        menu.locator("summary").click()
        expect(cards).to_be_visible()
        assert cards.inner_text() == "Cartes"
        assert not axe_violations(page), axe_violations(page)
        shot(page, f"phone-{width}-territory-home-menu")
    finally:
        context.close()


@pytest.mark.database_independent
def test_the_territory_menu_is_open_on_a_wide_screen(browser, live_server, transactional_db, world):
    context = browser.new_context(base_url=live_server.url, locale="en-GB",
                                  viewport={"width": 1366, "height": 768})
    context.set_default_timeout(30_000)
    page = context.new_page()
    sign_in(page, world.alpha.users["coordinator"].username, world.password)
    page.goto("/t/alpha/")
    assert page.locator("details.territory-menu").get_attribute("open") is not None
    headings = page.locator(".territory-nav .nav-heading").all_text_contents()
    assert headings[:5] == ["Mobilise", "Define well-being", "Indicators and survey",
                            "Actions and contracts", "Review"], headings
    assert page.get_by_role("link", name="Cards", exact=True).is_visible()
    context.close()
