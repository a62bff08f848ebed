"""Jobs of surveys, found by the task engine's autodiscovery: imports of survey responses
too large for the request, through the same function the import page uses, and the
printed questionnaires (``paper_pdf``)."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cospiral.jobs.registry import job_kind
from cospiral.surveys import paper_pdf  # noqa: F401  (registers surveys.paper_pdf)


@job_kind("surveys.import_responses", title=gettext_lazy("Import of survey responses"),
          min_role="coordinator")
def import_responses(ctx, *, filename: str, wave_id: int) -> None:
    from cospiral.surveys import imports
    from cospiral.surveys.models import Wave

    wave = Wave.objects.of(ctx.territory).get(pk=wave_id)
    ctx.set_total(1)
    data = ctx.input_path.read_bytes()
    with transaction.atomic():  # cancelled before the commit: nothing is kept
        result = imports.import_responses(wave, data, filename, user=ctx.user)
        ctx.raise_if_cancelled()
    ctx.advance()
    ctx.succeed(
        message=_("%(created)s questionnaires imported from %(file)s; %(skipped)s already "
                  "imported, skipped.") % {"created": result.created, "file": result.file,
                                           "skipped": result.skipped},
        redirect_url=reverse("surveys:import", kwargs={"territory": ctx.territory.slug,
                                                       "pk": wave.pk}))
