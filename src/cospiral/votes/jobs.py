"""Printable voting slips: one slip per voter link of a round that can still vote, with
its QR code and address (and, in a coordination-group round, the seat it is for). A PDF
built by a job once per content (see ``cospiral.core.pdfs``); coordinators only, since
every slip is a live vote."""

from __future__ import annotations

import base64
import io

from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cospiral.core import pdfs
from cospiral.jobs.registry import job_kind
from cospiral.votes import selectors
from cospiral.votes.models import Round

SLIPS = "votes.slips_pdf"


def qr_data_uri(url: str) -> str:
    """The QR code of ``url`` as an SVG data URI (for WeasyPrint's ``<img>``)."""
    import qrcode
    import qrcode.image.svg

    out = io.BytesIO()
    qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2).save(out)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def slip_links(round: Round):
    """The links a slip is printed for: not used, not revoked, in the order they were made."""
    return selectors.tokens(round).filter(used_at__isnull=True, revoked_at__isnull=True) \
        .select_related("seat__organisation")


def render_slips(round: Round, *, method_rule: str, base_url: str, now) -> bytes:
    from weasyprint import HTML

    root = base_url.rstrip("/")
    slips = []
    for link in slip_links(round):
        url = root + reverse("vote_public:ballot", kwargs={"token": link.token})
        slips.append({"link": link, "url": url, "qr": qr_data_uri(url)})
    html = render_to_string("votes/slips_pdf.html", {
        "territory": round.territory, "round": round, "slips": slips, "method_rule": method_rule,
        "printed": timezone.localdate(now)})
    return HTML(string=html, base_url=base_url).write_pdf()


@job_kind(SLIPS, title=_("Voting slips (PDF)"), min_role="coordinator")
def slips_pdf(ctx, *, round_id: int, base_url: str, **_kept) -> None:
    from cospiral.votes.views import method_rule

    round = get_object_or_404(Round.objects.of(ctx.territory), pk=round_id)
    pdfs.build(ctx, lambda now: render_slips(round, method_rule=method_rule(round),
                                             base_url=base_url, now=now))
