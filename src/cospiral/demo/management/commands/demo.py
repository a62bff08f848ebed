"""``cospiral demo``: migrate, load the fictional demo territory, print the logins, serve."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from django.utils.translation import gettext as _

from cospiral.demo.demo import DEMO_PASSWORD, load_demo
from cospiral.territories.models import Role


def _child(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cospiral", *args])


def serve(addrport: str, *, with_worker: bool) -> int:
    """Run the development server and one worker as child processes until either stops,
    or this process gets SIGTERM, SIGINT (Ctrl+C) or SIGHUP: then stop both and wait for
    them, so nothing keeps the port. Returns the exit code (0 on a signal)."""
    children = [_child("runserver", addrport, "--noreload")]
    if with_worker:
        children.append(_child("worker"))
    stopping = {"signal": None}

    def on_signal(signum, frame):
        stopping["signal"] = signum

    previous = {sig: signal.signal(sig, on_signal)
                for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    code = 0
    try:
        while stopping["signal"] is None:
            ended = [c for c in children if c.poll() is not None]
            if ended:
                code = ended[0].returncode or 0
                break
            time.sleep(0.2)
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 15
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0 if stopping["signal"] is not None else code


def _url(addrport: str) -> str:
    addr, _sep, port = addrport.rpartition(":")
    if not port.isdigit():
        raise CommandError(
            _("“%(value)s” is not an address and port such as 127.0.0.1:8000.") % {"value": addrport}
        )
    host = addr or "127.0.0.1"
    if host in {"0.0.0.0", "::", "[::]"}:
        host = "127.0.0.1"
    return f"http://{host}:{port}/"


class Command(BaseCommand):
    help = _(
        "Create the database tables, load the fictional demo territory (Montclair, Quartier "
        "des Tilleuls) with its accounts, print the address and logins, then serve the "
        "application on 127.0.0.1:8000 (unless --no-serve). Running it again keeps the "
        "existing demo."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true",
                            help=_("Load the demo and exit without starting the web server."))
        parser.add_argument("--addrport", default="127.0.0.1:8000",
                            help=_("Address and port to serve on (default 127.0.0.1:8000)."))

    def handle(self, *args, no_serve: bool = False, addrport: str = "127.0.0.1:8000", **options):
        url = _url(addrport)
        verbosity = options.get("verbosity", 1)
        call_command("migrate", interactive=False, verbosity=max(verbosity - 1, 0))
        result = load_demo()
        territory = result.territory
        if result.created:
            self.stdout.write(self.style.SUCCESS(
                _("Demo territory “%(name)s” created with %(cards)d cards.")
                % {"name": territory.name, "cards": result.card_count}
            ))
        else:
            self.stdout.write(
                _("The demo territory “%(name)s” already exists: it is kept as it is "
                  "(%(cards)d cards).") % {"name": territory.name, "cards": result.card_count}
            )
        self.stdout.write(_("Montclair and the Quartier des Tilleuls are fictional."))
        self.stdout.write("")
        self.stdout.write(_("Address: %(url)s") % {"url": url})
        territory_url = url.rstrip("/") + reverse("territories:home",
                                                  kwargs={"territory": territory.slug})
        self.stdout.write(_("Demo territory: %(url)s") % {"url": territory_url})
        self.stdout.write(_("Demo logins (password “%(password)s” for accounts created by the demo):")
                          % {"password": DEMO_PASSWORD})
        for username, role, created in result.accounts:
            label = _("site administrator") if role == "superuser" else Role(role).label
            note = "" if created else " " + _("(existing account, password unchanged)")
            self.stdout.write(f"  {username:<13} {label}{note}")
        if no_serve:
            return
        self.stdout.write("")
        with_worker = settings.COSPIRAL_TASKS_BACKEND != "immediate"
        if with_worker:
            self.stdout.write(_("A worker runs the background jobs beside the server; "
                                "Ctrl+C stops both."))
        self.stdout.flush()
        code = serve(addrport, with_worker=with_worker)
        if code:
            raise CommandError(_("The server or its worker stopped (exit code %(code)s).")
                               % {"code": code})
