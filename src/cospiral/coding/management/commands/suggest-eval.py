"""``cospiral suggest-eval [--territory SLUG] [--folds 5] [--seed 0] [--json]``: how well
the coding suggestions rank, by cross-validation.

On the shipped examples (``cospiral/data/examples`` and the demo's coded cards), per
language and overall; with ``--territory``, also on that territory's confirmed codings
(each fold trains on the shipped examples, the grid's words and the other folds). Reports
top-1 family accuracy (the first suggestion is in the right family) and top-3 component
accuracy (the right component is among the three suggestions)."""

from __future__ import annotations

import json
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cospiral.domain import suggest as domain


class Command(BaseCommand):
    help = "Cross-validated accuracy of the coding suggestions (shipped examples, a territory)."

    def add_arguments(self, parser):
        parser.add_argument("--territory", help="also evaluate on this territory's confirmed codings (slug)")
        parser.add_argument("--folds", type=int, default=5, help="number of folds (default 5)")
        parser.add_argument("--seed", type=int, default=0, help="random seed of the folds and the model")
        parser.add_argument("--json", action="store_true", help="print JSON only")

    def handle(self, *args, territory=None, folds=5, seed=0, json=False, **options):
        if folds < 2:
            raise CommandError(_("--folds must be at least 2."))
        target = None
        if territory:
            from cospiral.territories.models import Territory

            target = Territory.objects.filter(slug=territory).first()
            if target is None:
                raise CommandError(_("No territory with the identifier “%(slug)s”.") % {"slug": territory})
        report = evaluate(target, folds=folds, seed=seed)
        if json:
            self.stdout.write(_json_dumps(report))
            return
        self.stdout.write(format_table(report))
        self.stdout.write("")
        self.stdout.write(_json_dumps(report))


def _json_dumps(report) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False)


def evaluate(territory=None, *, folds: int = 5, seed: int = 0) -> dict:
    started = time.perf_counter()
    examples = domain.shipped_examples()
    grid_texts, grid_codes = domain.default_grid_phrases()
    report = {
        "folds": folds,
        "seed": seed,
        "shipped_examples": domain.cross_validate(
            [e.text for e in examples], [e.code for e in examples],
            groups=[e.language for e in examples], folds=folds, seed=seed,
            extra=(grid_texts, grid_codes)),
    }
    if territory is not None:
        from cospiral.coding import suggestions

        rows = list(suggestions.confirmed_codings(territory)
                    .order_by("pk").values_list("text", "component__code", "language"))
        grid_texts, grid_codes = suggestions.grid_training(territory)
        extra = ([e.text for e in examples] + grid_texts, [e.code for e in examples] + grid_codes)
        result = {}
        if len(rows) >= 2:
            result = domain.cross_validate(
                [r[0] for r in rows], [r[1] for r in rows], groups=[r[2] or "?" for r in rows],
                folds=min(folds, len(rows)), seed=seed, extra=extra)
        report["territory"] = {"slug": territory.slug, "confirmed_codings": len(rows),
                               "results": result}
    report["seconds"] = round(time.perf_counter() - started, 2)
    return report


def format_table(report: dict) -> str:
    head = (_("data"), _("language"), _("cards"), _("top-1 family"), _("top-3 component"))
    lines = []
    sections = [(_("shipped examples"), report["shipped_examples"])]
    if "territory" in report:
        sections.append((report["territory"]["slug"], report["territory"]["results"]))
    for name, results in sections:
        if not results:
            lines.append((name, "—", "0", "—", "—"))
        for key, r in results.items():
            lines.append((name, _("all") if key == "all" else key, str(r["n"]),
                          f"{r['top1_family']:.1%}", f"{r['top3_component']:.1%}"))
    widths = [max(len(str(row[i])) for row in [head, *lines]) for i in range(len(head))]
    out = ["  ".join(str(c).ljust(w) for c, w in zip(head, widths, strict=True)).rstrip(),
           "  ".join("-" * w for w in widths)]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in lines]
    out.append(_("%(folds)s-fold cross-validation, seed %(seed)s, %(seconds)s s.")
               % {"folds": report["folds"], "seed": report["seed"], "seconds": report["seconds"]})
    return "\n".join(out)
