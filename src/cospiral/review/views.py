"""The review of a cycle (phase 8): the page, its PDF and the coordinators' lessons
learnt. Thin: ``selectors.assemble`` reads everything, ``services`` writes."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from cospiral.core.access import MANAGE, READ, can_manage, territory_view
from cospiral.core.pages import or_404
from cospiral.review import forms, selectors, services
from cospiral.review.models import ElectedMember
from cospiral.surveys.results_charts import level_names
from cospiral.territories.labels import cycle_label


def _cycle(request, number: int):
    return or_404(selectors.cycle(request.territory, number), "No such cycle.")


def _context(request, **context):
    context.setdefault("territory", request.territory)
    context.setdefault("can_manage", can_manage(request))
    context.setdefault("level_names", level_names())
    return context


@territory_view(READ)
def index(request):
    cycles = selectors.cycles(request.territory)
    for row in cycles:
        row["kept_at"] = _kept_at(request, row["cycle"])
    return render(request, "review/index.html", _context(request, cycles=cycles))


def _kept_at(request, cycle):
    """When the PDF of the review's current figures was built (None: not built yet)."""
    from cospiral.core import pdfs
    from cospiral.review import jobs

    key = pdfs.request_key(request, jobs.KIND, params=jobs.params(request, cycle),
                           extra=jobs.unaudited(request.territory))
    return pdfs.built_at(key)


@territory_view(READ)
def review(request, cycle: int):
    found = _cycle(request, cycle)
    data = selectors.assemble(request.territory, found)
    data.methods.snapshot_at = _kept_at(request, found)
    return render(request, "review/review.html", _context(request, r=data))


@require_safe
@territory_view(READ)
def pdf(request, cycle: int):
    """The review's PDF: the kept one while its figures are unchanged, else a job builds
    it. Downloading writes nothing; the document names the moment its figures were frozen."""
    from cospiral.core import pdfs
    from cospiral.review import jobs

    territory = request.territory
    found = _cycle(request, cycle)
    return pdfs.respond(request, jobs.KIND, params=jobs.params(request, found),
                        filename=jobs.filename(territory, found), extra=jobs.unaudited(territory))


@territory_view(MANAGE)
def edit(request, cycle: int):
    territory = request.territory
    found = _cycle(request, cycle)
    current = selectors.review_of(territory, found)
    if request.method == "POST":
        form = forms.ReviewForm(request.POST)
        if form.is_valid():
            try:
                services.save_review(territory, found, user=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Lessons learnt saved."))
                return redirect(reverse("reports:review", args=[territory.slug, found.number])
                                + "#lessons")
    else:
        form = forms.ReviewForm(initial={
            "lessons_learnt": current.lessons_learnt if current else "",
            "what_next": current.what_next if current else ""})
    return _edit_page(request, found, form=form)


def _edit_page(request, found, *, form=None, elected_form=None):
    territory = request.territory
    if form is None:
        current = selectors.review_of(territory, found)
        form = forms.ReviewForm(initial={
            "lessons_learnt": current.lessons_learnt if current else "",
            "what_next": current.what_next if current else ""})
    elected_form = elected_form or forms.ElectedMemberForm(territory=territory, prefix="elected")
    errors = form.errors or elected_form.errors
    return render(request, "review/edit.html",
                  _context(request, form=form, cycle=found, label=cycle_label(found.number),
                           elected_form=elected_form,
                           elected=selectors.elected_members(territory)),
                  status=400 if errors else 200)


@require_POST
@territory_view(MANAGE)
def add_elected(request, cycle: int):
    """Name a responsible elected member (the whole approach, or one axis)."""
    territory = request.territory
    found = _cycle(request, cycle)
    form = forms.ElectedMemberForm(request.POST, territory=territory, prefix="elected")
    if form.is_valid():
        try:
            services.add_elected_member(territory, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Responsible elected member added."))
            return redirect(reverse("reports:edit", args=[territory.slug, found.number]) + "#elected")
    return _edit_page(request, found, elected_form=form)


@require_POST
@territory_view(MANAGE)
def remove_elected(request, cycle: int, member: int):
    territory = request.territory
    found = _cycle(request, cycle)
    try:
        services.remove_elected_member(territory, member, user=request.user)
    except ElectedMember.DoesNotExist:
        raise Http404("No such elected member.") from None
    messages.success(request, _("Responsible elected member removed."))
    return redirect(reverse("reports:edit", args=[territory.slug, found.number]) + "#elected")
