"""Every territory and group page, for every role: allowed -> 200, too low -> 403,
another territory -> 404; and POSTs from another territory change nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cospiral.core.models import AuditEntry
from tests.conftest import ROLES

ALL = set(ROLES)
RUN = {"coordinator", "facilitator"}
MANAGE = {"coordinator"}


def _objects(side):
    from cospiral.cards.models import Question
    from cospiral.territories.models import CoordinationMember, Organisation

    org = Organisation.objects.create(territory=side.territory, name=f"{side.territory.name} hall")
    seat = CoordinationMember.objects.create(territory=side.territory, person="Mayor",
                                             organisation=org)
    custom = Question.objects.create(territory=side.territory, code="Q9", texts={"en": "Nine?"})
    return {"org": org.pk, "seat": seat.pk, "question": custom.pk,
            "group": side.group.pk, "session": side.session.pk}


def pages(slug, o):
    """(name, kwargs, roles allowed) of every GET page of one territory."""
    t = {"territory": slug}
    g = {**t, "pk": o["group"]}
    return [
        ("territories:home", t, ALL),
        ("territories:phase", {**t, "cycle": 0, "number": 1}, ALL),
        ("territories:phase", {**t, "cycle": 3, "number": 8}, ALL),
        ("territories:edit", t, MANAGE),
        ("territories:members", t, MANAGE),
        ("territories:coordination", t, ALL),
        ("territories:organisation_edit", {**t, "pk": o["org"]}, MANAGE),
        ("territories:seat_edit", {**t, "pk": o["seat"]}, MANAGE),
        ("territories:questions", t, ALL),
        ("territories:question_edit", {**t, "pk": o["question"]}, MANAGE),
        ("territories:audit", t, MANAGE),
        ("groups:list", t, ALL),
        ("groups:create", t, MANAGE),
        ("groups:detail", g, ALL),
        ("groups:edit", g, MANAGE),
        ("groups:session_create", g, RUN),
        ("groups:session_edit", {**g, "session_pk": o["session"]}, RUN),
        ("groups:entry_link", g, RUN),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_for_every_role(world, client, role):
    alpha_objects, beta_objects = _objects(world.alpha), _objects(world.beta)
    client.force_login(world.alpha.users[role])
    for name, kwargs, allowed in pages("alpha", alpha_objects):
        response = client.get(reverse(name, kwargs=kwargs))
        expected = 200 if role in allowed else 403
        assert response.status_code == expected, (name, kwargs, role, response.status_code)
        if expected == 200:
            assert b"Betatown" not in response.content, (name, role)
    for name, kwargs, _allowed in pages("beta", beta_objects):
        response = client.get(reverse(name, kwargs=kwargs))
        assert response.status_code == 404, (name, role, response.status_code)
    # Objects of beta through alpha's addresses: not found.
    for name, kwargs, allowed in pages("alpha", beta_objects):
        if "pk" not in kwargs or role not in allowed:
            continue
        response = client.get(reverse(name, kwargs=kwargs))
        assert response.status_code == 404, (name, role, response.status_code)


def test_facilitator_of_another_group_is_refused(world, client, login):
    from cospiral.groups.models import Group

    other = Group.objects.create(territory=world.alpha.territory, name="Elders")
    login(world.alpha.users["facilitator"])
    for name in ("groups:session_create", "groups:entry_link"):
        url = reverse(name, kwargs={"territory": "alpha", "pk": other.pk})
        assert client.get(url).status_code == 403
        assert client.post(url, {"action": "create"}).status_code == 403
    other.refresh_from_db()
    assert other.entry_token is None and other.sessions.count() == 0


def test_anonymous_is_sent_to_sign_in(world, client):
    response = client.get(reverse("territories:home", kwargs={"territory": "alpha"}))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def _beta_state(world):
    from cospiral.cards.models import Question
    from cospiral.groups.models import Group, Session
    from cospiral.territories.models import (
        CoordinationMember,
        Membership,
        Organisation,
        Phase,
        Territory,
    )

    t = world.beta.territory
    return (
        list(Territory.objects.filter(pk=t.pk).values()),
        list(Membership.objects.of(t).order_by("pk").values()),
        list(Phase.objects.of(t).order_by("pk").values()),
        list(Organisation.objects.of(t).order_by("pk").values()),
        list(CoordinationMember.objects.of(t).order_by("pk").values()),
        list(Question.objects.of(t).order_by("pk").values()),
        sorted(Question.enabled_cycles.through.objects.filter(
            question__territory=t).values_list("question_id", "cycle_id")),
        list(Group.objects.of(t).order_by("pk").values()),
        list(Session.objects.of(t).order_by("pk").values()),
        AuditEntry.objects.of(t).count(),
    )


@pytest.mark.parametrize("role", ROLES)
def test_posts_from_another_territory_change_nothing(world, client, role):
    from django.contrib.auth import get_user_model

    from cospiral.territories.models import Membership

    beta_objects = _objects(world.beta)
    before = _beta_state(world)
    users_before = get_user_model().objects.count()
    client.force_login(world.alpha.users[role])
    beta_member = Membership.objects.of(world.beta.territory).get(
        user=world.beta.users["observer"])
    t = {"territory": "beta"}
    g = {**t, "pk": beta_objects["group"]}
    posts = [
        ("territories:edit", t, {"name": "Hacked", "kind": "city", "languages": ["fr"]}),
        ("territories:phase", {**t, "cycle": 1, "number": 1}, {"status": "done", "notes": "x"}),
        ("territories:members", t, {"form": "existing", "existing-username": "alpha-observer",
                                    "existing-role": "coordinator"}),
        ("territories:members", t, {"form": "new", "new-username": "intruder",
                                    "new-password": "a long unusual pass 42", "new-role": "coordinator"}),
        ("territories:member_role", {**t, "pk": beta_member.pk}, {f"m{beta_member.pk}-role": "coordinator"}),
        ("territories:member_remove", {**t, "pk": beta_member.pk}, {}),
        ("territories:coordination", t, {"form": "organisation", "org-name": "Intruders", "org-kind": "other"}),
        ("territories:organisation_edit", {**t, "pk": beta_objects["org"]}, {"delete": "1"}),
        ("territories:seat_edit", {**t, "pk": beta_objects["seat"]}, {"delete": "1"}),
        ("territories:questions", t, {"form": "cycles"}),
        ("territories:question_edit", {**t, "pk": beta_objects["question"]}, {"delete": "1"}),
        ("groups:create", t, {"name": "Intruders", "kind": "homogeneous"}),
        ("groups:edit", g, {"name": "Hacked", "kind": "homogeneous"}),
        ("groups:session_create", g, {"date": "2026-01-01", "channel": "online"}),
        ("groups:session_edit", {**g, "session_pk": beta_objects["session"]},
         {"date": "2026-01-01", "channel": "online"}),
        ("groups:entry_link", g, {"action": "create"}),
        ("groups:entry_link", g, {"action": "reveal"}),
    ]
    for name, kwargs, data in posts:
        response = client.post(reverse(name, kwargs=kwargs), data)
        assert response.status_code == 404, (name, role, response.status_code)
    assert _beta_state(world) == before
    assert get_user_model().objects.count() == users_before


def test_own_territory_address_with_other_territory_objects_changes_nothing(world, login):
    from cospiral.territories.models import Membership

    before = _beta_state(world)
    client = login(world.alpha.users["coordinator"])
    beta_member = Membership.objects.of(world.beta.territory).get(
        user=world.beta.users["coordinator"])
    t = {"territory": "alpha"}
    assert client.post(reverse("territories:member_remove", kwargs={**t, "pk": beta_member.pk})
                       ).status_code == 404
    assert client.post(reverse("territories:member_role", kwargs={**t, "pk": beta_member.pk}),
                       {f"m{beta_member.pk}-role": "observer"}).status_code == 404
    assert client.post(reverse("groups:entry_link", kwargs={**t, "pk": world.beta.group.pk}),
                       {"action": "create"}).status_code == 404
    assert client.post(reverse("groups:session_edit", kwargs={
        **t, "pk": world.alpha.group.pk, "session_pk": world.beta.session.pk}),
        {"date": "2026-01-01", "channel": "online"}).status_code == 404
    assert _beta_state(world) == before
