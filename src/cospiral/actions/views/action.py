"""An action: its page (origin, tests, scores, targets, milestones, commitments, the
follow-up of its indicators, history), its form, status, delete and restore, and its
creation from the cards of a group, a pilot idea or a poorly rated indicator."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cospiral.actions import forms, selectors, services
from cospiral.actions.models import Action, Target
from cospiral.actions.views.common import action_of, detail_url, measure_text
from cospiral.core import l10n, pages
from cospiral.core.access import ENTER_CARDS, READ, can_enter_cards, can_manage, territory_view
from cospiral.core.audit_display import readable
from cospiral.domain import evaluation as ev
from cospiral.domain import plan
from cospiral.existing_actions.models import QUESTION_LABELS, SCALE_LABELS

TEST_LABELS = forms.TEST_FIELD_LABELS


def _tests(a) -> list[tuple[str, Any, bool | None]]:
    """(key, label, True passes / False fails / None not assessed yet)."""
    return [(t, TEST_LABELS[t], getattr(a, t)) for t in plan.DEMONSTRATIVE_TESTS]


def detail_page(request, a, *, status=200, **bound):
    """The action's page; ``bound``: a form of the page shown again with its errors."""
    territory = request.territory
    writer = can_enter_cards(request) and a.deleted_at is None
    targets = list(selectors.targets(a))
    commitments = list(selectors.commitments(territory, action=a))
    rolled = selectors.rolled(a)
    today = timezone.localdate()
    organisation = services.partner_organisation(territory, request.user)
    context = dict(
        action=a, rolled=rolled, targets=targets, milestones=list(selectors.milestones(a)),
        commitments=commitments, deleted_commitments=list(
            selectors.commitments(territory, action=a, deleted=True)) if writer else [],
        kept=selectors.kept_by_party(commitments), children=list(selectors.children(a)),
        cards=list(a.cards.select_related("question", "group").order_by("id")),
        tests=_tests(a), verdict=plan.demonstrative(selectors.tests_of(a)),
        questions=[(QUESTION_LABELS[q], getattr(a, q), SCALE_LABELS.get(getattr(a, q), ""))
                   for q in ev.QUESTIONS],
        total=ev.total(selectors.scores_of(a)),
        review_due=plan.review_due(a.review_on, a.status, today),
        review_overdue=plan.review_overdue(a.review_on, a.status, today),
        follow_up_waves=(waves := selectors.follow_up_waves(a, targets)),
        **_follow_up_context(targets, waves, commitments, live=can_manage(request)),
        history=readable(selectors.history(territory, a)), writer=writer,
        vote=_vote_standing(territory, a),
        partner_organisation=organisation,
    )
    if writer:
        context["status_form"] = bound.get("status_form") or forms.StatusForm(
            initial={"status": a.status, "progress": a.progress})
        context["milestone_form"] = bound.get("milestone_form") or forms.MilestoneForm()
        context["target_form"] = bound.get("target_form") or forms.TargetForm(territory=territory)
        context["commitment_form"] = bound.get("commitment_form") or forms.CommitmentForm(
            territory=territory)
    return pages.page(request, "actions/detail.html", status=status, **context)


def on_detail(request, a, name: str, form, save, *, done: str, anchor: str = ""):
    """The POST of the form ``name`` of the action's page: saved, back to its section
    (``anchor``); refused, the action's page again with the form's errors."""
    saved = pages.submit(request, form, save, done=done, then=detail_url(a, anchor))
    return saved or detail_page(request, a, status=400, **{name: form})


def _vote_standing(territory, a):
    from cospiral.votes import selectors as vote_selectors

    return vote_selectors.standing(territory, a)


# --- Follow-up of the action's indicators ---------------------------------------------------

def _difference_text(measure: str, value) -> str:
    from cospiral.surveys.results import num

    if value is None:
        return ""
    text = num(value, 1)
    text = ("+" + text) if value > 0 else text
    if measure in ("high_share", "low_share"):
        return _("%(value)s points") % {"value": text}
    return text


def _follow_up_reading(row, measure_label: str) -> str:
    """Before → after, the ``cospiral.domain.verdict`` of the change (the same rule as
    the comparison page and the review), then whether the target is reached."""
    from cospiral.surveys.results import verdict_text

    if row.before is None or row.after is None:
        return _("Not enough answers in one of the two waves to compare (fewer than the "
                 "threshold, or nobody answered).")
    values = {"measure": measure_label, "before": measure_text(row.target.measure, row.before),
              "after": measure_text(row.target.measure, row.after),
              "target": measure_text(row.target.measure, row.target.target)}
    text = _("%(measure)s went from %(before)s to %(after)s") % values
    text += " (" + (verdict_text(row.verdict) if row.verdict is not None
                    else _("too few answers to say whether it changed")) + ")"
    text += "; " + (_("the target of %(target)s is reached") % values if row.reached
                    else _("the target of %(target)s is not reached yet") % values)
    return text + "."


def _follow_up_context(targets, waves, commitments, *, live: bool = False) -> dict:
    """The follow-up block of an action's page: its targets before → after in each
    ex-post wave that asks them, and the share of its commitments kept."""
    from cospiral.surveys.results import num

    labels = dict(Target.Measure.choices)
    rows = selectors.follow_up(targets, waves, live=live)
    items = []
    for r in rows:
        label = str(labels[r.target.measure])
        items.append({
            "row": r, "code": r.target.indicator.code, "measure": label,
            "before": measure_text(r.target.measure, r.before),
            "after": measure_text(r.target.measure, r.after),
            "target": measure_text(r.target.measure, r.target.target),
            "difference": _difference_text(r.target.measure, r.difference),
            "interval": (" – ".join(_difference_text(r.target.measure, v) for v in r.interval)
                         if r.interval else ""),
            "p_value": l10n.p_value(r.p_value),
            "reading": _follow_up_reading(r, label),
        })
    if items:
        newest = rows[0].wave
        latest = [r for r in rows if r.wave.pk == newest.pk]
        reached = sum(1 for r in latest if r.reached)
        summary = ngettext(
            "In the ex-post wave “%(after)s”, compared with “%(before)s”, %(reached)s of "
            "%(n)s target is reached.",
            "In the ex-post wave “%(after)s”, compared with “%(before)s”, %(reached)s of "
            "%(n)s targets are reached.", len(latest)) % {
            "after": newest.title, "before": latest[0].before_wave.title, "reached": reached,
            "n": len(latest)}
    elif not targets:
        summary = _("The action has no target yet: add one to follow its indicators.")
    elif not waves:
        summary = _("No ex-post survey wave asks this action's indicators yet.")
    else:
        summary = _("The ex-post waves that ask this action's indicators have no ex-ante wave "
                    "in common to compare with.")
    all_kept = plan.kept(c.outcome for c in commitments)
    return {"follow_up": items, "follow_up_summary": summary,
            "follow_up_confidence": num(rows[0].confidence * 100, 0) if rows else "",
            "kept_all": all_kept}


# --- The action's page and its form -----------------------------------------------------------

@territory_view(READ)
def detail(request, pk):
    return detail_page(request, action_of(request, pk, allow_deleted=can_enter_cards(request)))


@territory_view(ENTER_CARDS)
@require_POST
def status(request, pk):
    a = action_of(request, pk)
    return on_detail(request, a, "status_form", forms.StatusForm(request.POST),
                     lambda d: services.set_status(a, user=request.user, **d), done=_("Status saved."))


def _action_form(request, a=None):
    territory = request.territory
    if a is not None and a.deleted_at is not None:
        messages.error(request, _("This action is deleted: restore it before changing it."))
        return redirect(detail_url(a))
    initial = forms.ActionForm.initial_of(a) if a is not None else {}
    if a is None and request.GET.get("parent", "").isdigit():
        initial["parent"] = int(request.GET["parent"])
    form = forms.ActionForm(request.POST or None, territory=territory, action=a, initial=initial)

    def save(_data):
        kwargs = form.service_kwargs()
        if a is None:
            return services.create_action(territory, user=request.user, **kwargs)
        return services.update_action(a, user=request.user, **kwargs)

    return pages.form_page(request, form, save, "actions/form.html", done=_("Action saved."),
                           then=detail_url, action=a)


create, edit = pages.form_views(_action_form, partial(action_of, allow_deleted=True),
                                roles=ENTER_CARDS)


def _plan_url(request) -> str:
    return reverse("actions:plan", kwargs={"territory": request.territory.slug})


@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def delete(request, pk):
    a = action_of(request, pk, allow_deleted=True)
    return pages.confirm(
        request, a, services.delete_action, "actions/confirm.html", obj=a,
        what=_("Delete the action"),
        done=_("Action deleted. It can be restored from the plan's list of deleted actions."),
        back=detail_url(a), after=_plan_url(request),
        explanation=_("It leaves the plan, the comparison grid and the roll-ups but is kept, "
                      "with its commitments, milestones and targets, and can be restored. The "
                      "change is recorded in the audit trail."))


@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def restore(request, pk):
    a = action_of(request, pk, allow_deleted=True)
    return pages.confirm(
        request, a, services.restore_action, "actions/confirm.html", obj=a,
        what=_("Restore the action"), done=_("Action restored."),
        back=detail_url(a), after=detail_url(a),
        explanation=_("It comes back into the plan as it was. The change is recorded in the "
                      "audit trail."))


# --- Creating actions from their sources ------------------------------------------------------

def _create_from(request, form, origin: str, source):
    """On a valid POST, the action created from its ``origin``; ``source(cleaned_data)``:
    what it comes from (cards, a group's pilot idea, an indicator). None: show the form."""
    return pages.submit(
        request, form, lambda d: services.create_action(
            request.territory, user=request.user, origin=origin, title=d["title"],
            description=d["description"], axis=d["axis"], **source(d)),
        done=lambda a: _("Action “%(title)s” created. Complete it: axis, lead, scores, "
                         "dates.") % {"title": a.title},
        then=detail_url)


@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def create_from_cards(request):
    territory = request.territory
    groups = list(selectors.groups(territory))
    group = next((g for g in groups if str(g.pk) == request.GET.get("group")), None)
    form = forms.FromCardsForm(request.POST or None, territory=territory)
    created = _create_from(request, form, Action.Origin.CARDS, lambda d: {"cards": list(d["cards"])})
    if created is not None:
        return created
    chosen = {str(v) for v in (form["cards"].value() or [])}
    return pages.page(request, "actions/from_cards.html", form=form, groups=groups, group=group,
                      cards=list(selectors.source_cards(territory, group=group)), chosen=chosen,
                      status=pages.status_of(form))


@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def create_from_pilot_idea(request):
    form = forms.FromPilotIdeaForm(request.POST or None, territory=request.territory)
    created = _create_from(request, form, Action.Origin.PILOT_IDEA,
                           lambda d: {"origin_group": d["group"]})
    return created or pages.page(request, "actions/from_pilot_idea.html", form=form,
                                 status=pages.status_of(form))


@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def create_from_indicator(request):
    territory = request.territory
    initial = {}
    if request.GET.get("indicator", "").isdigit():
        initial["indicator"] = int(request.GET["indicator"])
    form = forms.FromIndicatorForm(request.POST or None, territory=territory, initial=initial)
    created = _create_from(request, form, Action.Origin.INDICATOR,
                           lambda d: {"origin_indicator": d["indicator"]})
    if created is not None:
        return created
    wave = selectors.results_wave(territory)
    poor = selectors.poor_indicators(wave, live=can_manage(request)) if wave is not None else []
    language = get_language() or "fr"
    for p in poor:
        p.label = p.indicator.title(language)
    return pages.page(request, "actions/from_indicator.html", form=form, wave=wave, poor=poor,
                      status=pages.status_of(form))
