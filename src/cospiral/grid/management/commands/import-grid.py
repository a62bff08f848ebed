"""``cospiral import-grid FILE --slug S --name N [--based-on SLUG]``."""

from __future__ import annotations

from django.core.management.base import CommandError

from cospiral.core.commands import ImportCommand
from cospiral.grid import imports
from cospiral.grid.models import GridVersion


class Command(ImportCommand):
    help = ("Import a grid CSV or XLSX file (code,label_fr,label_en,description_fr,"
            "description_en,source) as a new grid version, whole or not at all.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="The grid file (.csv in UTF-8, Windows-1252 or UTF-16, or .xlsx).")
        parser.add_argument("--slug", required=True, help="Identifier of the new version.")
        parser.add_argument("--name", required=True, help="Name of the new version.")
        parser.add_argument("--based-on", dest="based_on", default=None,
                            help="Identifier of the version this one changes.")

    def handle(self, *args, file, slug, name, based_on, **options):
        path = self.file(file)
        base = None
        if based_on:
            base = GridVersion.objects.filter(slug=based_on).first()
            if base is None:
                raise CommandError(f"--based-on: there is no grid version “{based_on}”.")
        version = self.run(imports.import_grid, path, slug=slug, name=name, based_on=base)
        self.stdout.write(f"Imported grid version {version.slug}: {version.entries.count()} entries.")
