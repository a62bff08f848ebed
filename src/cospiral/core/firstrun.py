"""First run from the browser: while no account exists, a one-time setup link.

The token is derived from the secret key (nothing to store) and works only while the
installation has no user at all: the setup page creates the first site administrator,
after which the link is dead for good."""

from __future__ import annotations

import sys

from django.contrib.auth import get_user_model
from django.db import DatabaseError
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac


def setup_token() -> str:
    return salted_hmac("cospiral.first-run", "setup", algorithm="sha256").hexdigest()[:40]


def check_token(token: str) -> bool:
    return constant_time_compare(token or "", setup_token())


def needs_setup() -> bool:
    """True while the installation has no account (False when the database cannot say)."""
    try:
        return not get_user_model().objects.exists()
    except (DatabaseError, RuntimeError):  # no database (yet), or none allowed here
        return False


def setup_path() -> str:
    return reverse("setup", kwargs={"token": setup_token()})


def announce(base_url: str = "") -> str:
    """Print the setup link on the server's console (stderr) and return it."""
    link = f"{base_url}{setup_path()}" if base_url else f"http://<this server>{setup_path()}"
    print(f"\ncospiral has no account yet. Create the first site administrator and "
          f"territory at:\n\n    {link}\n\n(the link stops working once an account exists; "
          f"`cospiral setup-link` prints it again)\n", file=sys.stderr, flush=True)
    return link
