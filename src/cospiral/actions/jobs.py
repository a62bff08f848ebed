"""Imports of actions and commitments too large for the request run as jobs, through the
same function the import page uses."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy

from cospiral.jobs.registry import job_kind


@job_kind("actions.import_plan", title=gettext_lazy("Import of actions or commitments"),
          min_role="coordinator")
def import_plan(ctx, *, filename: str, kind: str) -> None:
    from cospiral.actions import tabular
    from cospiral.actions.views.plan import import_message

    ctx.set_total(1)
    data = ctx.input_path.read_bytes()
    with transaction.atomic():  # cancelled before the commit: nothing is kept
        result = tabular.import_file(ctx.territory, kind, data, filename, user=ctx.user)
        ctx.raise_if_cancelled()
    ctx.advance()
    ctx.succeed(message=import_message(result),
                redirect_url=reverse("actions:plan", kwargs={"territory": ctx.territory.slug}))
