"""Results pages of a survey wave (METHOD.md §8): the results of a wave for everyone in
the territory, the ex-post against ex-ante comparison, the exports, and the public
results page of a published wave (no login; reached by the wave's public token).

Thin: ``surveys.results`` builds the page's figures (``page_context``, ``compute``) and
``surveys.results_compare`` the comparison; ``surveys.exports`` writes files. Only the
wave's coordinators see the live tallies; everyone else sees the latest published
snapshot (see ``surveys.results``)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from cospiral.core.access import READ, can_manage, territory_view
from cospiral.domain import survey as rules
from cospiral.surveys import exports, selectors
from cospiral.surveys.models import Wave
from cospiral.surveys.results import (
    compute,
    index_rows,
    indicator_rows,
    page_context,
    weighting_available,
)
from cospiral.surveys.results_compare import comparison_context
from cospiral.surveys.views.common import public_results_url, wave_of

# --- the options of the page ------------------------------------------------------------


def _options(request, wave: Wave):
    """The breakdown and weighting chosen in the query (``None`` error when valid)."""
    breakdown = request.GET.get("breakdown") or None
    weighted = request.GET.get("weighted") in ("1", "on", "true")
    error = ""
    if breakdown is not None and breakdown not in wave.profile_questions:
        error = _("“%(key)s” is not a profile question of this wave: choose one from the list.") % {
            "key": breakdown}
        breakdown = None
    if weighted and not weighting_available(wave):
        error = _("This wave has no population figures to weight to.")
        weighted = False
    return breakdown, weighted, error


# --- views ------------------------------------------------------------------------------


def sees_live(request) -> bool:
    """Only the wave's coordinators see the live tallies."""
    return can_manage(request)


def publication_state(wave: Wave) -> dict:
    """For coordinators: the snapshot others see and whether the live tallies moved since."""
    latest = selectors.latest_snapshot(wave)
    live = selectors.progress(wave)["sent"]
    return {"latest_snapshot": latest, "shown_snapshot": selectors.shown_snapshot(wave),
            "live_differs": latest is None or latest.respondents != live}


@territory_view(READ)
def wave_results(request, pk: int):
    wave = wave_of(request, pk)
    breakdown, weighted, error = _options(request, wave)
    if sees_live(request):
        context = page_context(wave, breakdown=breakdown, weighted=weighted, public=False)
        context.update(publication_state(wave))
    else:
        snapshot = selectors.shown_snapshot(wave)
        if snapshot is None:
            return render(request, "surveys/results_wave.html", {
                "territory": request.territory, "wave": wave, "can_manage": False,
                "not_published": True, "has_comparison": wave.baseline_id is not None})
        context = page_context(wave, breakdown=breakdown, weighted=weighted, public=False,
                               snapshot=snapshot)
    context.update({
        "territory": request.territory, "can_manage": can_manage(request), "option_error": error,
        "query": request.GET.urlencode(),
        "public_url": public_results_url(wave) or "",
        "has_comparison": wave.baseline_id is not None,
        "raw_available": exports.raw_available(wave),
    })
    return render(request, "surveys/results_wave.html", context, status=400 if error else 200)


@territory_view(READ)
def comparison(request, pk: int):
    wave = wave_of(request, pk)
    context = {"territory": request.territory, "wave": wave, "can_manage": can_manage(request)}
    context.update(comparison_context(wave, live=sees_live(request)))
    return render(request, "surveys/results_comparison.html", context)


EXPORTS = ("results", "breakdown", "raw", "codebook")


@territory_view(READ)
def export(request, pk: int, what: str, format: str):
    if what not in EXPORTS or format not in exports.FORMATS:
        raise Http404
    with exports.language(format):
        return _export(request, pk, what, format)


def _export(request, pk: int, what: str, format: str):
    wave = wave_of(request, pk)
    if what == "raw" and not can_manage(request):
        raise PermissionDenied
    if what == "raw" and not exports.raw_available(wave):
        return HttpResponse(_("The raw responses can be downloaded once the wave is closed: while "
                              "answers arrive, two downloads would show who answered last."),
                            status=409, content_type="text/plain; charset=utf-8")
    snapshot = None
    if what in ("results", "breakdown") and not sees_live(request):
        snapshot = selectors.shown_snapshot(wave)
        if snapshot is None:
            return HttpResponse(_("The results of this wave are not published yet."), status=409,
                                content_type="text/plain; charset=utf-8")
    weighted = request.GET.get("weighted") in ("1", "on", "true") and weighting_available(wave)
    items = selectors.instrument(wave)
    if not items:
        return HttpResponse(_("This wave has no indicators yet: there is nothing to export."),
                            status=400, content_type="text/plain; charset=utf-8")
    codebook = exports.codebook(wave, items)
    name = f"cospiral-survey-{request.territory.slug}-{wave.pk}-{what}"
    if what == "codebook":
        return exports.response(name, [exports.Sheet("codebook", *codebook)], format)
    if what == "results":
        c = compute(wave, weighted=weighted, snapshot=snapshot)
        sheet = exports.Sheet("results", *exports.results_table(c, indicator_rows(c), index_rows(c)))
    elif what == "breakdown":
        parts = [compute(wave, breakdown=key, weighted=weighted, snapshot=snapshot)
                 for key in wave.profile_questions if key in rules.PROFILE_KEYS]
        sheet = exports.Sheet("breakdown", *exports.breakdown_table(parts))
    else:
        if format == "xlsx" and selectors.progress(wave)["sent"] > exports.XLSX_MAX_ROWS:
            return HttpResponse(_("Too many questionnaires for one XLSX sheet: download the CSV."),
                                status=400, content_type="text/plain; charset=utf-8")
        sheet = exports.raw_sheet(wave, items)
    return exports.response(name, [sheet, exports.Sheet("codebook", *codebook)], format)


# --- the public page ----------------------------------------------------------------------


def public_results(request, public_token: str):
    """Results of a published wave, without login: the same figures, small cells
    suppressed, never a raw response. 404 while the results are not published."""
    wave = get_object_or_404(Wave.objects.select_related("territory", "baseline"),
                             public_token=public_token, published_at__isnull=False)
    breakdown, weighted, error = _options(request, wave)
    snapshot = selectors.shown_snapshot(wave)
    if snapshot is None:
        raise Http404("No published snapshot.")
    context = page_context(wave, breakdown=breakdown, weighted=weighted, public=True,
                           snapshot=snapshot)
    context.update({"option_error": error, "territory_name": wave.territory.name})
    return render(request, "surveys/public_results.html", context, status=400 if error else 200)
