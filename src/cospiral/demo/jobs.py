"""The generator of synthetic data as a job (site-wide): ``cospiral generate`` runs it
here with a progress bar; its summary is the job's result file."""

from __future__ import annotations

import json

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cospiral.jobs.registry import job_kind


# The kind keeps its first name: it is stored in every job row of this kind.
@job_kind("core.generate", title=gettext_lazy("Generation of synthetic data"),
          min_role="coordinator")
def generate_job(ctx, *, territories: int, groups_per_territory: int, cards_per_group: int,
                 seed: int, coded_share: float = 0.8) -> None:
    from cospiral.demo.generate import generate

    ctx.set_total(territories * groups_per_territory)

    def progress(done, total):
        ctx.set_done(done)

    summary = generate(territories=territories, groups_per_territory=groups_per_territory,
                       cards_per_group=cards_per_group, seed=seed, coded_share=coded_share,
                       progress=progress)
    ctx.save_file(f"generate-{seed}.json", json.dumps(summary.as_dict()).encode(),
                  "application/json")
    ctx.succeed(message=_("%(territories)s territories, %(groups)s groups and %(cards)s cards "
                          "generated.") % {"territories": summary.territories,
                                           "groups": summary.groups, "cards": summary.cards})
