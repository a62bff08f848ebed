"""Benchmark: the results page of a survey wave of 1,000,000 submitted questionnaires.

Builds one territory with 60 complete indicators (``--indicators``) and a wave asking
the 4 profile questions (age band, gender, 10 neighbourhoods, 5 group profiles), with
population margins for weighting; inserts 1,000,000 packed questionnaires in bulk (one
executemany on SQLite, COPY on PostgreSQL), computes the wave's exact tallies with the
same vectorised counting as ``services.submit_many`` and checks them against a
recomputation from the stored questionnaires (``selectors.raw_matrix``). Then times the
results page through the Django test client (server time, p95 of ``--runs`` runs):
without breakdown, with a breakdown by neighbourhood, weighted (raking to two margins),
and the comparison page; plus the selector alone.

Goal (issue 4): the results page ≤ 1 s (p95), on SQLite and on PostgreSQL.

    COSPIRAL_DATA_DIR=/tmp/bench python benchmarks/survey_results.py [--reuse]
    COSPIRAL_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \
        python benchmarks/survey_results.py [--reuse]

Database (``benchdb.database``): on SQLite the file ``<data dir>/bench-survey-results.sqlite3``;
on PostgreSQL the database ``cospiral_bench_results`` on the server of
COSPIRAL_DATABASE_URL. Without ``--reuse``
it is dropped and built again; with ``--reuse`` an existing database holding the wave
is used as is. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import benchdb

DEFAULT_DB = "cospiral_bench_results"
SLUG = "bench-survey"
NEIGHBOURHOODS = [f"Neighbourhood {n + 1}" for n in range(10)]
GROUP_PROFILES = ["Young people", "Parents", "Older people", "Workers", "Newcomers"]


def generate(respondents: int, indicators: int, seed: int):
    """Levels (respondents × indicators, int8) and profiles (respondents × 4): levels
    shifted by neighbourhood and age so that breakdowns differ; ≈3 % don't know, 2 % not
    applicable, 3 % no answer; 3 % of each profile answer not stated."""
    import numpy as np

    rng = np.random.default_rng(seed)
    profiles = np.stack([
        rng.integers(0, 6, respondents), rng.integers(0, 3, respondents),
        rng.integers(0, len(NEIGHBOURHOODS), respondents), rng.integers(0, len(GROUP_PROFILES), respondents),
    ], axis=1).astype(np.int16)
    profiles[rng.random(profiles.shape) < 0.03] = -1
    shift = (np.maximum(profiles[:, 2], 0) % 3 - 1)[:, None] * 0.4 + (np.maximum(profiles[:, 0], 0) - 2.5)[:, None] * 0.1
    latent = rng.normal(3.0, 1.1, (respondents, indicators)) + shift + rng.normal(0, 0.5, indicators)[None, :]
    levels = np.clip(np.rint(latent), 1, 5).astype(np.int8)
    u = rng.random((respondents, indicators))
    levels[u < 0.03] = -1
    levels[(u >= 0.03) & (u < 0.05)] = -2
    levels[(u >= 0.05) & (u < 0.08)] = 0
    return levels, profiles


def tallies(levels, profiles):
    """Counts per profile cell × indicator × code, as ``services.submit_many`` makes them."""
    import numpy as np

    from cospiral.domain import survey as rules

    J = levels.shape[1]
    unique, inverse = np.unique(profiles, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    counts = np.zeros(len(unique) * J * rules.N_CODES, dtype=np.int64)
    block = 100_000
    offsets = np.arange(J)[None, :] * rules.N_CODES
    for start in range(0, len(levels), block):
        chunk = levels[start:start + block].astype(np.int64) - rules.LOWEST_CODE
        flat = inverse[start:start + block, None] * (J * rules.N_CODES) + offsets + chunk
        counts += np.bincount(flat.ravel(), minlength=len(counts))
    sizes = np.bincount(inverse, minlength=len(unique))
    return unique, counts.reshape(len(unique), J, rules.N_CODES), sizes


def build(vendor: str, respondents: int, indicators: int, seed: int) -> dict:
    import numpy as np
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from cospiral.domain import survey as rules
    from cospiral.grid.models import GridEntry
    from cospiral.indicators.models import Indicator, IndicatorCriterion
    from cospiral.surveys import selectors, services
    from cospiral.surveys.models import Questionnaire, Wave, WaveTally
    from cospiral.territories.services import create_territory

    steps = {}
    started = time.perf_counter()
    user = get_user_model().objects.create_superuser("bench-survey", password="bench-survey-2026")
    territory = create_territory(slug=SLUG, name="Bench survey town", user=user)
    components = list(GridEntry.objects.filter(version=territory.grid_version, kind="component")
                      .order_by("position"))
    made = Indicator.objects.bulk_create([
        Indicator(territory=territory, code=f"{components[i % len(components)].code}-{i // len(components) + 1}",
                  component=components[i % len(components)],
                  titles={"fr": f"Indicateur {i + 1}", "en": f"Indicator {i + 1}"},
                  levels=[{"fr": f"Niveau {n} de l'indicateur {i + 1}", "en": f"Level {n} of indicator {i + 1}"}
                          for n in range(1, 6)])
        for i in range(indicators)])
    IndicatorCriterion.objects.bulk_create([  # one sorted criterion each: complete indicators
        IndicatorCriterion(territory=territory, indicator=indicator, category="quality",
                           text=f"Criterion of {indicator.code}") for indicator in made])
    common = dict(profile_questions=["age_band", "gender", "neighbourhood", "group_profile"],
                  neighbourhoods=NEIGHBOURHOODS, group_profiles=GROUP_PROFILES,
                  consent_text="Optional questions, used only for anonymous statistics.")
    baseline = services.create_wave(territory, user=user, title="Bench ex-ante", **common)
    wave = services.create_wave(
        territory, user=user, title="Bench ex-post", kind="ex_post", baseline=baseline,
        population_margins={"age_band": [12, 18, 22, 22, 16, 10], "gender": [51, 48, 1]}, **common)
    for w in (baseline, wave):
        services.set_indicators(w, made, user=user)
        services.open_wave(w, user=user)
    steps["setup_s"] = round(time.perf_counter() - started, 2)

    for w, n, wave_seed in ((wave, respondents, seed), (baseline, max(respondents // 10, 1000), seed + 1)):
        started = time.perf_counter()
        levels, profiles = generate(n, indicators, wave_seed)
        steps.setdefault("generate_s", 0.0)
        steps["generate_s"] += round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        insert(vendor, connection, w, levels, profiles)
        steps[f"insert_{n}_s"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        unique, counts, sizes = tallies(levels, profiles)
        with transaction.atomic():
            WaveTally.objects.filter(wave=w).delete()
            WaveTally.objects.bulk_create([
                WaveTally(territory=territory, wave=w, age_band=int(k[0]), gender=int(k[1]),
                          neighbourhood=int(k[2]), group_profile=int(k[3]), respondents=int(size),
                          counts=rules.pack_counts(c))
                for k, c, size in zip(unique, counts, sizes, strict=True)], batch_size=500)
            Wave.objects.filter(pk=w.pk).update(frozen_at=timezone.now())
        steps[f"tallies_{n}_s"] = round(time.perf_counter() - started, 2)
    # The stored questionnaires give back exactly the stored tallies.
    started = time.perf_counter()
    matrix, prof, _ids = selectors.raw_matrix(wave, indicators)
    unique, counts, sizes = tallies(matrix, prof)
    stored = selectors.cells(wave, indicators)
    order = np.lexsort(stored.profiles.T[::-1])
    assert np.array_equal(stored.profiles[order], unique), "tally cells differ"
    assert np.array_equal(stored.counts[order], counts), "tallies differ from the questionnaires"
    assert Questionnaire.objects.filter(wave=wave).count() == respondents
    steps["check_tallies_s"] = round(time.perf_counter() - started, 2)
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return steps


def insert(vendor: str, connection, wave, levels, profiles) -> None:
    """The questionnaires as packed rows, in bulk (no ORM objects)."""
    from django.db import transaction
    from django.utils import timezone

    now = timezone.now()
    table = "surveys_questionnaire"
    columns = ("territory_id", "wave_id", "channel", "key", "respondent_number", "levels",
               "age_band", "gender", "neighbourhood", "group_profile", "consent",
               "submitted_at", "created_at", "updated_at")
    packed = [bytes(row) for row in levels]  # one signed byte per indicator
    prof = profiles.tolist()

    def rows(start, stop):
        for i in range(start, stop):
            p = prof[i]
            yield (wave.territory_id, wave.pk, "import", f"i:{i + 1}", i + 1, packed[i],
                   p[0], p[1], p[2], p[3], any(v >= 0 for v in p), now, now, now)

    if vendor == "postgresql":
        raw = connection.connection if connection.connection else None
        if raw is None:
            connection.ensure_connection()
            raw = connection.connection
        with transaction.atomic(), raw.cursor() as cursor:
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows(0, len(packed)):
                    copy.write_row(row)
        return
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(packed), 100_000):
            cursor.executemany(sql, list(rows(start, min(start + 100_000, len(packed)))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true",
                        help="use the benchmark database as it is when it already holds the wave")
    parser.add_argument("--respondents", type=int, default=1_000_000)
    parser.add_argument("--indicators", type=int, default=60)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    vendor, where = benchdb.database(DEFAULT_DB, "bench-survey-results.sqlite3", reuse=args.reuse)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cospiral.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from cospiral.surveys import selectors
    from cospiral.surveys.models import Questionnaire, Wave, WaveTally

    call_command("migrate", verbosity=0)
    wave = Wave.objects.filter(territory__slug=SLUG, title="Bench ex-post").first()
    if wave is not None and args.reuse:
        built = "reused"
    else:
        if wave is not None:
            raise SystemExit("The benchmark database already holds a wave: run with --reuse, or without it on a fresh database.")
        built = build(vendor, args.respondents, args.indicators, args.seed)
        wave = Wave.objects.get(territory__slug=SLUG, title="Bench ex-post")
    user = get_user_model().objects.get(username="bench-survey")
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    url = reverse("surveys:results", args=[SLUG, wave.pk])
    compare_url = reverse("surveys:results_comparison", args=[SLUG, wave.pk])
    J = wave.items.count()
    result = {"benchmark": "survey_results", "database": vendor, "where": where,
              "cpus": os.cpu_count(), "load_average_1min_start": round(os.getloadavg()[0], 2),
              "built": built, "goals": {"page_p95_ms": 1000},
              "questionnaires": Questionnaire.objects.filter(wave=wave, submitted_at__isnull=False).count(),
              "indicators": J, "profile_questions": len(wave.profile_questions),
              "tally_cells": WaveTally.objects.filter(wave=wave).count()}

    pages = {}
    for name, params in (("page", {}), ("page_breakdown_neighbourhood", {"breakdown": "neighbourhood"}),
                         ("page_breakdown_age_band", {"breakdown": "age_band"}),
                         ("page_weighted_raking", {"weighted": "1"}),
                         ("page_weighted_breakdown", {"weighted": "1", "breakdown": "group_profile"})):
        started = time.perf_counter()
        first = client.get(url, params)
        first_ms = (time.perf_counter() - started) * 1000
        html = first.content.decode()
        assert first.status_code == 200, (name, first.status_code)
        assert f"{result['questionnaires']:,}" in html, "respondents not shown"
        assert html.count("<svg") == 2, "the two charts are missing"
        if params.get("weighted"):
            assert "Effective sample size" in html and "could not be made" not in html
        if params.get("breakdown"):
            assert 'id="breakdown-title"' in html
        pages[name] = {"first_ms_charts_rendered": round(first_ms, 1),
                       **benchdb.timed(lambda params=params: client.get(url, params), args.runs)}
    started = time.perf_counter()
    first = client.get(compare_url)
    assert first.status_code == 200 and "<svg" in first.content.decode()
    pages["comparison_page"] = {"first_ms_charts_rendered": round((time.perf_counter() - started) * 1000, 1),
                                **benchdb.timed(lambda: client.get(compare_url), args.runs)}
    result["pages"] = pages
    result["selector_results"] = benchdb.timed(lambda: selectors.results(wave), args.runs)
    result["selector_results_breakdown"] = benchdb.timed(
        lambda: selectors.results(wave, breakdown="neighbourhood"), args.runs)
    result["within_goal"] = all(p["p95_ms"] <= 1000 for p in pages.values())
    result["load_average_1min_end"] = round(os.getloadavg()[0], 2)
    result["database_version"] = (".".join(str(v) for v in connection.Database.sqlite_version_info)
                                  if vendor == "sqlite" else str(connection.pg_version))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
