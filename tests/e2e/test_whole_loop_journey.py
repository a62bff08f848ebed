"""Browser journey of the whole loop (issue 15): from an empty territory, follow the home
page's « What to do next » link through the 24 steps of phases 1 to 8 of a cycle, doing
each step through the pages, and end with the review PDF.

Only the coordinator's account and the empty territory (with its cycles, phases and grid,
from ``territories.services.create_territory``) come from the ORM; every step goes
through the pages' forms, and the survey is answered by an anonymous inhabitant through
the wave's public link in a browser context of their own.

The coding board's suggestion models are not trained in its requests (``no_training``):
suggestions are no step of the method, and training them made the first board 20 s slow.

Labels this journey depends on (besides field ids): the next-step words of
``territories.guide.NEXT_STEPS``; « Cycle 0 · Taster », « Cycle 1 · Preparation » (group
form); « Code the cards », « Rainbow crossing », « Create a mixed (rainbow) group… »,
« Write a sentence for A01 », « Write a shared criterion for A01 » and their « Save … »
buttons; the vote's electorate whose label ends with « (signed in) », « Dot vote », « Open
the round », « Vote », « Close the round »; the contract's « Add a party », « Write the
project · <pseudonym> », « Add a commitment », « Mark as signed »; « Add the target »,
« Save the status »; « Download PDF » and the job's « Download <file> » button; the states
« Done » of the matrix and the count lines of ``territories.guide._COUNTS``."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from .conftest import axe_violations, shot, sign_in

PASSWORD = "correct horse battery staple"
SLUG = "boucle"
NAME = "Quartier de la Boucle"
ORGANISATION = "Centre social La Passerelle"
GROUP = "Parents du quartier"
MIXED = "Groupe arc-en-ciel"
CARDS = [("Manger des fruits frais chaque jour", "A01"),
         ("Un logement sans humidité", "A03"),
         ("Moins de bruit la nuit", "B01")]
INDICATOR_FR, INDICATOR_EN = "Bien se nourrir", "Eating well"
LEVELS = [("Souvent faim", "Often hungry"),
          ("Assez à manger, mais peu varié", "Enough to eat, but little variety"),
          ("Varié, mais pas toujours frais", "Varied, but not always fresh"),
          ("Frais et varié la plupart du temps", "Fresh and varied most of the time"),
          ("Frais, varié et choisi, tous les jours", "Fresh, varied and chosen, every day")]
ACTION = "Jardin partagé et paniers de légumes"
OTHER_ACTION = "Cours de cuisine au centre social"
CONTRACT = "Contrat des jardiniers"
CYCLE = 1


@pytest.fixture
def empty_territory(transactional_db, grid_version):
    from cospiral.territories.services import create_territory

    user = get_user_model().objects.create_user("claire", password=PASSWORD)
    territory = create_territory(slug=SLUG, name=NAME, user=user, grid_version=grid_version)
    return territory


@pytest.fixture
def no_training(settings):
    """The coding board's suggestions are not part of this journey: their models are not
    trained inside its requests (trained « immediate », the first board took 20 s on a
    busy machine and held SQLite's lock); the board works without them."""
    settings.COSPIRAL_SUGGEST_BACKGROUND = "deferred"


@pytest.fixture
def patient_expect():
    """On a busy machine a save can take seconds (the coding board's first suggestions):
    assertions wait as long as navigations do."""
    expect.set_options(timeout=30_000)
    yield
    expect.set_options(timeout=5_000)


def _context(browser, live_server, **options):
    context = browser.new_context(base_url=live_server.url, locale="en-GB",
                                  viewport={"width": 1280, "height": 900}, **options)
    context.set_default_timeout(30_000)
    return context


def _submit(page, button) -> None:
    with page.expect_navigation():
        button.click()


def _message(page) -> str:
    return page.locator(".messages").inner_text()


def _cell(page, phase: int):
    """The current cycle's cell of ``phase`` in the home's matrix."""
    return page.locator("table.matrix tbody tr").nth(phase - 1).locator("td.matrix-current")


def _follow(page, key: str, phase: int) -> None:
    """On the home, the next step is ``key`` (its words, in ``phase``): follow its link."""
    from cospiral.territories.guide import NEXT_STEPS

    page.goto(f"/t/{SLUG}/")
    link = page.locator("p.next-step a")
    expect(link).to_have_text(str(NEXT_STEPS[key][0]))
    strong = page.locator("p.next-step strong").inner_text()
    assert strong.startswith(f"Phase {phase} "), (key, strong)
    # The cell of the phase offers the same step.
    expect(_cell(page, phase).locator("small.next-step a")).to_have_text(str(NEXT_STEPS[key][0]))
    _submit(page, link)


def _done(page, key: str, phase: int, line: str | None = None) -> None:
    """Back on the home: ``key`` is no longer the next step; the phase's cell shows
    ``line`` among what it has produced."""
    from cospiral.territories.guide import NEXT_STEPS

    page.goto(f"/t/{SLUG}/")
    words = str(NEXT_STEPS[key][0])
    next_link = page.locator("p.next-step a")
    if next_link.count():
        assert next_link.inner_text() != words, key
    cell = _cell(page, phase)
    expect(cell.locator("small.next-step a", has_text=words)).to_have_count(0)
    if line:
        expect(cell.locator("ul.produced")).to_contain_text(line)


def _answer_public(browser, live_server, public_url: str, level: str) -> None:
    """An anonymous inhabitant answers the wave through its public link."""
    context = _context(browser, live_server)
    phone = context.new_page()
    phone.goto(public_url)
    _submit(phone, phone.locator("button.survey-start"))
    phone.locator(f"label[for=level-{level}]").click()
    _submit(phone, phone.locator("button[name=go][value=next]"))
    if phone.url.endswith("/about-you/"):
        _submit(phone, phone.locator("button[name=go][value=next]"))
    assert phone.url.endswith("/review/"), phone.url
    _submit(phone, phone.locator("button[name=send]"))
    assert phone.url.endswith("/thanks/"), phone.url
    context.close()


def _wave(page, browser, live_server, title: str, kind: str, levels: list[str]) -> None:
    """Create a wave of ``kind`` on the page the next step opened, give it the indicator,
    open it and its public link, and have ``levels`` answered through it."""
    page.locator("#id_title").fill(title)
    page.locator(f"input[name=kind][value={kind}]").check()
    page.get_by_label("Suppression threshold").fill("1")
    _submit(page, page.get_by_role("button", name="Save the wave"))
    assert "Survey wave saved." in _message(page)
    box = page.locator("table.wave-indicators tbody tr").first.locator("input[type=checkbox]")
    if not box.is_checked():
        box.check()
    _submit(page, page.get_by_role("button", name="Save the indicators of the wave"))
    assert "The wave has 1 indicator." in _message(page)
    _submit(page, page.get_by_role("button", name="Open now"))
    _submit(page, page.get_by_role("button", name="Open the public link"))
    public_url = page.locator("#public-url").input_value()
    for level in levels:
        _answer_public(browser, live_server, public_url, level)


def _open_action(page) -> None:
    """From a page of the actions, open the action through the plan."""
    nav = page.locator("nav.stats-nav")
    if nav.count():
        _submit(page, nav.get_by_role("link", name="Plan", exact=True))
    _submit(page, page.locator("main").get_by_role("link", name=ACTION, exact=True))


def test_whole_loop_journey(browser, live_server, empty_territory, patient_expect,
                            no_training):
    today = timezone.localdate()
    page = _context(browser, live_server, accept_downloads=True).new_page()
    page.set_default_timeout(30_000)
    sign_in(page, "claire", PASSWORD)
    page.goto(f"/t/{SLUG}/")
    expect(page.locator("h1")).to_contain_text(NAME)
    assert not axe_violations(page), axe_violations(page)
    shot(page, "whole-loop-empty-home")

    # --- Phase 1: mobilise --------------------------------------------------------------
    _follow(page, "coordination", 1)
    page.locator("#id_org-name").fill(ORGANISATION)
    page.locator("#id_org-kind").select_option("association")
    _submit(page, page.get_by_role("button", name="Add the organisation"))
    page.locator("#id_seat-person").fill("Adjointe au maire")
    page.locator("#id_seat-organisation").select_option(label=ORGANISATION)
    _submit(page, page.get_by_role("button", name="Add the seat"))
    expect(page.locator("table").first.locator("tbody")).to_contain_text("Adjointe au maire")
    # A seat is the territory's, not the cycle's: the cell shows it once the cycle has
    # something of its own.
    _done(page, "coordination", 1)

    _follow(page, "create_group", 1)
    page.locator("#id_name").fill(GROUP)
    page.locator("#id_profile").fill("parents d'élèves")
    # The form preselects the home's current cycle (the first, in an empty territory);
    # the coordinator starts with the preparation cycle instead.
    expect(page.locator("#id_cycle option:checked")).to_have_text("Cycle 0 · Taster")
    page.locator("#id_cycle").select_option(label="Cycle 1 · Preparation")
    _submit(page, page.locator("main form button[type=submit]").last)
    assert f"Group “{GROUP}” created." in _message(page)
    _done(page, "create_group", 1, "1 group")
    expect(_cell(page, 1).locator("ul.produced")).to_contain_text("coordination group: 1 seat")

    _follow(page, "add_session", 1)
    _submit(page, page.locator("main").get_by_role("link", name=GROUP, exact=True))
    _submit(page, page.get_by_role("link", name="Add a session"))
    page.locator("#id_date").fill((today - dt.timedelta(days=60)).isoformat())
    page.locator("#id_place").fill("École Jean-Macé")
    page.locator("#id_attendee_count").fill("8")
    _submit(page, page.locator("main form button[type=submit]").last)
    _done(page, "add_session", 1, "1 session")
    expect(_cell(page, 1).locator("a span").first).to_have_text("Done")

    # --- Phase 2: co-define ---------------------------------------------------------------
    _follow(page, "enter_cards", 2)
    page.locator("#id_group").select_option(label=GROUP)
    page.locator("#id_session").select_option(index=1)
    page.locator("#id_question").select_option(index=1)
    _submit(page, page.get_by_role("button", name="Start entering"))
    box = page.locator("#id_text")
    for text, _code in CARDS:
        box.fill(text)
        box.press("Enter")
    expect(page.locator("#bulk-list li")).to_have_count(len(CARDS))
    _done(page, "enter_cards", 2, "3 cards counted")

    _follow(page, "code_cards", 2)
    _submit(page, page.locator("main").get_by_role("link", name=GROUP, exact=True))
    _submit(page, page.get_by_role("link", name="Code the cards"))
    for i, (text, code) in enumerate(CARDS, start=1):
        field = page.locator("li", has_text=text).locator("input[id^=code-]").first
        field.fill(code)
        field.press("Enter")
        expect(page.locator("#coding-progress-text")).to_have_text(f"{i} / {len(CARDS)} coded")
    _done(page, "code_cards", 2, "3 coded")

    _follow(page, "write_synthesis", 2)
    _submit(page, page.locator("main table tr", has_text=GROUP).get_by_role("link").first)
    _submit(page, page.get_by_role("link", name="Write a sentence for A01"))
    page.locator("textarea[name=text]").fill("Les familles veulent manger frais tous les jours.")
    page.locator("input[name=cards]").first.check()
    _submit(page, page.get_by_role("button", name="Save the sentence"))
    expect(page.locator("main")).to_contain_text("Les familles veulent manger frais")
    _done(page, "write_synthesis", 2, "1 group synthesis")

    # The shared definition is written by a mixed group crossing the groups' cards: the
    # page of the next step leads to the form of that group.
    _follow(page, "shared_definition", 2)
    _submit(page, page.get_by_role("link", name=re.compile("^Create a mixed \\(rainbow\\) group")))
    page.locator("#id_name").fill(MIXED)
    page.locator("#id_kind").select_option("mixed")
    expect(page.locator("#id_cycle option:checked")).to_have_text("Cycle 1 · Preparation")
    page.get_by_label(GROUP, exact=True).check()
    _submit(page, page.locator("main form button[type=submit]").last)
    assert f"Group “{MIXED}” created." in _message(page)
    _submit(page, page.get_by_role("link", name="Rainbow crossing"))
    _submit(page, page.get_by_role("link", name="Write a shared criterion for A01"))
    page.locator("#id_text").fill("Pouvoir se nourrir sainement, selon ses goûts.")
    page.get_by_label(re.compile(re.escape(CARDS[0][0]))).check()
    _submit(page, page.get_by_role("button", name="Save the shared criterion"))
    assert "Shared criterion saved." in _message(page)
    _done(page, "shared_definition", 2, "1 shared criterion")
    expect(_cell(page, 2).locator("a span").first).to_have_text("Done")
    shot(page, "whole-loop-home-phase-2")

    # --- Phase 3: evaluate ex ante ----------------------------------------------------------
    _follow(page, "create_indicators", 3)
    _submit(page, page.get_by_role("link", name="New indicator").first)
    page.get_by_label("Component of the grid").select_option(
        label=page.locator("#id_component option", has_text="A01 ·").inner_text())
    page.get_by_label("Title in French").fill(INDICATOR_FR)
    page.get_by_label("Title in English").fill(INDICATOR_EN)
    _submit(page, page.get_by_role("button", name="Create the indicator"))
    assert "Indicator A01-1 created." in _message(page)
    page.get_by_label("Or write a criterion").fill("Manger des fruits et légumes frais")
    page.get_by_label("Category of the criteria added").select_option("quality")
    _submit(page, page.get_by_role("button", name="Add the criteria"))
    for n, (fr, en) in enumerate(LEVELS, start=1):
        page.locator(f"#id_level_{n}_fr").fill(fr)
        page.locator(f"#id_level_{n}_en").fill(en)
    _submit(page, page.get_by_role("button", name="Save the level descriptors"))
    expect(page.locator("#ready-title")).to_have_text("Ready for a survey")
    _done(page, "create_indicators", 3)  # the territory's, shown once the phase has more

    _follow(page, "create_ex_ante_wave", 3)
    _wave(page, browser, live_server, "Enquête habitants avant", "ex_ante", ["2", "3"])
    _done(page, "create_ex_ante_wave", 3, "1 ex-ante survey wave")
    expect(_cell(page, 3).locator("ul.produced")).to_contain_text("1 indicator in the territory")
    _done(page, "collect_ex_ante", 3, "2 questionnaires answered")

    _follow(page, "evaluate_existing", 3)
    _submit(page, page.get_by_role("link", name="Add an existing action"))
    page.get_by_label("Name of the action or programme").fill("Épicerie solidaire")
    page.locator("#id_coverage_score").select_option("2")
    _submit(page, page.get_by_role("button", name="Save the existing action"))
    _done(page, "evaluate_existing", 3, "1 existing action evaluated")
    expect(_cell(page, 3).locator("a span").first).to_have_text("Done")

    # --- Phase 4: project -------------------------------------------------------------------
    _follow(page, "create_axes", 4)
    page.locator("#id_code").fill("1")
    page.locator("#id_title").fill("Bien manger dans le quartier")
    _submit(page, page.get_by_role("button", name="Add the axis"))
    _done(page, "create_axes", 4, "1 strategic axis")

    # Two candidates: a vote prioritises at least two actions.
    _follow(page, "propose_actions", 4)
    for title in (ACTION, OTHER_ACTION):
        if title == OTHER_ACTION:
            page.goto(f"/t/{SLUG}/actions/new/")  # the page the step opened, once more
        page.locator("#id_title").fill(title)
        page.locator("#id_axis").select_option(index=1)
        _submit(page, page.get_by_role("button", name="Save the action"))
        assert "Action saved." in _message(page)
    _done(page, "propose_actions", 4, "2 actions")

    _follow(page, "set_targets", 4)
    _open_action(page)
    action_url = page.url
    action_id = int(re.search(r"/actions/(\d+)/$", action_url).group(1))
    targets = page.locator("#targets")
    targets.locator("summary", has_text="Add a target").click()
    form = targets.locator("form")
    form.locator("select[name=indicator]").select_option(index=1)
    form.locator("input[name=target_value]").fill("60")
    _submit(page, form.get_by_role("button", name="Add the target"))
    expect(page.locator("#targets table tbody")).to_contain_text("60")
    _done(page, "set_targets", 4, "1 progress target")
    expect(_cell(page, 4).locator("a span").first).to_have_text("Done")

    # --- Phase 5: decide ----------------------------------------------------------------------
    _follow(page, "vote", 5)
    page.locator("#id_title").fill("Priorités du quartier")
    page.get_by_label("Dot vote").check()
    page.get_by_label("Dots per voter").fill("3")
    page.get_by_label(re.compile(r"\(signed in\)$")).check()
    page.get_by_label(ACTION, exact=True).check()
    page.get_by_label(OTHER_ACTION, exact=True).check()
    _submit(page, page.get_by_role("button", name="Save the round"))
    assert "Round saved." in _message(page)
    round_url = page.url
    _submit(page, page.get_by_role("link", name="Open the round"))
    _submit(page, page.locator("main form").get_by_role("button", name="Open the round"))
    _submit(page, page.get_by_role("button", name="Vote"))
    dots = page.locator("input[name^=c-]")
    expect(dots).to_have_count(2)
    for i in range(2):
        field = dots.nth(i)
        field.fill("2" if field.get_attribute("name") == f"c-{action_id}" else "1")
    expect(page.locator("#dots-left")).to_have_text("0")
    _submit(page, page.locator("button[name=send]"))
    assert "your ballot is recorded" in _message(page)
    page.goto(round_url)
    _submit(page, page.get_by_role("link", name="Close the round"))
    _submit(page, page.locator("main form").get_by_role("button", name="Close the round"))
    _done(page, "vote", 5, "1 vote round")

    _follow(page, "commit", 5)
    _open_action(page)
    section = page.locator("#commitments")
    section.locator("summary", has_text="Add a commitment").click()
    form = section.locator("form")
    form.locator("#id_party_kind").select_option("organisation")
    form.locator("#id_organisation").select_option(label=ORGANISATION)
    form.locator("#id_what").fill("Animer le jardin deux après-midi par semaine")
    form.locator("#id_resource").select_option("time")
    form.locator("#id_amount").fill("96")
    form.locator("#id_unit").fill("hours")
    _submit(page, form.get_by_role("button", name="Add the commitment"))
    assert "Commitment added." in _message(page)
    _done(page, "commit", 5, "1 commitment")

    _follow(page, "draft_contract", 5)
    page.get_by_label("Title").fill(CONTRACT)
    page.get_by_label("Purpose").fill("Apprendre à jardiner et à cuisiner ensemble.")
    page.get_by_label("Action of the plan").select_option(label=ACTION)
    page.get_by_label("Starts").fill((today - dt.timedelta(days=30)).isoformat())
    page.get_by_label("Ends").fill((today + dt.timedelta(days=240)).isoformat())
    _submit(page, page.get_by_role("button", name="Save"))
    assert "Contract created as a draft." in _message(page)
    contract_url = page.url
    _done(page, "draft_contract", 5, "1 contract")
    expect(_cell(page, 5).locator("a span").first).to_have_text("Done")

    # --- Phase 6: realise ---------------------------------------------------------------------
    _follow(page, "carry_out", 6)
    _open_action(page)
    page.locator("form", has=page.locator("#status-title")).locator("select[name=status]") \
        .select_option("running")
    _submit(page, page.get_by_role("button", name="Save the status"))
    _done(page, "carry_out", 6, "1 action running or done")

    _follow(page, "sign_contract", 6)
    _submit(page, page.locator("main").get_by_role("link", name=CONTRACT).first)
    assert page.url == contract_url
    signed_on = (today - dt.timedelta(days=25)).isoformat()
    for kind, pseudonym in (("beneficiary", "Capucine"), ("provider", None)):
        page.goto(contract_url)
        _submit(page, page.get_by_role("link", name="Add a party"))
        page.get_by_label("Kind of party").select_option(kind)
        if pseudonym:
            page.get_by_label("Pseudonym").fill(pseudonym)
        else:
            page.get_by_label("Organisation").select_option(label=ORGANISATION)
        page.get_by_label("Signed on").fill(signed_on)
        _submit(page, page.get_by_role("button", name="Save"))
        assert "Party saved." in _message(page)
    # A contract is signed with the beneficiary's project and a commitment of each party.
    _submit(page, page.get_by_role("link", name="Write the project · Capucine"))
    page.get_by_label("Goals").fill("Cultiver ses légumes et cuisiner pour sa famille.")
    page.get_by_label("Steps").fill("Ateliers collectifs, puis un suivi individuel.")
    _submit(page, page.get_by_role("button", name="Save"))
    assert "Individual project saved." in _message(page)
    for party, what in (("Capucine", "Venir aux ateliers du jardin"),
                        (ORGANISATION, "Animer quatre ateliers jardin et cuisine")):
        page.goto(contract_url)
        _submit(page, page.get_by_role("link", name="Add a commitment"))
        page.get_by_label("Party committing").select_option(
            label=page.locator("#id_party option", has_text=party).inner_text())
        page.get_by_label("What the party commits to").fill(what)
        _submit(page, page.get_by_role("button", name="Save"))
        assert "Commitment saved." in _message(page)
    _submit(page, page.get_by_role("button", name="Mark as signed"))
    assert "The contract is now signed." in _message(page)
    _done(page, "sign_contract", 6, "1 contract signed")
    expect(_cell(page, 6).locator("a span").first).to_have_text("Done")

    # --- Phase 7: evaluate ex post --------------------------------------------------------
    _follow(page, "create_ex_post_wave", 7)
    _wave(page, browser, live_server, "Enquête habitants après", "ex_post", ["4"])
    _done(page, "create_ex_post_wave", 7, "1 ex-post survey wave")
    _done(page, "collect_ex_post", 7, "1 questionnaire answered")

    _follow(page, "record_outcomes", 7)
    _submit(page, page.locator("main table tbody tr", has_text=ORGANISATION)
            .get_by_role("link", name=re.compile("^Outcome")))
    # An outcome is recorded once the commitment is accepted.
    page.locator("#id_accepted_on").fill((today - dt.timedelta(days=50)).isoformat())
    page.get_by_label("Outcome", exact=True).select_option("kept")
    page.get_by_label("Evidence of the outcome").fill("Planning des permanences")
    _submit(page, page.get_by_role("button", name="Save the outcome"))
    assert "Outcome saved." in _message(page)
    _done(page, "record_outcomes", 7, "1 commitment outcome recorded")
    expect(_cell(page, 7).locator("a span").first).to_have_text("Done")

    # --- Phase 8: review ------------------------------------------------------------------------
    _follow(page, "write_review", 8)
    page.get_by_label("Lessons learnt").fill("Les habitants se sont approprié le jardin.")
    page.get_by_label("What comes next").fill("Un second jardin au nord du quartier.")
    _submit(page, page.get_by_role("button", name="Save"))
    _done(page, "write_review", 8, "1 review written")

    _follow(page, "review_pdf", 8)
    assert page.url.endswith(f"/t/{SLUG}/review/{CYCLE}/"), page.url
    page.get_by_role("link", name="Download PDF").click()
    filename = f"cospiral-review-{SLUG}-cycle-{CYCLE}.pdf"
    result = page.get_by_role("button", name=f"Download {filename}")
    result.wait_for(timeout=120_000)
    with page.expect_download() as info:
        result.click()
    content = open(info.value.path(), "rb").read()
    assert content.startswith(b"%PDF")
    import pypdf

    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(content)).pages)
                    .split())
    assert NAME in text
    assert INDICATOR_EN in text or INDICATOR_FR in text

    # Every phase of the cycle is done; the home has no next step left.
    page.goto(f"/t/{SLUG}/")
    for phase in range(1, 9):
        expect(_cell(page, phase).locator("a span").first).to_have_text("Done")
    expect(page.locator("p.next-step")).to_have_count(0)
    expect(_cell(page, 8).locator("ul.produced")).to_contain_text("1 review PDF produced")
    assert not axe_violations(page), axe_violations(page)
    shot(page, "whole-loop-home-done")
    page.context.close()
