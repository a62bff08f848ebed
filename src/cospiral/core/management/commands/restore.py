"""``cospiral restore FILE [--force]``: replace the database by a backup."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cospiral.core import backup


class Command(BaseCommand):
    help = _("Restore the whole database from a file written by `cospiral backup`. Refuses a "
             "database that holds accounts or territories unless --force. Stop the server "
             "first.")

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("The backup file to read."))
        parser.add_argument("--force", action="store_true",
                            help=_("Replace a database that already holds data."))

    def handle(self, *args, file: str, force: bool = False, **options):
        try:
            backup.restore(file, force=force)
        except (backup.BackupError, OSError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(_("Database restored from %(file)s. Run `cospiral migrate` if the "
                            "backup comes from an older version of cospiral.") % {"file": file})
