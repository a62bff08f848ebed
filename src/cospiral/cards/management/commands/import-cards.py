"""``cospiral import-cards FILE --territory SLUG [--user USERNAME]``: the same import as
the page, through the same service (atomic, errors by file, line and column)."""

from __future__ import annotations

from cospiral.cards.services import import_cards
from cospiral.core.commands import ImportCommand


class Command(ImportCommand):
    help = "Import cards (post-its) from a CSV or XLSX file into a territory."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV (UTF-8, Windows-1252 or UTF-16) or XLSX file with the columns "
                                         "group, question, text [session, language, "
                                         "channel, author, ref, code].")
        parser.add_argument("--territory", required=True, help="the territory's identifier (slug)")
        self.add_user_argument(parser, "a coordinator or facilitator of the territory")

    def handle(self, *args, file, territory, user=None, **options):
        path = self.file(file)
        target = self.territory(territory)
        result = self.run(import_cards, path, target, user=self.importer(target, user))
        self.stdout.write(
            f"{result.created} cards imported from {path.name}; "
            f"{result.skipped_existing} already there (skipped)."
        )
