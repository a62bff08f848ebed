"""A contract's PDF, built by a job once per content (see ``cospiral.core.pdfs``)."""

from __future__ import annotations

from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cospiral.contracts import selectors
from cospiral.core import pdfs
from cospiral.jobs.registry import job_kind

KIND = "contracts.contract_pdf"


def render_contract(territory, contract, *, now, base_url: str | None) -> bytes:
    from weasyprint import HTML

    html = render_to_string("contracts/contract_pdf.html", {
        "territory": territory, "contract": contract,
        "o": selectors.overview(contract), "printed": timezone.localdate(now),
        "amendments": list(selectors.amendments(contract)),
    })
    return HTML(string=html, base_url=base_url).write_pdf()


@job_kind(KIND, title=_("Contract (PDF)"), min_role="observer")
def contract_pdf(ctx, *, contract_id: int, base_url: str | None = None, **_kept) -> None:
    territory = ctx.territory
    contract = selectors.contract(territory, contract_id)
    if contract is None:
        raise Http404("No such contract.")
    pdfs.build(ctx, lambda now: render_contract(territory, contract, now=now, base_url=base_url))
