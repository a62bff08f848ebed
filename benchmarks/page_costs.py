"""Benchmark: what each page of the load mix costs the server, one request at a time.

The load benchmark (``load.py``) says how long pages wait under 50 clients; this one
says why: for each page of its mix, in one process with Django's test client, the
median and p95 server time over ``--runs`` requests (after one warm-up request), the
CPU time, and the number of SQL queries. ``--profile PAGE`` prints the 30 most
expensive functions of that page (cProfile, cumulative time; ``--sort tottime``: time in
each function alone). The two writes of the mix are timed as ``load.py`` sends them:
``card_entry`` types a card on the entry page (POST, JSON answer) and ``survey_answer``
is one step of a web questionnaire on the wave ``load.py`` opens (an anonymous client
that starts, answers each indicator, the profile, sends, and starts again); the figures
of these two are per step, and their query count is the last step's.

``--mix N`` then replays ``N`` requests of the load mix in this one process, each page
drawn with ``load.MIX``'s weights (a fixed seed), so that the writes invalidate what the
reads keep, as under load: per page its count and mean, median and max CPU ms, and the
mean CPU ms per request of the whole mix (``mix.cpu_per_request_ms``, to compare with
``load.py``'s ``web_per_request_ms`` without its noise). ``--profile mix`` profiles it.
``--only PAGE,PAGE`` times only these pages one by one (``--only none``: only the mix).

    COSPIRAL_DATA_DIR=/tmp/bench python benchmarks/page_costs.py [--runs 20] [--reuse]
    COSPIRAL_DATA_DIR=/tmp/bench python benchmarks/page_costs.py --reuse --profile home

Database: the load benchmark's (``<data dir>/bench-load.sqlite3`` or
``cospiral_bench_load``), loaded with the demo unless ``--reuse``. Prints one JSON
object (and the profile on standard error)."""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

import benchdb
import load

SRC = Path(__file__).resolve().parents[1] / "src"
USER = "coordination"
SLUG = "montclair-tilleuls"


@contextlib.contextmanager
def _profiled(args, lines: int):
    """Profile the block (nothing when ``args`` is None) and print it on standard error."""
    if args is None:
        yield
        return
    if args.profiler == "pyinstrument":
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        with profiler:
            yield
        print(profiler.output_text(unicode=True, show_all=False), file=sys.stderr)
        return
    profile = cProfile.Profile()
    profile.enable()
    yield
    profile.disable()
    text = io.StringIO()
    pstats.Stats(profile, stream=text).sort_stats(args.sort).print_stats(lines)
    print(text.getvalue(), file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--profile", help="a page of the mix to profile, or mix")
    parser.add_argument("--mix", type=int, default=0, help="requests of the mixed replay")
    parser.add_argument("--only", help="comma-separated pages to time alone (none: no page)")
    parser.add_argument("--sort", default="cumulative", choices=("cumulative", "tottime"),
                        help="the profile's order: time in a function and its calls, or in it alone")
    parser.add_argument("--profiler", default="cprofile", choices=("cprofile", "pyinstrument"),
                        help="pyinstrument: a sampling profiler (its call tree; far "
                             "less overhead than cProfile's; pip install pyinstrument)")
    args = parser.parse_args()
    vendor, where = benchdb.database("cospiral_bench_load", "bench-load.sqlite3", reuse=args.reuse)
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    if not args.reuse:
        subprocess.run([sys.executable, "-m", "cospiral", "demo", "--no-serve"], env=env,
                       check=True, stdout=subprocess.DEVNULL)
    # The public wave and the card-entry target of the load mix (made once, then found).
    setup = json.loads(subprocess.run(
        [sys.executable, "-c", load.SETUP % {"slug": SLUG, "user": USER}],
        env={**env, "DJANGO_SETTINGS_MODULE": "cospiral.settings"}, check=True,
        capture_output=True, text=True).stdout)
    os.environ["COSPIRAL_ONLINE_RATE"] = "100000/m"  # as load.py: one client, many posts
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
    client.get(f"{base}/")  # the CSRF cookie, for the card entry's header
    respondent = Client(HTTP_HOST="127.0.0.1")
    survey = {"next": None, "n": 0}
    typist = random.Random(1)

    def card_entry():
        survey["n"] += 1
        return client.post(f"{base}/cards/entry/", load.card_data(setup, typist),
                           HTTP_ACCEPT="application/json",
                           HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)

    def survey_answer():
        path = survey["next"]
        if path is None:
            response = respondent.post(f"/s/{setup['public_token']}/", {})
        elif "/q/" in path:
            number = int(path.rstrip("/").rsplit("/", 1)[1])
            response = respondent.post(path, {f"level-{number - 1}": "3"})
        elif path.endswith("/review/"):
            response = respondent.post(path, {"send": "1"})
        else:  # about-you
            response = respondent.post(path, {})
        location = response.get("Location", "") if response.status_code == 302 else ""
        survey["next"] = location if location and not location.endswith("/thanks/") else None
        return response

    pages["card_entry"] = card_entry
    pages["survey_answer"] = survey_answer
    out = {"benchmark": "page_costs", "database": vendor, "runs": args.runs,
           "load_average_start": list(os.getloadavg()), "pages": {}}
    only = set(args.only.split(",")) if args.only else None
    for name, path in pages.items():
        if (args.profile and name != args.profile) or (only is not None and name not in only):
            continue
        fetch = path if callable(path) else (lambda path=path: client.get(path))
        fetch()  # warm-up: templates, imports, caches
        if args.profile:
            with _profiled(args, 30):
                for _ in range(args.runs):
                    fetch()
        wall, cpu, queries = [], [], 0
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as captured:
                started, started_cpu = time.perf_counter(), time.process_time()
                status = fetch().status_code
                wall.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
            queries = len(captured.captured_queries)
        out["pages"][name] = {"status": status, "median_ms": round(statistics.median(wall), 1),
                              "p95_ms": round(benchdb.p95(wall), 1),
                              "cpu_median_ms": round(statistics.median(cpu), 1),
                              "queries": queries}
    if args.mix:
        chooser = random.Random(0)
        names, weights = list(load.MIX), list(load.MIX.values())
        fetches = {name: path if callable(path) else (lambda path=path: client.get(path))
                   for name, path in pages.items()}
        # As in load.py, the board of any group that cards are typed for.
        fetches["coding_board"] = lambda: client.get(
            f"{base}/coding/groups/{chooser.choice(setup['targets'])['group']}/")
        for fetch in fetches.values():
            fetch()  # warm-up
        spent: dict[str, list[float]] = {name: [] for name in names}
        with _profiled(args if args.profile == "mix" else None, 40):
            for _ in range(args.mix):
                name = chooser.choices(names, weights)[0]
                started_cpu = time.process_time()
                fetches[name]()
                spent[name].append((time.process_time() - started_cpu) * 1000)
        every = [ms for v in spent.values() for ms in v]
        out["mix"] = {"requests": args.mix,
                      "cpu_per_request_ms": round(statistics.mean(every), 2),
                      "pages": {name: {"count": len(v),
                                       "cpu_mean_ms": round(statistics.mean(v), 1) if v else None,
                                       "cpu_median_ms": round(statistics.median(v), 1) if v else None,
                                       "cpu_max_ms": round(max(v), 1) if v else None}
                                for name, v in spent.items()}}
    out["load_average_end"] = list(os.getloadavg())
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
