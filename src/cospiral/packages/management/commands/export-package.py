"""``cospiral export-package SLUG [-o FILE.zip]``: a territory's open-data package."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cospiral.core.progress import ProgressBar
from cospiral.packages import services
from cospiral.territories.models import Territory


class Command(BaseCommand):
    help = "Write a territory's open-data package (Frictionless Data Package, ZIP)."

    def add_arguments(self, parser):
        parser.add_argument("territory", help="identifier (slug) of the territory")
        parser.add_argument("-o", "--output", help="file to write; default cospiral-SLUG.zip")

    def handle(self, *args, territory, output=None, **options):
        found = Territory.objects.select_related("grid_version").filter(slug=territory).first()
        if found is None:
            raise CommandError(f"No territory with the identifier “{territory}”.")
        path = Path(output or services.filename(found))
        with ProgressBar(self.stderr, path.name, total=1) as bar:
            data = services.export_package(found)
            bar.advance()
        path.write_bytes(data)
        self.stdout.write(f"Wrote {path} ({len(data)} bytes).")
