"""Card imports too large for the request run as jobs, through the same service."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cospiral.jobs.registry import job_kind


def imported_message(result, filename: str) -> str:
    return _(
        "%(created)s cards imported from %(file)s; %(skipped)s were already there "
        "and were skipped.") % {"created": result.created, "file": filename,
                                "skipped": result.skipped_existing}


@job_kind("criteria.import_cards", title=gettext_lazy("Import of cards"), min_role="facilitator")
def import_cards(ctx, *, filename: str) -> None:
    from cospiral.criteria import services

    ctx.set_total(1)
    data = ctx.input_path.read_bytes()
    with transaction.atomic():  # cancelled before the commit: nothing is kept
        result = services.import_cards(ctx.territory, data, filename, user=ctx.user)
        ctx.raise_if_cancelled()
    ctx.advance()
    ctx.succeed(message=imported_message(result, filename),
                redirect_url=reverse("criteria:list", kwargs={"territory": ctx.territory.slug}))
