"""Existing actions pages: the ranked list (table, chart, exports), the coverage matrix
of families × actions, an action's evaluation and its history, the form, delete and
restore. Thin: the form reads, services write (and check who may), selectors read.
Everyone in the territory reads; coordinators and facilitators write."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from cospiral.core import pages
from cospiral.core.access import ENTER_CARDS, READ, can_enter_cards, territory_view
from cospiral.core.audit_display import readable
from cospiral.core.pages import page as _page
from cospiral.domain import evaluation as ev
from cospiral.existing_actions import charts, exports, selectors, services
from cospiral.existing_actions.forms import ActionForm
from cospiral.existing_actions.models import (
    QUESTION_HELP,
    QUESTION_LABELS,
    QUESTION_SHORT,
    SCALE_LABELS,
)


def _index_url(territory) -> str:
    return reverse("evaluations:index", kwargs={"territory": territory.slug})


def _action(request, pk, *, allow_deleted: bool = False):
    action = selectors.action(request.territory, pk)
    if action is None or (action.deleted_at is not None and not allow_deleted):
        raise Http404("No such existing action.")
    return action


def _questions():
    return [(q, QUESTION_LABELS[q], QUESTION_HELP[q], QUESTION_SHORT[q]) for q in ev.QUESTIONS]


def _summary(rows) -> str:
    scored = [r for r in rows if r.total is not None]
    if not rows:
        return _("No existing action is recorded yet.")
    if not scored:
        return ngettext("%(n)s existing action is recorded; none is assessed yet.",
                        "%(n)s existing actions are recorded; none is assessed yet.",
                        len(rows)) % {"n": len(rows)}
    top = scored[0]
    complete = sum(1 for r in rows if r.complete)
    return ngettext(
        "Of %(n)s existing action, %(complete)s is assessed on all five questions; the first "
        "is “%(name)s” with %(total)s out of 100.",
        "Of %(n)s existing actions, %(complete)s are assessed on all five questions; the first "
        "is “%(name)s” with %(total)s out of 100.",
        len(rows)) % {"n": len(rows), "complete": complete, "name": top.action.name,
                      "total": _number(top.total)}


def _number(value) -> str:
    if value is None:
        return ""
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


@territory_view(READ)
def index(request):
    territory = request.territory
    grid_families = selectors.families(territory)
    rows = selectors.ranking(territory, grid_families=grid_families)
    summary = _summary(rows)
    deleted = list(selectors.actions(territory, deleted=True)) if can_enter_cards(request) else []
    return _page(request, "existing_actions/index.html", rows=rows, summary=summary,
                 chart=charts.totals_svg(rows, summary), questions=_questions(),
                 scale=[(v, SCALE_LABELS[v]) for v in ev.SCALE], score_rule=exports.score_rule(),
                 ranking_rule=exports.ranking_rule(), deleted=deleted,
                 n_families=len(grid_families))


@territory_view(READ)
def coverage(request):
    rows, columns = selectors.coverage(request.territory)
    uncovered = [r.family for r in rows if r.uncovered]
    return _page(request, "existing_actions/coverage.html", rows=rows, columns=columns,
                 uncovered=uncovered)


@territory_view(READ)
def detail(request, pk):
    action = _action(request, pk, allow_deleted=can_enter_cards(request))
    grid = {f.code: f for f in selectors.families(request.territory)}
    scores = action.scores
    notes = action.notes
    questions = [(q, QUESTION_LABELS[q], scores[q], SCALE_LABELS.get(scores[q], ""), notes[q])
                 for q in ev.QUESTIONS]
    return _page(request, "existing_actions/detail.html", action=action, questions=questions,
                 families=[grid.get(c) or selectors.Family(c, _("not in the grid"))
                           for c in action.families],
                 total=ev.total(scores), assessed=ev.assessed(scores),
                 history=readable(selectors.history(request.territory, action)))


def _form(request, action=None):
    territory = request.territory
    if action is not None and action.deleted_at is not None:
        messages.error(request, _("This action is deleted: restore it before changing it."))
        return redirect("evaluations:detail", territory=territory.slug, pk=action.pk)
    initial = ActionForm.initial_of(action) if action is not None else {}
    form = ActionForm(request.POST or None, territory=territory, initial=initial)
    return pages.form_page(
        request, form, lambda _d: services.save_action(territory, user=request.user, action=action,
                                                       **form.service_kwargs()),
        "existing_actions/form.html", done=_("Existing action saved."),
        then=lambda saved: pages.url(request, "evaluations:detail", pk=saved.pk),
        action=action, scale=[(v, SCALE_LABELS[v]) for v in ev.SCALE])


create, edit = pages.form_views(_form, partial(_action, allow_deleted=True), roles=ENTER_CARDS)


def _confirm_then(request, pk, what: str, write, done: str):
    action = _action(request, pk, allow_deleted=True)
    return pages.confirm(request, action, write, "existing_actions/confirm.html", done=done,
                         after=_index_url(request.territory), action=action, what=what,
                         back=pages.url(request, "evaluations:detail", pk=action.pk))


@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def delete(request, pk):
    return _confirm_then(request, pk, _("Delete the existing action"), services.delete_action,
                         _("Existing action deleted. It can be restored from the list of "
                           "deleted actions."))


@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def restore(request, pk):
    return _confirm_then(request, pk, _("Restore the existing action"), services.restore_action,
                         _("Existing action restored."))


@territory_view(READ)
def export(request, format: str):
    if format not in exports.FORMATS:
        raise Http404
    return exports.response(request.territory, selectors.ranking(request.territory), format)
