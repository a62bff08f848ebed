"""Writes of commitments: who commits (an organisation or a group of the territory, or a
person named in words), what, with which resource, and later its outcome; a partner
member records the outcome of its organisation's commitments only."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cospiral.actions.models import Action, Commitment
from cospiral.actions.services._base import (
    COMMITMENT_FIELDS,
    MAX_TEXT_CHARS,
    OUTCOME_FIELDS,
    _alive_action,
    _apply,
    _chosen,
    _date_order,
)
from cospiral.core import rules, writes
from cospiral.core.writes import clean_text as _text


def _clean_outcome(errors: dict, *, accepted_on, signed_on, outcome, evidence) -> dict:
    evidence = _text(errors, "evidence", evidence, required=False, limit=MAX_TEXT_CHARS,
                     what=_("evidence note"))
    outcome = outcome or ""
    if outcome not in ("", *Commitment.Outcome.values):
        errors["outcome"] = _("“%(value)s” is not an outcome (kept, partly kept, not kept).") % {
            "value": outcome}
    elif outcome and accepted_on is None:
        errors["outcome"] = _("Record the outcome once the commitment is accepted: give the "
                              "date it was accepted first.")
    elif outcome and not evidence:
        errors["evidence"] = _("Say what shows the outcome in the evidence note (for example "
                               "the report, the invoice, the attendance sheet).")
    if signed_on is not None and accepted_on is None:
        errors["signed_on"] = _("A commitment is signed after it is accepted: give the date it "
                                "was accepted too.")
    else:
        _date_order(errors, "accepted_on", accepted_on, "signed_on", signed_on,
                    _("The signing date (%(end)s) is before the date it was accepted (%(start)s)."))
    return {"accepted_on": accepted_on, "signed_on": signed_on, "outcome": outcome,
            "evidence": evidence}


def _clean_amount(errors: dict, amount):
    if amount in (None, ""):
        return None
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        errors["amount"] = _("“%(value)s” is not a number.") % {"value": amount}
        return None
    if not value.is_finite() or value < 0:
        errors["amount"] = _("The amount is a number, 0 or more (“%(value)s” given).") % {
            "value": amount}
        return None
    if value >= Decimal("1e12") or value != value.quantize(Decimal("0.01")):
        errors["amount"] = _("The amount has at most 12 digits before the decimal point and 2 "
                             "after (“%(value)s” given).") % {"value": amount}
        return None
    return value


# The parties of a commitment that are rows of the territory: their field, and what is
# said when none is chosen or when it is another territory's.
TERRITORY_PARTIES = {
    Commitment.PartyKind.ORGANISATION: (
        "organisation", gettext_lazy("Choose the organisation that commits."),
        gettext_lazy("“%(name)s” is not an organisation of this territory: only a party "
                     "of the territory can commit to its actions.")),
    Commitment.PartyKind.GROUP: (
        "group", gettext_lazy("Choose the group that commits."),
        gettext_lazy("“%(name)s” is not a group of this territory: only a party of the "
                     "territory can commit to its actions.")),
}


def _clean_commitment(territory, data: Mapping) -> tuple[dict, dict]:
    """A commitment's fields from ``data`` (party_kind, organisation, group, person, what,
    resource, amount, unit, due_on, accepted_on, signed_on, outcome, evidence), checked:
    returns ``(values, errors)``. The party is an organisation or a group of the
    territory, or a person named in words."""
    party_kind, organisation, group = data.get("party_kind"), data.get("organisation"), data.get("group")
    person, what, resource = data.get("person", ""), data.get("what", ""), data.get("resource")
    amount, unit = data.get("amount"), data.get("unit", "")
    accepted_on, signed_on = data.get("accepted_on"), data.get("signed_on")
    outcome, evidence = data.get("outcome", ""), data.get("evidence", "")
    errors: dict[str, str] = {}
    if party_kind in TERRITORY_PARTIES:
        # An organisation or a group of the territory: the party's row, and no other.
        field, missing, foreign = TERRITORY_PARTIES[party_kind]
        chosen = {"organisation": organisation, "group": group}[field]
        organisation = chosen if field == "organisation" else None
        group = chosen if field == "group" else None
        person = ""
        _chosen(errors, field, chosen, territory, missing=str(missing), foreign=str(foreign))
    elif party_kind == Commitment.PartyKind.PERSON:
        organisation, group = None, None
        person = _text(errors, "person", person, required=True, limit=200,
                       what=_("person's name"))
    else:
        errors["party_kind"] = _("Say who commits: an organisation, a group or a person.")
    what = _text(errors, "what", what, required=True, limit=MAX_TEXT_CHARS,
                 what=_("commitment"))
    if resource not in Commitment.Resource.values:
        errors["resource"] = _("“%(value)s” is not a resource type (money, time, premises, "
                               "skills, other).") % {"value": resource}
    amount = _clean_amount(errors, amount)
    unit = _text(errors, "unit", unit, required=False, limit=30, what=_("unit"))
    outcome_values = _clean_outcome(errors, accepted_on=accepted_on, signed_on=signed_on,
                                    outcome=outcome, evidence=evidence)
    return ({"party_kind": party_kind, "organisation": organisation, "group": group,
             "person": person, "what": what, "resource": resource, "amount": amount,
             "unit": unit, "due_on": data.get("due_on"), **outcome_values}, errors)


@transaction.atomic
def save_commitment(action: Action, *, user, commitment: Commitment | None = None,
                    party_kind: str, organisation=None, group=None, person: str = "",
                    what: str, resource: str = Commitment.Resource.TIME, amount=None,
                    unit: str = "", due_on=None, accepted_on=None, signed_on=None,
                    outcome: str = "", evidence: str = "") -> Commitment:
    """Create or change a commitment of one party: an organisation or a group of the
    action's territory, or a person named in words."""
    territory = action.territory
    w = writes.Write(territory, user=user, rule=rules.CHANGE_PLAN)
    current = _alive_action(action, lock=False)
    values, errors = _clean_commitment(territory, {
        "party_kind": party_kind, "organisation": organisation, "group": group,
        "person": person, "what": what, "resource": resource, "amount": amount, "unit": unit,
        "due_on": due_on, "accepted_on": accepted_on, "signed_on": signed_on,
        "outcome": outcome, "evidence": evidence})
    if errors:
        raise ValidationError(errors)
    if commitment is None:
        obj, before = Commitment(territory=territory, action=current, created_by=w.actor), None
    else:
        obj = w.lock(commitment)
        if obj.deleted_at is not None:
            raise ValidationError(_("This commitment is deleted: restore it before changing it."))
        before = writes.snapshot(obj, COMMITMENT_FIELDS)
    _apply(obj, values)
    w.save(obj, COMMITMENT_FIELDS, before, f"{current.title}: {obj.party_name}")
    return obj


@transaction.atomic
def record_outcome(commitment: Commitment, *, user, accepted_on=None, signed_on=None,
                   outcome: str = "", evidence: str = "") -> Commitment:
    """The dates, outcome and evidence of a commitment: by coordinators and facilitators,
    or by a partner member whose membership names the commitment's organisation (nothing
    else of the commitment can be changed that way)."""
    w, obj = writes.lock(commitment, user=user, of=("self",),
                         related=("action", "organisation", "group"))
    w.check(rules.RECORD_PLAN_OUTCOME, obj)
    if obj.deleted_at is not None or obj.action.deleted_at is not None:
        raise ValidationError(_("This commitment or its action is deleted: it cannot be "
                                "changed."))
    errors: dict[str, str] = {}
    values = _clean_outcome(errors, accepted_on=accepted_on, signed_on=signed_on,
                            outcome=outcome, evidence=evidence)
    if errors:
        raise ValidationError(errors)
    before = writes.snapshot(obj, OUTCOME_FIELDS)
    _apply(obj, values)
    w.save(obj, OUTCOME_FIELDS, before, f"{obj.action.title}: {obj.party_name}",
           update_fields=[*OUTCOME_FIELDS, "updated_at"])
    return obj


@transaction.atomic
def delete_commitment(commitment: Commitment, *, user) -> Commitment:
    w, obj = writes.lock(commitment, user=user, rule=rules.CHANGE_PLAN)
    if obj.deleted_at is None:
        w.soft_delete(obj, str(obj))
    return obj


@transaction.atomic
def restore_commitment(commitment: Commitment, *, user) -> Commitment:
    w, obj = writes.lock(commitment, user=user, rule=rules.CHANGE_PLAN, of=("self",),
                         related=("action",))
    w.restore(obj, str(obj), within=obj.action, refusal=lambda: _(
        "The action “%(title)s” is deleted: restore it first.") % {"title": obj.action.title})
    return obj


def check_commitment(territory, data: Mapping) -> tuple[dict, dict]:
    """The rules of ``save_commitment`` on one commitment's fields, without writing."""
    values, errors = _clean_commitment(territory, data)
    if not errors and values.get("amount") is not None:
        values["amount"] = values["amount"].quantize(Decimal("0.01"))
    return values, errors
