"""What an action is made of and who commits to it: its milestones and targets, the
commitments of the parties (added, edited, deleted, restored, their outcome), every
commitment of the plan with the share kept per party, and a partner's own commitments."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cospiral.actions import forms, selectors, services
from cospiral.actions.models import Milestone, Target
from cospiral.actions.views.action import on_detail
from cospiral.actions.views.common import action_of, commitment_of, detail_url
from cospiral.core import pages, rules
from cospiral.core.access import ENTER_CARDS, READ, can_enter_cards, territory_view
from cospiral.domain import plan


def _part_of(request, model, pk):
    """The milestone or target ``pk`` of a live action of the territory."""
    part = model.objects.of(request.territory).select_related("action").filter(pk=pk).first()
    if part is None or part.action.deleted_at is not None:
        raise Http404(f"No such {model._meta.model_name}.")
    return part


def _part_page(request, part, form, save, *, anchor: str, title: str, done: str,
               delete=None, deleted: str = ""):
    """The page of one part of an action (a milestone, target or commitment): its form,
    and when ``delete`` is given its « Remove » button. Back to the action's ``anchor``."""
    back = detail_url(part.action, anchor)
    if delete is not None and request.method == "POST" and "delete" in request.POST:
        delete(part, user=request.user)
        messages.success(request, deleted)
        return redirect(back)
    return pages.form_page(request, form, save, "actions/part_form.html", done=done, then=back,
                           action=part.action, title=title % {"title": part.action.title},
                           can_delete=delete is not None)


# --- Milestones and targets ----------------------------------------------------------------------

@territory_view(ENTER_CARDS)
@require_POST
def milestone_add(request, pk):
    a = action_of(request, pk)
    return on_detail(request, a, "milestone_form", forms.MilestoneForm(request.POST),
                     lambda d: services.add_milestone(a, user=request.user, **d),
                     done=_("Milestone added."), anchor="milestones")


@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def milestone_edit(request, pk):
    m = _part_of(request, Milestone, pk)
    form = forms.MilestoneForm(request.POST or None, initial={
        "on": m.on, "title": m.title, "note": m.note, "reached": m.reached})
    return _part_page(request, m, form, lambda d: services.update_milestone(m, user=request.user, **d),
                      anchor="milestones", title=_("Milestone of “%(title)s”"),
                      done=_("Milestone saved."), delete=services.delete_milestone,
                      deleted=_("Milestone removed."))


def _target_kwargs(d) -> dict:
    return {"indicator": d["indicator"], "measure": d["measure"],
            "baseline_wave": d["baseline_wave"], "baseline": d["baseline"],
            "target_value": d["target_value"], "note": d["note"]}


@territory_view(ENTER_CARDS)
@require_POST
def target_add(request, pk):
    a = action_of(request, pk)
    return on_detail(request, a, "target_form", forms.TargetForm(request.POST, territory=request.territory),
                     lambda d: services.save_target(a, user=request.user, **_target_kwargs(d)),
                     done=_("Target added."), anchor="targets")


@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def target_edit(request, pk):
    t = _part_of(request, Target, pk)
    form = forms.TargetForm(request.POST or None, territory=request.territory, initial={
        "indicator": t.indicator_id, "measure": t.measure, "baseline_wave": t.baseline_wave_id,
        "baseline": t.baseline, "target_value": t.target, "note": t.note})
    return _part_page(request, t, form, lambda d: services.save_target(
        t.action, user=request.user, target=t, **_target_kwargs(d)),
        anchor="targets", title=_("Target of “%(title)s”"), done=_("Target saved."),
        delete=services.delete_target, deleted=_("Target removed."))


# --- Commitments -------------------------------------------------------------------------------------

@territory_view(ENTER_CARDS)
@require_POST
def commitment_add(request, pk):
    a = action_of(request, pk)
    return on_detail(request, a, "commitment_form",
                     forms.CommitmentForm(request.POST, territory=request.territory),
                     lambda d: services.save_commitment(a, user=request.user, **d),
                     done=_("Commitment added."), anchor="commitments")


@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def commitment_edit(request, pk):
    c = commitment_of(request, pk)
    if c.deleted_at is not None or c.action.deleted_at is not None:
        messages.error(request, _("This commitment or its action is deleted: restore it before "
                                  "changing it."))
        return redirect(detail_url(c.action))
    form = forms.CommitmentForm(request.POST or None, territory=request.territory,
                                initial=forms.CommitmentForm.initial_of(c))
    return _part_page(request, c, form, lambda d: services.save_commitment(
        c.action, user=request.user, commitment=c, **d),
        anchor="commitments", title=_("Commitment to “%(title)s”"), done=_("Commitment saved."))


def _confirm(request, c, write, *, what: str, done: str, explanation: str):
    return pages.confirm(request, c, write, "actions/confirm.html", obj=c, what=what, done=done,
                         back=detail_url(c.action), after=detail_url(c.action, "commitments"),
                         explanation=explanation)


@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def commitment_delete(request, pk):
    return _confirm(request, commitment_of(request, pk), services.delete_commitment,
                    what=_("Delete the commitment"),
                    done=_("Commitment deleted. It can be restored from the action's page."),
                    explanation=_("It leaves the plan and the shares kept but is kept, and can "
                                  "be restored. The change is recorded in the audit trail."))


@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def commitment_restore(request, pk):
    return _confirm(request, commitment_of(request, pk), services.restore_commitment,
                    what=_("Restore the commitment"), done=_("Commitment restored."),
                    explanation=_("It comes back as it was. The change is recorded in the "
                                  "audit trail."))


@territory_view(READ)
@require_http_methods(["GET", "POST"])
def commitment_outcome(request, pk):
    c = commitment_of(request, pk)
    if c.deleted_at is not None or c.action.deleted_at is not None:
        raise Http404("No such commitment.")
    if not rules.RECORD_PLAN_OUTCOME.test(request.user, c):
        raise PermissionDenied
    form = forms.OutcomeForm(request.POST or None, initial={
        "accepted_on": c.accepted_on, "signed_on": c.signed_on, "outcome": c.outcome,
        "evidence": c.evidence})
    then = (detail_url(c.action, "commitments") if can_enter_cards(request)
            else reverse("actions:my_commitments", kwargs={"territory": request.territory.slug}))
    return pages.form_page(request, form, lambda d: services.record_outcome(c, user=request.user, **d),
                           "actions/outcome_form.html", done=_("Outcome saved."), then=then,
                           commitment=c)


def _commitments_page(request, template, rows, **context):
    return pages.page(request, template, rows=rows, kept=selectors.kept_by_party(rows),
                      kept_rule=plan.KEPT_RULE, **context)


@territory_view(READ)
def commitments(request):
    return _commitments_page(request, "actions/commitments.html",
                             list(selectors.commitments(request.territory)))


@territory_view(READ)
def my_commitments(request):
    organisation = services.partner_organisation(request.territory, request.user)
    rows = (list(selectors.commitments(request.territory, organisation=organisation))
            if organisation is not None else [])
    return _commitments_page(request, "actions/mine.html", rows, organisation=organisation)
