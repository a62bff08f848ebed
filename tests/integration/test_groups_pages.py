"""Group pages: list, create and edit (facilitators and source groups scoped to the
territory), detail, sessions and the online entry link."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cospiral.core.models import AuditEntry
from cospiral.groups.models import Group, Session
from cospiral.territories.models import Cycle


def url(name, slug="alpha", **kwargs):
    return reverse(name, kwargs={"territory": slug, **kwargs})


def _group_data(**extra):
    return {"name": "Elderly people", "kind": "homogeneous", "profile": "over 70",
            "tags": "elders, north side, Elders", **extra}


def test_create_a_homogeneous_group(world, login):
    t = world.alpha.territory
    cycle = Cycle.objects.of(t).get(number=2)
    client = login(world.alpha.users["coordinator"])
    response = client.post(url("groups:create"), _group_data(
        cycle=cycle.pk, facilitators=[world.alpha.users["facilitator"].pk,
                                      world.alpha.users["coordinator"].pk]))
    assert response.status_code == 302
    group = Group.objects.of(t).get(name="Elderly people")
    assert group.tags == ["elders", "north side"]
    assert group.cycle == cycle and group.facilitators.count() == 2
    assert AuditEntry.objects.of(t).filter(model="group", action="create").count() == 1


@pytest.mark.parametrize("who", ["beta-facilitator", "alpha-observer", "alpha-partner"])
def test_facilitators_must_be_facilitators_or_coordinators_of_the_territory(world, login, who):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=who)
    client = login(world.alpha.users["coordinator"])
    response = client.post(url("groups:create"), _group_data(facilitators=[user.pk]))
    assert response.status_code == 200
    assert "is not a facilitator or coordinator of this territory" in response.content.decode()
    assert not Group.objects.filter(name="Elderly people").exists()


def test_cycle_of_another_territory_is_refused(world, login):
    beta_cycle = Cycle.objects.of(world.beta.territory).get(number=1)
    client = login(world.alpha.users["coordinator"])
    response = client.post(url("groups:create"), _group_data(cycle=beta_cycle.pk))
    assert "Choose a cycle of this territory." in response.content.decode()
    assert not Group.objects.filter(name="Elderly people").exists()


def test_source_groups_only_for_mixed_groups_of_the_same_territory(world, login):
    client = login(world.alpha.users["coordinator"])
    young = world.alpha.group
    response = client.post(url("groups:create"), _group_data(source_groups=[young.pk]))
    assert "Only a mixed (rainbow) group lists" in response.content.decode()
    response = client.post(url("groups:create"), _group_data(
        name="Rainbow", kind="mixed", source_groups=[world.beta.group.pk]))
    assert "is not a homogeneous group of this territory" in response.content.decode()
    assert not Group.objects.filter(name="Rainbow").exists()
    mixed = Group.objects.create(territory=world.alpha.territory, name="Other rainbow", kind="mixed")
    response = client.post(url("groups:create"), _group_data(
        name="Rainbow", kind="mixed", source_groups=[mixed.pk]))
    assert "is not a homogeneous group of this territory" in response.content.decode()
    response = client.post(url("groups:create"), _group_data(
        name="Rainbow", kind="mixed", source_groups=[young.pk]))
    assert response.status_code == 302
    rainbow = Group.objects.get(name="Rainbow")
    assert list(rainbow.source_groups.all()) == [young]
    detail = client.get(url("groups:detail", pk=young.pk)).content.decode()
    assert "Sends delegates to" in detail and "Rainbow" in detail


def test_duplicate_group_name_is_refused(world, login):
    client = login(world.alpha.users["coordinator"])
    response = client.post(url("groups:create"), _group_data(name=world.alpha.group.name.upper()))
    assert "already has a group named" in response.content.decode()
    # The same name in another territory is fine.
    response = client.post(url("groups:create"), _group_data(name=world.beta.group.name))
    assert response.status_code == 302


def test_edit_a_group(world, login):
    client = login(world.alpha.users["coordinator"])
    group = world.alpha.group
    page = client.get(url("groups:edit", pk=group.pk)).content.decode()
    assert "young people 15-25" in page and "beta-facilitator" not in page
    response = client.post(url("groups:edit", pk=group.pk), _group_data(
        name="Young people", profile="15-25", tags="youth"))
    assert response.status_code == 302
    group.refresh_from_db()
    assert (group.name, group.tags, group.facilitators.count()) == ("Young people", ["youth"], 0)
    entry = AuditEntry.objects.of(world.alpha.territory).get(model="group", action="update")
    assert entry.changes["facilitators"] == ["['alpha-facilitator']", "[]"]


def test_list_shows_counts_in_few_queries(world, login, django_assert_max_num_queries):
    t = world.alpha.territory
    for i in range(8):
        g = Group.objects.create(territory=t, name=f"G{i}", tags=["t"])
        g.facilitators.add(world.alpha.users["facilitator"])
    world.alpha.cards[0].deleted_at = "2026-01-01T00:00Z"
    world.alpha.cards[0].save()
    client = login(world.alpha.users["observer"])
    with django_assert_max_num_queries(10):
        response = client.get(url("groups:list"))
    groups = {g.name: g for g in response.context["groups"]}
    young = groups["Alphaville young people"]
    assert (young.n_sessions, young.n_cards) == (1, 2)
    assert (groups["G3"].n_sessions, groups["G3"].n_cards) == (0, 0)
    page = response.content.decode()
    assert "alpha-facilitator" in page and "Betatown" not in page


def test_detail_counts_cards_per_question_and_links(world, login):
    group = world.alpha.group
    client = login(world.alpha.users["facilitator"])
    response = client.get(url("groups:detail", pk=group.pk))
    rows = {r["question"].code: r["count"] for r in response.context["per_question"]}
    assert rows == {"Q1": 3, "Q2": 0, "Q3": 0, "Q4": 0}
    page = response.content.decode()
    assert f"{url('criteria:bulk')}?group={group.pk}" in page
    assert f"{url('criteria:list')}?group={group.pk}" in page
    assert url("criteria:kit", pk=group.pk) in page
    assert url("groups:session_create", pk=group.pk) in page
    assert "Town hall" in page
    # Readers do not get entry or session links.
    page = login(world.alpha.users["partner"]).get(url("groups:detail", pk=group.pk)).content.decode()
    assert url("groups:session_create", pk=group.pk) not in page
    assert url("groups:entry_link", pk=group.pk) not in page


def test_facilitator_creates_and_edits_a_session(world, login):
    group = world.alpha.group
    client = login(world.alpha.users["facilitator"])
    response = client.post(url("groups:session_create", pk=group.pk), {
        "date": "2026-11-02", "place": "Library", "channel": "hybrid", "attendee_count": "-1"})
    assert response.status_code == 200
    assert "cannot be negative" in response.content.decode()
    response = client.post(url("groups:session_create", pk=group.pk), {
        "date": "2026-11-02", "place": "Library", "channel": "hybrid", "attendee_count": "11"})
    assert response.status_code == 302
    session = Session.objects.of(world.alpha.territory).get(place="Library")
    assert (session.channel, session.attendee_count, session.group) == ("hybrid", 11, group)
    response = client.post(url("groups:session_edit", pk=group.pk, session_pk=session.pk), {
        "date": "2026-11-03", "place": "Library", "channel": "online", "attendee_count": "0"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert (str(session.date), session.channel, session.attendee_count) == ("2026-11-03", "online", 0)
    assert AuditEntry.objects.of(world.alpha.territory).filter(model="session").count() == 2


def test_session_of_another_group_is_not_found(world, login):
    other = Group.objects.create(territory=world.alpha.territory, name="Elders")
    client = login(world.alpha.users["coordinator"])
    response = client.get(url("groups:session_edit", pk=other.pk, session_pk=world.alpha.session.pk))
    assert response.status_code == 404


@pytest.mark.parametrize("role", ["coordinator", "facilitator"])
def test_entry_link_life_cycle(world, login, role):
    group = world.alpha.group
    client = login(world.alpha.users[role])
    link = url("groups:entry_link", pk=group.pk)
    response = client.post(link, {"action": "open"}, follow=True)
    assert "Create a private link before opening online entry." in response.content.decode()
    group.refresh_from_db()
    assert not group.entry_open
    client.post(link, {"action": "create"})
    group.refresh_from_db()
    first = group.entry_token
    assert first
    page = client.get(link).content.decode()
    assert "http://testserver" + reverse("public:entry", args=[first]) in page
    client.post(link, {"action": "open"})
    group.refresh_from_db()
    assert group.entry_open
    client.post(link, {"action": "create"})
    group.refresh_from_db()
    assert group.entry_token and group.entry_token != first
    client.post(link, {"action": "revoke"})
    group.refresh_from_db()
    assert group.entry_token is None and not group.entry_open
    client.post(link, {"action": "reveal"})
    group.refresh_from_db()
    assert group.revealed_at is not None
    actions = AuditEntry.objects.of(world.alpha.territory).filter(model="group")
    assert actions.count() == 5
    # The audit trail never keeps a token: whoever reads it could not write as the group.
    assert not any(first in str(a.changes) or first in a.summary for a in actions)
    world.beta.group.refresh_from_db()
    assert world.beta.group.entry_token is None and world.beta.group.revealed_at is None


@pytest.mark.parametrize("role", ["partner", "observer"])
def test_readers_cannot_manage_the_entry_link(world, login, role):
    group = world.alpha.group
    client = login(world.alpha.users[role])
    assert client.post(url("groups:entry_link", pk=group.pk), {"action": "create"}).status_code == 403
    assert client.post(url("groups:session_create", pk=group.pk),
                       {"date": "2026-11-02", "channel": "online"}).status_code == 403
    group.refresh_from_db()
    assert group.entry_token is None and group.sessions.count() == 1
