"""Writes of the co-responsibility plan: axes, actions (from cards, a pilot idea, an
indicator or blank), status and progress, milestones, targets and commitments.

Every function checks who may write (coordinators and facilitators; a partner member
whose membership names an organisation may only record the outcome, evidence and dates
of that organisation's commitments), validates everything before writing (objects of
the same territory, Q3/Q4 cards, no circular hierarchy, values on their ranges), owns
its transaction and records the audit trail. A refused change writes nothing. Actions
and commitments are never erased: delete hides them, restore brings them back.

Rules of ``cospiral.domain.plan``: progress per status, the roll-up, reviews due; and
these decisions:

- a sub-action belongs to its parent's strategic axis (changing an action's axis moves
  its sub-actions with it);
- an action with sub-actions that are not deleted cannot be deleted; a sub-action whose
  parent is deleted cannot be restored before its parent;
- an action is flagged demonstrative only when it passes the four tests;
- a commitment's outcome is recorded only once the commitment is accepted (it has an
  accepted date), and needs an evidence note; a signed date needs an accepted date and
  is not before it;
- a target moves its indicator the right way from its baseline (or keeps it): up for the
  score, the median and the share at levels 4–5, down for the share at levels 1–2.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cospiral.actions.models import Action, Axis, Commitment, Milestone, Target
from cospiral.core import audit
from cospiral.core.access import ENTER_CARDS, role_in
from cospiral.core.models import AuditEntry
from cospiral.domain import evaluation as ev
from cospiral.domain import plan, plan_table
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


# --- Who may write -------------------------------------------------------------------------

def can_write(territory, user) -> bool:
    return role_in(user, territory) in {str(r) for r in ENTER_CARDS}


def _check_write(territory, user) -> None:
    if not can_write(territory, user):
        raise PermissionDenied(_("Only coordinators and facilitators may change the plan."))


def partner_organisation(territory, user):
    """The organisation a partner member speaks for in ``territory``, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    membership = (Membership.objects.of(territory).filter(user=user, role=Role.PARTNER)
                  .select_related("organisation").first())
    return membership.organisation if membership is not None else None


def can_record_outcome(commitment: Commitment, user) -> bool:
    """Writers, or a partner whose membership names the commitment's organisation."""
    territory = commitment.territory
    if can_write(territory, user):
        return True
    organisation = partner_organisation(territory, user)
    return (organisation is not None and commitment.organisation_id is not None
            and organisation.pk == commitment.organisation_id)


# --- Helpers ---------------------------------------------------------------------------------

def _snapshot(obj, fields) -> dict:
    return {name: getattr(obj, name) for name in fields}


def _changes(before: dict, after: dict, creating: bool) -> dict:
    if creating:
        return {k: ["", str(v)] for k, v in after.items() if v not in (None, "", [], False)}
    return audit.diff(before, after)


def _text(errors: dict, field: str, value, *, required: bool, limit: int, what: str) -> str:
    value = (value or "").strip()
    if required and not value:
        errors[field] = _("Write the %(what)s: it cannot be empty.") % {"what": what}
    elif len(value) > limit:
        errors[field] = _("The %(what)s has %(n)s characters; at most %(max)s are allowed.") % {
            "what": what, "n": len(value), "max": limit}
    return value


def _same_territory(errors: dict, field: str, obj, territory, message: str) -> None:
    if obj is not None and obj.territory_id != territory.pk:
        errors[field] = message


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
    unknown = set(scores) - set(ev.QUESTIONS)
    if unknown:
        raise ValueError(f"Unknown question(s): {', '.join(sorted(unknown))}")
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


def _parent_of(territory) -> dict:
    return dict(Action.objects.of(territory).values_list("id", "parent_id"))


def _check_parent(errors: dict, territory, action: Action | None, parent: Action | None) -> None:
    if parent is None:
        return
    if parent.territory_id != territory.pk:
        errors["parent"] = _("This action is not one of this territory: an action can only be "
                             "part of an action of the same territory.")
        return
    if parent.deleted_at is not None:
        errors["parent"] = _("The action “%(title)s” is deleted: it cannot receive sub-actions."
                             ) % {"title": parent.title}
        return
    if action is None or action.pk is None:
        return
    path = plan.cycle_path(action.pk, parent.pk, _parent_of(territory))
    if path is not None:
        titles = dict(Action.objects.of(territory).filter(pk__in=path).values_list("id", "title"))
        chain = " → ".join(f"“{titles.get(pk, pk)}”" for pk in [action.pk, *reversed(path)])
        errors["parent"] = _(
            "“%(title)s” cannot be part of “%(parent)s”: that would make it its own ancestor "
            "(%(chain)s). Choose another action, or none."
        ) % {"title": action.title, "parent": parent.title, "chain": chain}


def _clean_action(territory, action: Action | None, data: dict) -> tuple[dict, dict]:
    """The action's fields from ``data`` (every key of ``ACTION_FIELDS``' objects), checked;
    returns ``(values, errors)``."""
    errors: dict[str, str] = {}
    values: dict = {}
    values["title"] = _text(errors, "title", data.get("title"), required=True,
                            limit=MAX_TITLE_CHARS, what=_("title"))
    values["description"] = _text(errors, "description", data.get("description"),
                                  required=False, limit=MAX_TEXT_CHARS, what=_("description"))
    for name, message in (
        ("axis", _("This strategic axis is not one of this territory.")),
        ("cycle", _("This cycle is not one of this territory.")),
        ("lead", _("This organisation is not one of this territory.")),
    ):
        _same_territory(errors, name, data.get(name), territory, message)
        values[name] = data.get(name)
    parent = data.get("parent")
    _check_parent(errors, territory, action, parent)
    values["parent"] = parent
    if parent is not None and "parent" not in errors:
        values["axis"] = parent.axis  # a sub-action belongs to its parent's axis
    values["families"] = _clean_families(errors, territory, data.get("families"))
    values.update(_clean_scores(errors, data.get("scores") or {}))
    # None: not assessed yet (never the same as failing a test).
    tests = {t: None if data.get(t) is None else bool(data.get(t)) for t in TEST_FIELDS}
    values.update(tests)
    values["demonstrative"] = bool(data.get("demonstrative"))
    verdict = plan.demonstrative(tests)
    if values["demonstrative"] and not verdict.demonstrative:
        errors["demonstrative"] = _(
            "An action is demonstrative only when it passes the four tests; it does not pass: "
            "%(failed)s. Tick the tests it passes, or untick “demonstrative action”."
        ) % {"failed": ", ".join(str(TEST_LABELS[t])
                                 for t in (*verdict.failed, *verdict.not_assessed))}
    for name in ("starts_on", "ends_on", "review_on"):
        values[name] = data.get(name)
    _date_order(errors, "starts_on", values["starts_on"], "ends_on", values["ends_on"],
                _("The end date (%(end)s) is before the start date (%(start)s)."))
    position = data.get("position") or 0
    if isinstance(position, bool) or not isinstance(position, int) or position < 0:
        errors["position"] = _("The position is a whole number, 0 or more.")
        position = 0
    values["position"] = position
    return values, errors


def _status_values(errors: dict, status, progress) -> dict:
    if status not in Action.Status.values:
        errors["status"] = _("“%(value)s” is not a status. The statuses are %(known)s.") % {
            "value": status, "known": ", ".join(Action.Status.values)}
        return {}
    try:
        return {"status": status, "progress": plan.progress_for(status, progress)}
    except plan.PlanError:
        errors["progress"] = _("“%(value)s” is not a progress: give a whole number from 0 to "
                               "100, or leave it empty for not measured.") % {"value": progress}
        return {}


def _apply(obj, values: dict) -> None:
    for name, value in values.items():
        setattr(obj, name, value)


# --- Axes ------------------------------------------------------------------------------------

AXIS_FIELDS = ("code", "title", "description", "position", "cycle_id")


@transaction.atomic
def save_axis(territory, user, *, axis: Axis | None = None, code: str, title: str,
              description: str = "", position: int = 0, cycle=None) -> Axis:
    """Create (``axis`` None) or change a strategic axis; codes are unique per territory."""
    _check_write(territory, user)
    errors: dict[str, str] = {}
    code = _text(errors, "code", code, required=True, limit=12, what=_("code"))
    title = _text(errors, "title", title, required=True, limit=MAX_TITLE_CHARS, what=_("title"))
    description = _text(errors, "description", description, required=False,
                        limit=MAX_TEXT_CHARS, what=_("description"))
    _same_territory(errors, "cycle", cycle, territory, _("This cycle is not one of this territory."))
    if axis is not None and axis.territory_id != territory.pk:
        raise Axis.DoesNotExist
    clash = Axis.objects.of(territory).filter(code__iexact=code)
    if axis is not None:
        clash = clash.exclude(pk=axis.pk)
    if code and clash.exists():
        errors["code"] = _("The code “%(code)s” is already used by another axis of this "
                           "territory.") % {"code": code}
    if errors:
        raise ValidationError(errors)
    creating = axis is None
    if creating:
        axis = Axis(territory=territory)
        before = {}
    else:
        axis = Axis.objects.of(territory).select_for_update().get(pk=axis.pk)
        before = _snapshot(axis, AXIS_FIELDS)
    axis.code, axis.title, axis.description = code, title, description
    axis.position, axis.cycle = position or 0, cycle
    changes = _changes(before, _snapshot(axis, AXIS_FIELDS), creating)
    if creating or changes:
        axis.save()
        audit.record(territory, user, AuditEntry.Action.CREATE if creating else AuditEntry.Action.UPDATE,
                     axis, str(axis), changes)
    return axis


@transaction.atomic
def delete_axis(axis: Axis, user) -> None:
    """Remove an axis that no action (deleted or not) belongs to."""
    territory = axis.territory
    _check_write(territory, user)
    axis = Axis.objects.of(territory).select_for_update().get(pk=axis.pk)
    n = Action.objects.of(territory).filter(axis=axis).count()
    if n:
        raise ValidationError(ngettext(
            "The axis “%(axis)s” still holds %(n)s action, counting deleted ones: move it "
            "to another axis first.",
            "The axis “%(axis)s” still holds %(n)s actions, counting deleted ones: move them "
            "to another axis first.", n) % {"axis": str(axis), "n": n})
    audit.record(territory, user, AuditEntry.Action.DELETE, axis, str(axis),
                 {k: [str(v), ""] for k, v in _snapshot(axis, AXIS_FIELDS).items()})
    axis.delete()


# --- Actions ---------------------------------------------------------------------------------

def _check_cards(errors: dict, territory, cards) -> list:
    from cospiral.criteria.models import Card

    cards = list(cards or ())
    if not cards:
        errors["cards"] = _("Choose at least one card (an answer to Q3 or Q4).")
        return []
    ids = [c.pk for c in cards]
    found = {c.pk: c for c in Card.objects.of(territory).filter(pk__in=ids)
             .select_related("question", "group")}
    problems = []
    for card in cards:
        mine = found.get(card.pk)
        if mine is None:
            problems.append(_("card #%(id)s is not a card of this territory") % {"id": card.pk})
        elif mine.deleted_at is not None:
            problems.append(_("card #%(id)s (“%(text)s”) is deleted") % {
                "id": card.pk, "text": mine.text[:60]})
        elif mine.question.code not in METHOD_CARD_QUESTIONS:
            problems.append(_("card #%(id)s (“%(text)s”) answers %(code)s") % {
                "id": card.pk, "text": mine.text[:60], "code": mine.question.code})
    if problems:
        errors["cards"] = _("An action comes from answers to Q3 or Q4 of this territory only: "
                            "%(problems)s.") % {"problems": "; ".join(problems)}
    return [found[pk] for pk in ids if pk in found]


@transaction.atomic
def create_action(territory, user, *, title: str, origin: str = Action.Origin.BLANK,
                  cards: Iterable = (), origin_group=None, origin_indicator=None,
                  status: str = Action.Status.PROPOSED, progress: int | None = None,
                  **fields) -> Action:
    """A new action of ``territory``.

    ``origin`` "blank"; "cards" with ``cards`` (answers to Q3 or Q4 of the territory,
    kept linked); "pilot_idea" with ``origin_group`` (a group of the territory, whose
    idea the title and description hold); "indicator" with ``origin_indicator`` (an
    indicator of the territory). ``fields``: description, axis, parent, cycle, lead,
    families, scores (by question), demonstrative and its four tests, starts_on,
    ends_on, review_on, position."""
    _check_write(territory, user)
    unknown = set(fields) - {"description", "axis", "parent", "cycle", "lead", "families",
                             "scores", "demonstrative", *TEST_FIELDS, "starts_on", "ends_on",
                             "review_on", "position"}
    if unknown:
        raise TypeError(f"Unknown field(s): {', '.join(sorted(unknown))}")
    values, errors = _clean_action(territory, None, {"title": title, **fields})
    values.update(_status_values(errors, status, progress))
    linked = []
    if origin not in Action.Origin.values:
        errors["origin"] = _("“%(value)s” is not an origin of an action.") % {"value": origin}
    elif origin == Action.Origin.CARDS:
        linked = _check_cards(errors, territory, cards)
    elif origin == Action.Origin.PILOT_IDEA:
        if origin_group is None:
            errors["origin_group"] = _("Choose the group whose pilot idea this is.")
        else:
            _same_territory(errors, "origin_group", origin_group, territory,
                            _("This group is not one of this territory."))
    elif origin == Action.Origin.INDICATOR:
        if origin_indicator is None:
            errors["origin_indicator"] = _("Choose the indicator the action answers.")
        else:
            _same_territory(errors, "origin_indicator", origin_indicator, territory,
                            _("This indicator is not one of this territory."))
    if errors:
        raise ValidationError(errors)
    action = Action(territory=territory, origin=origin,
                    created_by=user if user.is_authenticated else None,
                    origin_group=origin_group if origin == Action.Origin.PILOT_IDEA else None,
                    origin_indicator=origin_indicator if origin == Action.Origin.INDICATOR else None)
    _apply(action, values)
    action.save()
    if linked:
        action.cards.set(linked)
    changes = _changes({}, {**_snapshot(action, ACTION_FIELDS), "status": action.status,
                            "progress": action.progress, "origin": origin}, True)
    if linked:
        changes["cards"] = ["", ", ".join(str(c.pk) for c in linked)]
    if action.origin_group_id:
        changes["origin_group"] = ["", origin_group.name]
    if action.origin_indicator_id:
        changes["origin_indicator"] = ["", str(origin_indicator)]
    audit.record(territory, user, AuditEntry.Action.CREATE, action, action.title, changes)
    return action


def _descendants(territory, pk) -> set:
    from cospiral.domain.territory_rules import descendants

    return descendants(pk, _parent_of(territory))


@transaction.atomic
def update_action(action: Action, user, **fields) -> Action:
    """Change an action: the fields of ``create_action`` (except the origin), and
    ``status``/``progress`` when given. A field left out keeps its value. Refuses a
    parent of another territory, a deleted parent and a parent that would make the action
    its own ancestor, naming the chain; nothing is written then."""
    territory = action.territory
    _check_write(territory, user)
    current = _alive_action(action)
    data = {
        "title": current.title, "description": current.description, "axis": current.axis,
        "parent": current.parent, "cycle": current.cycle, "lead": current.lead,
        "families": current.families, "scores": {q: getattr(current, q) for q in ev.QUESTIONS},
        "demonstrative": current.demonstrative,
        **{t: getattr(current, t) for t in TEST_FIELDS},
        "starts_on": current.starts_on, "ends_on": current.ends_on,
        "review_on": current.review_on, "position": current.position,
    }
    status = fields.pop("status", current.status)
    progress = fields.pop("progress", current.progress)
    unknown = set(fields) - set(data)
    if unknown:
        raise TypeError(f"Unknown field(s): {', '.join(sorted(unknown))}")
    data.update(fields)
    values, errors = _clean_action(territory, current, data)
    values.update(_status_values(errors, status, progress))
    if errors:
        raise ValidationError(errors)
    before = {**_snapshot(current, ACTION_FIELDS), "status": current.status,
              "progress": current.progress}
    _apply(current, values)
    after = {**_snapshot(current, ACTION_FIELDS), "status": current.status,
             "progress": current.progress}
    changes = audit.diff(before, after)
    if not changes:
        return current
    current.save()
    if "axis_id" in changes:
        below = _descendants(territory, current.pk)
        if below:
            Action.objects.of(territory).filter(pk__in=below).update(axis=current.axis)
    audit.record(territory, user, AuditEntry.Action.UPDATE, current, current.title, changes)
    return current


@transaction.atomic
def set_status(action: Action, user, *, status: str, progress: int | None = None) -> Action:
    """Status and progress (``cospiral.domain.plan.DEFAULT_PROGRESS``: a status that fixes
    the progress overrides ``progress``; running and abandoned keep the measured value,
    empty = not measured)."""
    return update_action(action, user, status=status, progress=progress)


@transaction.atomic
def delete_action(action: Action, user) -> Action:
    """Soft delete: the action leaves the plan, the grid and the roll-ups, and is kept."""
    territory = action.territory
    _check_write(territory, user)
    current = Action.objects.of(territory).select_for_update().get(pk=action.pk)
    if current.deleted_at is not None:
        return current
    alive_children = list(Action.objects.of(territory).alive().filter(parent=current)
                          .values_list("title", flat=True))
    if alive_children:
        raise ValidationError(_(
            "“%(title)s” still has sub-actions (%(children)s): delete them or move them to "
            "another action first.") % {"title": current.title,
                                         "children": ", ".join(f"“{t}”" for t in alive_children)})
    current.deleted_at = timezone.now()
    current.save(update_fields=["deleted_at", "updated_at"])
    audit.record(territory, user, AuditEntry.Action.DELETE, current, current.title,
                 {"deleted_at": ["", current.deleted_at.isoformat()]})
    return current


@transaction.atomic
def restore_action(action: Action, user) -> Action:
    territory = action.territory
    _check_write(territory, user)
    current = (Action.objects.of(territory).select_for_update(of=("self",))
               .select_related("parent").get(pk=action.pk))
    if current.deleted_at is None:
        return current
    if current.parent_id and current.parent.deleted_at is not None:
        raise ValidationError(_("“%(title)s” is part of “%(parent)s”, which is deleted: restore "
                                "“%(parent)s” first.") % {"title": current.title,
                                                          "parent": current.parent.title})
    was = current.deleted_at.isoformat()
    current.deleted_at = None
    current.save(update_fields=["deleted_at", "updated_at"])
    audit.record(territory, user, AuditEntry.Action.RESTORE, current, current.title,
                 {"deleted_at": [was, ""]})
    return current


# --- Milestones ------------------------------------------------------------------------------

MILESTONE_FIELDS = ("on", "title", "note", "reached")


def _clean_milestone(on, title, note, reached, today) -> tuple[dict, dict]:
    errors: dict[str, str] = {}
    values = {
        "title": _text(errors, "title", title, required=True, limit=MAX_TITLE_CHARS,
                       what=_("title")),
        "note": _text(errors, "note", note, required=False, limit=MAX_TEXT_CHARS,
                      what=_("note")),
        "on": on, "reached": bool(reached),
    }
    if not isinstance(on, dt.date):
        errors["on"] = _("Give the milestone's date (YYYY-MM-DD).")
    elif values["reached"] and on > today:
        errors["reached"] = _("A milestone dated %(on)s, in the future, cannot be reached yet.") % {
            "on": date_format(on)}
    return values, errors


@transaction.atomic
def add_milestone(action: Action, user, *, on, title: str, note: str = "",
                  reached: bool = False) -> Milestone:
    territory = action.territory
    _check_write(territory, user)
    current = _alive_action(action)
    values, errors = _clean_milestone(on, title, note, reached, timezone.localdate())
    if errors:
        raise ValidationError(errors)
    milestone = Milestone.objects.create(territory=territory, action=current, **values)
    audit.record(territory, user, AuditEntry.Action.CREATE, milestone,
                 f"{current.title}: {milestone.title}",
                 _changes({}, _snapshot(milestone, MILESTONE_FIELDS), True))
    return milestone


@transaction.atomic
def update_milestone(milestone: Milestone, user, *, on, title: str, note: str = "",
                     reached: bool = False) -> Milestone:
    territory = milestone.territory
    _check_write(territory, user)
    milestone = Milestone.objects.of(territory).select_for_update().get(pk=milestone.pk)
    _alive_action(milestone.action, lock=False)
    values, errors = _clean_milestone(on, title, note, reached, timezone.localdate())
    if errors:
        raise ValidationError(errors)
    before = _snapshot(milestone, MILESTONE_FIELDS)
    _apply(milestone, values)
    changes = audit.diff(before, _snapshot(milestone, MILESTONE_FIELDS))
    if changes:
        milestone.save()
        audit.record(territory, user, AuditEntry.Action.UPDATE, milestone, milestone.title, changes)
    return milestone


@transaction.atomic
def delete_milestone(milestone: Milestone, user) -> None:
    """Milestones are the plan's own notes (not citizens' words): removed, with their
    content kept in the audit trail."""
    territory = milestone.territory
    _check_write(territory, user)
    milestone = Milestone.objects.of(territory).select_for_update().get(pk=milestone.pk)
    _alive_action(milestone.action, lock=False)
    audit.record(territory, user, AuditEntry.Action.DELETE, milestone, milestone.title,
                 {k: [str(v), ""] for k, v in _snapshot(milestone, MILESTONE_FIELDS).items()})
    milestone.delete()


# --- Targets ---------------------------------------------------------------------------------

TARGET_FIELDS = ("indicator_id", "measure", "baseline_wave_id", "baseline", "target", "note")
MEASURE_RANGE_TEXT = {
    "score": gettext_lazy("from 0 to 100"), "high_share": gettext_lazy("from 0 to 100 (%)"),
    "low_share": gettext_lazy("from 0 to 100 (%)"), "median": gettext_lazy("from 1 to 5"),
}


def baseline_from_wave(wave, indicator, measure: str) -> float | None:
    """The figure ``measure`` of ``indicator`` (by its code) in ``wave``'s results, on the
    scale of targets (shares in %); None when the wave does not ask the indicator or the
    figure is not available (no answers, suppressed)."""
    from cospiral.surveys import selectors as survey_selectors

    items = survey_selectors.instrument(wave)
    positions = [n for n, item in enumerate(items) if item.indicator.code == indicator.code]
    if not positions:
        return None
    # The published results: the baseline is shown on the action's page to every role.
    results = survey_selectors.published_results(wave, items=items, with_intervals=False)
    if results is None:
        return None
    figures = results.scores.figures(positions[0])
    value = {"score": figures.score, "median": figures.median,
             "high_share": None if figures.high_share is None else figures.high_share * 100,
             "low_share": None if figures.low_share is None else figures.low_share * 100,
             }[measure]
    return None if value is None else round(value, 1)


@transaction.atomic
def save_target(action: Action, user, *, target: Target | None = None, indicator, measure: str,
                target_value, baseline=None, baseline_wave=None, note: str = "") -> Target:
    """Create or change a target: ``indicator`` (of the territory), ``measure`` (score,
    share at 4–5, share at 1–2, median), ``baseline`` → ``target_value``. With a
    ``baseline_wave`` and no ``baseline``, the baseline is that wave's figure."""
    territory = action.territory
    _check_write(territory, user)
    current = _alive_action(action, lock=False)
    errors: dict[str, str] = {}
    if indicator is None:
        errors["indicator"] = _("Choose the indicator the target is about.")
    else:
        _same_territory(errors, "indicator", indicator, territory,
                        _("This indicator is not one of this territory."))
    _same_territory(errors, "baseline_wave", baseline_wave, territory,
                    _("This survey wave is not one of this territory."))
    if measure not in Target.Measure.values:
        errors["measure"] = _("“%(value)s” is not a measure.") % {"value": measure}
    note = _text(errors, "note", note, required=False, limit=MAX_TEXT_CHARS, what=_("note"))
    if errors:
        raise ValidationError(errors)
    if baseline is None and baseline_wave is not None:
        baseline = baseline_from_wave(baseline_wave, indicator, measure)
        if baseline is None:
            errors["baseline_wave"] = _(
                "The wave “%(wave)s” has no figure for %(indicator)s (it does not ask this "
                "indicator, nobody answered it, or too few did): type the baseline, or "
                "choose another wave.") % {"wave": baseline_wave.title, "indicator": indicator.code}
    range_text = MEASURE_RANGE_TEXT[measure]
    for field, value in (("baseline", baseline), ("target_value", target_value)):
        if field == "target_value" and value is None:
            errors[field] = _("Give the target value, %(range)s.") % {"range": range_text}
            continue
        try:
            checked = plan.check_measure_value(measure, value)
        except plan.PlanError:
            errors[field] = _("“%(value)s” is out of range: this measure goes %(range)s.") % {
                "value": value, "range": range_text}
        else:
            if field == "baseline":
                baseline = checked
            else:
                target_value = checked
    if not errors and not plan.target_direction_ok(measure, baseline, target_value):
        errors["target_value"] = _(
            "The target %(target)s moves the wrong way from the baseline %(baseline)s: for "
            "this measure a better situation is %(better)s.") % {
            "target": f"{target_value:g}", "baseline": f"{baseline:g}",
            "better": _("a higher value") if plan.HIGHER_IS_BETTER[measure] else _("a lower value")}
    if errors:
        raise ValidationError(errors)
    creating = target is None
    if creating:
        obj = Target(territory=territory, action=current)
        before = {}
    else:
        obj = Target.objects.of(territory).select_for_update().get(pk=target.pk, action=current)
        before = _snapshot(obj, TARGET_FIELDS)
    obj.indicator, obj.measure, obj.baseline_wave = indicator, measure, baseline_wave
    obj.baseline, obj.target, obj.note = baseline, target_value, note
    changes = _changes(before, _snapshot(obj, TARGET_FIELDS), creating)
    if creating or changes:
        obj.save()
        audit.record(territory, user, AuditEntry.Action.CREATE if creating else AuditEntry.Action.UPDATE,
                     obj, f"{current.title}: {indicator.code}", changes)
    return obj


@transaction.atomic
def delete_target(target: Target, user) -> None:
    territory = target.territory
    _check_write(territory, user)
    target = Target.objects.of(territory).select_for_update().get(pk=target.pk)
    _alive_action(target.action, lock=False)
    audit.record(territory, user, AuditEntry.Action.DELETE, target, str(target.indicator),
                 {k: [str(v), ""] for k, v in _snapshot(target, TARGET_FIELDS).items()})
    target.delete()


# --- Commitments -----------------------------------------------------------------------------

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
    if party_kind == Commitment.PartyKind.ORGANISATION:
        group, person = None, ""
        if organisation is None:
            errors["organisation"] = _("Choose the organisation that commits.")
        else:
            _same_territory(errors, "organisation", organisation, territory, _(
                "“%(name)s” is not an organisation of this territory: only a party of the "
                "territory can commit to its actions.") % {"name": organisation.name})
    elif party_kind == Commitment.PartyKind.GROUP:
        organisation, person = None, ""
        if group is None:
            errors["group"] = _("Choose the group that commits.")
        else:
            _same_territory(errors, "group", group, territory, _(
                "“%(name)s” is not a group of this territory: only a party of the territory "
                "can commit to its actions.") % {"name": group.name})
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
def save_commitment(action: Action, user, *, commitment: Commitment | None = None,
                    party_kind: str, organisation=None, group=None, person: str = "",
                    what: str, resource: str = Commitment.Resource.TIME, amount=None,
                    unit: str = "", due_on=None, accepted_on=None, signed_on=None,
                    outcome: str = "", evidence: str = "") -> Commitment:
    """Create or change a commitment of one party: an organisation or a group of the
    action's territory, or a person named in words."""
    territory = action.territory
    _check_write(territory, user)
    current = _alive_action(action, lock=False)
    values, errors = _clean_commitment(territory, {
        "party_kind": party_kind, "organisation": organisation, "group": group,
        "person": person, "what": what, "resource": resource, "amount": amount, "unit": unit,
        "due_on": due_on, "accepted_on": accepted_on, "signed_on": signed_on,
        "outcome": outcome, "evidence": evidence})
    if errors:
        raise ValidationError(errors)
    creating = commitment is None
    if creating:
        obj = Commitment(territory=territory, action=current,
                         created_by=user if user.is_authenticated else None)
        before = {}
    else:
        obj = Commitment.objects.of(territory).select_for_update().get(pk=commitment.pk)
        if obj.deleted_at is not None:
            raise ValidationError(_("This commitment is deleted: restore it before changing it."))
        before = _snapshot(obj, COMMITMENT_FIELDS)
    _apply(obj, values)
    changes = _changes(before, _snapshot(obj, COMMITMENT_FIELDS), creating)
    if creating or changes:
        obj.save()
        audit.record(territory, user, AuditEntry.Action.CREATE if creating else AuditEntry.Action.UPDATE,
                     obj, f"{current.title}: {obj.party_name}", changes)
    return obj


@transaction.atomic
def record_outcome(commitment: Commitment, user, *, accepted_on=None, signed_on=None,
                   outcome: str = "", evidence: str = "") -> Commitment:
    """The dates, outcome and evidence of a commitment: by coordinators and facilitators,
    or by a partner member whose membership names the commitment's organisation (nothing
    else of the commitment can be changed that way)."""
    territory = commitment.territory
    obj = (Commitment.objects.of(territory).select_for_update(of=("self",))
           .select_related("action", "organisation", "group").get(pk=commitment.pk))
    if not can_record_outcome(obj, user):
        raise PermissionDenied(_("Only coordinators, facilitators, or a partner speaking for "
                                 "the organisation that made this commitment may record its "
                                 "outcome."))
    if obj.deleted_at is not None or obj.action.deleted_at is not None:
        raise ValidationError(_("This commitment or its action is deleted: it cannot be "
                                "changed."))
    errors: dict[str, str] = {}
    values = _clean_outcome(errors, accepted_on=accepted_on, signed_on=signed_on,
                            outcome=outcome, evidence=evidence)
    if errors:
        raise ValidationError(errors)
    before = _snapshot(obj, OUTCOME_FIELDS)
    _apply(obj, values)
    changes = audit.diff(before, _snapshot(obj, OUTCOME_FIELDS))
    if changes:
        obj.save(update_fields=[*OUTCOME_FIELDS, "updated_at"])
        audit.record(territory, user, AuditEntry.Action.UPDATE, obj,
                     f"{obj.action.title}: {obj.party_name}", changes)
    return obj


@transaction.atomic
def delete_commitment(commitment: Commitment, user) -> Commitment:
    territory = commitment.territory
    _check_write(territory, user)
    obj = Commitment.objects.of(territory).select_for_update().get(pk=commitment.pk)
    if obj.deleted_at is None:
        obj.deleted_at = timezone.now()
        obj.save(update_fields=["deleted_at", "updated_at"])
        audit.record(territory, user, AuditEntry.Action.DELETE, obj, str(obj),
                     {"deleted_at": ["", obj.deleted_at.isoformat()]})
    return obj


@transaction.atomic
def restore_commitment(commitment: Commitment, user) -> Commitment:
    territory = commitment.territory
    _check_write(territory, user)
    obj = (Commitment.objects.of(territory).select_for_update(of=("self",))
           .select_related("action").get(pk=commitment.pk))
    if obj.deleted_at is None:
        return obj
    if obj.action.deleted_at is not None:
        raise ValidationError(_("The action “%(title)s” is deleted: restore it first.") % {
            "title": obj.action.title})
    was = obj.deleted_at.isoformat()
    obj.deleted_at = None
    obj.save(update_fields=["deleted_at", "updated_at"])
    audit.record(territory, user, AuditEntry.Action.RESTORE, obj, str(obj), {"deleted_at": [was, ""]})
    return obj


# --- The plan from a spreadsheet (cospiral.actions.tabular reads and checks the file) -----

def check_action(territory, action: Action | None, data: dict, *, status, progress
                 ) -> tuple[dict, dict]:
    """The rules of ``create_action``/``update_action`` and ``set_status`` on one action's
    fields, without writing: ``(values, errors)`` with ``values`` ready for
    ``import_plan_actions``. The import checks each line of a file with it."""
    values, errors = _clean_action(territory, action, data)
    values.update(_status_values(errors, status, progress))
    return values, errors


def check_commitment(territory, data: Mapping) -> tuple[dict, dict]:
    """The rules of ``save_commitment`` on one commitment's fields, without writing."""
    values, errors = _clean_commitment(territory, data)
    if not errors and values.get("amount") is not None:
        values["amount"] = values["amount"].quantize(Decimal("0.01"))
    return values, errors


@dataclass
class PlanImport:
    kind: str
    created: int
    updated: int
    unchanged: int


def _record_plan_import(territory, user, *, filename: str, kind: str, rows: int,
                        result: PlanImport) -> None:
    model = Action if kind == "actions" else Commitment
    AuditEntry.objects.create(
        territory=territory, user=user if getattr(user, "is_authenticated", False) else None,
        actor_label=audit.actor_label(user), action=AuditEntry.Action.IMPORT,
        model=model._meta.model_name, object_id=filename[:64],
        summary=(_("Imported %(file)s: %(created)s created, %(updated)s changed, %(unchanged)s "
                   "unchanged") % {"file": filename, "created": result.created,
                                   "updated": result.updated, "unchanged": result.unchanged})[:300],
        changes={"file": filename, "kind": kind, "rows": rows, "created": result.created,
                 "updated": result.updated, "unchanged": result.unchanged},
    )


def _write_rows(territory, user, rows, *, make, fields, label) -> PlanImport:
    """Create (``current`` None) or change each ``(current, values)``, with its audit."""
    result = PlanImport("", 0, 0, 0)
    for current, values in rows:
        if current is None:
            obj = make()
            _apply(obj, values)
            obj.save()
            audit.record(territory, user, AuditEntry.Action.CREATE, obj, label(obj),
                         _changes({}, _snapshot(obj, fields), True))
            result.created += 1
            continue
        before = _snapshot(current, fields)
        _apply(current, values)
        changes = audit.diff(before, _snapshot(current, fields))
        if not changes:
            result.unchanged += 1
            continue
        current.save()
        audit.record(territory, user, AuditEntry.Action.UPDATE, current, label(current), changes)
        result.updated += 1
    return result


@transaction.atomic
def import_plan_actions(territory, *, user, rows: list[tuple[Action | None, dict]],
                        filename: str, lines: int) -> PlanImport:
    """Write the checked actions of an imported file at once: ``rows`` are ``(action or
    None for a new one, values of check_action)``, the whole hierarchy already checked.
    Sub-actions not in the file follow their main action's axis. One audit entry per
    action and one for the import."""
    _check_write(territory, user)
    created_by = user if getattr(user, "is_authenticated", False) else None
    result = _write_rows(
        territory, user, rows, fields=(*ACTION_FIELDS, "status", "progress"),
        make=lambda: Action(territory=territory, origin=Action.Origin.BLANK, created_by=created_by),
        label=lambda a: a.title)
    result.kind = "actions"
    alive = {a.pk: a for a in Action.objects.of(territory).only("id", "parent_id", "axis_id")}
    parent_of = {pk: a.parent_id for pk, a in alive.items()}
    for pk, a in alive.items():
        if a.parent_id is None:
            continue
        axis_id = alive[plan_table.root_of(pk, parent_of)].axis_id
        if a.axis_id != axis_id:
            Action.objects.of(territory).filter(pk=pk).update(axis_id=axis_id)
    _record_plan_import(territory, user, filename=filename, kind="actions", rows=lines,
                        result=result)
    return result


@transaction.atomic
def import_plan_commitments(territory, *, user, rows: list[tuple[Commitment | None, Action, dict]],
                            filename: str, lines: int) -> PlanImport:
    """Write the checked commitments of an imported file at once (``(commitment or None,
    its action, values of check_commitment)``), with their audit entries."""
    _check_write(territory, user)
    created_by = user if getattr(user, "is_authenticated", False) else None
    result = PlanImport("commitments", 0, 0, 0)
    for current, action, values in rows:
        one = _write_rows(
            territory, user, [(current, values)], fields=COMMITMENT_FIELDS,
            make=lambda action=action: Commitment(territory=territory, action=action,
                                                  created_by=created_by),
            label=lambda c, action=action: f"{action.title}: {c.party_name}")
        result.created += one.created
        result.updated += one.updated
        result.unchanged += one.unchanged
    _record_plan_import(territory, user, filename=filename, kind="commitments", rows=lines,
                        result=result)
    return result
