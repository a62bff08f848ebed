"""Writes of the plan's strategic axes and actions: create, change, status and progress,
delete (hide) and restore; ``check_action`` gives the same checks to the spreadsheet
import without writing."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cospiral.actions.models import Action, Axis
from cospiral.actions.services._base import (
    ACTION_FIELDS,
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    METHOD_CARD_QUESTIONS,
    TEST_FIELDS,
    TEST_LABELS,
    _alive_action,
    _apply,
    _chosen,
    _clean_families,
    _clean_scores,
    _date_order,
    _same_territory,
)
from cospiral.core import rules, writes
from cospiral.core.models import AuditEntry
from cospiral.core.writes import clean_text as _text
from cospiral.domain import evaluation as ev
from cospiral.domain import plan


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


# --- Axes ------------------------------------------------------------------------------------

AXIS_FIELDS = ("code", "title", "description", "position", "cycle_id")


@transaction.atomic
def save_axis(territory, *, user, axis: Axis | None = None, code: str, title: str,
              description: str = "", position: int = 0, cycle=None) -> Axis:
    """Create (``axis`` None) or change a strategic axis; codes are unique per territory."""
    w = writes.Write(territory, user=user, rule=rules.CHANGE_PLAN)
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
    if axis is None:
        axis, before = Axis(territory=territory), None
    else:
        axis = w.lock(axis)
        before = writes.snapshot(axis, AXIS_FIELDS)
    axis.code, axis.title, axis.description = code, title, description
    axis.position, axis.cycle = position or 0, cycle
    w.save(axis, AXIS_FIELDS, before, str(axis))
    return axis


@transaction.atomic
def delete_axis(axis: Axis, *, user) -> None:
    """Remove an axis that no action (deleted or not) belongs to."""
    territory = axis.territory
    w, axis = writes.lock(axis, user=user, rule=rules.CHANGE_PLAN)
    n = Action.objects.of(territory).filter(axis=axis).count()
    if n:
        raise ValidationError(ngettext(
            "The axis “%(axis)s” still holds %(n)s action, counting deleted ones: move it "
            "to another axis first.",
            "The axis “%(axis)s” still holds %(n)s actions, counting deleted ones: move them "
            "to another axis first.", n) % {"axis": str(axis), "n": n})
    w.record(AuditEntry.Action.DELETE, axis, str(axis),
             writes.removed(writes.snapshot(axis, AXIS_FIELDS)))
    axis.delete()


# --- Actions ---------------------------------------------------------------------------------

def _check_cards(errors: dict, territory, cards) -> list:
    from cospiral.cards.models import Card

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
def create_action(territory, *, user, title: str, origin: str = Action.Origin.BLANK,
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
    w = writes.Write(territory, user=user, rule=rules.CHANGE_PLAN)
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
        _chosen(errors, "origin_group", origin_group, territory,
                missing=_("Choose the group whose pilot idea this is."),
                foreign=_("This group is not one of this territory."))
    elif origin == Action.Origin.INDICATOR:
        _chosen(errors, "origin_indicator", origin_indicator, territory,
                missing=_("Choose the indicator the action answers."),
                foreign=_("This indicator is not one of this territory."))
    if errors:
        raise ValidationError(errors)
    action = Action(territory=territory, origin=origin,
                    created_by=w.actor,
                    origin_group=origin_group if origin == Action.Origin.PILOT_IDEA else None,
                    origin_indicator=origin_indicator if origin == Action.Origin.INDICATOR else None)
    _apply(action, values)
    action.save()
    if linked:
        action.cards.set(linked)
    changes = writes.changes(None, {**writes.snapshot(action, ACTION_FIELDS),
                                    "status": action.status, "progress": action.progress,
                                    "origin": origin})
    if linked:
        changes["cards"] = ["", ", ".join(str(c.pk) for c in linked)]
    if action.origin_group_id:
        changes["origin_group"] = ["", origin_group.name]
    if action.origin_indicator_id:
        changes["origin_indicator"] = ["", str(origin_indicator)]
    w.record(AuditEntry.Action.CREATE, action, action.title, changes)
    return action


def _descendants(territory, pk) -> set:
    from cospiral.domain.territory_rules import descendants

    return descendants(pk, _parent_of(territory))


@transaction.atomic
def update_action(action: Action, *, user, **fields) -> Action:
    """Change an action: the fields of ``create_action`` (except the origin), and
    ``status``/``progress`` when given. A field left out keeps its value. Refuses a
    parent of another territory, a deleted parent and a parent that would make the action
    its own ancestor, naming the chain; nothing is written then."""
    territory = action.territory
    w = writes.Write(territory, user=user, rule=rules.CHANGE_PLAN)
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
    names = (*ACTION_FIELDS, "status", "progress")
    before = writes.snapshot(current, names)
    _apply(current, values)
    w.save(current, names, before, current.title)
    if "axis_id" in w.changes:
        below = _descendants(territory, current.pk)
        if below:
            Action.objects.of(territory).filter(pk__in=below).update(axis=current.axis)
    return current


@transaction.atomic
def set_status(action: Action, *, user, status: str, progress: int | None = None) -> Action:
    """Status and progress (``cospiral.domain.plan.DEFAULT_PROGRESS``: a status that fixes
    the progress overrides ``progress``; running and abandoned keep the measured value,
    empty = not measured)."""
    return update_action(action, user=user, status=status, progress=progress)


@transaction.atomic
def delete_action(action: Action, *, user) -> Action:
    """Soft delete: the action leaves the plan, the grid and the roll-ups, and is kept."""
    territory = action.territory
    w, current = writes.lock(action, user=user, rule=rules.CHANGE_PLAN)
    if current.deleted_at is not None:
        return current
    alive_children = list(Action.objects.of(territory).alive().filter(parent=current)
                          .values_list("title", flat=True))
    if alive_children:
        raise ValidationError(_(
            "“%(title)s” still has sub-actions (%(children)s): delete them or move them to "
            "another action first.") % {"title": current.title,
                                         "children": ", ".join(f"“{t}”" for t in alive_children)})
    w.soft_delete(current, current.title)
    return current


@transaction.atomic
def restore_action(action: Action, *, user) -> Action:
    w, current = writes.lock(action, user=user, rule=rules.CHANGE_PLAN, of=("self",),
                             related=("parent",))
    w.restore(current, current.title, within=current.parent, refusal=lambda: _(
        "“%(title)s” is part of “%(parent)s”, which is deleted: restore “%(parent)s” "
        "first.") % {"title": current.title, "parent": current.parent.title})
    return current


def check_action(territory, action: Action | None, data: dict, *, status, progress
                 ) -> tuple[dict, dict]:
    """The rules of ``create_action``/``update_action`` and ``set_status`` on one action's
    fields, without writing: ``(values, errors)`` with ``values`` ready for
    ``import_plan_actions``. The import checks each line of a file with it."""
    values, errors = _clean_action(territory, action, data)
    values.update(_status_values(errors, status, progress))
    return values, errors
