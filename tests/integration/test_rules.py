"""The truth table of every permission rule (``cospiral.core.rules``): each rule × each
role (coordinator, facilitator, partner, observer, a signed-in person of no territory,
anonymous, a coordinator of the other territory, a site administrator) × each of the two
territories, on the kind of row the rule is about."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from cospiral.core import rules
from cospiral.groups.models import Group
from cospiral.territories.models import Membership, Organisation

ALL = ("coordinator", "facilitator", "partner", "observer", "nobody", "anonymous", "other",
       "superuser")
WRITERS = {"coordinator", "facilitator"}
COORDINATORS = {"coordinator"}
FOLLOWERS = {"coordinator", "facilitator", "partner"}

#: rule -> {kind of row: roles of the row's own territory allowed}. A coordinator of the
#: other territory and a site administrator are checked against this table too: the
#: first is allowed nothing here, the second what a coordinator is.
TABLE = {
    "actions.change": {"territory": WRITERS},
    "actions.record_outcome": {"own_party": FOLLOWERS, "other_party": WRITERS,
                               "territory": WRITERS},
    "contracts.change": {"territory": WRITERS},
    "contracts.record_outcome": {"own_party": FOLLOWERS, "other_party": WRITERS,
                                 "territory": WRITERS},
    "contracts.record_attendance": {"own_party": FOLLOWERS, "other_party": WRITERS,
                                    "territory": WRITERS},
    "evaluations.change": {"territory": WRITERS},
    "criteria.write": {"group": WRITERS, "other_group": COORDINATORS},
    "criteria.import": {"territory": WRITERS},
    "coding.code": {"group": WRITERS, "other_group": COORDINATORS},
    "coding.validate": {"territory": COORDINATORS},
    "indicators.write": {"territory": WRITERS},
    "indicators.delete": {"territory": COORDINATORS},
    "syntheses.write_group": {"group": WRITERS, "other_group": COORDINATORS},
    "syntheses.write_territory": {"territory": COORDINATORS},
    "syntheses.validate": {"territory": COORDINATORS},
    "syntheses.introduction": {"territory": COORDINATORS},
    "syntheses.shared_criteria": {"group": WRITERS, "other_group": COORDINATORS},
    "votes.manage": {"territory": COORDINATORS},
}


def test_every_rule_is_in_the_table():
    assert set(TABLE) == set(rules.RULES)


def _rows(t, name):
    """The rows of territory ``t`` a rule is checked on, by kind."""
    own = Organisation.objects.create(territory=t.territory, name=f"{name} association")
    other = Organisation.objects.create(territory=t.territory, name=f"{name} company")
    Membership.objects.of(t.territory).filter(user=t.users["partner"]).update(organisation=own)
    plain = Group.objects.create(territory=t.territory, name=f"{name} elders")
    # The rules read a row's territory and organisation: a commitment, a contract's party
    # and a workshop's party all carry both.
    from cospiral.contracts.models import Contract, ContractParty

    contract = Contract.objects.create(territory=t.territory, title=f"{name} contract")
    return {
        "territory": t.territory,
        "group": t.group,
        "other_group": plain,
        "own_party": ContractParty.objects.create(
            territory=t.territory, contract=contract, kind=ContractParty.Kind.PROVIDER,
            organisation=own),
        "other_party": ContractParty.objects.create(
            territory=t.territory, contract=contract, kind=ContractParty.Kind.PROVIDER,
            organisation=other),
    }


@pytest.fixture
def table_world(world):
    User = get_user_model()
    actors = {role: world.alpha.users[role] for role in ("coordinator", "facilitator",
                                                          "partner", "observer")}
    actors["nobody"] = User.objects.create_user("nobody")
    actors["anonymous"] = AnonymousUser()
    actors["other"] = world.beta.users["coordinator"]
    actors["superuser"] = User.objects.create_superuser("root")
    return actors, {"alpha": _rows(world.alpha, "Alpha"), "beta": _rows(world.beta, "Beta")}


def _expected(role: str, where: str, allowed: set) -> bool:
    if role == "superuser":
        return "coordinator" in allowed
    if role == "other":  # beta's coordinator: a coordinator in beta, nothing in alpha
        return where == "beta" and "coordinator" in allowed
    return where == "alpha" and role in allowed


@pytest.mark.parametrize("name", sorted(TABLE))
def test_truth_table(table_world, world, name):
    actors, rows = table_world
    rule = rules.RULES[name]
    expected, found = {}, {}
    for kind, allowed in TABLE[name].items():
        for where in ("alpha", "beta"):
            obj = rows[where][kind]
            territory = getattr(world, where).territory
            for role in ALL:
                key = (kind, where, role)
                expected[key] = _expected(role, where, allowed)
                found[key] = rule.test(actors[role], obj, territory)
                # Checked without the territory, the row's own territory decides alike.
                assert rule.test(actors[role], obj) == found[key], key
    assert found == expected


@pytest.mark.parametrize("name", sorted(TABLE))
def test_a_row_of_another_territory_is_refused_to_everyone(table_world, world, name):
    """A row of alpha checked in beta is refused, even to alpha's coordinator and to a
    site administrator: the kernel never lets a row cross territories."""
    actors, rows = table_world
    rule = rules.RULES[name]
    for kind in TABLE[name]:
        for role in ALL:
            assert rule.test(actors[role], rows["alpha"][kind], world.beta.territory) is False


def test_a_refusal_names_the_group(table_world, world):
    actors, rows = table_world
    with pytest.raises(PermissionDenied) as refused:
        rules.WRITE_CARDS.check(actors["observer"], world.alpha.group, world.alpha.territory)
    assert str(refused.value) == (
        f"Only coordinators, or facilitators of the group “{world.alpha.group.name}”, may "
        "write its cards.")


def test_a_facilitator_of_another_group_codes_nothing_there(table_world, world):
    actors, rows = table_world
    facilitator = actors["facilitator"]
    assert rules.CODE_CARDS.test(facilitator, world.alpha.group, world.alpha.territory)
    assert not rules.CODE_CARDS.test(facilitator, rows["alpha"]["other_group"],
                                     world.alpha.territory)
