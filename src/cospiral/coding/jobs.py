"""Jobs of the coding app (task engine of ``cospiral.jobs``, autodiscovered there).

``coding.retrain_suggestions``: the territory's full suggestion model and its layer's
rows, trained off the request (``cospiral.coding.suggestions.retrain``). Started by
``suggestions._schedule_retrain``, at most one queued per territory."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cospiral.jobs.registry import job_kind

RETRAIN_KIND = "coding.retrain_suggestions"


@job_kind(RETRAIN_KIND, title=gettext_lazy("Retraining of the coding suggestions"),
          min_role="coordinator")
def retrain_suggestions(ctx, *, territory_id: int) -> None:
    from cospiral.coding import suggestions

    ctx.set_total(1)
    suggestions.retrain(territory_id)
    ctx.advance()
    ctx.succeed(message=_("The coding suggestions have learnt from the territory's codings."))
