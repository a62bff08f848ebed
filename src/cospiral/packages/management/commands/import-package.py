"""``cospiral import-package FILE.zip [--user NAME]``: load another territory's
open-data package read-only, for comparison. The package is validated first and
refused whole (every error printed, nothing stored) if invalid."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from cospiral.core.commands import ImportCommand
from cospiral.packages import services


class Command(ImportCommand):
    help = "Import another territory's open-data package, read-only."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the package (ZIP)")
        self.add_user_argument(parser, "becomes an observer of the imported territory")

    def handle(self, *args, file, user=None, **options):
        path = self.file(file)
        if user:
            importer = get_user_model().objects.filter(username=user).first()
            if importer is None:
                raise CommandError(f"No user named “{user}”.")
        else:
            importer = self.importer(None, None)
        territory = self.run(services.import_package, path, user=importer)
        self.stdout.write(f"Imported “{territory.slug}” ({territory.name}) read-only; "
                          f"{importer.username} is its observer.")
