"""Benchmark: import 100,000 cards from a CSV or XLSX file, validation included; and
the refusal of an XLSX "sheet bomb".

Goals: CSV <= 5 s on SQLite, <= 8 s on PostgreSQL (issue 2); XLSX <= 15 s (issue 14);
the 3-million-row sheet bomb refused in <= 5 s and <= 200 MB (issue 14), on 2 cores.

    COSPIRAL_DATA_DIR=/tmp/bench python benchmarks/import_cards.py
    COSPIRAL_DATA_DIR=/tmp/bench python benchmarks/import_cards.py --xlsx
    COSPIRAL_DATA_DIR=/tmp/bench python benchmarks/import_cards.py --bomb
    COSPIRAL_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python benchmarks/import_cards.py

``--bomb`` reads the bomb (``tests/data/import_corpus/generate.py``) in a child process
and reports its wall time and peak resident memory (the whole process, Python and
Django included).

It always works on a fresh database of its own: a new SQLite file in a temporary
directory, or on PostgreSQL a database named ``cospiral_bench`` (dropped and created
again on the server of COSPIRAL_DATABASE_URL). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import sys
import time
from pathlib import Path

import benchdb

BENCH_DB = "cospiral_bench"

WORDS = (
    "un parc propre des bancs la santé un logement décent du travail la sécurité le calme "
    "des amis la famille les transports un médecin proche l'école des commerces le respect "
    "la solidarité moins de bruit des loisirs le sport la culture un jardin partagé l'écoute "
    "la confiance des voisins aimables le marché la propreté des rues l'entraide"
).split()


def build_csv(rng: random.Random, rows: int, groups: list[tuple[str, str]], codes: list[str]) -> bytes:
    """``rows`` distinct cards: half carry a ref, half are recognised by their content."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["group", "question", "text", "session", "language", "channel", "author",
                     "ref", "code"])
    for n in range(1, rows + 1):
        name, date = groups[n % len(groups)]
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9))) + f" ({n})"
        writer.writerow([
            name, rng.choice(("Q1", "Q2", "Q3")), text, date, "fr",
            "paper" if n % 5 else "online", f"p{rng.randint(1, 12)}",
            str(n) if n % 2 else "", rng.choice(codes) if n % 4 == 0 else "",
        ])
    return buffer.getvalue().encode("utf-8")


def to_xlsx(data: bytes) -> bytes:
    """The same rows as an Excel workbook (openpyxl, write-only mode)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Cartes")
    for values in csv.reader(io.StringIO(data.decode("utf-8"))):
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


BOMB_CHILD = """
import os, resource, sys, time
sys.path.insert(0, sys.argv[1]); sys.path.insert(0, sys.argv[2])
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cospiral.settings")
import django; django.setup()
from cospiral.core.tabular import TableRejected, read_table
data = open(sys.argv[3], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
try:
    read_table(data, "bomb.xlsx", required=["group", "question", "text"])
    message = None
except TableRejected as rejected:
    message = str(rejected.errors[0])
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(repr((seconds, before, peak, message)))
"""


def bomb() -> None:
    """The sheet bomb, refused in a child process: time and peak memory."""
    import ast
    import subprocess
    import tempfile

    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root / "tests" / "data" / "import_corpus"))
    from generate import sheet_bomb

    data = sheet_bomb()
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
        handle.write(data)
        handle.flush()
        started = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", BOMB_CHILD, str(root / "src"),
                              str(root / "tests" / "data" / "import_corpus"), handle.name],
                             capture_output=True, text=True, check=True)
        process_seconds = time.perf_counter() - started
    seconds, before, peak, message = ast.literal_eval(out.stdout.strip().splitlines()[-1])
    assert message, "the bomb was accepted"
    print(json.dumps({
        "benchmark": "import_xlsx_sheet_bomb",
        "rows_in_sheet": 3_000_000,
        "file_bytes": len(data),
        "refused": True,
        "message": message,
        "seconds": round(seconds, 3),
        "process_seconds_with_startup": round(process_seconds, 3),
        "peak_rss_mb": round(peak / 1024, 1),
        "rss_before_read_mb": round(before / 1024, 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
        "goal_seconds": 5,
        "goal_mb": 200,
    }, ensure_ascii=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--xlsx", action="store_true", help="import an .xlsx file instead of CSV")
    parser.add_argument("--bomb", action="store_true", help="refuse the 3-million-row sheet bomb")
    args = parser.parse_args()
    if args.bomb:
        bomb()
        return

    vendor, _where = benchdb.database(BENCH_DB, "bench-import-cards.sqlite3")
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
    from cospiral.grid import services as grid_services
    from cospiral.grid.models import GridEntry
    from cospiral.groups import services as group_services
    from cospiral.territories.services import create_territory

    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    user = get_user_model().objects.create_superuser("bench", password="bench-password-2026")
    grid = grid_services.default_version()
    territory = create_territory(slug="bench", name="Bench city", user=user, grid_version=grid)
    groups = []
    for number in range(args.groups):
        group = group_services.save_group(territory, user=user, name=f"Group {number + 1}",
                                          kind="homogeneous", profile="benchmark")
        session = group_services.save_session(group, user=user, date=dt.date(2026, 3, 1 + number))
        groups.append((group.name, session.date.isoformat()))
    codes = list(GridEntry.objects.filter(version=grid, kind="component",
                                          territory__isnull=True).values_list("code", flat=True))
    data = build_csv(rng, args.rows, groups, codes)
    filename = "bench.csv"
    if args.xlsx:
        data, filename = to_xlsx(data), "bench.xlsx"

    started, cpu_started = time.perf_counter(), time.process_time()
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        profile = cProfile.Profile()
        result = profile.runcall(import_cards, territory, data, filename, user=user)
        pstats.Stats(profile, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    else:
        result = import_cards(territory, data, filename, user=user)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started

    stored = Card.objects.of(territory).count()
    assert result.created == args.rows == stored, (result, stored)
    started = time.perf_counter()
    again = import_cards(territory, data, filename, user=user)
    reimport_seconds = time.perf_counter() - started
    assert again.created == 0 and again.skipped_existing == args.rows
    print(json.dumps({
        "benchmark": "import_cards",
        "format": "xlsx" if args.xlsx else "csv",
        "rows": args.rows,
        "file_bytes": len(data),
        "seconds": round(seconds, 3),
        "rows_per_second": round(args.rows / seconds),
        # CPU time of this process (the database server's own work is not included on
        # PostgreSQL): a figure less sensitive than ``seconds`` to other load on the machine.
        "cpu_seconds": round(cpu_seconds, 3),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "reimport_seconds": round(reimport_seconds, 3),
        "database": vendor,
        "database_version": ".".join(str(v) for v in connection.Database.sqlite_version_info)
        if vendor == "sqlite" else str(connection.pg_version),
        "cpus": os.cpu_count(),
        "goal_seconds": 15 if args.xlsx else 5 if vendor == "sqlite" else 8,
    }))


if __name__ == "__main__":
    main()
