"""``cospiral import-actions SLUG FILE [--commitments] [--user USERNAME]``: the same
import as the plan's page, through the same service (atomic, errors by file, line and
column; a line with an id changes that action or commitment, an empty id creates one)."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from cospiral.actions.tabular import import_file
from cospiral.core.tabular import TableRejected
from cospiral.territories.models import Territory


class Command(BaseCommand):
    help = ("Import a territory's actions (or, with --commitments, its commitments) from a "
            "CSV or XLSX file written by the plan's export.")

    def add_arguments(self, parser):
        parser.add_argument("territory", help="the territory's identifier (slug)")
        parser.add_argument("file", help="CSV (UTF-8) or XLSX file with the export's columns")
        parser.add_argument("--commitments", action="store_true",
                            help="the file holds commitments, not actions")
        parser.add_argument("--user", help="who imports (a coordinator of the territory); "
                                           "default: the territory's first coordinator")

    def handle(self, *args, territory, file, commitments=False, user=None, **options):
        from cospiral.territories.models import Membership, Role

        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file.")
        target = Territory.objects.filter(slug=territory).first()
        if target is None:
            raise CommandError(f"No territory with the identifier “{territory}”.")
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"No user named “{user}”.")
        else:
            membership = (Membership.objects.of(target).filter(role=Role.COORDINATOR,
                                                               user__is_active=True)
                          .select_related("user").order_by("pk").first())
            if membership is None:
                raise CommandError("The territory has no coordinator: pass --user USERNAME.")
            actor = membership.user
        kind = "commitments" if commitments else "actions"
        try:
            result = import_file(target, kind, path.read_bytes(), path.name, user=actor)
        except TableRejected as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"{path.name} refused: {len(exc.errors)} problem(s); nothing was stored."
            ) from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{path.name}: {result.created} {kind} created, {result.updated} "
                          f"changed, {result.unchanged} unchanged.")
