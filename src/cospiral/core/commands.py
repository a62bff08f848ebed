"""What the ``import-*`` commands share: they read a file, find the territory and the
person who imports, run the same import service as the page, and print every error by
file, line and column when the file is refused (nothing is stored then)."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from cospiral.core.models import Role, territory_models
from cospiral.core.progress import ProgressBar
from cospiral.core.tabular import TableRejected


class ImportCommand(BaseCommand):
    #: Who imports when --user is not given: "admin" (the first site administrator) or
    #: "coordinator" (the territory's first coordinator).
    default_importer = "admin"

    def add_user_argument(self, parser, who: str) -> None:
        default = ("the first site administrator" if self.default_importer == "admin"
                   else "the territory's first coordinator")
        parser.add_argument("--user", help=f"who imports ({who}); default: {default}")

    def file(self, name: str) -> Path:
        path = Path(name)
        if not path.is_file():
            raise CommandError(f"{name}: no such file.")
        return path

    def territory(self, slug: str):
        Territory = territory_models()[0]
        found = Territory.objects.filter(slug=slug).first()
        if found is None:
            raise CommandError(f"No territory with the identifier “{slug}”.")
        return found

    def importer(self, territory, username: str | None, *, roles=None):
        """The user named by --user (holding one of ``roles`` in the territory when
        given), or the default importer."""
        User = get_user_model()
        if username:
            user = User.objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"No user named “{username}”.")
            if roles is not None:
                from cospiral.core.access import role_in

                if role_in(user, territory) not in {str(r) for r in roles}:
                    needed = " or ".join(str(r) for r in roles)
                    raise CommandError(f"“{username}” may not import into “{territory.slug}”: "
                                       f"a {needed} is needed.")
            return user
        if self.default_importer == "coordinator":
            Membership = territory_models()[1]
            membership = (Membership.objects.of(territory)
                          .filter(role=Role.COORDINATOR, user__is_active=True)
                          .select_related("user").order_by("pk").first())
            if membership is None:
                raise CommandError("The territory has no coordinator: pass --user USERNAME.")
            return membership.user
        user = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if user is None:
            raise CommandError("No site administrator exists: pass --user USERNAME.")
        return user

    def run(self, service, path: Path, *args, **kwargs):
        """``service(*args, data, filename, **kwargs)``: its result, or every error of a
        refused file on stderr and a CommandError."""
        try:
            # A bar on a terminal (silent in scripts): the service runs as one step.
            with ProgressBar(self.stderr, path.name, total=1) as bar:
                result = service(*args, path.read_bytes(), path.name, **kwargs)
                bar.advance()
        except TableRejected as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"{path.name} refused: {len(exc.errors)} problem(s); nothing was stored."
            ) from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc) or "Not allowed.") from exc
        how = getattr(result, "read_as", "")
        if how:  # which encoding and separator, or which sheet, the engine read
            self.stdout.write(f"{path.name}: {how}.")
        return result
