"""``cospiral generate``: reproducible synthetic territories, groups and cards at scale."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cospiral.core.progress import ProgressBar
from cospiral.demo.generate import SLUG_PREFIX, existing_generated
from cospiral.jobs.services import run_here


class Command(BaseCommand):
    help = _(
        "Generate synthetic data for benchmarks: N territories named gen-<seed>-<i>, G groups "
        "per territory (one session each) and C cards per group, a share of them coded. The "
        "same seed always gives the same data. Prints a JSON summary with counts and seconds."
    )

    def add_arguments(self, parser):
        parser.add_argument("--territories", type=int, required=True,
                            help=_("Number of territories."))
        parser.add_argument("--groups-per-territory", type=int, required=True,
                            help=_("Number of groups in each territory."))
        parser.add_argument("--cards-per-group", type=int, required=True,
                            help=_("Number of cards in each group."))
        parser.add_argument("--seed", type=int, required=True,
                            help=_("Seed: the same seed gives the same data."))
        parser.add_argument("--coded-share", type=float, default=0.8,
                            help=_("Share of the cards coded on the grid, from 0 to 1 (default 0.8)."))

    def handle(self, *args, territories, groups_per_territory, cards_per_group, seed,
               coded_share=0.8, **options):
        for name, value in [("--territories", territories),
                            ("--groups-per-territory", groups_per_territory),
                            ("--cards-per-group", cards_per_group)]:
            if value < 0:
                raise CommandError(_("%(option)s must be zero or more, not %(value)s.")
                                   % {"option": name, "value": value})
        if not 0 <= coded_share <= 1:
            raise CommandError(_("--coded-share must be between 0 and 1, not %(value)s.")
                               % {"value": coded_share})
        if existing_generated(seed):
            raise CommandError(
                _("Territories generated with seed %(seed)s already exist (%(prefix)s…): "
                  "choose another --seed.") % {"seed": seed, "prefix": SLUG_PREFIX.format(seed=seed)}
            )
        params = {"territories": territories, "groups_per_territory": groups_per_territory,
                  "cards_per_group": cards_per_group, "seed": seed, "coded_share": coded_share}
        with ProgressBar(self.stderr, _("Generating"),
                         total=territories * groups_per_territory) as bar:
            job = run_here("core.generate", params=params, on_progress=bar.update)
        if job.state != job.State.SUCCEEDED:
            raise CommandError(job.message)
        self.stdout.write(job.result_path.read_text(encoding="utf-8"))
