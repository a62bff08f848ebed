"""The printable session kit (PDF), built by a job once per content (see
``cospiral.core.pdfs``)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cospiral.core import pdfs
from cospiral.criteria import selectors
from cospiral.grid.models import GridEntry
from cospiral.groups.models import Group
from cospiral.jobs.registry import job_kind

KIND = "criteria.kit_pdf"
POSTITS_PER_SHEET = 12


def render_kit(territory, group, *, now, base_url: str | None) -> bytes:
    from weasyprint import HTML

    questions = selectors.enabled_questions(territory, group)
    languages = [code for code in (territory.languages or []) if code] or ["fr", "en"]
    families = GridEntry.objects.filter(
        version=territory.grid_version_id, kind=GridEntry.Kind.FAMILY, territory__isnull=True,
    ).order_by("position", "code")
    html = render_to_string("criteria/kit.html", {
        "territory": territory, "group": group,
        "session": selectors.next_session(territory, group),
        "questions": [
            {"code": q.code, "texts": [(lang, q.texts.get(lang)) for lang in languages
                                       if q.texts.get(lang)] or [("", q.text())]}
            for q in questions
        ],
        "families": families, "boxes": range(1, POSTITS_PER_SHEET + 1),
        "printed": timezone.localdate(now),
    })
    return HTML(string=html, base_url=base_url).write_pdf()


@job_kind(KIND, title=_("Session kit (PDF)"), min_role="facilitator")
def kit_pdf(ctx, *, group_id: int, base_url: str | None = None, **_kept) -> None:
    territory = ctx.territory
    group = get_object_or_404(Group.objects.of(territory), pk=group_id)
    pdfs.build(ctx, lambda now: render_kit(territory, group, now=now, base_url=base_url))
