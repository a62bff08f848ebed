"""What the writes of the plan share: limits, field lists, checks of text, dates,
families and scores, and who a partner member speaks for."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cospiral.actions.models import Action
from cospiral.domain import evaluation as ev
from cospiral.domain import plan
from cospiral.territories.models import Membership, Role

MAX_TITLE_CHARS = 200
MAX_TEXT_CHARS = 5000
METHOD_CARD_QUESTIONS = ("Q3", "Q4")
TEST_FIELDS = plan.DEMONSTRATIVE_TESTS

ACTION_FIELDS = ("title", "description", "axis_id", "parent_id", "cycle_id", "lead_id",
                 "families", *ev.QUESTIONS, "demonstrative", *TEST_FIELDS, "starts_on",
                 "ends_on", "review_on", "position")
COMMITMENT_FIELDS = ("party_kind", "organisation_id", "group_id", "person", "what", "resource",
                     "amount", "unit", "due_on", "accepted_on", "signed_on", "outcome", "evidence")
OUTCOME_FIELDS = ("accepted_on", "signed_on", "outcome", "evidence")


def partner_organisation(territory, user):
    """The organisation a partner member speaks for in ``territory``, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    membership = (Membership.objects.of(territory).filter(user=user, role=Role.PARTNER)
                  .select_related("organisation").first())
    return membership.organisation if membership is not None else None



def _same_territory(errors: dict, field: str, obj, territory, message: str) -> None:
    if obj is not None and obj.territory_id != territory.pk:
        errors[field] = message


def _chosen(errors: dict, field: str, obj, territory, *, missing: str, foreign: str) -> None:
    """A required link to a row of ``territory`` (the party that commits, the source of an
    action): ``missing`` on ``field`` when none is chosen, ``foreign`` (``%(name)s``: the
    row) when it is another territory's."""
    if obj is None:
        errors[field] = missing
    elif obj.territory_id != territory.pk:
        errors[field] = foreign % {"name": obj}


def _date_order(errors: dict, start_field: str, start, end_field: str, end, message: str) -> None:
    if start and end and end < start:
        errors[end_field] = message % {"start": date_format(start), "end": date_format(end)}


def _alive_action(action: Action, *, lock: bool = True) -> Action:
    qs = Action.objects.of(action.territory)
    if lock:
        qs = qs.select_for_update()
    current = qs.get(pk=action.pk)
    if current.deleted_at is not None:
        raise ValidationError(_("The action “%(title)s” is deleted: restore it before changing "
                                "it.") % {"title": current.title})
    return current


def family_codes(territory) -> list[str]:
    from cospiral.grid.models import GridEntry

    return list(GridEntry.objects.of(territory).filter(kind=GridEntry.Kind.FAMILY)
                .order_by("position", "code").values_list("code", flat=True))


def _clean_families(errors: dict, territory, codes) -> list[str]:
    known = family_codes(territory)
    try:
        return ev.clean_families(codes or (), known)
    except ValueError as error:
        errors["families"] = _(
            "%(codes)s: not a family of this territory's grid. The families are %(known)s."
        ) % {"codes": ", ".join(f"“{c}”" for c in error.args[0]), "known": ", ".join(known) or "—"}
        return []


def _clean_scores(errors: dict, scores: Mapping) -> dict:
    ev.require_questions(scores)
    result = {}
    for q in ev.QUESTIONS:
        value = scores.get(q)
        try:
            result[q] = ev.check_score(q, value)
        except ev.ScoreError:
            errors[q] = _("“%(value)s” is not on the scale: give a whole number from %(min)s "
                          "(not at all) to %(max)s (fully), or leave it empty for not assessed."
                          ) % {"value": value, "min": ev.SCALE_MIN, "max": ev.SCALE_MAX}
    return result


TEST_LABELS = {
    "starts_at_once": gettext_lazy("starts at once"),
    "quick_results": gettext_lazy("first results within about three months"),
    "crosses_barriers": gettext_lazy("crosses institutional barriers"),
    "addresses_extreme": gettext_lazy("addresses an extreme situation"),
}


def _apply(obj, values: dict) -> None:
    for name, value in values.items():
        setattr(obj, name, value)
