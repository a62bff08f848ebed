"""Jobs of cards: imports too large for the request run as jobs, through the same
service; the printable session kit (PDF) is built once per content (see
``cospiral.core.pdfs``)."""

from __future__ import annotations

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cospiral.core import pdfs
from cospiral.jobs.registry import job_kind

KIT = "criteria.kit_pdf"
POSTITS_PER_SHEET = 12


def imported_message(result, filename: str) -> str:
    return _(
        "%(created)s cards imported from %(file)s; %(skipped)s were already there "
        "and were skipped.") % {"created": result.created, "file": filename,
                                "skipped": result.skipped_existing}


@job_kind("criteria.import_cards", title=gettext_lazy("Import of cards"), min_role="facilitator")
def import_cards(ctx, *, filename: str) -> None:
    from cospiral.cards import services

    ctx.set_total(1)
    data = ctx.input_path.read_bytes()
    with transaction.atomic():  # cancelled before the commit: nothing is kept
        result = services.import_cards(ctx.territory, data, filename, user=ctx.user)
        ctx.raise_if_cancelled()
    ctx.advance()
    ctx.succeed(message=imported_message(result, filename),
                redirect_url=reverse("criteria:list", kwargs={"territory": ctx.territory.slug}))


def render_kit(territory, group, *, now, base_url: str | None) -> bytes:
    from weasyprint import HTML

    from cospiral.cards import selectors
    from cospiral.grid.models import GridEntry

    questions = selectors.enabled_questions(territory, group)
    languages = [code for code in (territory.languages or []) if code] or ["fr", "en"]
    families = GridEntry.objects.filter(
        version=territory.grid_version_id, kind=GridEntry.Kind.FAMILY, territory__isnull=True,
    ).order_by("position", "code")
    html = render_to_string("cards/kit.html", {
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


@job_kind(KIT, title=gettext_lazy("Session kit (PDF)"), min_role="facilitator")
def kit_pdf(ctx, *, group_id: int, base_url: str | None = None, **_kept) -> None:
    from cospiral.groups.models import Group

    territory = ctx.territory
    group = get_object_or_404(Group.objects.of(territory), pk=group_id)
    pdfs.build(ctx, lambda now: render_kit(territory, group, now=now, base_url=base_url))
