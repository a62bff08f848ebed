"""Every page on a phone and on a desktop (issue 12, point 5): the pages of the same crawl
as the untranslated-string test (tests/crawl.py, the demo data), as coordinator and as
anonymous visitor, fit 390 px without horizontal scrolling (WCAG 2.2 1.4.10) and have no
serious or critical axe violation at 390 px and at 1366 px; at 390 px every chart shown
fits its box without scrolling and draws no text under 12 px.

The crawl list is built with Django's test client against the same database, then each
page is loaded once in chromium at 390 px (overflow, axe) and widened to 1366 px (axe).
"""

from __future__ import annotations

from collections import Counter

import pytest
from django.test import Client

from cospiral.demo.demo import DEMO_PASSWORD, load_demo
from tests.crawl import Crawl, crawl

from .conftest import axe_violations, shot, sign_in
from .test_phone_layout import WIDEST

TERRITORIES = ("montclair-tilleuls", "montclair")
# Pages per role: every route once (a card among 300 is one page), kept under 3 minutes.
LIMIT = 90
T = "/t/montclair-tilleuls"
# The main pages, photographed at 390 px in French (artifacts/screenshots/fr-390-*.png).
MAIN = {f"{T}/": "territory-home", f"{T}/groups/": "groups", f"{T}/cards/": "cards",
        f"{T}/coding/": "coding", f"{T}/statistics/": "statistics", f"{T}/syntheses/": "syntheses",
        f"{T}/indicators/": "indicators", f"{T}/surveys/": "surveys",
        f"{T}/surveys/1/results/": "survey-results", f"{T}/existing-actions/": "existing-actions",
        f"{T}/actions/": "plan", f"{T}/actions/grid/": "action-grid", f"{T}/contracts/": "contracts",
        f"{T}/review/": "review", "/networks/": "networks", f"{T}/grid/": "grid",
        f"{T}/actions/mine/": "my-commitments"}


# Each chart shown: its width, its box's, whether the box scrolls, and its smallest text
# as drawn (font size × the scale the SVG is drawn at).
CHARTS = """() => [...document.querySelectorAll('figure svg[role=img]')]
  .filter(s => s.getClientRects().length).map(s => {
    const r = s.getBoundingClientRect(), box = s.closest('figure'), view = s.viewBox.baseVal;
    const scale = view && view.width ? r.width / view.width : 1;
    const sizes = [...s.querySelectorAll('text')].filter(t => t.textContent.trim())
      .map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
    return {name: (s.getAttribute('aria-label') || '').slice(0, 60), width: Math.round(r.width),
            box: box.clientWidth, scrolls: box.scrollWidth > box.clientWidth + 1,
            smallest: sizes.length ? Math.min(...sizes) : null};
  })"""


def _bad_charts(page) -> list[dict]:
    """Charts that stick out of their box, scroll in it, or draw text under 12 px."""
    return [c for c in page.evaluate(CHARTS)
            if c["width"] > c["box"] + 1 or c["scrolls"]
            or (c["smallest"] is not None and c["smallest"] < 11.9)]


def _pages(username: str | None) -> list[str]:
    client = Client()
    client.cookies["django_language"] = "fr"
    starts = ["/"] + [f"/t/{slug}/" for slug in TERRITORIES]
    if username:
        assert client.login(username=username, password=DEMO_PASSWORD)
    else:
        members = Client()
        members.cookies["django_language"] = "fr"
        members.login(username="coordination", password=DEMO_PASSWORD)
        # The public links the members' pages show (surveys, results, online entry, votes).
        seen = crawl(members, starts, language="fr", limit=200, seen_routes=Counter())
        starts += [p for p in seen.visited if p.startswith(("/s/", "/p/", "/v/"))]
    result = crawl(client, starts, language="fr", limit=LIMIT, into=Crawl(),
                   seen_routes=Counter())
    return result.pages


# Layout and axe at a width depend on the templates and the CSS, not on the database: CI
# runs this crawl on SQLite only (conftest.py, --database-tests-only).
@pytest.mark.database_independent
@pytest.mark.parametrize("username", ["coordination", None])
def test_every_page_fits_a_phone_and_passes_axe(browser, live_server, transactional_db,
                                                username):
    load_demo()
    pages = _pages(username)
    assert len(pages) >= (60 if username else 3), pages
    context = browser.new_context(base_url=live_server.url, locale="fr-FR",
                                  viewport={"width": 390, "height": 844})
    context.set_default_timeout(30_000)
    page = context.new_page()
    overflowing, violations, charts, bad_charts = [], [], 0, []
    try:
        if username:
            sign_in(page, username, DEMO_PASSWORD)
        for path in pages:
            page.set_viewport_size({"width": 390, "height": 844})
            page.goto(path)
            width = page.evaluate("document.documentElement.scrollWidth")
            if path in MAIN:
                shot(page, f"fr-390-{MAIN[path]}")
            elif path.startswith("/s/results/"):
                shot(page, "fr-390-public-results")
            charts += page.locator("figure svg[role=img]:visible").count()
            bad_charts += [(path, c) for c in _bad_charts(page)]
            if width > 390:
                overflowing.append((path, width, page.evaluate(WIDEST, 390)))
                shot(page, "overflow-" + path.strip("/").replace("/", "-")[:80])
            for found in axe_violations(page):
                violations.append((path, 390, found))
            page.set_viewport_size({"width": 1366, "height": 900})
            for found in axe_violations(page):
                violations.append((path, 1366, found))
    finally:
        context.close()
    assert not overflowing and not violations and not bad_charts, (
        f"{len(overflowing)} pages wider than 390 px: {overflowing}\n"
        f"{len(violations)} axe violations: {violations}\n"
        f"{len(bad_charts)} charts that do not fit a phone or draw text under 12 px: {bad_charts}")
    if username:
        assert charts >= 8, charts  # the check saw the charts (statistics, results, plan…)
