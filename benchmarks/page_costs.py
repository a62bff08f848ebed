"""Benchmark: what each page of the load mix costs the server, one request at a time.

The load benchmark (``load.py``) says how long pages wait under 50 clients; this one
says why: for each page of its mix, in one process with Django's test client, the
median and p95 server time over ``--runs`` requests (after one warm-up request), the
CPU time, and the number of SQL queries. ``--profile PAGE`` prints the 30 most
expensive functions of that page (cProfile, cumulative time).

    COSPIRAL_DATA_DIR=/tmp/bench python benchmarks/page_costs.py [--runs 20] [--reuse]
    COSPIRAL_DATA_DIR=/tmp/bench python benchmarks/page_costs.py --reuse --profile home

Database: the load benchmark's (``<data dir>/bench-load.sqlite3`` or
``cospiral_bench_load``), loaded with the demo unless ``--reuse``. Prints one JSON
object (and the profile on standard error)."""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import time
from pathlib import Path

import benchdb

SRC = Path(__file__).resolve().parents[1] / "src"
USER = "coordination"
SLUG = "montclair-tilleuls"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--profile", help="a page of the mix to profile")
    parser.add_argument("--sort", default="cumulative", choices=("cumulative", "tottime"),
                        help="the profile's order: time in a function and its calls, or in it alone")
    args = parser.parse_args()
    vendor, where = benchdb.database("cospiral_bench_load", "bench-load.sqlite3", reuse=args.reuse)
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    if not args.reuse:
        subprocess.run([sys.executable, "-m", "cospiral", "demo", "--no-serve"], env=env,
                       check=True, stdout=subprocess.DEVNULL)
    sys.path.insert(0, str(SRC))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cospiral.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from cospiral.groups.models import Group
    from cospiral.surveys.models import Wave
    from cospiral.territories.models import Cycle, Territory

    territory = Territory.objects.get(slug=SLUG)
    wave = Wave.objects.of(territory).order_by("pk").first()
    group = Group.objects.of(territory).order_by("pk").first()
    cycle = 2 if Cycle.objects.of(territory).filter(number=2).exists() else 1
    breakdown = (wave.profile_questions or ["age_band"])[0]
    base = f"/t/{SLUG}"
    pages = {
        "home": f"{base}/", "coding_board": f"{base}/coding/groups/{group.pk}/",
        "statistics": f"{base}/statistics/",
        "results": f"{base}/surveys/{wave.pk}/results/",
        "breakdown": f"{base}/surveys/{wave.pk}/results/?breakdown={breakdown}",
        "pdf": f"{base}/review/{cycle}/pdf/",
    }
    client = Client(HTTP_HOST="127.0.0.1")  # a host the settings allow, as in load.py
    client.force_login(get_user_model().objects.get(username=USER))
    out = {"benchmark": "page_costs", "database": vendor, "runs": args.runs,
           "load_average_start": list(os.getloadavg()), "pages": {}}
    for name, path in pages.items():
        if args.profile and name != args.profile:
            continue
        client.get(path)  # warm-up: templates, imports, caches
        if args.profile:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(args.runs):
                client.get(path)
            profile.disable()
            text = io.StringIO()
            pstats.Stats(profile, stream=text).sort_stats(args.sort).print_stats(30)
            print(text.getvalue(), file=sys.stderr)
        wall, cpu, queries = [], [], 0
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as captured:
                started, started_cpu = time.perf_counter(), time.process_time()
                status = client.get(path).status_code
                wall.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
            queries = len(captured.captured_queries)
        out["pages"][name] = {"status": status, "median_ms": round(statistics.median(wall), 1),
                              "p95_ms": round(benchdb.p95(wall), 1),
                              "cpu_median_ms": round(statistics.median(cpu), 1),
                              "queries": queries}
    out["load_average_end"] = list(os.getloadavg())
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
