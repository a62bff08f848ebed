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
    args = parser.parse_args()

    vendor, _where = benchdb.database(DEFAULT_PG_DB, "bench-packages.sqlite3")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cospiral.settings")
    import django

    django.setup()
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from cospiral.criteria.models import Card
    from cospiral.criteria.services import import_cards
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
        group = group_services.save_group(territory, user, name=f"Group {number + 1}",
                                          kind="homogeneous", profile="benchmark")
        session = group_services.save_session(group, user, date=dt.date(2026, 3, 1 + number))
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


if __name__ == "__main__":
    main()
