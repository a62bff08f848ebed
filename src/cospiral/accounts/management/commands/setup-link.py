from django.core.management.base import BaseCommand

from cospiral.core import firstrun


class Command(BaseCommand):
    help = ("Print the one-time setup link of a fresh installation (while no account "
            "exists); the address to prefix is the server's.")

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="", help="e.g. https://cospiral.example.org")

    def handle(self, *args, base_url="", **options):
        if not firstrun.needs_setup():
            self.stdout.write("An account exists: no setup link (sign in, or use "
                              "`cospiral createsuperuser`).")
            return
        self.stdout.write(f"{base_url.rstrip('/') or 'http://<this server>'}{firstrun.setup_path()}")
