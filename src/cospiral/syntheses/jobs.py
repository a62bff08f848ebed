"""The syntheses' PDFs (a group's, the territory's, the shared definition), built by a
job once per content (see ``cospiral.core.pdfs``)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cospiral.cards.models import Card
from cospiral.core import pdfs
from cospiral.groups.models import Group
from cospiral.jobs.registry import job_kind
from cospiral.syntheses import selectors

SYNTHESIS = "syntheses.synthesis_pdf"
DEFINITION = "syntheses.definition_pdf"


def unaudited(territory) -> list:
    """Cards written without an audit entry (online, anonymous): a synthesis counts them."""
    return [Card._base_manager.filter(territory=territory)]


def _html_pdf(html: str, base_url: str | None) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url).write_pdf()


def render_synthesis(territory, group, *, now, base_url: str | None) -> bytes:
    html = render_to_string("syntheses/synthesis_pdf.html", {
        "territory": territory, "group": group, "board": selectors.board(territory, group),
        "printed": timezone.localdate(now), "minority_percent": selectors.MINORITY_PERCENT,
    })
    return _html_pdf(html, base_url)


def render_definition(territory, *, now, base_url: str | None) -> bytes:
    html = render_to_string("syntheses/definition_pdf.html", {
        "territory": territory, "definition": selectors.definition_page(territory),
        "printed": timezone.localdate(now),
    })
    return _html_pdf(html, base_url)


@job_kind(SYNTHESIS, title=_("Synthesis (PDF)"), min_role="observer")
def synthesis_pdf(ctx, *, group_id: int | None = None, base_url: str | None = None, **_kept) -> None:
    territory = ctx.territory
    group = get_object_or_404(Group.objects.of(territory), pk=group_id) if group_id else None
    pdfs.build(ctx, lambda now: render_synthesis(territory, group, now=now, base_url=base_url),
               extra=unaudited(territory))


@job_kind(DEFINITION, title=_("Shared definition of well-being (PDF)"), min_role="observer")
def definition_pdf(ctx, *, base_url: str | None = None, **_kept) -> None:
    territory = ctx.territory
    pdfs.build(ctx, lambda now: render_definition(territory, now=now, base_url=base_url),
               extra=unaudited(territory))
