"""Writes of existing actions. Each function checks who may write (coordinators and
facilitators), validates everything before writing (scores on the scale, families of the
territory's grid, organisation and cycle of the territory), owns its transaction and
records the audit trail. Actions are never erased: ``delete_action`` hides one,
``restore_action`` brings it back."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cospiral.core import rules, writes
from cospiral.core.writes import clean_text as _text
from cospiral.domain import evaluation as ev
from cospiral.existing_actions import selectors
from cospiral.existing_actions.models import ExistingAction
from cospiral.territories.models import Cycle, Organisation

MAX_NAME_CHARS = 200
MAX_CARRIED_BY_CHARS = 300
MAX_TEXT_CHARS = 5000

_FIELDS = ("name", "description", "carried_by", "organisation_id", "cycle_id", "families",
           *(f"{q}_score" for q in ev.QUESTIONS), *(f"{q}_note" for q in ev.QUESTIONS))
_EVALUATION_FIELDS = {f"{q}_score" for q in ev.QUESTIONS} | {f"{q}_note" for q in ev.QUESTIONS}



def clean_families(territory, codes: Iterable[str]) -> list[str]:
    """The family codes, checked against the territory's grid version; a ValidationError
    on ``families`` names each unknown code and lists the valid ones."""
    known = selectors.family_codes(territory)
    try:
        return ev.clean_families(codes, known)
    except ValueError as error:
        bad = error.args[0]
        raise ValidationError({"families": _(
            "%(codes)s: not a family of this territory's grid (%(grid)s). The families are %(known)s."
        ) % {"codes": ", ".join(f"“{c}”" for c in bad), "grid": territory.grid_version.slug,
             "known": ", ".join(known) or "—"}}) from None


def _clean_scores(errors: dict, scores: Mapping[str, int | None]) -> dict[str, int | None]:
    ev.require_questions(scores)
    result = {}
    for q in ev.QUESTIONS:
        value = scores.get(q)
        if isinstance(value, str):
            value = value.strip()
            value = int(value) if value.lstrip("-").isdigit() else (None if value == "" else value)
        try:
            result[q] = ev.check_score(q, value)
        except ev.ScoreError:
            errors[f"{q}_score"] = _(
                "“%(value)s” is not on the scale: give a whole number from %(min)s (not at all) "
                "to %(max)s (fully), or leave it empty for not assessed."
            ) % {"value": value, "min": ev.SCALE_MIN, "max": ev.SCALE_MAX}
    return result


@transaction.atomic
def save_action(territory, *, user, action: ExistingAction | None = None, name: str,
                description: str = "", carried_by: str = "",
                organisation: Organisation | None = None, cycle: Cycle | None = None,
                families: Iterable[str] = (), scores: Mapping[str, int | None] | None = None,
                notes: Mapping[str, str] | None = None) -> ExistingAction:
    """Create (``action`` None) or change an existing action and its evaluation.
    ``scores`` and ``notes`` are keyed by question (``QUESTIONS``); a question left out
    is not assessed. Raises ValidationError naming each wrong field; nothing is written
    then."""
    w = writes.Write(territory, user=user, rule=rules.CHANGE_EXISTING_ACTIONS)
    if action is not None:
        action = w.lock(action)
        if action.deleted_at is not None:
            raise ValidationError(_("This action is deleted: restore it before changing it."))
    errors: dict[str, str] = {}
    name = _text(errors, "name", name, required=True, limit=MAX_NAME_CHARS, what=_("name"))
    description = _text(errors, "description", description, required=False,
                        limit=MAX_TEXT_CHARS, what=_("description"))
    carried_by = _text(errors, "carried_by", carried_by, required=False,
                       limit=MAX_CARRIED_BY_CHARS, what=_("“carried by”"))
    if organisation is not None and organisation.territory_id != territory.pk:
        errors["organisation"] = _("This organisation is not one of this territory.")
    if cycle is not None and cycle.territory_id != territory.pk:
        errors["cycle"] = _("This cycle is not one of this territory.")
    try:
        families = clean_families(territory, families)
    except ValidationError as error:
        errors.update({k: v[0] for k, v in error.message_dict.items()})
    clean_scores = _clean_scores(errors, scores or {})
    clean_notes = {}
    for q in ev.QUESTIONS:
        clean_notes[q] = _text(errors, f"{q}_note", (notes or {}).get(q, ""), required=False,
                               limit=MAX_TEXT_CHARS, what=_("justification"))
    if errors:
        raise ValidationError(errors)

    creating = action is None
    if creating:
        action, before = ExistingAction(territory=territory, created_by=w.actor), None
    else:
        before = writes.snapshot(action, _FIELDS)
    action.name, action.description, action.carried_by = name, description, carried_by
    action.organisation, action.cycle, action.families = organisation, cycle, families
    for q in ev.QUESTIONS:
        setattr(action, f"{q}_score", clean_scores[q])
        setattr(action, f"{q}_note", clean_notes[q])
    changes = writes.changes(before, writes.snapshot(action, _FIELDS), blank=(None, "", []))
    if _EVALUATION_FIELDS & set(changes):
        action.evaluated_by = w.actor
        action.evaluated_at = timezone.now()
    return w.save(action, _FIELDS, before, action.name, blank=(None, "", []))


@transaction.atomic
def delete_action(action: ExistingAction, *, user) -> ExistingAction:
    """Soft delete: the action is hidden from the ranking, never erased."""
    w, current = writes.lock(action, user=user, rule=rules.CHANGE_EXISTING_ACTIONS)
    if current.deleted_at is None:
        w.soft_delete(current, current.name, with_user=True)
    return current


@transaction.atomic
def restore_action(action: ExistingAction, *, user) -> ExistingAction:
    w, current = writes.lock(action, user=user, rule=rules.CHANGE_EXISTING_ACTIONS)
    w.restore(current, current.name, with_user=True)
    return current
