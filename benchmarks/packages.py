"""Benchmark: export and import the open-data package of a territory with 100,000 cards
and 10,000 survey responses (texts and anonymised answers published: the largest package).

Goal (issue 6): export ≤ 20 s and import ≤ 20 s.

    COSPIRAL_DATA_DIR=/tmp/bench python benchmarks/packages.py
    COSPIRAL_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python benchmarks/packages.py

It works on a fresh database of its own (``benchdb.database``): ``bench-packages.sqlite3``
in the data directory, or on PostgreSQL the database ``cospiral_bench_packages`` on the
server of COSPIRAL_DATABASE_URL (dropped and created again). The cards go in through the
card import service, the questionnaires through ``surveys.services.submit_many``. After
the import, the imported territory is exported again and must give the same bytes.
Prints one JSON object.

With ``--bomb`` it measures instead how a zip bomb is refused (issue 14: ≤ 5 s and
≤ 200 MB): a package of 1.5 GiB of zeros in 1.5 MB (``--bomb-mib``), made at run time by
``tests/zipcraft.py``, through the import service and through ``cospiral import-package``,
the same bomb whose archive directory lies (it declares 1,000 bytes), and a 100 MiB bomb
under the size limits (refused by its compression ratio): wall-clock
seconds, the Python allocations' peak (tracemalloc) and the process's peak resident memory.

    COSPIRAL_DATA_DIR=/tmp/bench python benchmarks/packages.py --bomb
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

import benchdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from import_cards import build_csv  # noqa: E402

DEFAULT_PG_DB = "cospiral_bench_packages"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--responses", type=int, default=10_000)
    parser.add_argument("--indicators", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--bomb", action="store_true", help="time the refusal of a zip bomb")
    parser.add_argument("--bomb-mib", type=int, default=1536, help="MiB of zeros in the bomb")
    args = parser.parse_args()
    if args.bomb:
        bomb(args)
        return

    vendor, _where = benchdb.database(DEFAULT_PG_DB, "bench-packages.sqlite3")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cospiral.settings")
    import django

    django.setup()
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from cospiral.cards.models import Card
    from cospiral.cards.services import import_cards
    from cospiral.domain import survey as rules
    from cospiral.grid import services as grid_services
    from cospiral.grid.models import GridEntry
    from cospiral.groups import services as group_services
    from cospiral.indicators.models import Indicator, IndicatorCriterion
    from cospiral.packages import services
    from cospiral.surveys import services as survey_services
    from cospiral.territories.services import create_territory

    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    user = get_user_model().objects.create_superuser("bench", password="bench-password-2026")
    grid = grid_services.default_version()
    territory = create_territory(slug="bench", name="Bench city", user=user, grid_version=grid)
    territory.publish_card_texts = territory.publish_raw_responses = True
    territory.save()
    groups = []
    for number in range(5):
        group = group_services.save_group(territory, user=user, name=f"Group {number + 1}",
                                          kind="homogeneous", profile="benchmark")
        session = group_services.save_session(group, user=user, date=dt.date(2026, 3, 1 + number))
        groups.append((group.name, session.date.isoformat()))
    components = list(GridEntry.objects.filter(version=grid, kind="component",
                                               territory__isnull=True).order_by("position"))
    import_cards(territory, build_csv(rng, args.cards, groups, [c.code for c in components]),
                 "bench.csv", user=user)
    indicators = [Indicator.objects.create(
        territory=territory, code=f"{c.code}-1", component=c,
        titles={"fr": f"Indicateur {c.code}", "en": f"Indicator {c.code}"},
        levels=[{"fr": f"Niveau {n}", "en": f"Level {n}"} for n in range(1, 6)])
        for c in components[:args.indicators]]
    for indicator in indicators:
        IndicatorCriterion.objects.create(territory=territory, indicator=indicator,
                                          category="possibility", text="Having access")
    wave = survey_services.create_wave(
        territory, user=user, title="Bench wave", profile_questions=["age_band", "neighbourhood"],
        neighbourhoods=["Centre", "North", "South"], consent_text="Optional questions.")
    survey_services.set_indicators(wave, indicators, user=user)
    survey_services.open_wave(wave, user=user)
    choices = rules.choice_counts({"neighbourhood": wave.neighbourhoods, "group_profile": []})
    J = len(indicators)
    sheets = []
    for n in range(args.responses):
        levels = {j: rng.choice((1, 2, 3, 4, 5, 5, 4, -1, 0)) for j in range(J)}
        sheet = rules.make_sheet(levels, J, profile={"age_band": rng.randrange(6),
                                                     "neighbourhood": rng.randrange(3)},
                                 asked=wave.profile_questions, choices=choices, consent=True)
        sheets.append((f"p:{n + 1}", "paper", sheet, n + 1))
    survey_services.submit_many(wave, sheets, user=user)
    survey_services.close_wave(wave, user=user)
    survey_services.publish_results(wave, user=user)  # a published snapshot (issue 13)
    territory.refresh_from_db()

    started = time.perf_counter()
    data = services.export_package(territory)
    export_seconds = time.perf_counter() - started

    territory.slug = "bench-source"
    territory.save(update_fields=["slug"])
    started = time.perf_counter()
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        profile = cProfile.Profile()
        imported = profile.runcall(services.import_package, data, "bench.zip", user=user)
        pstats.Stats(profile, stream=sys.stderr).sort_stats("tottime").print_stats(20)
    else:
        imported = services.import_package(data, "bench.zip", user=user)
    import_seconds = time.perf_counter() - started

    started = time.perf_counter()
    again = services.export_package(imported)
    reexport_seconds = time.perf_counter() - started
    assert again == data, "the re-export of the imported territory differs"
    assert Card.objects.of(imported).count() == args.cards
    print(json.dumps({
        "benchmark": "packages",
        "cards": args.cards,
        "responses": args.responses,
        "indicators": J,
        "package_bytes": len(data),
        "export_seconds": round(export_seconds, 3),
        "import_seconds": round(import_seconds, 3),
        "reexport_seconds": round(reexport_seconds, 3),
        "identical_after_round_trip": again == data,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "database": vendor,
        "database_version": ".".join(str(v) for v in connection.Database.sqlite_version_info)
        if vendor == "sqlite" else str(connection.pg_version),
        "cpus": os.cpu_count(),
        "goal_seconds": 20,
    }))


def bomb(args) -> None:
    import resource
    import tempfile
    import tracemalloc

    vendor, _where = benchdb.database(DEFAULT_PG_DB, "bench-packages.sqlite3")
    root = Path(__file__).resolve().parents[1]
    sys.path[:0] = [str(root / "src"), str(root)]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cospiral.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.core.management.base import CommandError
    from tests import zipcraft

    from cospiral.core.tabular import TableRejected
    from cospiral.packages import services
    from cospiral.territories.models import Territory

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_superuser("bench", password="bench-password-2026")
    size = args.bomb_mib * 1024 ** 2
    rss_setup = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    data = zipcraft.bomb(size)
    lying = zipcraft.bomb(size, declared=1000)
    under = zipcraft.bomb(100 * 1024 ** 2)  # under the size limits: refused by its ratio
    build_seconds = time.perf_counter() - started
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    territories = Territory.objects.count()

    def refuse(archive: bytes) -> dict:
        tracemalloc.start()
        started = time.perf_counter()
        try:
            services.import_package(archive, "bomb.zip", user=user)
        except TableRejected as exc:
            message = str(exc.errors[0])
        else:
            raise AssertionError("the bomb was accepted")
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return {"seconds": round(seconds, 4), "python_peak_mb": round(peak / 1024 ** 2, 2),
                "message": message}

    service = refuse(data)
    lying_result = refuse(lying)
    under_result = refuse(under)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bomb.zip"
        path.write_bytes(data)
        started = time.perf_counter()
        try:
            call_command("import-package", str(path), "--user", "bench", stderr=open(os.devnull, "w"))
        except CommandError as exc:
            command_message = str(exc)
        command_seconds = time.perf_counter() - started
    assert Territory.objects.count() == territories, "something was stored"
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({
        "benchmark": "packages-bomb",
        "bomb_uncompressed_bytes": size,
        "bomb_zip_bytes": len(data),
        "build_seconds": round(build_seconds, 3),
        "service": service,
        "lying_directory": lying_result,
        "bomb_of_100_mib_under_the_size_limits": under_result,
        "command": {"seconds": round(command_seconds, 4), "message": command_message},
        "max_rss_mb_after_django_setup": round(rss_setup, 1),
        "max_rss_mb_before": round(rss_before, 1),
        "max_rss_mb_after": round(rss_after, 1),
        "limit_bytes": services.Limits.from_settings().total_bytes,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "database": vendor,
        "cpus": os.cpu_count(),
        "goal": {"seconds": 5, "memory_mb": 200},
    }))


if __name__ == "__main__":
    main()
