"""A new group starts in the home's current cycle (issue 15): the home's next step
« Create the first citizens' group » leads to the group form, and a group of no cycle is
not counted in the matrix, so the form preselects the cycle the home shows. Another
territory's cycles are never offered; « No cycle » stays a choice."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cospiral.groups.models import Group
from cospiral.territories.models import Cycle

pytestmark = pytest.mark.django_db


def _preselected(client, t):
    response = client.get(reverse("groups:create", args=[t.territory.slug]))
    assert response.status_code == 200
    return response.context["form"]["cycle"].value(), response.content.decode()


def test_the_group_form_preselects_the_current_cycle(world, login):
    alpha, beta = world.alpha, world.beta
    client = login(alpha.users["coordinator"])
    first = Cycle.objects.of(alpha.territory).order_by("number").first()
    value, html = _preselected(client, alpha)
    assert value == first.pk
    assert f'<option value="{first.pk}" selected>' in html

    # Once the territory works in cycle 2, a new group starts there.
    cycle2 = Cycle.objects.of(alpha.territory).get(number=2)
    alpha.group.cycle = cycle2
    alpha.group.save(update_fields=["cycle"])
    value, _html = _preselected(client, alpha)
    assert value == cycle2.pk
    # Beta's form preselects beta's own first cycle, not alpha's.
    beta_value, _html = _preselected(login(beta.users["coordinator"]), beta)
    assert beta_value == Cycle.objects.of(beta.territory).order_by("number").first().pk

    # « No cycle » is still a choice the coordinator can make.
    client = login(alpha.users["coordinator"])
    response = client.post(reverse("groups:create", args=[alpha.territory.slug]),
                           {"name": "Sans cycle", "kind": "homogeneous", "cycle": ""})
    assert response.status_code == 302
    assert Group.objects.of(alpha.territory).get(name="Sans cycle").cycle is None


def test_the_syntheses_page_leads_coordinators_to_a_mixed_group(world, login):
    """« Write the shared definition with a mixed group » opens the syntheses page: it
    links the group form for those who may create a group."""
    index = reverse("syntheses:index", args=[world.alpha.territory.slug])
    create = reverse("groups:create", args=[world.alpha.territory.slug])
    html = login(world.alpha.users["coordinator"]).get(index).content.decode()
    assert f'<a href="{create}">Create a mixed (rainbow) group' in html
    html = login(world.alpha.users["observer"]).get(index).content.decode()
    assert create not in html
