"""Benchmark: statistics of (a) a territory of 100,000 cards and (b) a network of 1,000
territories holding 1,000,000 cards, from ``cospiral generate``.

Goals (issue 3): the statistics query <= 50 ms and the whole page <= 150 ms server time
(p95), on SQLite and on PostgreSQL. Also runs the same aggregation (coded cards by
family × question over the network's 1,000,000 cards) in DuckDB, fed from the database
through NumPy, and reports the ratio.

    COSPIRAL_DATA_DIR=/tmp/bench python benchmarks/statistics_pages.py [--reuse]
    COSPIRAL_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python benchmarks/statistics_pages.py [--reuse]

Database: on SQLite the file ``<data dir>/bench-statistics.sqlite3``; on PostgreSQL a
database ``cospiral_bench_stats`` on the server of COSPIRAL_DATABASE_URL. Without
``--reuse`` both are dropped and built again (generating 1.1 million cards takes about a
minute); with ``--reuse`` an existing database that already holds the data is used as is.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import benchdb

BENCH_DB = "cospiral_bench_stats"
SEED_TERRITORY = 9101  # (a) one territory: 200 groups × 500 cards
SEED_NETWORK = 9102  # (b) 1,000 territories × 10 groups × 100 cards


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true",
                        help="use the benchmark database as it is when it already holds the data")
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()

    vendor, _where = benchdb.database(BENCH_DB, "bench-statistics.sqlite3", reuse=args.reuse)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cospiral.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count, Sum
    from django.test import Client
    from django.urls import reverse

    from cospiral.cards.models import Card
    from cospiral.coding.models import CodingCount
    from cospiral.demo.generate import SLUG_PREFIX, existing_generated, generate
    from cospiral.statistics import selectors
    from cospiral.territories.models import Territory

    call_command("migrate", verbosity=0)
    built = {}
    for seed, kwargs in [(SEED_TERRITORY, dict(territories=1, groups_per_territory=200, cards_per_group=500)),
                         (SEED_NETWORK, dict(territories=1000, groups_per_territory=10, cards_per_group=100))]:
        if existing_generated(seed):
            built[seed] = "reused"
            continue
        summary = generate(seed=seed, **kwargs)
        built[seed] = summary.as_dict()
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    # ``cospiral generate`` writes the exact coding counts itself (CardWriter.flush_counts);
    # check they equal a recomputation for a sample of territories.
    from cospiral.coding import counts

    sample = list(Territory.objects.filter(slug__startswith=SLUG_PREFIX.format(seed=SEED_NETWORK))
                  .order_by("?")[:3])
    sample.append(Territory.objects.get(slug__startswith=SLUG_PREFIX.format(seed=SEED_TERRITORY)))
    assert all(counts.differences(t) == {} for t in sample), "coding counts differ from the cards"

    user = get_user_model().objects.filter(username="bench-stats").first() or \
        get_user_model().objects.create_superuser("bench-stats", password="bench-stats-2026")
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    big = Territory.objects.get(slug__startswith=SLUG_PREFIX.format(seed=SEED_TERRITORY))
    network = list(Territory.objects.filter(slug__startswith=SLUG_PREFIX.format(seed=SEED_NETWORK))
                   .order_by("slug"))
    assert len(network) == 1000
    result = {"benchmark": "statistics", "database": vendor, "cpus": os.cpu_count(),
              "load_average_1min_start": round(os.getloadavg()[0], 2), "data": built,
              "goals": {"query_p95_ms": 50, "page_p95_ms": 150}}

    # (a) one territory of 100,000 cards
    def territory_query():
        return selectors.report([big], subject=big.name, title="", totals_of=big)

    selectors.CACHE.clear()
    started = time.perf_counter()
    rep = territory_query()
    cold = (time.perf_counter() - started) * 1000
    cards_a = Card.objects.of(big).count()
    url_a = reverse("stats:territory", args=[big.slug])
    first_group = big_first_group(big)
    started = time.perf_counter()
    first = client.get(url_a)
    first_page = (time.perf_counter() - started) * 1000
    assert first.status_code == 200
    result["territory_100k"] = {
        "cards": cards_a, "coded_cards": rep.coded, "groups": 200,
        "coding_count_rows": CodingCount.objects.of(big).count(),
        "query_cold_ms": round(cold, 2),
        "query": benchdb.timed(territory_query, args.runs),
        "query_without_cheap_totals": benchdb.timed(
            lambda: selectors.report([big], subject=big.name, title=""), args.runs),
        "cheap_totals_query": benchdb.timed(lambda: selectors.group_totals(big), args.runs),
        "page_first_ms_charts_rendered": round(first_page, 2),
        "page": benchdb.timed(lambda: client.get(url_a), args.runs),
        "group_page": benchdb.timed(lambda: client.get(reverse("stats:group", args=[big.slug, first_group])),
                            args.runs),
        "compare_page": benchdb.timed(lambda: client.get(reverse("stats:compare", args=[big.slug])), args.runs),
    }

    # (b) a network of 1,000 territories, 1,000,000 cards
    def network_query():
        return selectors.report(network, subject="network", title="", by_group=False,
                                by_territory=True)

    selectors.CACHE.clear()
    cold_samples = []
    for _ in range(3):
        selectors.CACHE.clear()
        started = time.perf_counter()
        net = network_query()
        cold_samples.append((time.perf_counter() - started) * 1000)
    url_b = reverse("stats:network", args=[network[0].slug])
    params = {"territory": [t.slug for t in network]}
    started = time.perf_counter()
    first = client.get(url_b, params)
    first_page = (time.perf_counter() - started) * 1000
    assert first.status_code == 200, first.status_code
    ids = [t.pk for t in network]

    def sql_family_question():
        return list(CodingCount.objects.filter(territory_id__in=ids)
                    .values("question__code", "component__parent__code")
                    .annotate(n=Sum("count")).order_by())

    def cards_group_by():
        return list(Card.objects.filter(territory_id__in=ids, deleted_at__isnull=True,
                                        is_split=False, merged_into__isnull=True,
                                        component__isnull=False)
                    .values("question__code", "component__parent__code")
                    .annotate(n=Count("id")).order_by())

    result["network_1m"] = {
        "territories": len(network), "cards": Card.objects.filter(territory_id__in=ids).count(),
        "coded_cards": net.coded,
        "coding_count_rows": CodingCount.objects.filter(territory_id__in=ids).count(),
        "query_cold_ms": [round(s, 1) for s in cold_samples],
        "query": benchdb.timed(network_query, args.runs),
        "page_first_ms_charts_rendered": round(first_page, 2),
        "page": benchdb.timed(lambda: client.get(url_b, params), args.runs),
        "reference_sql_over_coding_counts_family_question": benchdb.timed(sql_family_question, 5),
        "reference_sql_group_by_over_cards_family_question": benchdb.timed(cards_group_by, 3),
    }

    # One coding change: only that territory's summary is read again.
    from cospiral.statistics import services as stamps

    def after_one_change():
        stamps.bump(network[0].pk)
        network_query()

    result["network_1m"]["query_after_one_territory_changed"] = benchdb.timed(after_one_change, 20)

    # DuckDB: the same aggregation over the same cards.
    result["duckdb"] = duckdb_comparison(connection, ids, net, result["network_1m"]["query"],
                                         args.runs)
    result["load_average_1min_end"] = round(os.getloadavg()[0], 2)
    result["database_version"] = (".".join(str(v) for v in connection.Database.sqlite_version_info)
                                  if vendor == "sqlite" else str(connection.pg_version))
    print(json.dumps(result))


def big_first_group(territory) -> int:
    from cospiral.groups.models import Group

    return Group.objects.of(territory).order_by("pk").values_list("pk", flat=True).first()


def duckdb_comparison(connection, ids, net_report, ours: dict, runs: int) -> dict:
    """Load the network's cards (question, component, counted flags) from the database
    into NumPy arrays, hand them to DuckDB with the question and grid tables, and time
    the coded cards by family × question there."""
    import duckdb
    import numpy as np

    from cospiral.cards.models import Question
    from cospiral.grid.models import GridEntry

    started = time.perf_counter()
    columns = {"question_id": [], "component_id": [], "counted": []}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT question_id, COALESCE(component_id, 0), "
            "CASE WHEN deleted_at IS NULL AND NOT is_split AND merged_into_id IS NULL THEN 1 ELSE 0 END "
            "FROM criteria_card WHERE territory_id IN (SELECT id FROM territories_territory "
            "WHERE slug LIKE %s)", ["gen-9102-%"])
        while True:
            rows = cursor.fetchmany(100_000)
            if not rows:
                break
            q, c, k = zip(*rows, strict=True)
            columns["question_id"].append(np.array(q, dtype=np.int64))
            columns["component_id"].append(np.array(c, dtype=np.int64))
            columns["counted"].append(np.array(k, dtype=np.int8))
    cards = {k: np.concatenate(v) for k, v in columns.items()}
    questions = list(Question.objects.filter(territory_id__in=ids).values_list("pk", "code"))
    entries = list(GridEntry.objects.filter(kind="component").values_list("pk", "parent__code"))
    question_table = {"id": np.array([q[0] for q in questions], dtype=np.int64),
                      "code": np.array([q[1] for q in questions], dtype=object)}
    component_table = {"id": np.array([e[0] for e in entries], dtype=np.int64),
                       "family": np.array([e[1] for e in entries], dtype=object)}
    load_seconds = time.perf_counter() - started
    con = duckdb.connect()
    con.register("cards", cards)
    con.register("questions", question_table)
    con.register("components", component_table)
    # Materialise them as DuckDB tables, as a database would hold them.
    con.execute("CREATE TABLE c AS SELECT * FROM cards")
    con.execute("CREATE TABLE q AS SELECT * FROM questions")
    con.execute("CREATE TABLE f AS SELECT * FROM components")
    sql = ("SELECT q.code, f.family, count(*) FROM c JOIN q ON q.id = c.question_id "
           "JOIN f ON f.id = c.component_id WHERE c.counted = 1 GROUP BY 1, 2")

    answer = {}

    def run():
        answer["rows"] = con.execute(sql).fetchall()

    figures = benchdb.timed(run, runs)
    ours_table = net_report.table("families")
    ours_counts = {}
    for row in ours_table.rows:
        for column_index, column in enumerate(ours_table.columns):
            if column.kind == "count" and column.key.endswith("_count") and column.key != "total_count":
                ours_counts[(column.key[:-6], row[0])] = row[column_index]
    theirs = {(q, f): n for q, f, n in answer["rows"]}
    same = all(ours_counts.get(k, 0) == v for k, v in theirs.items()) and \
        sum(ours_counts.values()) == sum(theirs.values())
    return {
        "cards_loaded": int(len(cards["counted"])),
        "load_from_database_seconds": round(load_seconds, 2),
        "query": figures,
        "same_numbers_as_cospiral": same,
        "ratio_cospiral_query_p95_over_duckdb_p95": round(ours["p95_ms"] / figures["p95_ms"], 2)
        if figures["p95_ms"] else None,
        "duckdb_version": duckdb.__version__,
    }


if __name__ == "__main__":
    main()
