"""Who may write what: every permission of the services, as named rules in one module.

A rule is a predicate of ``(user, obj)`` (django-rules, composed with ``&``, ``|`` and
``~``) and the translated message a refused person reads. ``obj`` is the territory, or
a row of it (a group, a commitment, a party): the territory is ``obj.territory`` then.
The write kernel (``core.writes``) checks a rule before a service changes anything, and
refuses a row of another territory with the same message; views and templates ask
``rule.test(user, obj)`` to show or hide a button. ``tests/integration/test_rules.py``
holds the truth table: every rule × role × two territories.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import rules as django_rules
from django.core.exceptions import PermissionDenied
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cospiral.core.access import partner_organisation_id, role_in

#: The territory a check was given, so that a row of it needs no query for its territory.
_checked_in: ContextVar = ContextVar("checked_in", default=None)


def territory_of(obj):
    """The territory ``obj`` is, or belongs to."""
    if not hasattr(obj, "territory_id"):
        return obj
    known = _checked_in.get()
    return known if known is not None and known.pk == obj.territory_id else obj.territory


def _role(predicate, user, obj) -> str | None:
    """The user's role in the territory of ``obj``, looked up once per rule check."""
    territory = territory_of(obj)
    cache = predicate.context.setdefault("roles", {})
    if territory.pk not in cache:
        signed_in = user is not None and getattr(user, "is_authenticated", False)
        cache[territory.pk] = role_in(user, territory) if signed_in else None
    return cache[territory.pk]


# --- predicates ------------------------------------------------------------------------------

@django_rules.predicate(bind=True)
def is_coordinator(self, user, obj) -> bool:
    return _role(self, user, obj) == "coordinator"


@django_rules.predicate(bind=True)
def is_facilitator(self, user, obj) -> bool:
    return _role(self, user, obj) == "facilitator"


@django_rules.predicate(bind=True)
def is_partner(self, user, obj) -> bool:
    return _role(self, user, obj) == "partner"


@django_rules.predicate
def facilitates_group(user, group) -> bool:
    """``obj`` is a group the user is named a facilitator of."""
    return (user is not None and getattr(user, "is_authenticated", False)
            and group.facilitators.filter(pk=user.pk).exists())


@django_rules.predicate
def speaks_for_its_organisation(user, obj) -> bool:
    """A partner whose membership names the organisation of ``obj`` (a commitment, a
    contract party, a workshop's party); None when ``obj`` names none."""
    if obj is None or getattr(obj, "organisation_id", None) is None:
        return False
    return partner_organisation_id(territory_of(obj), user) == obj.organisation_id


is_writer = is_coordinator | is_facilitator
"""Coordinators and facilitators: they write the plan, contracts, indicators..."""

is_group_writer = is_coordinator | (is_facilitator & facilitates_group)
"""Coordinators, or the facilitators of the group ``obj``: its cards, coding, synthesis."""

is_coordination = is_coordinator | is_facilitator | is_partner
"""The coordination group: who votes signed in."""


# --- named rules -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    """A named permission: ``predicate`` decides, ``denied`` is what a refused person
    reads (``%(group)s`` and ``%(name)s`` are filled from ``obj.name``)."""

    name: str
    predicate: Any = field(repr=False)
    denied: str | Promise = field(repr=False)

    def test(self, user, obj, territory=None) -> bool:
        """May ``user`` do it on ``obj``? Never for a row of another territory than
        ``territory``, when given."""
        if territory is None:
            return bool(self.predicate.test(user, obj))
        if getattr(obj, "territory_id", obj.pk) != territory.pk:
            return False
        token = _checked_in.set(territory)
        try:
            return bool(self.predicate.test(user, obj))
        finally:
            _checked_in.reset(token)

    def message(self, obj) -> str:
        name = getattr(obj, "name", "")
        return str(self.denied) % {"group": name, "name": name} if "%(" in str(self.denied) \
            else str(self.denied)

    def check(self, user, obj, territory=None) -> None:
        """Raise PermissionDenied with the rule's message unless ``user`` may; a row of
        another territory than ``territory`` is refused the same way."""
        if not self.test(user, obj, territory):
            raise PermissionDenied(self.message(obj))


RULES: dict[str, Rule] = {}


def rule(name: str, predicate, denied) -> Rule:
    RULES[name] = Rule(name, predicate, denied)
    return RULES[name]


CHANGE_PLAN = rule("actions.change", is_writer,
                   _("Only coordinators and facilitators may change the plan."))
RECORD_PLAN_OUTCOME = rule(
    "actions.record_outcome", is_writer | speaks_for_its_organisation,
    _("Only coordinators, facilitators, or a partner speaking for the organisation that made "
      "this commitment may record its outcome."))
CHANGE_CONTRACTS = rule("contracts.change", is_writer,
                        _("Only coordinators and facilitators may change contracts."))
RECORD_CONTRACT_OUTCOME = rule(
    "contracts.record_outcome", is_writer | speaks_for_its_organisation,
    _("Only coordinators, facilitators and the committed organisation's partners may record "
      "this outcome."))
RECORD_ATTENDANCE = rule(
    "contracts.record_attendance", is_writer | speaks_for_its_organisation,
    _("Only coordinators, facilitators and the partners of the organisation running the "
      "workshop may record attendance."))
CHANGE_EXISTING_ACTIONS = rule(
    "evaluations.change", is_writer,
    _("Only coordinators and facilitators may change existing actions."))
WRITE_CARDS = rule("criteria.write", is_group_writer,
                   _("Only coordinators, or facilitators of the group “%(group)s”, may write "
                     "its cards."))
IMPORT_CARDS = rule("criteria.import", is_writer,
                    _("Only coordinators and facilitators may import cards."))
CODE_CARDS = rule("coding.code", is_group_writer,
                  _("Only coordinators, or facilitators of the group “%(group)s”, may code its "
                    "cards."))
VALIDATE_CODING = rule("coding.validate", is_coordinator,
                       _("Only coordinators record that a group validated its coding."))
WRITE_INDICATORS = rule("indicators.write", is_writer,
                        _("Only coordinators and facilitators may write indicators."))
DELETE_INDICATORS = rule("indicators.delete", is_coordinator,
                         _("Only coordinators may delete an indicator."))
WRITE_GROUP_SYNTHESIS = rule(
    "syntheses.write_group", is_group_writer,
    _("Only coordinators, or facilitators of the group “%(group)s”, may write its synthesis."))
WRITE_TERRITORY_SYNTHESIS = rule(
    "syntheses.write_territory", is_coordinator,
    _("Only coordinators may write the territory's synthesis."))
VALIDATE_SYNTHESIS = rule("syntheses.validate", is_coordinator,
                          _("Only coordinators record the validation of a synthesis."))
WRITE_DEFINITION_INTRODUCTION = rule(
    "syntheses.introduction", is_coordinator,
    _("Only coordinators may write the introduction of the shared definition."))
WRITE_SHARED_CRITERIA = rule(
    "syntheses.shared_criteria", is_group_writer,
    _("Only coordinators, or facilitators of the group “%(group)s”, may write its shared "
      "criteria."))
MANAGE_ROUNDS = rule("votes.manage", is_coordinator,
                     _("Only coordinators may set up prioritisation rounds."))
