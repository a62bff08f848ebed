"""The review of a cycle (phase 8): the page, its PDF and the coordinators' lessons
learnt. Thin: ``selectors.assemble`` reads everything, ``services`` writes."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cospiral.core.access import MANAGE, READ, can_manage, territory_view
from cospiral.reports import forms, selectors, services
from cospiral.surveys.results_charts import level_names
from cospiral.territories.labels import cycle_label


def _cycle(request, number: int):
    found = selectors.cycle(request.territory, number)
    if found is None:
        raise Http404("No such cycle.")
    return found


def _context(request, **context):
    context.setdefault("territory", request.territory)
    context.setdefault("can_manage", can_manage(request))
    context.setdefault("level_names", level_names())
    return context


@territory_view(READ)
def index(request):
    return render(request, "reports/index.html",
                  _context(request, cycles=selectors.cycles(request.territory)))


@territory_view(READ)
def review(request, cycle: int):
    found = _cycle(request, cycle)
    return render(request, "reports/review.html",
                  _context(request, r=selectors.assemble(request.territory, found)))


@territory_view(READ)
def pdf(request, cycle: int):
    from weasyprint import HTML

    territory = request.territory
    found = _cycle(request, cycle)
    now = timezone.now()
    data = selectors.assemble(territory, found, now=now, snapshot=True)
    html = render_to_string("reports/review_pdf.html", _context(request, r=data, pdf=True),
                            request=request)
    document = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    services.record_snapshot(territory, found, request.user, now=now)
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="cospiral-review-{territory.slug}-cycle-{found.number}.pdf"')
    return response


@territory_view(MANAGE)
def edit(request, cycle: int):
    territory = request.territory
    found = _cycle(request, cycle)
    current = selectors.review_of(territory, found)
    if request.method == "POST":
        form = forms.ReviewForm(request.POST)
        if form.is_valid():
            try:
                services.save_review(territory, found, request.user, **form.cleaned_data)
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
    return render(request, "reports/edit.html",
                  _context(request, form=form, cycle=found, label=cycle_label(found.number)),
                  status=400 if form.errors else 200)
