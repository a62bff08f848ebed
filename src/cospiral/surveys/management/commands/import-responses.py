"""``cospiral import-responses TERRITORY WAVE FILE [--user USERNAME]``: the same import
of survey questionnaires as the page, through the same service (atomic, errors by file,
line and column; lines already imported are skipped)."""

from __future__ import annotations

from django.core.management.base import CommandError

from cospiral.core.commands import ImportCommand
from cospiral.surveys.imports import import_responses
from cospiral.surveys.models import Wave
from cospiral.territories.models import Role


class Command(ImportCommand):
    help = "Import survey questionnaires from a CSV or XLSX file into a wave of a territory."

    def add_arguments(self, parser):
        parser.add_argument("territory", help="the territory's identifier (slug)")
        parser.add_argument("wave", type=int, help="the wave's number (id)")
        parser.add_argument("file", help="CSV (UTF-8, Windows-1252 or UTF-16) or XLSX file with the columns respondent_id, "
                                         "the wave's profile questions and consent, and one column "
                                         "per indicator code (see the wave's import template).")
        self.add_user_argument(parser, "a coordinator of the territory")

    def handle(self, *args, territory, wave, file, user=None, **options):
        path = self.file(file)
        target = self.territory(territory)
        found = Wave.objects.of(target).filter(pk=wave).first()
        if found is None:
            raise CommandError(f"No survey wave {wave} in the territory “{territory}”.")
        actor = self.importer(target, user, roles=(Role.COORDINATOR,))
        result = self.run(import_responses, path, found, user=actor)
        self.stdout.write(f"{result.created} questionnaires imported from {path.name}; "
                          f"{result.skipped} already imported, skipped.")
