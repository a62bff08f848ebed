"""``cospiral export-grid SLUG [--territory T] [-o FILE]``."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cospiral.grid import services
from cospiral.grid.models import GridVersion


class Command(BaseCommand):
    help = ("Write a grid version as CSV (the import format); with --territory, that "
            "territory's local components too.")

    def add_arguments(self, parser):
        parser.add_argument("slug", help="Identifier of the grid version.")
        parser.add_argument("--territory", default=None,
                            help="Territory identifier: add its local components.")
        parser.add_argument("-o", "--output", default=None,
                            help="File to write (default: standard output).")

    def handle(self, *args, slug, territory, output, **options):
        from cospiral.territories.models import Territory

        version = GridVersion.objects.filter(slug=slug).first()
        if version is None:
            raise CommandError(f"There is no grid version “{slug}”.")
        place = None
        if territory:
            place = Territory.objects.filter(slug=territory).first()
            if place is None:
                raise CommandError(f"There is no territory “{territory}”.")
        try:
            text = services.export_grid_csv(version, place)
        except services.GridError as exc:
            raise CommandError(str(exc)) from exc
        if output:
            Path(output).write_bytes(text.encode("utf-8"))
            self.stderr.write(f"Wrote {output}.")
        else:
            self.stdout.write(text, ending="")
