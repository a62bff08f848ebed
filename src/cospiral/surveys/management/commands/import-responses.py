"""``cospiral import-responses TERRITORY WAVE FILE [--user USERNAME]``: the same import
of survey questionnaires as the page, through the same service (atomic, errors by file,
line and column; lines already imported are skipped)."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from cospiral.core.access import role_in
from cospiral.core.tabular import TableRejected
from cospiral.surveys.imports import import_responses
from cospiral.surveys.models import Wave
from cospiral.territories.models import Role, Territory


class Command(BaseCommand):
    help = "Import survey questionnaires from a CSV or XLSX file into a wave of a territory."

    def add_arguments(self, parser):
        parser.add_argument("territory", help="the territory's identifier (slug)")
        parser.add_argument("wave", type=int, help="the wave's number (id)")
        parser.add_argument("file", help="CSV (UTF-8) or XLSX file with the columns respondent_id, "
                                         "the wave's profile questions and consent, and one column "
                                         "per indicator code (see the wave's import template).")
        parser.add_argument("--user", help="who imports (a coordinator of the territory); "
                                           "default: the first site administrator")

    def handle(self, *args, territory, wave, file, user=None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file.")
        target = Territory.objects.filter(slug=territory).first()
        if target is None:
            raise CommandError(f"No territory with the identifier “{territory}”.")
        found = Wave.objects.of(target).filter(pk=wave).first()
        if found is None:
            raise CommandError(f"No survey wave {wave} in the territory “{territory}”.")
        User = get_user_model()
        if user:
            actor = User.objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"No user named “{user}”.")
            if role_in(actor, target) != Role.COORDINATOR:
                raise CommandError(f"“{user}” is not a coordinator of “{territory}”.")
        else:
            actor = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
            if actor is None:
                raise CommandError("No site administrator exists: pass --user USERNAME.")
        try:
            result = import_responses(found, path.read_bytes(), path.name, user=actor)
        except TableRejected as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"{path.name} refused: {len(exc.errors)} problem(s); nothing was stored.") from exc
        self.stdout.write(f"{result.created} questionnaires imported from {path.name}; "
                          f"{result.skipped} already imported, skipped.")
