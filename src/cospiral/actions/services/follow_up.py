"""Writes of an action's follow-up: milestones and targets (an indicator's measure moved
from its baseline, the right way)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cospiral.actions.models import Action, Milestone, Target
from cospiral.actions.services._base import (
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    _alive_action,
    _apply,
    _chosen,
    _same_territory,
)
from cospiral.core import rules, writes
from cospiral.core.models import AuditEntry
from cospiral.core.writes import clean_text as _text
from cospiral.domain import plan

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
def add_milestone(action: Action, *, user, on, title: str, note: str = "",
                  reached: bool = False) -> Milestone:
    territory = action.territory
    w = writes.Write(territory, user=user, rule=rules.CHANGE_PLAN)
    current = _alive_action(action)
    values, errors = _clean_milestone(on, title, note, reached, timezone.localdate())
    if errors:
        raise ValidationError(errors)
    milestone = Milestone(territory=territory, action=current, **values)
    w.save(milestone, MILESTONE_FIELDS, None, f"{current.title}: {milestone.title}")
    return milestone


@transaction.atomic
def update_milestone(milestone: Milestone, *, user, on, title: str, note: str = "",
                     reached: bool = False) -> Milestone:
    w, milestone = writes.lock(milestone, user=user, rule=rules.CHANGE_PLAN)
    _alive_action(milestone.action, lock=False)
    values, errors = _clean_milestone(on, title, note, reached, timezone.localdate())
    if errors:
        raise ValidationError(errors)
    before = writes.snapshot(milestone, MILESTONE_FIELDS)
    _apply(milestone, values)
    w.save(milestone, MILESTONE_FIELDS, before, milestone.title)
    return milestone


@transaction.atomic
def delete_milestone(milestone: Milestone, *, user) -> None:
    """Milestones are the plan's own notes (not citizens' words): removed, with their
    content kept in the audit trail."""
    w, milestone = writes.lock(milestone, user=user, rule=rules.CHANGE_PLAN)
    _alive_action(milestone.action, lock=False)
    w.record(AuditEntry.Action.DELETE, milestone, milestone.title,
             writes.removed(writes.snapshot(milestone, MILESTONE_FIELDS)))
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
def save_target(action: Action, *, user, target: Target | None = None, indicator, measure: str,
                target_value, baseline=None, baseline_wave=None, note: str = "") -> Target:
    """Create or change a target: ``indicator`` (of the territory), ``measure`` (score,
    share at 4–5, share at 1–2, median), ``baseline`` → ``target_value``. With a
    ``baseline_wave`` and no ``baseline``, the baseline is that wave's figure."""
    territory = action.territory
    w = writes.Write(territory, user=user, rule=rules.CHANGE_PLAN)
    current = _alive_action(action, lock=False)
    errors: dict[str, str] = {}
    _chosen(errors, "indicator", indicator, territory,
            missing=_("Choose the indicator the target is about."),
            foreign=_("This indicator is not one of this territory."))
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
    if target is None:
        obj, before = Target(territory=territory, action=current), None
    else:
        obj = Target.objects.of(territory).select_for_update().get(pk=target.pk, action=current)
        before = writes.snapshot(obj, TARGET_FIELDS)
    obj.indicator, obj.measure, obj.baseline_wave = indicator, measure, baseline_wave
    obj.baseline, obj.target, obj.note = baseline, target_value, note
    w.save(obj, TARGET_FIELDS, before, f"{current.title}: {indicator.code}")
    return obj


@transaction.atomic
def delete_target(target: Target, *, user) -> None:
    w, target = writes.lock(target, user=user, rule=rules.CHANGE_PLAN)
    _alive_action(target.action, lock=False)
    w.record(AuditEntry.Action.DELETE, target, str(target.indicator),
             writes.removed(writes.snapshot(target, TARGET_FIELDS)))
    target.delete()
