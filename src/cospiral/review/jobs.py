"""The review's PDF, built by a job once per content (see ``cospiral.core.pdfs``)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from cospiral.cards.models import Card
from cospiral.core import pdfs
from cospiral.jobs.registry import job_kind
from cospiral.review import selectors
from cospiral.surveys.models import Questionnaire
from cospiral.surveys.results_charts import level_names
from cospiral.territories.models import Cycle

KIND = "reports.review_pdf"


def unaudited(territory) -> list:
    """The rows the review shows that are written without an audit entry (anonymous
    cards and questionnaires): part of its content key."""
    return [Card._base_manager.filter(territory=territory),
            Questionnaire._base_manager.filter(territory=territory)]


def filename(territory, cycle) -> str:
    return f"cospiral-review-{territory.slug}-cycle-{cycle.number}.pdf"


def params(request, cycle) -> dict:
    return {"cycle_id": cycle.pk, "base_url": request.build_absolute_uri("/")}


def render_review(territory, cycle, *, now, base_url: str | None) -> bytes:
    """The review's PDF; its figures are frozen at ``now`` (the methods appendix says so)."""
    from weasyprint import HTML

    data = selectors.assemble(territory, cycle, now=now, snapshot=True)
    html = render_to_string("review/review_pdf.html", {
        "territory": territory, "can_manage": False, "level_names": level_names(),
        "r": data, "pdf": True})
    return HTML(string=html, base_url=base_url).write_pdf()


@job_kind(KIND, title=_("Review of a cycle (PDF)"), min_role="observer")
def review_pdf(ctx, *, cycle_id: int, base_url: str | None = None, **_kept) -> None:
    territory = ctx.territory
    cycle = Cycle.objects.of(territory).get(pk=cycle_id)
    pdfs.build(ctx, lambda now: render_review(territory, cycle, now=now, base_url=base_url),
               extra=unaudited(territory))
