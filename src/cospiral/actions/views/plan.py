"""The plan as a whole: its tree with the rolled-up progress, the comparison grid of
candidate actions, the strategic axes, and the plan in a spreadsheet (export, import)."""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from cospiral.actions import forms, selectors, services
from cospiral.actions.models import Action, Target
from cospiral.actions.views.common import measure_text
from cospiral.core import l10n, pages
from cospiral.core.access import (
    ENTER_CARDS,
    MANAGE,
    READ,
    can_enter_cards,
    can_manage,
    territory_view,
)
from cospiral.core.pages import or_404
from cospiral.domain import evaluation as ev
from cospiral.domain import plan
from cospiral.existing_actions import charts as evaluation_charts
from cospiral.existing_actions import exports as evaluation_exports
from cospiral.existing_actions.models import (
    QUESTION_HELP,
    QUESTION_LABELS,
    QUESTION_SHORT,
    SCALE_LABELS,
)
from cospiral.existing_actions.selectors import families as grid_families
from cospiral.jobs.uploads import import_upload

TEST_LABELS = forms.TEST_FIELD_LABELS

# --- The plan ----------------------------------------------------------------------------------

def _plan_summary(tree) -> str:
    if not tree.count:
        return _("The plan has no action yet.")
    r = tree.rolled
    if r.progress is None:
        return ngettext("%(n)s action in the plan; no progress is measured yet.",
                        "%(n)s actions in the plan; no progress is measured yet.",
                        tree.count) % {"n": tree.count}
    return ngettext(
        "%(n)s action in the plan. Progress of the whole plan: %(p)s %% (from %(m)s measured "
        "main action(s); %(u)s not measured, %(a)s abandoned left out).",
        "%(n)s actions in the plan. Progress of the whole plan: %(p)s %% (from %(m)s measured "
        "main action(s); %(u)s not measured, %(a)s abandoned left out).",
        tree.count) % {"n": tree.count, "p": f"{r.progress:g}", "m": r.measured,
                       "u": r.not_measured, "a": r.abandoned}


@territory_view(READ)
def plan_page(request):
    tree = selectors.plan_tree(request.territory)
    deleted = list(selectors.actions(request.territory, deleted=True)) if can_enter_cards(request) else []
    changes = selectors.plan_changes(request.territory, live=can_manage(request))
    from cospiral.votes import selectors as vote_selectors

    standings = vote_selectors.standings(request.territory)
    for item in tree.flat():
        item.vote = standings.get(item.action.pk)
        item.changes = [{"code": r.target.indicator.code, "wave": r.wave.title,
                         "before": measure_text(r.target.measure, r.before),
                         "after": measure_text(r.target.measure, r.after),
                         "measure": Target.Measure(r.target.measure).label, "reached": r.reached}
                        for r in changes.get(item.action.pk, [])]
    return pages.page(request, "actions/plan.html", tree=tree, has_changes=bool(changes),
                      has_votes=bool(standings), several_rounds=any(v.combined for v in standings.values()),
                      summary=_plan_summary(tree), deleted=deleted,
                      default_progress=_default_progress_rows(), horizon=plan.REVIEW_HORIZON_DAYS)


def _default_progress_rows():
    labels = dict(Action.Status.choices)
    texts = {
        "proposed": _("not measured"), "selected": _("not measured"), "planned": l10n.percent(0),
        "running": _("the value measured; not measured until someone measures it"),
        "done": l10n.percent(100), "abandoned": _("left out of every roll-up (its last value is kept)"),
    }
    return [(labels[s], texts[s]) for s in plan.STATUSES]


# --- Comparison grid ----------------------------------------------------------------------------

def _grid_summary(rows) -> str:
    if not rows:
        return _("No candidate action yet.")
    scored = [r for r in rows if r.row.ranked.total is not None]
    demo = sum(1 for r in rows if r.row.demonstrative.demonstrative)
    if not scored:
        return ngettext("%(n)s candidate action; none is assessed on the five questions yet.",
                        "%(n)s candidate actions; none is assessed on the five questions yet.",
                        len(rows)) % {"n": len(rows)}
    top = scored[0]
    return ngettext(
        "%(n)s candidate action; the first is “%(title)s” with %(total)s out of 100. "
        "%(demo)s pass the four tests of a demonstrative action.",
        "%(n)s candidate actions; the first is “%(title)s” with %(total)s out of 100. "
        "%(demo)s pass the four tests of a demonstrative action.",
        len(rows)) % {"n": len(rows), "title": top.action.title,
                      "total": f"{top.row.ranked.total:g}", "demo": demo}


@territory_view(READ)
def grid(request):
    families = grid_families(request.territory)
    rows = selectors.comparison(request.territory, families)
    summary = _grid_summary(rows)
    chart_rows = [SimpleNamespace(action=SimpleNamespace(name=r.action.title),
                                  rank=r.row.ranked.rank, total=r.row.ranked.total,
                                  complete=r.row.ranked.complete) for r in rows]
    return pages.page(request, "actions/grid.html", rows=rows, summary=summary,
                      chart=evaluation_charts.totals_svg(chart_rows, summary),
                      questions=[(q, QUESTION_LABELS[q], QUESTION_HELP[q], QUESTION_SHORT[q])
                                 for q in ev.QUESTIONS],
                      tests=[(t, TEST_LABELS[t]) for t in plan.DEMONSTRATIVE_TESTS],
                      scale=[(v, SCALE_LABELS[v]) for v in ev.SCALE], score_rule=evaluation_exports.score_rule(),
                      ranking_rule=evaluation_exports.ranking_rule())


# --- Axes ------------------------------------------------------------------------------------------

def _axes_url(territory) -> str:
    return reverse("actions:axes", kwargs={"territory": territory.slug})


@territory_view(READ)
@require_http_methods(["GET", "POST"])
def axes(request):
    territory = request.territory
    form = forms.AxisForm(territory=territory)
    if request.method == "POST":
        if not can_enter_cards(request):
            raise PermissionDenied
        form = forms.AxisForm(request.POST, territory=territory)
        saved = pages.submit(request, form, lambda d: services.save_axis(territory, user=request.user, **d),
                             done=_("Strategic axis saved."), then=_axes_url(territory))
        if saved is not None:
            return saved
    tree = selectors.plan_tree(territory)
    return pages.page(request, "actions/axes.html", form=form, sections=tree.sections,
                      status=pages.status_of(form))


@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def axis_edit(request, pk):
    territory = request.territory
    axis = or_404(selectors.axes(territory).filter(pk=pk).first(), "No such axis.")
    if request.method == "POST" and "delete" in request.POST:
        try:
            services.delete_axis(axis, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("actions:axis_edit", territory=territory.slug, pk=axis.pk)
        messages.success(request, _("Strategic axis removed."))
        return redirect(_axes_url(territory))
    form = forms.AxisForm(request.POST or None, territory=territory, initial={
        "code": axis.code, "title": axis.title, "description": axis.description,
        "position": axis.position, "cycle": axis.cycle_id})
    saved = pages.submit(request, form, lambda d: services.save_axis(
        territory, user=request.user, axis=axis, **d),
        done=_("Strategic axis saved."), then=_axes_url(territory))
    return saved or pages.page(request, "actions/axis_form.html", form=form, axis=axis,
                               status=pages.status_of(form))


# --- The plan in a spreadsheet ------------------------------------------------------------------

MAX_SHOWN_ERRORS = 200


@territory_view(READ)
def export(request, kind, format):
    from cospiral.actions import tabular
    from cospiral.core import exports

    if kind not in tabular.KINDS or format not in exports.FORMATS:
        raise Http404("No such export.")
    return tabular.response(request.territory, kind, format)


def import_message(result) -> str:
    if not result.changed:
        return ngettext("Nothing changed: the %(n)s line of the file matches the plan.",
                        "Nothing changed: the %(n)s lines of the file match the plan.",
                        result.unchanged) % {"n": result.unchanged}
    if result.kind == "actions":
        parts = (ngettext("%(n)s action created", "%(n)s actions created", result.created),
                 ngettext("%(n)s action changed", "%(n)s actions changed", result.updated),
                 ngettext("%(n)s action unchanged", "%(n)s actions unchanged", result.unchanged))
    else:
        parts = (ngettext("%(n)s commitment created", "%(n)s commitments created", result.created),
                 ngettext("%(n)s commitment changed", "%(n)s commitments changed", result.updated),
                 ngettext("%(n)s commitment unchanged", "%(n)s commitments unchanged",
                          result.unchanged))
    counts = (result.created, result.updated, result.unchanged)
    return ", ".join(part % {"n": n} for part, n in zip(parts, counts, strict=True)) + "."


@territory_view(MANAGE)
@require_http_methods(["GET", "POST"])
def import_view(request):
    from cospiral.actions import tabular
    territory = request.territory
    form = forms.PlanImportForm(request.POST or None, request.FILES or None)
    done, errors = import_upload(
        request, form, "actions.import_plan",
        lambda upload: tabular.import_file(territory, form.cleaned_data["kind"], upload.read(),
                                           upload.name, user=request.user),
        done=import_message, then=reverse("actions:import", kwargs={"territory": territory.slug}),
        params=lambda data: {"kind": data["kind"]})
    if done is not None:
        return done
    return pages.page(request, "actions/import.html", form=form,
                      errors=errors[:MAX_SHOWN_ERRORS], error_count=len(errors),
                      action_columns=tabular.column_help("actions"),
                      commitment_columns=tabular.column_help("commitments"),
                      status=400 if errors or form.errors else 200)
