"""Pages of the co-responsibility plan: the plan (axes → actions → sub-actions with their
rolled-up progress), the comparison grid of candidate actions, an action (origin,
targets, milestones, commitments), creation from cards, a pilot idea or an indicator,
the axes, every commitment with the share kept per party, and a partner's page of its
organisation's commitments. Thin: forms read, services write (and check who may),
selectors read. Everyone in the territory reads; coordinators and facilitators write;
a partner speaking for an organisation records the outcomes of its commitments."""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cospiral.actions import forms, selectors, services
from cospiral.actions.models import Action, Target
from cospiral.core import l10n, rules
from cospiral.core.access import (
    ENTER_CARDS,
    MANAGE,
    READ,
    can_enter_cards,
    can_manage,
    territory_view,
)
from cospiral.core.audit_display import readable
from cospiral.domain import evaluation as ev
from cospiral.domain import plan
from cospiral.evaluations import charts as evaluation_charts
from cospiral.evaluations import exports as evaluation_exports
from cospiral.evaluations.models import QUESTION_HELP, QUESTION_LABELS, QUESTION_SHORT, SCALE_LABELS
from cospiral.evaluations.selectors import families as grid_families
from cospiral.jobs.uploads import runs_as_job, start_import
from cospiral.territories.views import form_error

TEST_LABELS = forms.TEST_FIELD_LABELS


def _page(request, template, **context):
    context.setdefault("territory", request.territory)
    context.setdefault("can_manage", can_manage(request))
    context.setdefault("can_write", can_enter_cards(request))
    return render(request, template, context, status=context.pop("status", 200))


def _action(request, pk, *, allow_deleted: bool = False) -> Action:
    a = selectors.action(request.territory, pk)
    if a is None or (a.deleted_at is not None and not allow_deleted):
        raise Http404("No such action.")
    return a


def _commitment(request, pk):
    c = selectors.commitment(request.territory, pk)
    if c is None:
        raise Http404("No such commitment.")
    return c


def _tests(a) -> list[tuple[str, str, bool | None]]:
    """(key, label, True passes / False fails / None not assessed yet)."""
    return [(t, TEST_LABELS[t], getattr(a, t)) for t in plan.DEMONSTRATIVE_TESTS]


def _detail_url(a) -> str:
    from django.urls import reverse

    return reverse("actions:detail", kwargs={"territory": a.territory.slug, "pk": a.pk})


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
                         "before": _measure_text(r.target.measure, r.before),
                         "after": _measure_text(r.target.measure, r.after),
                         "measure": Target.Measure(r.target.measure).label, "reached": r.reached}
                        for r in changes.get(item.action.pk, [])]
    return _page(request, "actions/plan.html", tree=tree, has_changes=bool(changes),
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
    return _page(request, "actions/grid.html", rows=rows, summary=summary,
                 chart=evaluation_charts.totals_svg(chart_rows, summary),
                 questions=[(q, QUESTION_LABELS[q], QUESTION_HELP[q], QUESTION_SHORT[q])
                            for q in ev.QUESTIONS],
                 tests=[(t, TEST_LABELS[t]) for t in plan.DEMONSTRATIVE_TESTS],
                 scale=[(v, SCALE_LABELS[v]) for v in ev.SCALE], score_rule=evaluation_exports.score_rule(),
                 ranking_rule=evaluation_exports.ranking_rule())


# --- An action -----------------------------------------------------------------------------------

def _detail(request, a, *, status=200, **bound):
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
        status=status,
    )
    if writer:
        context["status_form"] = bound.get("status_form") or forms.StatusForm(
            initial={"status": a.status, "progress": a.progress})
        context["milestone_form"] = bound.get("milestone_form") or forms.MilestoneForm()
        context["target_form"] = bound.get("target_form") or forms.TargetForm(territory=territory)
        context["commitment_form"] = bound.get("commitment_form") or forms.CommitmentForm(
            territory=territory)
    return _page(request, "actions/detail.html", **context)


def _vote_standing(territory, a):
    from cospiral.votes import selectors as vote_selectors

    return vote_selectors.standing(territory, a)


def _measure_text(measure: str, value) -> str:
    from cospiral.surveys.results import num

    if value is None:
        return ""
    if measure in ("high_share", "low_share"):
        return l10n.percent(value, 1, trim=False)
    return num(value, 1)


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
    values = {"measure": measure_label, "before": _measure_text(row.target.measure, row.before),
              "after": _measure_text(row.target.measure, row.after),
              "target": _measure_text(row.target.measure, row.target.target)}
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
            "before": _measure_text(r.target.measure, r.before),
            "after": _measure_text(r.target.measure, r.after),
            "target": _measure_text(r.target.measure, r.target.target),
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


@territory_view(READ)
def detail(request, pk):
    return _detail(request, _action(request, pk, allow_deleted=can_enter_cards(request)))


@territory_view(ENTER_CARDS)
@require_POST
def status(request, pk):
    a = _action(request, pk)
    form = forms.StatusForm(request.POST)
    if form.is_valid():
        try:
            services.set_status(a, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Status saved."))
            return redirect(_detail_url(a))
    return _detail(request, a, status=400, status_form=form)


def _action_form(request, a=None):
    territory = request.territory
    if a is not None and a.deleted_at is not None:
        messages.error(request, _("This action is deleted: restore it before changing it."))
        return redirect(_detail_url(a))
    initial = forms.ActionForm.initial_of(a) if a is not None else {}
    if a is None and request.GET.get("parent", "").isdigit():
        initial["parent"] = int(request.GET["parent"])
    form = forms.ActionForm(request.POST or None, territory=territory, action=a, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            kwargs = form.service_kwargs()
            if a is None:
                saved = services.create_action(territory, user=request.user, **kwargs)
            else:
                saved = services.update_action(a, user=request.user, **kwargs)
        except ValidationError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Action saved."))
            return redirect(_detail_url(saved))
    return _page(request, "actions/form.html", form=form, action=a,
                 status=400 if form.errors else 200)


@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def create(request):
    return _action_form(request)


@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def edit(request, pk):
    return _action_form(request, _action(request, pk, allow_deleted=True))


def _confirm(request, obj, what: str, write, done: str, back: str, explanation: str, after: str):
    if request.method == "POST":
        try:
            write(obj, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(back)
        messages.success(request, done)
        return redirect(after)
    return _page(request, "actions/confirm.html", obj=obj, what=what, back=back,
                 explanation=explanation)


def _plan_url(request) -> str:
    from django.urls import reverse

    return reverse("actions:plan", kwargs={"territory": request.territory.slug})


@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def delete(request, pk):
    a = _action(request, pk, allow_deleted=True)
    return _confirm(request, a, _("Delete the action"), services.delete_action,
                    _("Action deleted. It can be restored from the plan's list of deleted actions."),
                    _detail_url(a), _("It leaves the plan, the comparison grid and the roll-ups "
                                      "but is kept, with its commitments, milestones and targets, "
                                      "and can be restored. The change is recorded in the audit "
                                      "trail."), _plan_url(request))


@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def restore(request, pk):
    a = _action(request, pk, allow_deleted=True)
    return _confirm(request, a, _("Restore the action"), services.restore_action,
                    _("Action restored."), _detail_url(a),
                    _("It comes back into the plan as it was. The change is recorded in the "
                      "audit trail."), _detail_url(a))


# --- Creating actions from their sources ------------------------------------------------------

def _created(request, a):
    messages.success(request, _("Action “%(title)s” created. Complete it: axis, lead, scores, "
                                "dates.") % {"title": a.title})
    return redirect(_detail_url(a))


@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def create_from_cards(request):
    territory = request.territory
    groups = list(selectors.groups(territory))
    group = next((g for g in groups if str(g.pk) == request.GET.get("group")), None)
    form = forms.FromCardsForm(request.POST or None, territory=territory)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            a = services.create_action(territory, user=request.user, origin=Action.Origin.CARDS,
                                       cards=list(d["cards"]), title=d["title"],
                                       description=d["description"], axis=d["axis"])
        except ValidationError as error:
            form_error(form, error)
        else:
            return _created(request, a)
    chosen = {str(v) for v in (form["cards"].value() or [])}
    return _page(request, "actions/from_cards.html", form=form, groups=groups, group=group,
                 cards=list(selectors.source_cards(territory, group=group)), chosen=chosen,
                 status=400 if form.errors else 200)


@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def create_from_pilot_idea(request):
    territory = request.territory
    form = forms.FromPilotIdeaForm(request.POST or None, territory=territory)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            a = services.create_action(territory, user=request.user, origin=Action.Origin.PILOT_IDEA,
                                       origin_group=d["group"], title=d["title"],
                                       description=d["description"], axis=d["axis"])
        except ValidationError as error:
            form_error(form, error)
        else:
            return _created(request, a)
    return _page(request, "actions/from_pilot_idea.html", form=form,
                 status=400 if form.errors else 200)


@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def create_from_indicator(request):
    territory = request.territory
    initial = {}
    if request.GET.get("indicator", "").isdigit():
        initial["indicator"] = int(request.GET["indicator"])
    form = forms.FromIndicatorForm(request.POST or None, territory=territory, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            a = services.create_action(territory, user=request.user, origin=Action.Origin.INDICATOR,
                                       origin_indicator=d["indicator"], title=d["title"],
                                       description=d["description"], axis=d["axis"])
        except ValidationError as error:
            form_error(form, error)
        else:
            return _created(request, a)
    wave = selectors.results_wave(territory)
    poor = selectors.poor_indicators(wave, live=can_manage(request)) if wave is not None else []
    language = get_language() or "fr"
    for p in poor:
        p.label = p.indicator.title(language)
    return _page(request, "actions/from_indicator.html", form=form, wave=wave, poor=poor,
                 status=400 if form.errors else 200)


# --- Axes ------------------------------------------------------------------------------------------

@territory_view(READ)
@require_http_methods(["GET", "POST"])
def axes(request):
    territory = request.territory
    form = forms.AxisForm(territory=territory)
    if request.method == "POST":
        if not can_enter_cards(request):
            raise PermissionDenied
        form = forms.AxisForm(request.POST, territory=territory)
        if form.is_valid():
            try:
                services.save_axis(territory, user=request.user, **form.cleaned_data)
            except ValidationError as error:
                form_error(form, error)
            else:
                messages.success(request, _("Strategic axis saved."))
                return redirect("actions:axes", territory=territory.slug)
    tree = selectors.plan_tree(territory)
    return _page(request, "actions/axes.html", form=form, sections=tree.sections,
                 status=400 if form.errors else 200)


@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def axis_edit(request, pk):
    territory = request.territory
    axis = selectors.axes(territory).filter(pk=pk).first()
    if axis is None:
        raise Http404("No such axis.")
    if request.method == "POST" and "delete" in request.POST:
        try:
            services.delete_axis(axis, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("actions:axis_edit", territory=territory.slug, pk=axis.pk)
        messages.success(request, _("Strategic axis removed."))
        return redirect("actions:axes", territory=territory.slug)
    form = forms.AxisForm(request.POST or None, territory=territory, initial={
        "code": axis.code, "title": axis.title, "description": axis.description,
        "position": axis.position, "cycle": axis.cycle_id})
    if request.method == "POST" and form.is_valid():
        try:
            services.save_axis(territory, user=request.user, axis=axis, **form.cleaned_data)
        except ValidationError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Strategic axis saved."))
            return redirect("actions:axes", territory=territory.slug)
    return _page(request, "actions/axis_form.html", form=form, axis=axis,
                 status=400 if form.errors else 200)


# --- Milestones and targets ----------------------------------------------------------------------

@territory_view(ENTER_CARDS)
@require_POST
def milestone_add(request, pk):
    a = _action(request, pk)
    form = forms.MilestoneForm(request.POST)
    if form.is_valid():
        try:
            services.add_milestone(a, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Milestone added."))
            return redirect(_detail_url(a) + "#milestones")
    return _detail(request, a, status=400, milestone_form=form)


@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def milestone_edit(request, pk):
    m = selectors.Milestone.objects.of(request.territory).select_related("action").filter(pk=pk).first()
    if m is None or m.action.deleted_at is not None:
        raise Http404("No such milestone.")
    if request.method == "POST" and "delete" in request.POST:
        services.delete_milestone(m, user=request.user)
        messages.success(request, _("Milestone removed."))
        return redirect(_detail_url(m.action) + "#milestones")
    form = forms.MilestoneForm(request.POST or None, initial={
        "on": m.on, "title": m.title, "note": m.note, "reached": m.reached})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_milestone(m, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Milestone saved."))
            return redirect(_detail_url(m.action) + "#milestones")
    return _page(request, "actions/part_form.html", form=form, action=m.action,
                 title=_("Milestone of “%(title)s”") % {"title": m.action.title},
                 can_delete=True, status=400 if form.errors else 200)


def _target_kwargs(form) -> dict:
    d = form.cleaned_data
    return {"indicator": d["indicator"], "measure": d["measure"],
            "baseline_wave": d["baseline_wave"], "baseline": d["baseline"],
            "target_value": d["target_value"], "note": d["note"]}


@territory_view(ENTER_CARDS)
@require_POST
def target_add(request, pk):
    a = _action(request, pk)
    form = forms.TargetForm(request.POST, territory=request.territory)
    if form.is_valid():
        try:
            services.save_target(a, user=request.user, **_target_kwargs(form))
        except ValidationError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Target added."))
            return redirect(_detail_url(a) + "#targets")
    return _detail(request, a, status=400, target_form=form)


@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def target_edit(request, pk):
    t = selectors.Target.objects.of(request.territory).select_related("action").filter(pk=pk).first()
    if t is None or t.action.deleted_at is not None:
        raise Http404("No such target.")
    if request.method == "POST" and "delete" in request.POST:
        services.delete_target(t, user=request.user)
        messages.success(request, _("Target removed."))
        return redirect(_detail_url(t.action) + "#targets")
    form = forms.TargetForm(request.POST or None, territory=request.territory, initial={
        "indicator": t.indicator_id, "measure": t.measure, "baseline_wave": t.baseline_wave_id,
        "baseline": t.baseline, "target_value": t.target, "note": t.note})
    if request.method == "POST" and form.is_valid():
        try:
            services.save_target(t.action, user=request.user, target=t, **_target_kwargs(form))
        except ValidationError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Target saved."))
            return redirect(_detail_url(t.action) + "#targets")
    return _page(request, "actions/part_form.html", form=form, action=t.action,
                 title=_("Target of “%(title)s”") % {"title": t.action.title},
                 can_delete=True, status=400 if form.errors else 200)


# --- Commitments -------------------------------------------------------------------------------------

@territory_view(ENTER_CARDS)
@require_POST
def commitment_add(request, pk):
    a = _action(request, pk)
    form = forms.CommitmentForm(request.POST, territory=request.territory)
    if form.is_valid():
        try:
            services.save_commitment(a, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Commitment added."))
            return redirect(_detail_url(a) + "#commitments")
    return _detail(request, a, status=400, commitment_form=form)


@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def commitment_edit(request, pk):
    c = _commitment(request, pk)
    if c.deleted_at is not None or c.action.deleted_at is not None:
        messages.error(request, _("This commitment or its action is deleted: restore it before "
                                  "changing it."))
        return redirect(_detail_url(c.action))
    form = forms.CommitmentForm(request.POST or None, territory=request.territory,
                                initial=forms.CommitmentForm.initial_of(c))
    if request.method == "POST" and form.is_valid():
        try:
            services.save_commitment(c.action, user=request.user, commitment=c, **form.cleaned_data)
        except ValidationError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Commitment saved."))
            return redirect(_detail_url(c.action) + "#commitments")
    return _page(request, "actions/part_form.html", form=form, action=c.action,
                 title=_("Commitment to “%(title)s”") % {"title": c.action.title},
                 can_delete=False, status=400 if form.errors else 200)


@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def commitment_delete(request, pk):
    c = _commitment(request, pk)
    return _confirm(request, c, _("Delete the commitment"), services.delete_commitment,
                    _("Commitment deleted. It can be restored from the action's page."),
                    _detail_url(c.action), _("It leaves the plan and the shares kept but is "
                                             "kept, and can be restored. The change is "
                                             "recorded in the audit trail."),
                    _detail_url(c.action) + "#commitments")


@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def commitment_restore(request, pk):
    c = _commitment(request, pk)
    return _confirm(request, c, _("Restore the commitment"), services.restore_commitment,
                    _("Commitment restored."), _detail_url(c.action),
                    _("It comes back as it was. The change is recorded in the audit trail."),
                    _detail_url(c.action) + "#commitments")


@territory_view(READ)
@require_http_methods(["GET", "POST"])
def commitment_outcome(request, pk):
    c = _commitment(request, pk)
    if c.deleted_at is not None or c.action.deleted_at is not None:
        raise Http404("No such commitment.")
    if not rules.RECORD_PLAN_OUTCOME.test(request.user, c):
        raise PermissionDenied
    form = forms.OutcomeForm(request.POST or None, initial={
        "accepted_on": c.accepted_on, "signed_on": c.signed_on, "outcome": c.outcome,
        "evidence": c.evidence})
    if request.method == "POST" and form.is_valid():
        try:
            services.record_outcome(c, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Outcome saved."))
            if can_enter_cards(request):
                return redirect(_detail_url(c.action) + "#commitments")
            return redirect("actions:my_commitments", territory=request.territory.slug)
    return _page(request, "actions/outcome_form.html", form=form, commitment=c,
                 status=400 if form.errors else 200)


@territory_view(READ)
def commitments(request):
    rows = list(selectors.commitments(request.territory))
    return _page(request, "actions/commitments.html", rows=rows,
                 kept=selectors.kept_by_party(rows), kept_rule=plan.KEPT_RULE)


@territory_view(READ)
def my_commitments(request):
    organisation = services.partner_organisation(request.territory, request.user)
    rows = (list(selectors.commitments(request.territory, organisation=organisation))
            if organisation is not None else [])
    return _page(request, "actions/mine.html", organisation=organisation, rows=rows,
                 kept=selectors.kept_by_party(rows), kept_rule=plan.KEPT_RULE)


# --- The plan in a spreadsheet ------------------------------------------------------------------

MAX_SHOWN_ERRORS = 200


@territory_view(READ)
def export(request, kind, format):
    from cospiral.actions import tabular
    from cospiral.core import exports

    if kind not in tabular.KINDS or format not in exports.FORMATS:
        raise Http404("No such export.")
    return tabular.response(request.territory, kind, format)


def _read_as(how: str) -> str:
    """« The file was read as Windows-1252 text, cells separated by semicolons. »"""
    return _("The file was %(how)s.") % {"how": how} if how else ""


def _import_message(result) -> str:
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
    from cospiral.core.tabular import TableRejected

    territory = request.territory
    errors = []
    form = forms.PlanImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid() and runs_as_job(form.cleaned_data["file"]):
        job, refused = start_import("actions.import_plan", upload=form.cleaned_data["file"],
                                    territory=territory, user=request.user,
                                    params={"kind": form.cleaned_data["kind"]})
        if job is not None:
            return redirect(job.get_absolute_url())
        form.add_error("file", refused)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = tabular.import_file(territory, form.cleaned_data["kind"], upload.read(),
                                         upload.name, user=request.user)
        except TableRejected as exc:
            errors = exc.errors
        else:
            messages.success(request, " ".join(filter(None, [
                _import_message(result), _read_as(result.read_as)])))
            return redirect("actions:import", territory=territory.slug)
    return _page(request, "actions/import.html", form=form,
                 errors=errors[:MAX_SHOWN_ERRORS], error_count=len(errors),
                 action_columns=tabular.column_help("actions"),
                 commitment_columns=tabular.column_help("commitments"),
                 status=400 if errors or form.errors else 200)
