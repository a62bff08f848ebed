"""``cospiral backup FILE``: a consistent copy of the whole database, while it runs."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cospiral.core import backup


class Command(BaseCommand):
    help = _("Back up the whole database to FILE (SQLite: the online backup API, safe while "
             "the server runs; PostgreSQL: pg_dump). Keep the data directory's secret_key "
             "and media/ with it.")

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("The backup file to write."))

    def handle(self, *args, file: str, **options):
        try:
            engine = backup.backup(file)
        except (backup.BackupError, OSError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(_("Backup of the %(engine)s database written to %(file)s.")
                          % {"engine": engine, "file": file})
