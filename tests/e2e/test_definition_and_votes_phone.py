"""The pages of issue 15's points 3 and 4 on a phone, in French: the shared definition
(introduction, material and immaterial counts, contributing groups), a validation that
asks about uncited cards, the rounds combined, an action's votes, the plan's rank column
and the links of a coordination-group round fit 390 px and pass axe."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cospiral.syntheses import services as synthesis_services
from cospiral.territories.models import Cycle
from cospiral.votes import services as vote_services

from ..integration.test_definition_method import _criteria
from ..integration.test_syntheses_crossing import rainbow  # noqa: F401  (fixture)
from ..integration.test_votes import (
    actions,  # noqa: F401  (fixture)
    make_round,
)
from ..integration.test_votes_count import _seats, three_rounds  # noqa: F401  (fixture)
from .conftest import axe_violations, shot, sign_in
from .test_phone_layout import WIDEST


# Prepared through the services and only read in the browser: the width and axe depend
# on the templates and the CSS, so CI runs it on SQLite only (tests/conftest.py); these
# pages are read on PostgreSQL by their integration tests.
@pytest.mark.database_independent
def test_definition_and_vote_pages_fit_a_phone(browser, live_server, transactional_db, world,
                                               rainbow, actions, three_rounds):  # noqa: F811
    a = world.alpha
    coordinator = a.users["coordinator"]
    _criteria(a)
    synthesis_services.save_definition_introduction(
        a.territory, user=coordinator, language="fr",
        introduction="Écrite en 2026 par les groupes des jeunes et des aînés, puis croisée par "
                     "un groupe arc-en-ciel de douze délégués.")
    _seats(a.territory, ["Ana Martin", "Bruno Keller"])
    seats = vote_services.open_round(make_round(world, actions, open=False, electorate="seats"),
                                     user=coordinator)
    a.group.cycle = Cycle.objects.of(a.territory).get(number=2)
    a.group.save()
    pages = [
        reverse("syntheses:definition", args=["alpha"]),
        reverse("syntheses:definition_introduction", args=["alpha"]),
        reverse("syntheses:group", args=["alpha", a.group.pk]),
        reverse("syntheses:group_validate", args=["alpha", a.group.pk]),
        reverse("votes:combined", args=["alpha"]),
        reverse("actions:detail", args=["alpha", actions["bus"].pk]),
        reverse("actions:plan", args=["alpha"]),
        reverse("votes:tokens", args=["alpha", seats.pk]),
        reverse("reports:review", args=["alpha", 2]) + "#votes",
    ]
    context = browser.new_context(base_url=live_server.url, locale="fr-FR",
                                  viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        sign_in(page, coordinator.username, world.password)
        for path in pages:
            page.goto(path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, (path, width, page.evaluate(WIDEST, 390))
            assert not axe_violations(page), (path, axe_violations(page))
        page.goto(pages[0])
        assert page.get_by_role("heading", name="Groupes qui ont contribué").is_visible()
        shot(page, "fr-390-shared-definition")
        page.goto(pages[4])
        assert page.get_by_text("chaque tour compte autant").is_visible()
        shot(page, "fr-390-votes-combined")
    finally:
        context.close()
