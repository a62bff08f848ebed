"""Benchmark: the first view of the demo's heaviest pages by a freshly started web
process (a restart), with and without the warm-up a process does when it loads the
application (``cospiral.warmup``, on by default in ``cospiral.wsgi``).

For each page and each mode, a new Python process loads ``cospiral.wsgi`` as gunicorn
does (timed: ``boot_s``), waits for its warm-up thread (``warm_up_s``: a visitor comes a
few seconds after a restart), then asks for the page twice through Django's test client
as the demo's coordinator (``first_s``, ``second_s``). Charts already drawn are on disk
(``<data dir>/cache/charts``), as after a restart: a first run of the script draws them.

    COSPIRAL_DATA_DIR=/tmp/bench python benchmarks/first_view.py [--reuse]
    COSPIRAL_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python benchmarks/first_view.py

Database: ``<data dir>/bench-first-view.sqlite3`` or ``cospiral_bench_first_view``, with
the demo (``cospiral demo --no-serve``). Prints one JSON object."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import benchdb

BENCH_DB = "cospiral_bench_first_view"
DEMO_SLUG = "montclair-tilleuls"  # the demo's main territory (cospiral/data/demo)
SRC = Path(__file__).resolve().parents[1] / "src"

CHILD = r"""
import json, os, sys, time
started = time.perf_counter()
import cospiral.wsgi  # noqa: F401  (as gunicorn loads the application)
boot = time.perf_counter() - started
from cospiral import warmup
warmup.wait()  # a visitor who comes once the process has warmed up (a few seconds)
warm = time.perf_counter() - started - boot
from django.contrib.auth import get_user_model
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1")
client.force_login(get_user_model().objects.get(username="coordination"))
out = {"boot_s": round(boot, 3), "warm_up_s": round(warm, 3)}
for name in ("first_s", "second_s"):
    t = time.perf_counter()
    response = client.get(sys.argv[1])
    out[name] = round(time.perf_counter() - t, 3)
    out["status"] = response.status_code
print(json.dumps(out))
"""


def pages(slug: str) -> dict[str, str]:
    import django

    django.setup()
    from cospiral.groups.models import Group
    from cospiral.surveys.models import Wave
    from cospiral.territories.models import Territory

    territory = Territory.objects.get(slug=slug)
    group = Group.objects.of(territory).order_by("pk").first()
    wave = Wave.objects.of(territory).order_by("-pk").first()
    base = f"/t/{slug}"
    return {"home": f"{base}/", "statistics": f"{base}/statistics/",
            "results": f"{base}/surveys/{wave.pk}/results/",
            "coding_board": f"{base}/coding/groups/{group.pk}/",
            "review": f"{base}/review/2/"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true", help="keep the database with its demo")
    args = parser.parse_args()
    vendor, where = benchdb.database(BENCH_DB, "bench-first-view.sqlite3", reuse=args.reuse)
    sys.path.insert(0, str(SRC))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cospiral.settings")
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    subprocess.run([sys.executable, "-m", "cospiral", "demo", "--no-serve"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    urls = pages(DEMO_SLUG)
    # Draw every chart once (kept on disk), as a running site had before its restart.
    for url in urls.values():
        subprocess.run([sys.executable, "-c", CHILD, url], env={**env, "COSPIRAL_WARM_UP": "0"},
                       check=True, capture_output=True)
    result = {"benchmark": "first_view", "database": vendor, "where": where,
              "load_average_1m": os.getloadavg()[0], "pages": {}}
    started = time.perf_counter()
    for name, url in urls.items():
        result["pages"][name] = {}
        for mode, flag in (("without_warm_up", "0"), ("with_warm_up", "1")):
            done = subprocess.run([sys.executable, "-c", CHILD, url],
                                  env={**env, "COSPIRAL_WARM_UP": flag},
                                  check=True, capture_output=True, text=True)
            result["pages"][name][mode] = json.loads(done.stdout.strip().splitlines()[-1])
    result["seconds"] = round(time.perf_counter() - started, 2)
    result["load_average_1m_end"] = os.getloadavg()[0]
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
