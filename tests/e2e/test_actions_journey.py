"""Browser journey of actions, prioritisation and contracts (issue 5): create an action
from a citizen's card, add commitments from two partners, run a dot vote, sign a
contract, record a workshop with attendance, close it with outcomes, produce the review
PDF and check its text.

Only the territory, its users, its organisations and the group's Q3 cards come from the
ORM (the ``world`` fixture); every step of the journey goes through the pages.

Figures the journey produces:

* the action's two commitments: the social centre's kept (recorded by its own partner
  user), the neighbourhood company's partly kept: share kept (1 + 0.5) / 2 = 75 %;
* the dot vote, 5 dots each, coordinator 3 + 2 and facilitator 4 + 1: the garden 7 dots
  (first), the repair café 3; 2 of the 4 members of the coordination group voted (50 %);
* the contract's four commitments: kept, partly kept, not kept, kept: share kept
  (2 + 0.5) / 4 = 62.5 %; its workshop: 2 of 3 beneficiaries present."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from .conftest import axe_violations, shot, sign_in

GARDEN = "Jardin partagé au pied des immeubles"
REPAIR = "Repair café mensuel"
CARD_TEXT = "Cultiver un jardin partagé avec les voisins"
OTHER_CARD = "Organiser un repas de quartier chaque saison"
SOCIAL_CENTRE = "Centre social Les Tilleuls"
REGIE = "Régie de quartier"
CONTRACT = "Contrat des jardiniers"
BENEFICIARIES = ["Capucine", "Lavande", "Sauge"]


@pytest.fixture
def journey_world(transactional_db, world):
    from cospiral.cards.models import Card, Question
    from cospiral.territories.models import Membership, Organisation

    t = world.alpha
    territory = t.territory
    centre = Organisation.objects.create(territory=territory, name=SOCIAL_CENTRE,
                                         kind=Organisation.Kind.ASSOCIATION)
    regie = Organisation.objects.create(territory=territory, name=REGIE,
                                        kind=Organisation.Kind.ASSOCIATION)
    # The partner speaks for the social centre; a second partner for the régie.
    Membership.objects.of(territory).filter(user=t.users["partner"]).update(organisation=centre)
    other = get_user_model().objects.create_user("alpha-partner-regie", password=world.password)
    Membership.objects.create(territory=territory, user=other, role="partner", organisation=regie)
    q3 = Question.objects.of(territory).get(code="Q3")
    cards = [Card.objects.create(territory=territory, group=t.group, session=t.session,
                                 question=q3, text=text, language="fr")
             for text in (CARD_TEXT, OTHER_CARD)]
    from cospiral.coding import counts

    counts.recompute(territory)
    t.organisations = {"centre": centre, "regie": regie}
    t.q3_cards = cards
    return world


def _context(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-GB",
                                  viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.set_default_timeout(15_000)
    return context


def _signed_in(browser, live_server, user, password):
    page = _context(browser, live_server).new_page()
    sign_in(page, user.username, password)
    return page


def _submit(page, button) -> None:
    with page.expect_navigation():
        button.click()


def _message(page) -> str:
    return page.locator(".messages").inner_text()


def _no_axe(page) -> None:
    violations = axe_violations(page)
    assert not violations, violations


def _cells(row) -> list[str]:
    return [" ".join(c.split()) for c in row.locator("th, td").all_inner_texts()]


def _iso(day: dt.date) -> str:
    return day.isoformat()


def _shown(day: dt.date) -> str:
    """A date as an English page shows it (« 2 Mar 2027 »)."""
    return f"{day.day} {day.strftime('%b')} {day.year}"


def test_actions_journey(browser, live_server, journey_world):
    world = journey_world
    t = world.alpha
    slug = t.territory.slug
    today = timezone.localdate()
    card, other_card = t.q3_cards

    # 1. The facilitator creates an action from a Q3 card; the card stays linked.
    facilitator = _signed_in(browser, live_server, t.users["facilitator"], world.password)
    facilitator.goto(f"/t/{slug}/actions/")
    _submit(facilitator, facilitator.locator("main").get_by_role("link", name="New from cards"))
    assert facilitator.locator("h1").inner_text() == "New action from citizens' cards"
    # Only answers to Q3 and Q4 are offered: the group's Q1 cards are not.
    offered = facilitator.locator("input[name=cards]")
    assert offered.count() == 2
    assert "secret card" not in facilitator.locator("main form[method=post]").inner_text()
    facilitator.get_by_label(re.compile(re.escape(CARD_TEXT))).check()
    facilitator.get_by_label("Title of the action").fill(GARDEN)
    facilitator.get_by_label("Description").fill("Des bacs de culture et un composteur, "
                                                 "entretenus par les habitants.")
    _submit(facilitator, facilitator.get_by_role("button", name="Create the action"))
    assert f"Action “{GARDEN}” created." in _message(facilitator)
    assert facilitator.locator("h1").inner_text().startswith(GARDEN)
    action_url = facilitator.url
    action_id = int(re.search(r"/actions/(\d+)/$", action_url).group(1))
    origin = facilitator.locator("main dl dd").first.inner_text()
    assert origin.startswith("From citizens' cards")
    assert f"“{CARD_TEXT}”" in origin and f"#{card.pk}" in origin and "Q3" in origin
    assert OTHER_CARD not in origin

    # The action belongs to cycle 1 (set on its edit page).
    _submit(facilitator, facilitator.get_by_role("link", name="Edit the action"))
    facilitator.locator("#id_cycle").select_option(label="1")
    _submit(facilitator, facilitator.get_by_role("button", name="Save the action"))
    assert "Action saved." in _message(facilitator)

    # 2. Two commitments, one by each partner organisation.
    commitments = [
        (SOCIAL_CENTRE, "Animer le jardin deux après-midi par semaine", "time", "96", "hours",
         today + dt.timedelta(days=90), today - dt.timedelta(days=20), today - dt.timedelta(days=10)),
        (REGIE, "Fournir la terre, les bacs et l'outillage", "money", "2500", "€",
         today + dt.timedelta(days=30), today - dt.timedelta(days=15), today - dt.timedelta(days=12)),
    ]
    for party, what, resource, amount, unit, due, accepted, signed in commitments:
        section = facilitator.locator("#commitments")
        section.locator("summary", has_text="Add a commitment").click()
        form = section.locator("form")
        form.locator("#id_party_kind").select_option("organisation")
        form.locator("#id_organisation").select_option(label=party)
        form.locator("#id_what").fill(what)
        form.locator("#id_resource").select_option(resource)
        form.locator("#id_amount").fill(amount)
        form.locator("#id_unit").fill(unit)
        form.locator("#id_due_on").fill(_iso(due))
        form.locator("#id_accepted_on").fill(_iso(accepted))
        form.locator("#id_signed_on").fill(_iso(signed))
        _submit(facilitator, form.get_by_role("button", name="Add the commitment"))
        assert "Commitment added." in _message(facilitator)
    table = facilitator.locator("#commitments table").first
    rows = {name: _cells(table.locator("tbody tr", has_text=name))
            for name in (SOCIAL_CENTRE, REGIE)}
    assert rows[SOCIAL_CENTRE][1:7] == [
        commitments[0][1], "Time: 96 hours", _shown(commitments[0][5]), _shown(commitments[0][6]),
        _shown(commitments[0][7]), "pending"], rows
    assert rows[REGIE][1:7] == [
        commitments[1][1], "Money: €2,500", _shown(commitments[1][5]), _shown(commitments[1][6]),
        _shown(commitments[1][7]), "pending"], rows
    assert card.pk in [c.pk for c in _action_cards(action_id)]
    _no_axe(facilitator)
    shot(facilitator, "actions-journey-action")

    # 3. The coordinator writes another candidate and puts both to a dot vote.
    coordinator = _signed_in(browser, live_server, t.users["coordinator"], world.password)
    coordinator.goto(f"/t/{slug}/actions/new/")
    coordinator.locator("#id_title").fill(REPAIR)
    _submit(coordinator, coordinator.get_by_role("button", name="Save the action"))
    assert "Action saved." in _message(coordinator)

    coordinator.goto(f"/t/{slug}/votes/new/")
    coordinator.locator("#id_title").fill("Priorités du jardin et du repair café")
    coordinator.get_by_label("Dot vote").check()
    coordinator.get_by_label("Dots per voter").fill("5")
    coordinator.get_by_label("Members with an account (signed in)").check()
    coordinator.get_by_label(GARDEN, exact=True).check()
    coordinator.get_by_label(REPAIR, exact=True).check()
    _submit(coordinator, coordinator.get_by_role("button", name="Save the round"))
    assert "Round saved." in _message(coordinator)
    round_url = coordinator.url
    _submit(coordinator, coordinator.get_by_role("link", name="Open the round"))
    _submit(coordinator, coordinator.locator("main form").get_by_role("button", name="Open the round"))
    assert "The round is open" in _message(coordinator)

    from cospiral.actions.models import Action

    repair_id = Action.objects.of(t.territory).get(title=REPAIR).pk
    for page, dots in ((coordinator, (3, 2)), (facilitator, (4, 1))):
        page.goto(round_url)
        _submit(page, page.get_by_role("button", name="Vote"))
        assert page.locator("h1").inner_text().startswith("Vote: ")
        page.locator(f"input[name=c-{action_id}]").fill(str(dots[0]))
        page.locator(f"input[name=c-{repair_id}]").fill(str(dots[1]))
        page.wait_for_function("() => document.getElementById('dots-left').textContent.trim() === '0'")
        if page is coordinator:
            _no_axe(page)
            shot(page, "actions-journey-ballot")
        _submit(page, page.locator("button[name=send]"))
        assert "your ballot is recorded" in _message(page)
        assert page.get_by_role("button", name="Vote").count() == 0

    # Before closing, the results page shows participation only.
    coordinator.goto(round_url + "results/")
    assert "2 of 4 invited voters voted (50%)." in coordinator.locator("main").inner_text()
    assert coordinator.locator("table.vote-results").count() == 0
    assert "The results are shown when the round closes" in coordinator.locator("main").inner_text()

    coordinator.goto(round_url)
    _submit(coordinator, coordinator.get_by_role("link", name="Close the round"))
    _submit(coordinator, coordinator.locator("main form").get_by_role("button", name="Close the round"))
    assert "The round is closed" in _message(coordinator)
    _submit(coordinator, coordinator.get_by_role("button", name="See the results"))
    ranking = coordinator.locator("table.vote-results tbody tr")
    assert [_cells(ranking.nth(i)) for i in range(ranking.count())] == [
        ["1", GARDEN, "7", "2"], ["2", REPAIR, "3", "2"]]
    summary = coordinator.locator("section[aria-labelledby=ranking-title] p.stats-summary").inner_text()
    assert f"“{GARDEN}” comes first with 7 dots." in summary
    assert "2 of 4 invited voters voted (50%)." in summary
    participation = _cells(coordinator.locator("section[aria-labelledby=participation-title] tbody tr"))
    assert participation == ["Members with an account (signed in)", "4", "2", "50%"]
    assert coordinator.locator("figure.stats-chart svg:visible").count() == 1  # one drawing shown
    _no_axe(coordinator)
    shot(coordinator, "actions-journey-vote-results")

    # 4. The contract: three beneficiaries under pseudonyms, a provider, projects and
    # reciprocal commitments, tied to the action.
    coordinator.goto(f"/t/{slug}/contracts/")
    _submit(coordinator, coordinator.get_by_role("button", name="New contract"))
    coordinator.get_by_label("Title").fill(CONTRACT)
    coordinator.get_by_label("Purpose").fill("Apprendre à jardiner et à gérer un budget ensemble.")
    coordinator.get_by_label("Action of the plan").select_option(label=GARDEN)
    coordinator.get_by_label("Starts").fill(_iso(today - dt.timedelta(days=30)))
    coordinator.get_by_label("Ends").fill(_iso(today + dt.timedelta(days=240)))
    _submit(coordinator, coordinator.get_by_role("button", name="Save"))
    assert "Contract created as a draft." in _message(coordinator)
    contract_url = coordinator.url
    signed_on = today - dt.timedelta(days=25)

    def add_party(kind, pseudonym="", organisation=None, representative=""):
        coordinator.goto(contract_url)
        _submit(coordinator, coordinator.get_by_role("link", name="Add a party"))
        coordinator.get_by_label("Kind of party").select_option(kind)
        if pseudonym:
            coordinator.get_by_label("Pseudonym").fill(pseudonym)
        if organisation:
            coordinator.get_by_label("Organisation").select_option(label=organisation)
            coordinator.get_by_label("Represented by").fill(representative)
        coordinator.get_by_label("Signed on").fill(_iso(signed_on))
        _submit(coordinator, coordinator.get_by_role("button", name="Save"))
        assert "Party saved." in _message(coordinator)

    for name in BENEFICIARIES:
        add_party("beneficiary", pseudonym=name)
    add_party("provider", organisation=SOCIAL_CENTRE, representative="Nadia, directrice")
    for name in BENEFICIARIES:
        _submit(coordinator, coordinator.get_by_role("link", name=f"Write the project · {name}"))
        coordinator.get_by_label("Goals").fill(f"{name} : cultiver ses légumes et tenir un budget.")
        coordinator.get_by_label("Steps").fill("Ateliers collectifs, puis un suivi individuel.")
        _submit(coordinator, coordinator.get_by_role("button", name="Save"))
        assert "Individual project saved." in _message(coordinator)
    contract_commitments = [
        ("Capucine", "Venir aux ateliers budget", SOCIAL_CENTRE),
        ("Lavande", "Venir aux ateliers budget", SOCIAL_CENTRE),
        ("Sauge", "Tenir un carnet de comptes chaque semaine", SOCIAL_CENTRE),
        (SOCIAL_CENTRE, "Animer quatre ateliers budget et jardin", None),
    ]
    for party, what, towards in contract_commitments:
        coordinator.goto(contract_url)
        _submit(coordinator, coordinator.get_by_role("link", name="Add a commitment"))
        coordinator.get_by_label("Party committing").select_option(
            label=coordinator.locator("#id_party option", has_text=party).inner_text())
        coordinator.get_by_label("What the party commits to").fill(what)
        if towards:
            coordinator.get_by_label("Towards (reciprocal party)").select_option(
                label=coordinator.locator("#id_towards option", has_text=towards).inner_text())
        coordinator.get_by_label("Due").fill(_iso(today + dt.timedelta(days=180)))
        _submit(coordinator, coordinator.get_by_role("button", name="Save"))
        assert "Commitment saved." in _message(coordinator)
    parties = coordinator.locator("#parties tbody tr")
    assert [_cells(parties.nth(i))[:4] for i in range(parties.count())] == [
        *[[name, "Beneficiary", "—", _shown(signed_on)] for name in BENEFICIARIES],
        [SOCIAL_CENTRE, "Service provider", "Nadia, directrice", _shown(signed_on)]]

    # Sign it (every party has signed), then start it.
    _submit(coordinator, coordinator.get_by_role("button", name="Mark as signed"))
    assert "The contract is now signed." in _message(coordinator)
    assert f"Signed\n{_shown(signed_on)}" in coordinator.locator("main dl").first.inner_text()
    _submit(coordinator, coordinator.get_by_role("button", name="Start"))
    assert "The contract is now running." in _message(coordinator)

    # 5. A workshop, its attendance: two of the three beneficiaries came.
    _submit(coordinator, coordinator.get_by_role("link", name="Plan a workshop"))
    coordinator.get_by_label("Kind of workshop").select_option("collective")
    coordinator.get_by_label("Topic").fill("Gérer son budget")
    workshop_day = today - dt.timedelta(days=7)
    coordinator.locator("#id_date").fill(_iso(workshop_day))
    coordinator.get_by_label("Place").fill("Salle du centre social")
    coordinator.get_by_label("Party running it").select_option(
        label=coordinator.locator("#id_run_by option", has_text=SOCIAL_CENTRE).inner_text())
    _submit(coordinator, coordinator.get_by_role("button", name="Save"))
    assert "Workshop saved." in _message(coordinator)
    _submit(coordinator, coordinator.get_by_role("link", name=re.compile("^Record attendance")))
    assert coordinator.locator("input[name=present]").count() == 3
    coordinator.get_by_label("Capucine").check()
    coordinator.get_by_label("Sauge").check()
    _submit(coordinator, coordinator.get_by_role("button", name="Save the attendance"))
    assert "Attendance recorded." in _message(coordinator)
    workshop_row = _cells(coordinator.locator("#workshops tbody tr").first)
    assert workshop_row[:2] == [_shown(workshop_day), "Gérer son budget"]
    assert workshop_row[5].startswith("2/3: Capucine Sauge"), workshop_row

    # 6. Outcomes of the contract's commitments: kept, partly, not kept, kept.
    outcomes = [("Capucine", "kept", "Présente à 4 ateliers sur 4"),
                ("Lavande", "partly", "Présente à 2 ateliers sur 4"),
                ("Sauge", "not_kept", "Carnet non tenu après le premier mois"),
                (SOCIAL_CENTRE, "kept", "Feuilles d'émargement des quatre ateliers")]
    for party, outcome, evidence in outcomes:
        heading = coordinator.locator("#commitments h3", has_text=party)
        item = heading.locator("xpath=following-sibling::ul[1]/li")
        assert item.count() == 1
        _submit(coordinator, item.get_by_role("link", name="Record the outcome"))
        coordinator.get_by_label("Outcome", exact=True).select_option(outcome)
        coordinator.get_by_label("Evidence of the outcome").fill(evidence)
        _submit(coordinator, coordinator.get_by_role("button", name="Save"))
        assert "Outcome recorded." in _message(coordinator)
    kept = coordinator.locator("main dl").first.inner_text()
    assert "62.5% (2 kept, 1 partly, 1 not kept, 0 not known yet)" in kept, kept

    # The action's commitments: the partner of the social centre records its own.
    partner = _signed_in(browser, live_server, t.users["partner"], world.password)
    partner.goto(f"/t/{slug}/actions/commitments/mine/")
    assert f"The commitments of {SOCIAL_CENTRE}." in partner.locator("main").inner_text()
    mine = partner.locator("main table").last.locator("tbody tr")
    assert mine.count() == 1 and REGIE not in mine.inner_text()
    _submit(partner, mine.get_by_role("link", name="Record the outcome"))
    partner.get_by_label("Outcome", exact=True).select_option("kept")
    partner.get_by_label("Evidence of the outcome").fill("Planning des permanences et photos")
    _submit(partner, partner.get_by_role("button", name="Save the outcome"))
    assert "Outcome saved." in _message(partner)
    assert partner.url.endswith("/actions/commitments/mine/")
    # … and cannot record the régie's.
    regie_commitment = _commitment_of(action_id, REGIE)
    response = partner.request.get(f"/t/{slug}/actions/commitments/{regie_commitment}/outcome/")
    assert response.status == 403
    partner.context.close()

    facilitator.goto(action_url)
    regie_row = facilitator.locator("#commitments table").first.locator("tbody tr", has_text=REGIE)
    _submit(facilitator, regie_row.get_by_role("link", name="Outcome"))
    facilitator.get_by_label("Outcome", exact=True).select_option("partly")
    facilitator.get_by_label("Evidence of the outcome").fill("Terre livrée, outillage en retard")
    _submit(facilitator, facilitator.get_by_role("button", name="Save the outcome"))
    assert "Outcome saved." in _message(facilitator)
    kept_rows = facilitator.locator("#commitments table").nth(1).locator("tbody tr")
    assert [_cells(kept_rows.nth(i))[1:] for i in range(kept_rows.count())] == [
        ["100%", "1", "0", "0", "0"], ["50%", "0", "1", "0", "0"]]
    _no_axe(facilitator)
    shot(facilitator, "actions-journey-action-outcomes")
    facilitator.context.close()

    # 7. Exit evaluations of the three beneficiaries, then close the contract.
    coordinator.goto(contract_url)
    goals = {"Capucine": "all", "Lavande": "partly", "Sauge": "not"}
    for name in BENEFICIARIES:
        _submit(coordinator, coordinator.get_by_role("link", name=f"Evaluate · {name}"))
        coordinator.locator("#id_date").fill(_iso(today))
        coordinator.get_by_label("Goals of the individual project").select_option(goals[name])
        coordinator.get_by_label("Where the beneficiary stands").fill(
            f"{name} cultive une parcelle et suit ses dépenses.")
        _submit(coordinator, coordinator.get_by_role("button", name="Save"))
        assert "Exit evaluation saved." in _message(coordinator)
    _submit(coordinator, coordinator.get_by_role("button", name="Close the contract"))
    assert "The contract is now closed." in _message(coordinator)
    assert coordinator.locator("h1 .badge").inner_text() == "Closed"
    assert "The contract is closed: it is final." in coordinator.locator("#status").inner_text()
    exits = coordinator.locator("#exits tbody tr")
    assert [_cells(exits.nth(i))[:3] for i in range(3)] == [
        ["Capucine", _shown(today), "All reached"], ["Lavande", _shown(today), "Partly reached"],
        ["Sauge", _shown(today), "Not reached"]]
    _no_axe(coordinator)
    shot(coordinator, "actions-journey-contract")

    # 8. The review of cycle 1: on the page, then its PDF through the page's link.
    coordinator.goto(f"/t/{slug}/review/")
    _submit(coordinator, coordinator.get_by_role("link", name=re.compile("^Cycle 1")))
    main = coordinator.locator("main")
    assert main.locator("#actions-title").inner_text() == "Actions and commitments"
    actions_text = main.locator("#actions").inner_text()
    assert GARDEN in actions_text and REPAIR in actions_text
    assert "a share kept of 75%" in actions_text, actions_text
    party_rows = {name: _cells(main.locator("#actions table:has(#parties-caption) tbody tr",
                                            has_text=name)) for name in (SOCIAL_CENTRE, REGIE)}
    assert party_rows[SOCIAL_CENTRE][-1] == "100%" and party_rows[REGIE][-1] == "50%", party_rows
    contract_row = _cells(main.locator("#contracts tbody tr"))
    assert contract_row[0] == f"{CONTRACT} {GARDEN}" and contract_row[1] == "Closed", contract_row
    # Beneficiaries, workshops, attendance (2 of 3), reviews, exits, share kept (62.5 %).
    assert contract_row[3:] == ["3", "1", "67%", "0", "3", "62.5%"], contract_row
    assert "no PDF produced yet" in main.locator("#methods").inner_text()
    _no_axe(coordinator)
    shot(coordinator, "actions-journey-review")

    # The link opens the page of the job that builds the PDF; its result is the download.
    coordinator.get_by_role("link", name="Download PDF").click()
    result = coordinator.get_by_role("button", name=f"Download cospiral-review-{slug}-cycle-1.pdf")
    result.wait_for(timeout=120_000)
    with coordinator.expect_download() as info:
        result.click()
    download = info.value
    assert download.suggested_filename == f"cospiral-review-{slug}-cycle-1.pdf"
    content = open(download.path(), "rb").read()
    assert content.startswith(b"%PDF")
    import pypdf

    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(content)).pages).split())
    for title in ("The cycle in plain words", "Groups", "Criteria statistics", "Indicators of progress",
                  "Survey results", "Actions and commitments", "Commitments kept, by party",
                  "Multipartite social contracts", "Lessons learnt and what comes next",
                  "Methods appendix"):
        assert title in text, title
    assert GARDEN in text and REPAIR in text and CONTRACT in text
    assert "a share kept of 75%" in text
    assert "62.5%" in text and "67%" in text
    assert SOCIAL_CENTRE in text and REGIE in text
    # The PDF names the moment its job froze the figures; the review page, too.
    frozen = re.search(r"Data snapshot \(last PDF produced\) (\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d)",
                       text)
    assert frozen, text[-1500:]
    coordinator.goto(f"/t/{slug}/review/1/")
    assert frozen.group(1) in coordinator.locator("#methods").inner_text()
    coordinator.context.close()


def _action_cards(action_id):
    from cospiral.actions.models import Action

    return list(Action.objects.get(pk=action_id).cards.all())


def _commitment_of(action_id, organisation_name) -> int:
    from cospiral.actions.models import Commitment

    return Commitment.objects.get(action_id=action_id, organisation__name=organisation_name).pk
