"""Browser journey of a survey (issue 4): build indicators, open a wave, answer it on a
phone-sized screen by the public link, type in two paper questionnaires, read the results.

Only the territory and its users come from the ORM (the ``world`` fixture); every step
of the journey goes through the pages. Answers given, per indicator (I1, I2, I3):

* web (phone):  4, don't know, 2 — with age band and neighbourhood, consent given;
* paper no. 1:  5, 2, not applicable — with age band and neighbourhood, consent ticked;
* paper no. 2:  4, don't know, 1 — no profile.

A threshold of 1 (set on the wave's form) shows every figure of these three answers.

So I1 has 3 valid answers (4, 5, 4), I2 one (2) and two "don't know", I3 two (2, 1) and
one "not applicable"."""

from __future__ import annotations

import re

import pytest

from .conftest import axe_violations, shot, sign_in

#: (component label in the select, code, French title, English title, five levels fr/en)
INDICATORS = [
    ("A03", "A03-1", "Avoir un logement digne", "Having decent housing", [
        ("Pas de logement, ou un logement insalubre", "No housing, or unfit housing"),
        ("Un logement, mais surpeuplé ou humide", "Housing, but overcrowded or damp"),
        ("Un logement correct avec des soucis (coût, bruit)", "Decent housing with problems (cost, noise)"),
        ("Un bon logement, mais précaire", "Good housing, but precarious"),
        ("Un bon logement, abordable et sûr pour longtemps", "Good, affordable housing, secure for the long term"),
    ]),
    ("A01", "A01-1", "Bien se nourrir", "Eating well", [
        ("Souvent faim", "Often hungry"),
        ("Assez à manger, mais peu varié", "Enough to eat, but little variety"),
        ("Varié, mais pas toujours frais", "Varied, but not always fresh"),
        ("Frais et varié la plupart du temps", "Fresh and varied most of the time"),
        ("Frais, varié et choisi, tous les jours", "Fresh, varied and chosen, every day"),
    ]),
    ("B01", "B01-1", "Vivre sans bruit", "Living without noise", [
        ("Bruit jour et nuit, impossible de dormir", "Noise day and night, sleep impossible"),
        ("Bruit fréquent la nuit", "Frequent noise at night"),
        ("Bruit de temps en temps", "Noise now and then"),
        ("Calme, sauf rares exceptions", "Quiet, with rare exceptions"),
        ("Calme, et l'on sait à qui s'adresser", "Quiet, and one knows whom to tell"),
    ]),
]
WAVE_TITLE = "Enquête habitants — journey"
CONSENT = "Ces questions sont facultatives ; elles ne servent qu'à des statistiques anonymes."
WEB = ["4", "dk", "2"]
PAPER = [("52n", "4", "S"), ("4d1", None, None)]
# Expected figures per indicator: valid answers, don't know, not applicable, shares of 1..5.
EXPECTED = {
    "A03-1": ("3", "0", "0", ["0%", "0%", "0%", "67%", "33%"]),
    "A01-1": ("1", "2", "0", ["0%", "100%", "0%", "0%", "0%"]),
    "B01-1": ("2", "0", "1", ["50%", "50%", "0%", "0%", "0%"]),
}


@pytest.fixture
def journey_world(transactional_db, world):
    return world


def _context(browser, live_server, **options):
    context = browser.new_context(base_url=live_server.url, locale="en-GB",
                                  viewport={"width": 1280, "height": 900}, **options)
    context.set_default_timeout(15_000)
    return context


def _submit(page, button) -> None:
    with page.expect_navigation():
        button.click()


def _build_indicator(page, slug, component, code, title_fr, title_en, levels, index) -> None:
    """Create an indicator on a component, add two criteria (one left unsorted, then
    sorted), write the five levels in French and English, see it ready."""
    page.goto(f"/t/{slug}/indicators/")
    _submit(page, page.get_by_role("link", name="New indicator").first)
    page.get_by_label("Component of the grid").select_option(
        label=page.locator("#id_component option", has_text=f"{component} ·").inner_text())
    page.get_by_label("Title in French").fill(title_fr)
    page.get_by_label("Title in English").fill(title_en)
    _submit(page, page.get_by_role("button", name="Create the indicator"))
    assert f"Indicator {code} created." in page.locator(".messages").inner_text()
    assert page.locator("h1").inner_text() == f"{code} · {title_en}"
    assert page.locator("#ready-title").inner_text() == "Not ready for a survey yet"

    # Step one: a criterion written and not sorted yet, then one written with its category.
    page.get_by_label("Or write a criterion").fill("Pouvoir payer son loyer sans se priver")
    _submit(page, page.get_by_role("button", name="Add the criteria"))
    page.get_by_label("Or write a criterion").fill("Un logement où l'on se sent en sécurité")
    page.get_by_label("Category of the criteria added").select_option("quality")
    _submit(page, page.get_by_role("button", name="Add the criteria"))
    assert "Add at least one criterion" not in page.locator(".readiness-checklist").inner_text()
    unsorted = page.get_by_label(re.compile("Category of “Pouvoir payer"))
    assert unsorted.input_value() == ""
    unsorted.select_option("obtaining")
    _submit(page, page.get_by_role("button", name="Save the categories"))
    assert "Criteria sorted (1 changed)." in page.locator(".messages").inner_text()
    assert page.get_by_label(re.compile("Category of “Pouvoir payer")).input_value() == "obtaining"

    # Step two: five levels, each in French and English.
    for n, (fr, en) in enumerate(levels, start=1):
        page.locator(f"#id_level_{n}_fr").fill(fr)
        page.locator(f"#id_level_{n}_en").fill(en)
    _submit(page, page.get_by_role("button", name="Save the level descriptors"))
    assert "Level descriptors saved." in page.locator(".messages").inner_text()
    assert page.locator("#ready-title").inner_text() == "Ready for a survey"
    assert page.locator(".indicator-levels li").nth(4).inner_text().startswith("Ideal:")
    assert levels[4][1] in page.locator(".indicator-levels").inner_text()
    if index == 0:
        assert not axe_violations(page), axe_violations(page)
        shot(page, "survey-journey-indicator-ready")


def _cells(row) -> list[str]:
    return [c.strip() for c in row.locator("td").all_inner_texts()]


def test_survey_journey(browser, live_server, journey_world):
    world = journey_world
    slug = world.alpha.territory.slug
    facilitator = _context(browser, live_server).new_page()
    sign_in(facilitator, world.alpha.users["facilitator"].username, world.password)

    # 1. The facilitator builds three indicators of progress.
    for index, (component, code, fr, en, levels) in enumerate(INDICATORS):
        _build_indicator(facilitator, slug, component, code, fr, en, levels, index)
    facilitator.goto(f"/t/{slug}/indicators/")
    for _component, code, *_rest in INDICATORS:
        assert code in facilitator.locator("main").inner_text()

    # 2. The coordinator creates the wave, with profile questions and a consent text.
    coordinator_context = _context(browser, live_server)
    coordinator = coordinator_context.new_page()
    sign_in(coordinator, world.alpha.users["coordinator"].username, world.password)
    coordinator.goto(f"/t/{slug}/surveys/")
    _submit(coordinator, coordinator.get_by_role("button", name="New survey wave"))
    coordinator.get_by_label("Title").fill(WAVE_TITLE)
    coordinator.locator("input[name=profile_questions][value=age_band]").check()
    coordinator.locator("input[name=profile_questions][value=neighbourhood]").check()
    coordinator.get_by_label("Neighbourhoods (one per line)").fill("Centre\nNord\nSud")
    coordinator.get_by_label("Consent text").fill(CONSENT)
    # Three respondents: a threshold of 1 shows every figure of this small test wave.
    coordinator.get_by_label("Suppression threshold").fill("1")
    shot(coordinator, "survey-journey-wave-form")
    _submit(coordinator, coordinator.get_by_role("button", name="Save the wave"))
    assert "Survey wave saved." in coordinator.locator(".messages").inner_text()

    # Its indicators: all three, numbered in the order respondents see them.
    assert coordinator.locator("h1").inner_text() == f"Indicators of “{WAVE_TITLE}”"
    for position, (_component, code, *_rest) in enumerate(INDICATORS, start=1):
        row = coordinator.locator("table.wave-indicators tbody tr", has_text=code)
        row.locator("input[type=checkbox]").check()
        row.locator("input[name^=position-]").fill(str(position))
    _submit(coordinator, coordinator.get_by_role("button", name="Save the indicators of the wave"))
    assert "The wave has 3 indicators." in coordinator.locator(".messages").inner_text()
    instrument = coordinator.locator("section[aria-labelledby=instrument-title] tbody tr")
    assert [t.split(" v")[0].strip() for t in instrument.locator("th").all_inner_texts()] == \
        [code for _c, code, *_r in INDICATORS]

    # Open it, open the public link, read the link from the page.
    _submit(coordinator, coordinator.get_by_role("button", name="Open now"))
    assert "The wave is open" in coordinator.locator(".messages").inner_text()
    _submit(coordinator, coordinator.get_by_role("button", name="Open the public link"))
    assert "The public link is open." in coordinator.locator(".messages").inner_text()
    public_url = coordinator.locator("#public-url").input_value()
    assert public_url.startswith(live_server.url + "/s/")
    wave_url = coordinator.url
    assert not axe_violations(coordinator), axe_violations(coordinator)
    shot(coordinator, "survey-journey-wave-open")

    # 3. An inhabitant answers on a phone by the public link: one indicator per screen.
    phone_context = browser.new_context(base_url=live_server.url, locale="fr-FR",
                                        viewport={"width": 390, "height": 844}, is_mobile=True,
                                        has_touch=True, device_scale_factor=2)
    phone_context.set_default_timeout(15_000)
    phone = phone_context.new_page()
    phone.goto(public_url)
    assert phone.locator("h1").inner_text() == WAVE_TITLE
    assert CONSENT in phone.locator("blockquote").inner_text()
    _submit(phone, phone.locator("button.survey-start"))
    for number, answer in enumerate(WEB, start=1):
        assert re.search(rf"/q/{number}/$", phone.url), phone.url
        fr, en = INDICATORS[number - 1][2:4]
        assert phone.locator("legend").first.inner_text() in (fr, en)
        assert phone.locator("progress").get_attribute("value") == str(number)
        assert phone.locator("input[type=radio]").count() == 7  # five levels, don't know, n/a
        phone.locator(f"label[for=level-{answer}]").tap()
        assert phone.locator(f"#level-{answer}").is_checked()
        if number == 1:
            # Every choice is a large target, and nothing overflows the phone's width.
            box = phone.locator("label[for=level-4]").bounding_box()
            assert box["height"] >= 44 and box["width"] >= 300, box
            assert phone.evaluate("document.documentElement.scrollWidth") <= 390
            assert not axe_violations(phone), axe_violations(phone)
            shot(phone, "survey-journey-phone-question")
        if answer == "dk":
            shot(phone, "survey-journey-phone-dont-know")
        if number >= 2:
            # From question 2 on there is a « Précédent » button too: Enter on the chosen
            # level must still mean « Suivant » (the first button of the form).
            phone.locator(f"#level-{answer}").focus()
            with phone.expect_navigation():
                phone.keyboard.press("Enter")
            assert re.search(rf"/q/{number + 1}/$|/about-you/$", phone.url), phone.url
        else:
            _submit(phone, phone.locator("button[name=go][value=next]"))

    # The questions about the respondent, with the consent text.
    assert phone.url.endswith("/about-you/")
    assert CONSENT in phone.locator("#consent-text").inner_text()
    phone.locator("label[for=profile-age_band-2]").tap()      # 30 to 44
    phone.locator("label[for=profile-neighbourhood-0]").tap()  # Centre
    # A profile answer without consent is refused, and nothing about the person is kept.
    _submit(phone, phone.locator("button[name=go][value=next]"))
    assert phone.url.endswith("/about-you/")
    assert phone.locator("#profile-error").count() == 1
    phone.locator("#consent").check()
    shot(phone, "survey-journey-phone-profile")
    _submit(phone, phone.locator("button[name=go][value=next]"))

    # Review: every answer with a link to change it; then send.
    assert phone.url.endswith("/review/")
    review = phone.locator("dl.survey-review dd").all_inner_texts()
    assert len(review) == 5
    assert review[0].startswith("Niveau 4") or review[0].startswith("Level 4"), review
    assert INDICATORS[0][4][3][0] in review[0]
    assert not review[1].startswith(("Niveau", "Level")), review  # don't know
    assert INDICATORS[2][4][1][0] in review[2]
    assert "30" in review[3] and "Centre" in review[4]
    assert phone.locator(".missing").count() == 0
    shot(phone, "survey-journey-phone-review")
    _submit(phone, phone.locator("button[name=send]"))
    assert phone.url.endswith("/thanks/")
    assert WAVE_TITLE in phone.locator("[role=status]").inner_text()
    assert not axe_violations(phone), axe_violations(phone)
    shot(phone, "survey-journey-phone-thanks")
    # Sent once: going back to the review shows "already sent" and changes nothing.
    phone.goto(phone.url.replace("/thanks/", "/review/"))
    assert phone.locator("h1").count() == 1 and phone.locator("button[name=send]").count() == 0
    phone_context.close()

    # 4. The facilitator types in two paper questionnaires, by keyboard only.
    facilitator.goto(wave_url)
    parts = facilitator.locator("section[aria-labelledby=parts-title]")
    _submit(facilitator, parts.get_by_role("link", name="Type in paper questionnaires"))
    assert facilitator.locator("h1").inner_text().startswith("Type in paper questionnaires")
    for number, (typed, age_key, place_key) in enumerate(PAPER, start=1):
        assert facilitator.evaluate("document.activeElement.name") == "number"
        assert facilitator.locator("input[name=number]").input_value() == str(number)
        facilitator.keyboard.press("Tab")
        facilitator.keyboard.type(typed)
        assert facilitator.locator("#answers-status").inner_text().startswith("3 of 3 typed")
        if age_key:
            facilitator.keyboard.press("Tab")
            facilitator.keyboard.type(age_key)     # "45 to 59"
            facilitator.keyboard.press("Tab")
            facilitator.keyboard.type(place_key)   # "Sud"
            facilitator.keyboard.press("Tab")
            facilitator.keyboard.press("Space")    # consent
            assert facilitator.locator("select[name=age_band]").input_value() == "3"
            assert facilitator.locator("select[name=neighbourhood]").input_value() == "2"
        with facilitator.expect_navigation():
            facilitator.keyboard.press("Enter")
        assert f"Questionnaire {number} saved." in facilitator.locator(".messages").inner_text()
    assert facilitator.locator("code.typed").all_inner_texts()[:2] == ["4d1", "52n"]
    shot(facilitator, "survey-journey-paper-entry")

    # The wave's page counts the questionnaires by channel.
    facilitator.goto(wave_url)
    progress = facilitator.locator("section[aria-labelledby=progress-title]")
    assert progress.locator("caption").inner_text().startswith("3 questionnaires sent")
    assert not axe_violations(facilitator), axe_violations(facilitator)

    # The coordinator publishes the results: everyone else reads that snapshot (issue 13).
    coordinator.goto(wave_url)
    _submit(coordinator, coordinator.get_by_role("button", name="Publish the results"))
    assert "Results published." in coordinator.locator(".messages").inner_text()
    facilitator.goto(wave_url)

    # 5. The results: 3 respondents, the levels given, don't know never a level.
    parts = facilitator.locator("section[aria-labelledby=parts-title]")
    _submit(facilitator, parts.get_by_role("link", name="Results", exact=True))
    assert facilitator.locator("h1").inner_text() == f"Results of “{WAVE_TITLE}”"
    headline = facilitator.locator("dl.results-headline")
    assert headline.locator("dd").first.inner_text() == "3"
    # The distribution over the levels: shares of the valid answers, then the counts of
    # valid answers, "don't know" and "not applicable" (never a level).
    table = facilitator.locator("table:has(caption#levels-caption)")
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    assert headers[1:] == ["1 very unsatisfactory", "2 unsatisfactory", "3 average", "4 good",
                           "5 ideal", "Valid answers", "Don't know", "Not applicable"]
    for code, (n, dont_know, not_applicable, shares) in EXPECTED.items():
        row = table.locator("tbody tr", has_text=code)
        assert _cells(row) == [*shares, n, dont_know, not_applicable], (code, _cells(row))
    # Headline figures of the valid answers only. Medians: 4; 2 (the two "don't know"
    # are not levels); 1.5. Shares at levels 4–5: 100%, 0%, 0%.
    headline_table = facilitator.locator("table:has(caption#headline-caption)")
    headers = [h.strip() for h in headline_table.locator("thead th").all_inner_texts()]
    assert headers[1:3] == ["Valid answers", "Median [bootstrap]"], headers
    assert headers[4] == "Levels 4–5 [Wilson]", headers
    figures = {code: _cells(headline_table.locator("tbody tr", has_text=code)) for code in EXPECTED}
    assert [figures[code][0] for code in EXPECTED] == [n for n, *_rest in EXPECTED.values()]
    assert [figures[code][1].split(" [")[0] for code in EXPECTED] == ["4.0", "2.0", "1.5"], figures
    assert [figures[code][3].split(" [")[0] for code in EXPECTED] == ["100%", "0%", "0%"], figures
    # Each chart comes with a one-sentence summary and a table of the same figures.
    charts = facilitator.locator("main figure.stats-chart")
    assert charts.count() == 2
    for section in ("levels-title", "indices-title"):
        part = facilitator.locator(f"section[aria-labelledby={section}]")
        assert part.locator("figure svg:visible").count() == 1  # the wide or the phone drawing
        summary = part.locator("p.stats-summary").inner_text()
        assert len(summary) > 30, summary
        assert part.locator("table caption").count() >= 1
        assert part.locator("table tbody tr").count() >= 3
    levels_summary = facilitator.locator("section[aria-labelledby=levels-title] p.stats-summary").inner_text()
    assert "3 indicators answered by 3 respondents" in levels_summary
    # Indicators by their names, the code after (issue 15).
    assert "(A03-1) the largest share at levels 4–5 (100%)" in levels_summary
    assert not axe_violations(facilitator), axe_violations(facilitator)
    shot(facilitator, "survey-journey-results")
    coordinator_context.close()
    facilitator.context.close()
