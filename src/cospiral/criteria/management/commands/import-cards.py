"""``cospiral import-cards FILE --territory SLUG [--user USERNAME]``: the same import as
the page, through the same service (atomic, errors by file, line and column)."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from cospiral.core.tabular import TableRejected
from cospiral.criteria.services import import_cards
from cospiral.territories.models import Territory


class Command(BaseCommand):
    help = "Import cards (post-its) from a CSV or XLSX file into a territory."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV (UTF-8) or XLSX file with the columns "
                                         "group, question, text [session, language, "
                                         "channel, author, ref, code].")
        parser.add_argument("--territory", required=True, help="the territory's identifier (slug)")
        parser.add_argument("--user", help="who imports (a coordinator or facilitator of the "
                                           "territory); default: the first site administrator")

    def handle(self, *args, file, territory, user=None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file.")
        target = Territory.objects.filter(slug=territory).first()
        if target is None:
            raise CommandError(f"No territory with the identifier “{territory}”.")
        User = get_user_model()
        if user:
            actor = User.objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"No user named “{user}”.")
        else:
            actor = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
            if actor is None:
                raise CommandError("No site administrator exists: pass --user USERNAME.")
        try:
            result = import_cards(target, path.read_bytes(), path.name, user=actor)
        except TableRejected as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"{path.name} refused: {len(exc.errors)} problem(s); nothing was stored."
            ) from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{result.created} cards imported from {path.name}; "
            f"{result.skipped_existing} already there (skipped)."
        )
