"""Prioritisation rounds (issue 5): services, pages, public ballots, two territories."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cospiral.actions.models import Action
from cospiral.core.models import AuditEntry
from cospiral.votes import services
from cospiral.votes.models import Ballot, BallotEntry, Round, VoterToken

pytestmark = pytest.mark.django_db


def base(territory):
    return f"/t/{territory.slug}/votes/"


@pytest.fixture
def actions(world):
    make = Action.objects.create
    return {
        "garden": make(territory=world.alpha.territory, title="Alpha shared garden"),
        "bus": make(territory=world.alpha.territory, title="Alpha night bus"),
        "lunch": make(territory=world.alpha.territory, title="Alpha lunch club"),
        "beta": make(territory=world.beta.territory, title="Beta secret scheme"),
    }


def alpha_candidates(actions):
    return [actions["garden"], actions["bus"], actions["lunch"]]


def make_round(world, actions, *, open=True, method="dot", electorate="coordination",
               **kwargs):
    kwargs.setdefault("dots_per_voter", 5 if method == "dot" else None)
    coordinator = world.alpha.users["coordinator"]
    r = services.save_round(world.alpha.territory, user=coordinator, title=f"Alpha {method} round",
                            method=method, electorate=electorate,
                            candidates=alpha_candidates(actions), **kwargs)
    if open:
        r = services.open_round(r, user=coordinator)
    return r


def field(action):
    return f"c-{action.pk}"


def counts():
    return (Ballot.objects.count(), BallotEntry.objects.count(),
            VoterToken.objects.filter(used_at__isnull=False).count())


# --- setting up rounds --------------------------------------------------------------------


def test_coordinator_creates_a_round_through_the_form(world, actions, login):
    client = login(world.alpha.users["coordinator"])
    assert client.get(base(world.alpha.territory) + "new/").status_code == 200
    response = client.post(base(world.alpha.territory) + "new/", {
        "title": "Which actions first?", "description": "", "method": "dot",
        "dots_per_voter": "4", "cap_per_candidate": "2", "electorate": "coordination",
        "candidates": [actions["garden"].pk, actions["bus"].pk]})
    assert response.status_code == 302
    r = Round.objects.get(title="Which actions first?")
    assert r.territory == world.alpha.territory and r.status == "draft"
    assert (r.dots_per_voter, r.cap_per_candidate) == (4, 2)
    assert set(r.candidates.all()) == {actions["garden"], actions["bus"]}
    assert AuditEntry.objects.filter(model="round", object_id=str(r.pk), action="create").exists()


def test_a_candidate_from_another_territory_is_refused(world, actions, login):
    coordinator = world.alpha.users["coordinator"]
    with pytest.raises(ValidationError) as error:
        services.save_round(world.alpha.territory, user=coordinator, title="Leaky", method="score",
                            candidates=[actions["garden"], actions["beta"].pk])
    assert f"#{actions['beta'].pk}" in error.value.message_dict["candidates"][0]
    response = login(coordinator).post(base(world.alpha.territory) + "new/", {
        "title": "Leaky", "method": "score", "electorate": "coordination",
        "candidates": [actions["garden"].pk, actions["beta"].pk]})
    assert response.status_code == 400
    assert "not an action of this territory" in response.content.decode()
    assert not Round.objects.filter(title="Leaky").exists()


def test_round_settings_are_checked(world, actions):
    coordinator = world.alpha.users["coordinator"]
    for kwargs, key in [
        ({"candidates": [actions["garden"]]}, "candidates"),
        ({"candidates": alpha_candidates(actions), "dots_per_voter": None}, "dots_per_voter"),
        ({"candidates": alpha_candidates(actions), "dots_per_voter": 3,
          "cap_per_candidate": 4}, "cap_per_candidate"),
        ({"candidates": alpha_candidates(actions), "dots_per_voter": 3, "title": " "}, "title"),
    ]:
        kwargs.setdefault("title", "Round")
        with pytest.raises(ValidationError) as error:
            services.save_round(world.alpha.territory, user=coordinator, method="dot", **kwargs)
        assert key in error.value.message_dict
    deleted = Action.objects.create(territory=world.alpha.territory, title="Gone",
                                    deleted_at="2026-01-01T00:00:00Z")
    with pytest.raises(ValidationError):
        services.save_round(world.alpha.territory, user=coordinator, title="R", method="score",
                            candidates=[actions["garden"], deleted])
    assert Round.objects.count() == 0


def test_an_open_round_keeps_its_method_voters_and_actions(world, actions, login):
    r = make_round(world, actions)
    coordinator = world.alpha.users["coordinator"]
    with pytest.raises(ValidationError):
        services.save_round(world.alpha.territory, user=coordinator, round=r, title=r.title,
                            method="score", candidates=alpha_candidates(actions))
    with pytest.raises(ValidationError):
        services.save_round(world.alpha.territory, user=coordinator, round=r, title=r.title,
                            method="dot", dots_per_voter=5,
                            candidates=[actions["garden"], actions["bus"]])
    # Title and description still change, through the page too (frozen fields disabled).
    response = login(coordinator).post(f"{base(world.alpha.territory)}{r.pk}/edit/", {
        "title": "Renamed round", "description": "Now described"})
    assert response.status_code == 302
    r.refresh_from_db()
    assert (r.title, r.description, r.method, r.dots_per_voter) == (
        "Renamed round", "Now described", "dot", 5)
    assert r.candidates.count() == 3


def test_observer_and_facilitator_cannot_set_up_rounds(world, actions, login):
    r = make_round(world, actions, open=False)
    for role in ("observer", "facilitator", "partner"):
        client = login(world.alpha.users[role])
        assert client.get(base(world.alpha.territory) + "new/").status_code == 403
        assert client.post(base(world.alpha.territory) + "new/", {"title": "X"}).status_code == 403
        assert client.post(f"{base(world.alpha.territory)}{r.pk}/open/").status_code == 403
        assert client.get(f"{base(world.alpha.territory)}{r.pk}/links/").status_code == 403
    with pytest.raises(PermissionDenied):
        services.save_round(world.alpha.territory, user=world.alpha.users["observer"], title="X",
                            method="score", candidates=alpha_candidates(actions))
    with pytest.raises(PermissionDenied):
        services.open_round(r, user=world.alpha.users["facilitator"])
    r.refresh_from_db()
    assert r.status == "draft"


def test_beta_cannot_see_or_vote_in_alphas_round(world, actions, login):
    r = make_round(world, actions)
    beta = login(world.beta.users["coordinator"])
    for suffix in ("", "ballot/", "results/", "results/csv/", "edit/", "open/", "close/"):
        assert beta.get(f"{base(world.alpha.territory)}{r.pk}/{suffix}").status_code == 404
    # Through beta's own address, alpha's round does not exist either.
    for suffix in ("", "ballot/", "results/", "edit/"):
        assert beta.get(f"{base(world.beta.territory)}{r.pk}/{suffix}").status_code == 404
    assert beta.post(f"{base(world.beta.territory)}{r.pk}/ballot/",
                     {field(actions["garden"]): "2"}).status_code == 404
    assert beta.post(f"{base(world.beta.territory)}{r.pk}/close/").status_code == 404
    assert "Alpha dot round" not in beta.get(base(world.beta.territory)).content.decode()
    with pytest.raises(PermissionDenied):
        services.cast_ballot(r, user=world.beta.users["coordinator"],
                             entries={actions["garden"].pk: 1})
    assert Ballot.objects.count() == 0
    r.refresh_from_db()
    assert r.status == "open"


# --- voting signed in ---------------------------------------------------------------------


def test_a_dot_vote_through_the_pages_then_results_after_closing(world, actions, login):
    r = make_round(world, actions, cap_per_candidate=3)
    t = world.alpha.territory
    garden, bus, lunch = alpha_candidates(actions)
    ballots = {"coordinator": {garden: 3, bus: 2}, "facilitator": {garden: 2, lunch: 2},
               "partner": {bus: 2}}
    for role, dots in ballots.items():
        client = login(world.alpha.users[role])
        page = client.get(f"{base(t)}{r.pk}/ballot/")
        assert page.status_code == 200 and 'type="number"' in page.content.decode()
        response = client.post(f"{base(t)}{r.pk}/ballot/",
                               {field(a): str(n) for a, n in dots.items()} | {"send": "1"})
        assert response.status_code == 302, response.content.decode()
    # Hidden until closed, for everyone including coordinators: participation only.
    coordinator = login(world.alpha.users["coordinator"])
    hidden = coordinator.get(f"{base(t)}{r.pk}/results/")
    html = hidden.content.decode()
    assert hidden.status_code == 200
    assert "shown when the round closes" in html
    assert "3 of 3 invited voters voted (100%)" in html
    assert "Alpha shared garden" not in html
    assert coordinator.get(f"{base(t)}{r.pk}/results/csv/").status_code == 404
    # Closed: garden 5, bus 4, lunch 2.
    assert coordinator.post(f"{base(t)}{r.pk}/close/").status_code == 302
    observer = login(world.alpha.users["observer"])
    html = observer.get(f"{base(t)}{r.pk}/results/").content.decode()
    assert "“Alpha shared garden” comes first with 5 dots." in html
    assert "<svg" in html and 'role="img"' in html
    order = [html.index(n, html.index("<table class=\"vote-results\"")) for n in
             ("Alpha shared garden", "Alpha night bus", "Alpha lunch club")]
    assert order == sorted(order)
    rows = list(csv.DictReader(io.StringIO(
        observer.get(f"{base(t)}{r.pk}/results/csv/").content.decode("utf-8-sig"))))
    assert [(x["rank"], x["action"], x["result"], x["voters"], x["tie"]) for x in rows] == [
        ("1", "Alpha shared garden", "5", "2", "no"), ("2", "Alpha night bus", "4", "2", "no"),
        ("3", "Alpha lunch club", "2", "1", "no")]
    assert {"voter", "user", "token"}.isdisjoint(rows[0])
    assert "alpha-coordinator" not in observer.get(f"{base(t)}{r.pk}/results/csv/").content.decode()


def test_bad_dot_ballots_are_refused_with_messages_and_nothing_written(world, actions, login):
    r = make_round(world, actions, dots_per_voter=4, cap_per_candidate=3)
    garden, bus, _lunch = alpha_candidates(actions)
    client = login(world.alpha.users["facilitator"])
    url = f"{base(world.alpha.territory)}{r.pk}/ballot/"
    for data, message in [
        ({field(garden): "3", field(bus): "3"}, "You placed 6 dots but have 4: take 2 away."),
        ({field(garden): "4"}, "“Alpha shared garden”: 4 dots; at most 3 dots may go to one action."),
        ({field(bus): "two"}, "“Alpha night bus”: “two” is not a whole number."),
        ({field(bus): "-1"}, "“Alpha night bus”: the number of dots cannot be below 0."),
        ({}, "Place at least one dot before you send your ballot."),
    ]:
        response = client.post(url, data | {"send": "1"})
        assert response.status_code == 400
        assert message in response.content.decode()
    assert counts() == (0, 0, 0)
    # "Count my dots" recounts without sending (works without JavaScript).
    response = client.post(url, {field(garden): "3", "count": "1"})
    assert response.status_code == 200
    assert '<output id="dots-left">1</output>' in response.content.decode()
    assert counts() == (0, 0, 0)


def test_a_second_ballot_is_refused_and_changes_nothing(world, actions, login):
    r = make_round(world, actions, method="score")
    garden, bus, lunch = alpha_candidates(actions)
    partner = world.alpha.users["partner"]
    services.cast_ballot(r, user=partner, entries={garden.pk: 5, bus.pk: "", lunch.pk: 0})
    before = counts()
    assert before == (1, 2, 0)
    with pytest.raises(ValidationError) as error:
        services.cast_ballot(r, user=partner, entries={garden.pk: 1})
    assert error.value.code == "already_voted"
    response = login(partner).post(f"{base(world.alpha.territory)}{r.pk}/ballot/",
                                   {field(garden): "1", "send": "1"})
    assert response.status_code == 409
    assert "cannot be changed or cast twice" in response.content.decode()
    assert counts() == before
    assert sorted(BallotEntry.objects.values_list("action__title", "value")) == [
        ("Alpha lunch club", 0), ("Alpha shared garden", 5)]


def test_observers_do_not_vote_in_coordination_rounds(world, actions, login):
    r = make_round(world, actions)
    observer = world.alpha.users["observer"]
    with pytest.raises(PermissionDenied):
        services.cast_ballot(r, user=observer, entries={actions["garden"].pk: 1})
    response = login(observer).post(f"{base(world.alpha.territory)}{r.pk}/ballot/",
                                    {field(actions["garden"]): "1", "send": "1"})
    assert response.status_code == 403
    assert counts() == (0, 0, 0)


def test_a_vote_after_closing_or_before_opening_is_refused(world, actions, login):
    draft = make_round(world, actions, open=False)
    coordinator = world.alpha.users["coordinator"]
    with pytest.raises(ValidationError) as error:
        services.cast_ballot(draft, user=coordinator, entries={actions["garden"].pk: 1})
    assert error.value.code == "not_open"
    r = make_round(world, actions)
    services.close_round(r, user=coordinator)
    with pytest.raises(ValidationError) as error:
        services.cast_ballot(r, user=coordinator, entries={actions["garden"].pk: 1})
    assert error.value.code == "closed"
    response = login(coordinator).post(f"{base(world.alpha.territory)}{r.pk}/ballot/",
                                       {field(actions["garden"]): "1", "send": "1"})
    assert response.status_code == 409
    assert "Voting in this round has closed: your ballot was not recorded." in response.content.decode()
    assert counts() == (0, 0, 0)
    with pytest.raises(ValidationError):
        services.close_round(r, user=coordinator)  # closing is final, once


def test_ranked_ballots_and_ties_in_results(world, actions, login):
    r = make_round(world, actions, method="ranked")
    garden, bus, lunch = alpha_candidates(actions)
    users = world.alpha.users
    # 3 candidates: rank 1 → 2 points, 2 → 1, 3 → 0. garden 2+1 = 3, bus 1+2 = 3, lunch 0.
    services.cast_ballot(r, user=users["coordinator"], entries={garden.pk: 1, bus.pk: 2})
    services.cast_ballot(r, user=users["facilitator"], entries={bus.pk: 1, garden.pk: 2,
                                                                 lunch.pk: 3})
    client = login(users["partner"])
    bad = client.post(f"{base(world.alpha.territory)}{r.pk}/ballot/",
                      {field(garden): "1", field(bus): "1", "send": "1"})
    assert bad.status_code == 400
    assert "“Alpha shared garden” and “Alpha night bus” both have rank 1" in bad.content.decode()
    gap = client.post(f"{base(world.alpha.territory)}{r.pk}/ballot/",
                      {field(garden): "2", "send": "1"})
    assert "Rank 1 is missing" in gap.content.decode()
    assert counts()[0] == 2
    services.close_round(r, user=users["coordinator"])
    html = login(users["observer"]).get(f"{base(world.alpha.territory)}{r.pk}/results/").content.decode()
    assert "“Alpha shared garden” and “Alpha night bus” tie for first place with 3 points each" in html
    assert html.count('class="vote-tie"') == 2
    rows = list(csv.DictReader(io.StringIO(login(users["observer"]).get(
        f"{base(world.alpha.territory)}{r.pk}/results/csv/").content.decode("utf-8-sig"))))
    assert [(x["rank"], x["tie"], x["result"], x["first_preferences"]) for x in rows] == [
        ("1", "yes", "3", "1"), ("1", "yes", "3", "1"), ("3", "no", "0", "0")]


def test_score_results_show_mean_voters_and_unscored(world, actions, login):
    r = make_round(world, actions, method="score")
    garden, bus, lunch = alpha_candidates(actions)
    users = world.alpha.users
    services.cast_ballot(r, user=users["coordinator"], entries={garden.pk: 5, bus.pk: 2})
    services.cast_ballot(r, user=users["facilitator"], entries={garden.pk: 4})
    response = login(users["partner"]).post(f"{base(world.alpha.territory)}{r.pk}/ballot/",
                                            {field(bus): "6", "send": "1"})
    assert "“Alpha night bus”: 6 is not a score" in response.content.decode()
    services.close_round(r, user=users["coordinator"])
    rows = list(csv.DictReader(io.StringIO(login(users["observer"]).get(
        f"{base(world.alpha.territory)}{r.pk}/results/csv/").content.decode("utf-8-sig"))))
    assert [(x["rank"], x["action"], x["result"], x["voters"], x["total"]) for x in rows] == [
        ("1", "Alpha shared garden", "4.50", "2", "9"), ("2", "Alpha night bus", "2.00", "1", "2"),
        ("", "Alpha lunch club", "", "0", "0")]
    assert all(x["invited"] == "3" and x["ballots"] == "2" for x in rows)


# --- citizens with tokens -----------------------------------------------------------------


@pytest.fixture
def citizens_round(world, actions):
    r = make_round(world, actions, electorate="citizens", dots_per_voter=3)
    links = services.create_tokens(r, 4, user=world.alpha.users["coordinator"], label="Market")
    return r, links


def test_tokens_csv_and_page_for_coordinators(world, citizens_round, login):
    r, links = citizens_round
    client = login(world.alpha.users["coordinator"])
    page = client.get(f"{base(world.alpha.territory)}{r.pk}/links/")
    assert page.status_code == 200 and links[0].token in page.content.decode()
    rows = list(csv.DictReader(io.StringIO(client.get(
        f"{base(world.alpha.territory)}{r.pk}/links/csv/").content.decode("utf-8-sig"))))
    assert len(rows) == 4
    # A token may start with "-": the export writes it behind an apostrophe, so that a
    # spreadsheet never reads it as a formula (core/exports.py).
    tokens = [x["token"][1:] if x["token"].startswith("'-") else x["token"] for x in rows]
    assert set(tokens) == {link.token for link in links}
    assert all(x["url"].endswith(f"/v/{t}/") and x["label"] == "Market"
               for x, t in zip(rows, tokens, strict=True))
    response = client.post(f"{base(world.alpha.territory)}{r.pk}/links/", {"count": "2",
                                                                          "label": ""})
    assert response.status_code == 302
    assert VoterToken.objects.filter(round=r).count() == 6
    assert login(world.beta.users["coordinator"]).get(
        f"{base(world.alpha.territory)}{r.pk}/links/csv/").status_code == 404


def test_a_citizen_votes_once_on_the_public_page(world, actions, citizens_round, client):
    r, links = citizens_round
    url = f"/v/{links[0].token}/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Alpha shared garden" in html and 'name="viewport"' in html
    response = client.post(url, {field(actions["garden"]): "2", field(actions["bus"]): "1",
                                 "send": "1"})
    assert response.status_code == 302
    assert counts() == (1, 2, 1)
    after = client.get(url).content.decode()
    assert "Your ballot is counted" in after and 'type="number"' not in after
    # The same token again: refused, nothing changes.
    again = client.post(url, {field(actions["lunch"]): "3", "send": "1"})
    assert again.status_code == 409
    assert "cannot be changed or cast twice" in again.content.decode()
    assert counts() == (1, 2, 1)
    with pytest.raises(ValidationError) as error:
        services.cast_ballot(r, token=links[0], entries={actions["lunch"].pk: 1})
    assert error.value.code == "already_voted"
    assert counts() == (1, 2, 1)
    audit = AuditEntry.objects.filter(model="ballot").get()
    assert audit.actor_label == "anonymous" and audit.user is None


def test_a_revoked_token_is_refused(world, actions, citizens_round, client, login):
    r, links = citizens_round
    coordinator = login(world.alpha.users["coordinator"])
    assert coordinator.post(
        f"{base(world.alpha.territory)}{r.pk}/links/{links[1].pk}/revoke/").status_code == 302
    client.logout()
    response = client.post(f"/v/{links[1].token}/", {field(actions["garden"]): "1", "send": "1"})
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()
    with pytest.raises(ValidationError) as error:
        services.cast_ballot(r, token=links[1], entries={actions["garden"].pk: 1})
    assert error.value.code == "revoked"
    assert counts() == (0, 0, 0)
    # A used link cannot be revoked: its ballot is counted.
    services.cast_ballot(r, token=links[2], entries={actions["garden"].pk: 1})
    with pytest.raises(ValidationError):
        services.revoke_token(links[2], user=world.alpha.users["coordinator"])


def test_citizen_bad_ballot_and_closed_round(world, actions, citizens_round, client):
    r, links = citizens_round
    url = f"/v/{links[0].token}/"
    bad = client.post(url, {field(actions["garden"]): "2", field(actions["bus"]): "2",
                            "send": "1"})
    assert bad.status_code == 400
    assert "You placed 4 dots but have 3: take 1 away." in bad.content.decode()
    assert counts() == (0, 0, 0)
    services.cast_ballot(r, token=links[1], entries={actions["bus"].pk: 3})
    services.close_round(r, user=world.alpha.users["coordinator"])
    late = client.post(url, {field(actions["garden"]): "1", "send": "1"})
    assert late.status_code == 409
    html = late.content.decode()
    assert "Voting in this round has closed: your ballot was not recorded." in html
    assert counts() == (1, 1, 1)
    # The closed round's link shows the results to the citizen.
    html = client.get(url).content.decode()
    assert "“Alpha night bus” comes first with 3 dots." in html
    assert "1 of 4 invited voters voted (25%)." in html
    assert client.get("/v/not-a-token/").status_code == 404


def test_participation_counts_per_electorate(world, actions, citizens_round, login):
    r, links = citizens_round
    coordinator = world.alpha.users["coordinator"]
    services.revoke_token(links[3], user=coordinator)
    services.cast_ballot(r, token=links[0], entries={actions["garden"].pk: 1})
    html = login(coordinator).get(f"{base(world.alpha.territory)}{r.pk}/results/").content.decode()
    assert "1 of 3 invited voters voted (33%)." in html  # revoked links are not invited
    assert 'id="ranking-title"' not in html and "shown when the round closes" in html
    # Coordination group: coordinator, facilitator, partner (not the observer) are invited.
    group = make_round(world, actions)
    services.cast_ballot(group, user=coordinator, entries={actions["garden"].pk: 2})
    html = login(coordinator).get(f"{base(world.alpha.territory)}{group.pk}/").content.decode()
    assert "1 voted of 3 invited." in html
    # Members of the territory do not vote in a citizens' round.
    with pytest.raises(PermissionDenied):
        services.cast_ballot(r, user=coordinator, entries={actions["garden"].pk: 1})


def test_public_ballot_is_rate_limited(world, actions, citizens_round, client, settings):
    settings.COSPIRAL_ONLINE_RATE = "2/h"
    from django.core.cache import cache

    cache.clear()
    _r, links = citizens_round
    url = f"/v/{links[0].token}/"
    statuses = [client.post(url, {"count": "1"}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert counts() == (0, 0, 0)


def test_pages_list_and_navigation(world, actions, login):
    r = make_round(world, actions)
    client = login(world.alpha.users["observer"])
    html = client.get(base(world.alpha.territory)).content.decode()
    assert "Alpha dot round" in html and "Prioritisation" in html
    assert f"/t/alpha/votes/{r.pk}/" in html
    assert 'href="/t/alpha/votes/new/"' not in html  # observers do not create rounds
    detail = client.get(f"{base(world.alpha.territory)}{r.pk}/").content.decode()
    assert "Observers do not vote" in detail
    nav = client.get("/t/alpha/").content.decode()
    assert 'href="/t/alpha/votes/"' in nav


def test_unique_constraints_back_one_ballot_per_voter_and_per_link(world, actions, citizens_round):
    from django.db import IntegrityError, transaction

    r, links = citizens_round
    group = make_round(world, actions)
    t = world.alpha.territory
    Ballot.objects.create(territory=t, round=group, voter=world.alpha.users["partner"])
    Ballot.objects.create(territory=t, round=r, token=links[0])
    for kwargs in ({"round": group, "voter": world.alpha.users["partner"]},
                   {"round": r, "token": links[0]},
                   {"round": r},  # neither a voter nor a link
                   {"round": r, "token": links[1], "voter": world.alpha.users["partner"]}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Ballot.objects.create(territory=t, **kwargs)
    assert Ballot.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_one_link_sent_twice_at_once_counts_once(world, actions):
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("threads need a server database; SQLite serialises writers anyway")
    r = make_round(world, actions, electorate="citizens", dots_per_voter=3)
    link = services.create_tokens(r, 1, user=world.alpha.users["coordinator"])[0]
    outcomes = []
    barrier = threading.Barrier(4)

    def vote(n):
        try:
            barrier.wait()
            services.cast_ballot(r, token=link, entries={actions["garden"].pk: 1 + n % 3})
            outcomes.append("ok")
        except ValidationError as error:
            outcomes.append(error.code)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            outcomes.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=vote, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already_voted"] * 3 + ["ok"]
    assert Ballot.objects.filter(round=r).count() == 1
    assert BallotEntry.objects.filter(ballot__round=r).count() == 1
