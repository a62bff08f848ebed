"""``cospiral import-actions SLUG FILE [--commitments] [--user USERNAME]``: the same
import as the plan's page, through the same service (atomic, errors by file, line and
column; a line with an id changes that action or commitment, an empty id creates one)."""

from __future__ import annotations

from cospiral.actions.tabular import import_file
from cospiral.core.commands import ImportCommand


class Command(ImportCommand):
    help = ("Import a territory's actions (or, with --commitments, its commitments) from a "
            "CSV or XLSX file written by the plan's export.")
    default_importer = "coordinator"

    def add_arguments(self, parser):
        parser.add_argument("territory", help="the territory's identifier (slug)")
        parser.add_argument("file", help="CSV (UTF-8, Windows-1252 or UTF-16) or XLSX file with the export's columns")
        parser.add_argument("--commitments", action="store_true",
                            help="the file holds commitments, not actions")
        self.add_user_argument(parser, "a coordinator of the territory")

    def handle(self, *args, territory, file, commitments=False, user=None, **options):
        path = self.file(file)
        target = self.territory(territory)
        kind = "commitments" if commitments else "actions"
        result = self.run(import_file, path, target, kind, user=self.importer(target, user))
        self.stdout.write(f"{path.name}: {result.created} {kind} created, {result.updated} "
                          f"changed, {result.unchanged} unchanged.")
