"""Benchmark: the global synthesis of a network of 1,000 territories holding 1,000,000
cards (``cospiral generate``, 10 groups × 100 cards per territory, 80 % coded): the
pooled counts by family, component and question (the query) and the whole page
(Django test client), p95; also the page filtered by a group profile and a component's
drill-down page (contributing territories and example cards).

Goals (issue 6): query <= 50 ms and page <= 150 ms server time (p95), on SQLite and on
PostgreSQL.

    COSPIRAL_DATA_DIR=/tmp/bench python benchmarks/global_synthesis.py [--reuse] [--runs 50]
    COSPIRAL_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python benchmarks/global_synthesis.py [--reuse]

Database (``benchdb.database``): on SQLite ``<data dir>/bench-network.sqlite3``; on
PostgreSQL the database ``cospiral_bench_network`` on the server of COSPIRAL_DATABASE_URL.
Without ``--reuse`` it is dropped and built again (about a minute); with ``--reuse`` an
existing database holding the data is used as is. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import benchdb

SEED = 9202
DEFAULT_PG = "cospiral_bench_network"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true",
                        help="use the benchmark database as it is when it already holds the data")
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()

    vendor, _where = benchdb.database(DEFAULT_PG, "bench-network.sqlite3", reuse=args.reuse)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cospiral.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from cospiral.cards.models import Card
    from cospiral.coding.models import CodingCount
    from cospiral.demo.generate import SLUG_PREFIX, existing_generated, generate
    from cospiral.network import selectors
    from cospiral.network.models import Network, NetworkCoordinator, NetworkMembership
    from cospiral.statistics import selectors as stats
    from cospiral.territories.models import Territory

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    built = "reused" if existing_generated(SEED) else generate(
        seed=SEED, territories=1000, groups_per_territory=10, cards_per_group=100).as_dict()
    user = get_user_model().objects.filter(username="bench-network").first() or \
        get_user_model().objects.create_superuser("bench-network", password="bench-network-2026")
    network = Network.objects.filter(slug="bench-network").first()
    territories = list(Territory.objects.filter(slug__startswith=SLUG_PREFIX.format(seed=SEED))
                       .order_by("slug"))
    assert len(territories) == 1000, len(territories)
    if network is None:
        network = Network.objects.create(slug="bench-network", name="Benchmark network")
        NetworkCoordinator.objects.create(network=network, user=user)
        NetworkMembership.objects.bulk_create(
            [NetworkMembership(network=network, territory=t, joined_on=timezone.localdate())
             for t in territories])
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    setup_seconds = time.perf_counter() - started

    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    result = {"benchmark": "global_synthesis", "database": vendor, "cpus": os.cpu_count(),
              "load_average_1min_start": round(os.getloadavg()[0], 2), "data": built,
              "setup_seconds": round(setup_seconds, 1),
              "goals": {"query_p95_ms": 50, "page_p95_ms": 150}}

    def query():
        refs = selectors.member_refs(network)
        return selectors.synthesis(network, refs)

    cold = []
    for _ in range(3):
        stats.CACHE.clear()
        t0 = time.perf_counter()
        report = query()
        cold.append(round((time.perf_counter() - t0) * 1000, 1))
    ids = [t.pk for t in territories]
    # The pooled counts equal the counts table summed directly.
    direct = sum(CodingCount.objects.filter(territory_id__in=ids, component__isnull=False,
                                            counted=True).values_list("count", flat=True))
    assert report.coded == direct, (report.coded, direct)
    url = reverse("network:synthesis", args=[network.slug])
    t0 = time.perf_counter()
    first = client.get(url)
    first_ms = (time.perf_counter() - t0) * 1000
    assert first.status_code == 200, first.status_code
    profile = selectors.profiles_of_network(network)[0]
    component = report.table("components").rows[0][0]
    drill_url = reverse("network:component", args=[network.slug, component])
    assert client.get(drill_url).status_code == 200
    assert client.get(url, {"profile": profile}).status_code == 200
    def drill(code):  # as the page: the members, the grid, the counts per territory, examples
        refs = selectors.member_refs(network)
        cat = stats.catalogue(refs)
        return (selectors.drill_down(refs, code, cat=cat),
                selectors.example_cards(refs, code, user, cat=cat))

    result["network_1m"] = {
        "territories": len(territories),
        "cards": Card.objects.filter(territory_id__in=ids).count(),
        "coded_cards_counted": report.coded,
        "coding_count_rows": CodingCount.objects.filter(territory_id__in=ids).count(),
        "query_cold_ms": cold,
        "query": benchdb.timed(query, args.runs),
        "page_first_ms": round(first_ms, 2),
        "page": benchdb.timed(lambda: client.get(url), args.runs),
        "query_by_profile": benchdb.timed(lambda: selectors.synthesis(
            network, selectors.member_refs(network), profile=profile), args.runs),
        "page_by_profile": benchdb.timed(lambda: client.get(url, {"profile": profile}), args.runs),
        "drill_down_query": benchdb.timed(lambda: drill(component), args.runs),
        "drill_down_page": benchdb.timed(lambda: client.get(drill_url), args.runs),
        "profile": profile, "component": component,
    }
    result["load_average_1min_end"] = round(os.getloadavg()[0], 2)
    result["database_version"] = (".".join(str(v) for v in connection.Database.sqlite_version_info)
                                  if vendor == "sqlite" else str(connection.pg_version))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
