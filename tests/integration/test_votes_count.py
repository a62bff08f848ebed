"""Votes that count (issue 15, point 4): a closed round ranks the actions on their pages
and in the plan; several rounds (coordination group, citizens, a school's pupils)
combine by the rule written on the page; the results appear in the review. Two
territories: beta neither sees alpha's rounds nor has its actions ranked by them."""

from __future__ import annotations

import io
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cospiral.actions.models import Action
from cospiral.territories.models import Cycle
from cospiral.votes import selectors, services
from tests import pdfs

from .test_votes import (
    actions,  # noqa: F401  (fixture)
    alpha_candidates,
    make_round,
)

pytestmark = pytest.mark.django_db


def _vote_by_links(world, r, ballots):
    links = services.create_tokens(r, len(ballots), user=world.alpha.users["coordinator"])
    for link, entries in zip(links, ballots, strict=True):
        services.cast_ballot(r, entries={a.pk: v for a, v in entries.items()}, token=link)


@pytest.fixture
def three_rounds(world, actions):  # noqa: F811
    """Coordination (dot): bus 5, garden 3, lunch 2. Citizens (ranked, 3 ballots): garden,
    lunch, bus. Pupils (score): garden 5, lunch 4, bus 1. Combined: garden 83.3,
    lunch 33.3 (0, 50, 50) and bus 33.3 (100, 0, 0), a tie."""
    garden, bus, lunch = alpha_candidates(actions)
    coordinator = world.alpha.users["coordinator"]
    coordination = make_round(world, actions)
    services.cast_ballot(coordination, entries={bus.pk: 3, garden.pk: 2}, user=coordinator)
    services.cast_ballot(coordination, entries={bus.pk: 2, garden.pk: 1, lunch.pk: 2},
                         user=world.alpha.users["partner"])
    services.close_round(coordination, user=coordinator)
    citizens = make_round(world, actions, method="ranked", electorate="citizens")
    _vote_by_links(world, citizens, [{garden: 1, lunch: 2, bus: 3}] * 3)
    services.close_round(citizens, user=coordinator)
    pupils = services.save_round(world.alpha.territory, user=coordinator, title="Pupils of the school",
                                 method="score", electorate="citizens",
                                 candidates=alpha_candidates(actions))
    pupils = services.open_round(pupils, user=coordinator)
    _vote_by_links(world, pupils, [{garden: 5, lunch: 4, bus: 1}])
    services.close_round(pupils, user=coordinator)
    return coordination, citizens, pupils


def test_one_closed_round_ranks_the_actions_on_their_pages_and_in_the_plan(world, actions, login):  # noqa: F811
    garden, bus, lunch = alpha_candidates(actions)
    r = make_round(world, actions)
    services.cast_ballot(r, entries={garden.pk: 3, bus.pk: 1}, user=world.alpha.users["coordinator"])
    client = login(world.alpha.users["observer"])
    page = client.get(reverse("actions:detail", args=["alpha", garden.pk])).content.decode()
    assert "Prioritisation votes" not in page  # an open round ranks nothing yet
    services.close_round(r, user=world.alpha.users["coordinator"])
    page = client.get(reverse("actions:detail", args=["alpha", garden.pk])).content.decode()
    assert "Prioritisation votes" in page and "rank 1 of 3" in page and r.title in page
    assert "rank 3 of 3" in client.get(  # no dot is a result of 0 dots, ranked last
        reverse("actions:detail", args=["alpha", lunch.pk])).content.decode()
    plan = client.get(reverse("actions:plan", args=["alpha"])).content.decode()
    assert "Rank in the vote" in plan and "Rank in the votes combined" not in plan
    row = re.search(r"Alpha night bus</a></th>.*?</tr>", plan, re.S).group(0)
    assert "2 of 3" in row
    # Beta: its plan has no vote column, its action no vote section.
    beta = login(world.beta.users["observer"])
    assert "Rank in the vote" not in beta.get(reverse("actions:plan", args=["beta"])).content.decode()
    assert "Prioritisation votes" not in beta.get(
        reverse("actions:detail", args=["beta", actions["beta"].pk])).content.decode()


def test_three_rounds_combine_by_the_rule_written_on_the_page(world, actions, three_rounds, login):  # noqa: F811
    garden, bus, lunch = alpha_candidates(actions)
    combined = selectors.combined(world.alpha.territory)
    assert [(r.action.title, r.rank, round(r.score, 1), r.tied) for r in combined.rows] == [
        ("Alpha shared garden", 1, 83.3, False), ("Alpha night bus", 2, 33.3, True),
        ("Alpha lunch club", 2, 33.3, True)]
    client = login(world.alpha.users["observer"])
    page = client.get(reverse("votes:combined", args=["alpha"])).content.decode()
    assert "each round counts the same, whatever its number of voters" in page
    assert "100 × (n − place) ÷ (n − 1)" in page and "3 rounds combined" in page
    assert page.index("Alpha shared garden") < page.index("Alpha night bus") < page.index("Alpha lunch club")
    assert "83.3" in page and page.count("tie</span>") == 2
    # Two rounds ticked: coordination and pupils.
    coordination, _citizens, pupils = three_rounds
    page = client.get(reverse("votes:combined", args=["alpha"]),
                      {"rounds": [coordination.pk, pupils.pk, "x", "999999"]}).content.decode()
    assert "2 rounds combined" in page
    # garden 50+100, bus 100+0, lunch 0+50: garden first.
    two = selectors.combined(world.alpha.territory, [coordination.pk, pupils.pk])
    assert [(r.action.title, r.score) for r in two.rows] == [
        ("Alpha shared garden", 75), ("Alpha night bus", 50), ("Alpha lunch club", 25)]
    # The action page and the plan show the combined rank.
    page = client.get(reverse("actions:detail", args=["alpha", bus.pk])).content.decode()
    assert "Rank 2 of 3 when the closed rounds are combined" in page and "rank 1 of 3" in page
    plan = client.get(reverse("actions:plan", args=["alpha"])).content.decode()
    assert "Rank in the votes combined" in plan and "each round counts the same" in plan
    # In French, with the rule in words.
    page = client.get(reverse("votes:combined", args=["alpha"]), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "chaque tour compte autant" in page and "83,3" in page
    # Beta sees none of alpha's rounds and cannot reach them.
    beta = login(world.beta.users["coordinator"])
    page = beta.get(reverse("votes:combined", args=["beta"])).content.decode()
    assert "Alpha" not in page and "No closed round to combine yet" in page
    assert beta.get(reverse("votes:combined", args=["alpha"])).status_code == 404
    assert selectors.combined(world.beta.territory, [coordination.pk]).rows == []


def test_the_review_shows_the_vote_results(world, actions, three_rounds, login):  # noqa: F811
    world.alpha.group.cycle = Cycle.objects.of(world.alpha.territory).get(number=2)
    world.alpha.group.save()
    client = login(world.alpha.users["observer"])
    page = client.get(reverse("reports:review", args=["alpha", 2])).content.decode()
    section = page[page.index('<section id="votes"'):]
    section = section[:section.index("</section>")]
    assert "Pupils of the school" in section and "The actions ranked by the rounds combined" in section
    assert section.index("Alpha shared garden") < section.index("Alpha night bus")
    assert "3 ballots" in section
    _response, content = pdfs.download(client, reverse("reports:pdf", args=["alpha", 2]))
    pypdf = pytest.importorskip("pypdf")
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(content)).pages).split())
    assert "Prioritisation votes" in text and "Pupils of the school" in text
    # Beta's review: no round, said plainly.
    beta = login(world.beta.users["observer"])
    page = beta.get(reverse("reports:review", args=["beta", 2])).content.decode()
    assert "No prioritisation round of this cycle is closed yet." in page and "Alpha" not in page


def test_a_round_about_another_cycles_actions_stays_out_of_the_review(world, actions, login):  # noqa: F811
    cycle3 = Cycle.objects.of(world.alpha.territory).get(number=3)
    Action.objects.filter(pk__in=[a.pk for a in alpha_candidates(actions)]).update(cycle=cycle3)
    r = make_round(world, actions)
    services.cast_ballot(r, entries={actions["garden"].pk: 1}, user=world.alpha.users["coordinator"])
    services.close_round(r, user=world.alpha.users["coordinator"])
    client = login(world.alpha.users["observer"])
    assert "No prioritisation round of this cycle is closed yet." in client.get(
        reverse("reports:review", args=["alpha", 2])).content.decode()
    assert r.title in client.get(reverse("reports:review", args=["alpha", 3])).content.decode()


# --- the coordination group means its seats; printable slips --------------------------------

def _seats(territory, names):
    from cospiral.territories.models import CoordinationMember, Organisation

    city, _made = Organisation.objects.get_or_create(territory=territory, name=f"{territory.name} city hall")
    return [CoordinationMember.objects.create(territory=territory, person=name,
                                              organisation=city if i == 0 else None, role="member")
            for i, name in enumerate(names)]


def test_a_coordination_group_round_gives_one_link_per_seat(world, actions, client, login):  # noqa: F811
    from cospiral.votes.models import VoterToken

    a, b = world.alpha, world.beta
    coordinator = a.users["coordinator"]
    r = make_round(world, actions, open=False, electorate="seats")
    with pytest.raises(ValidationError) as error:
        services.open_round(r, user=coordinator)
    assert "no seat yet" in str(error.value)
    r.refresh_from_db()
    assert r.opened_at is None and not VoterToken.objects.exists()
    seats = _seats(a.territory, ["Ana", "Bruno", "Chloé", "Driss"])
    _seats(b.territory, ["Beta mayor", "Beta shop"])
    r = services.open_round(r, user=coordinator)
    links = list(VoterToken.objects.filter(round=r).order_by("id"))
    assert sorted(link.seat_id for link in links) == sorted(s.pk for s in seats)
    assert {link.label for link in links} == {"Ana · Alphaville city hall", "Bruno", "Chloé", "Driss"}
    assert selectors.participation(r).invited == 4
    # Members with accounts do not vote here; a seat votes once through its link.
    with pytest.raises(PermissionDenied):
        services.cast_ballot(r, entries={actions["garden"].pk: 1}, user=coordinator)
    response = client.post(f"/v/{links[0].token}/", {f"c-{actions['garden'].pk}": "2", "send": "1"})
    assert response.status_code == 302
    assert selectors.participation(r).voted == 1
    # Links are made per seat, not by number; a seat added later gets one, once.
    with pytest.raises(ValidationError) as error:
        services.create_tokens(r, 3, user=coordinator)
    assert "one per seat" in str(error.value)
    _seats(a.territory, ["Emma"])
    page = login(coordinator)
    tokens_url = f"/t/alpha/votes/{r.pk}/links/"
    assert "Make links for the seats added since" in page.get(tokens_url).content.decode()
    assert page.post(tokens_url).status_code == 302
    assert page.post(tokens_url).status_code == 302
    assert VoterToken.objects.filter(round=r).count() == 5
    detail = page.get(f"/t/alpha/votes/{r.pk}/").content.decode()
    assert "each seat recorded on the coordination-group page gets a personal link" in detail
    # Beta's seats are untouched and beta cannot reach alpha's links.
    assert not VoterToken.objects.filter(territory=b.territory).exists()
    beta = login(b.users["coordinator"])
    assert beta.post(f"/t/alpha/votes/{r.pk}/links/").status_code == 404


def test_voting_slips_print_a_qr_code_per_link_that_can_still_vote(world, actions, client, login):  # noqa: F811
    from cospiral.jobs.models import Job
    from cospiral.votes.models import VoterToken

    a = world.alpha
    _seats(a.territory, ["Ana", "Bruno", "Chloé"])
    r = services.open_round(make_round(world, actions, open=False, electorate="seats"), user=a.users["coordinator"])
    used, revoked, kept = VoterToken.objects.filter(round=r).order_by("id")
    client.post(f"/v/{used.token}/", {f"c-{actions['bus'].pk}": "1", "send": "1"})
    services.revoke_token(revoked, user=a.users["coordinator"])
    slips_url = f"/t/alpha/votes/{r.pk}/links/slips/"
    for role in ("partner", "observer", "facilitator"):
        assert login(a.users[role]).get(slips_url).status_code == 403, role
    assert login(world.beta.users["coordinator"]).get(slips_url).status_code == 404
    coordinator = login(a.users["coordinator"])
    assert "Print the voting slips" in coordinator.get(f"/t/alpha/votes/{r.pk}/links/").content.decode()
    response, content = pdfs.download(coordinator, slips_url)
    assert response["Content-Type"] == "application/pdf"
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(io.BytesIO(content))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert f"For the seat: {kept.label}" in text and kept.token in text.replace(" ", "")
    assert used.token not in text.replace(" ", "") and revoked.token not in text.replace(" ", "")
    assert "Each voter has 5 dots" in text
    assert Job.objects.filter(kind="votes.slips_pdf", territory=a.territory).count() == 1
    # A citizens' round prints its slips too, without seats.
    citizens = make_round(world, actions, electorate="citizens")
    services.create_tokens(citizens, 2, user=a.users["coordinator"])
    _response, content = pdfs.download(coordinator, f"/t/alpha/votes/{citizens.pk}/links/slips/")
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(content)).pages).split())
    assert "For the seat" not in text and text.count("This slip votes once") == 2
    # Members' rounds have no links, so no slips.
    members = make_round(world, actions)
    assert coordinator.get(f"/t/alpha/votes/{members.pk}/links/slips/").status_code == 404
