"""Benchmark: the scoring engine (cospiral.domain.scoring) on 1,000,000 responses × 60
indicators, against the same aggregation in DuckDB over the same data, in the same run.

Goals (issue 4): every figure except the bootstrap (per indicator, breakdown by an
8-value profile with suppression, raking weights and n_eff, family and synthetic
indices, extremes, comparison with an ex-ante wave) in <= 0.5 s; bootstrap intervals
for all 60 indicators in <= 0.5 s more; peak memory <= 2 GB; faster than DuckDB
counting per indicator × level × profile.

    python benchmarks/scoring_engine.py [--respondents 1000000] [--indicators 60] [--seed 2026]

Prints one JSON object. Times are the best of ``--repeat`` runs (default 3) with the
first (cold) run reported too. Needs duckdb (``pip install -e .[bench]``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
import tracemalloc

import numpy as np

from cospiral.domain import scoring


def make_wave(rng: np.random.Generator, respondents: int, indicators: int):
    """Levels 1–5 with a different shape per indicator, ~3% don't know, ~2% not
    applicable, ~3% missing; an 8-value profile (2% not stated) and a 4-value one."""
    tilt = rng.dirichlet(np.ones(5) * 2, size=indicators)  # (J, 5) level shares
    special = np.array([0.03, 0.02, 0.03])  # dk, na, missing
    probabilities = np.concatenate([np.broadcast_to(special, (indicators, 3)), tilt * (1 - special.sum())], axis=1)
    codes = np.array([scoring.DONT_KNOW, scoring.NOT_APPLICABLE, scoring.MISSING, 1, 2, 3, 4, 5], dtype=np.int8)
    cumulative = np.cumsum(probabilities, axis=1)
    cumulative[:, -1] = 1.0
    levels = np.empty((respondents, indicators), dtype=np.int8)
    step = 100_000
    for start in range(0, respondents, step):  # generation only, in blocks to bound memory
        u = rng.random((min(step, respondents - start), indicators), dtype=np.float32)
        index = (u[:, :, None] > cumulative[None, :, :].astype(np.float32)).sum(axis=2)
        levels[start : start + step] = codes[np.minimum(index, 7)]
    profile = rng.integers(0, 8, size=respondents, dtype=np.int8)
    profile[rng.random(respondents) < 0.02] = scoring.PROFILE_NOT_STATED
    other = rng.integers(0, 4, size=respondents, dtype=np.int8)
    return levels, profile, other


def timed(function, repeat: int):
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return result, times


def duckdb_counts(levels: np.ndarray, profile: np.ndarray, repeat: int):
    import duckdb

    J = levels.shape[1]
    columns = {f"i{j}": levels[:, j] for j in range(J)}
    columns["profile"] = profile
    connection = duckdb.connect()
    connection.register("wave", columns)
    threads = connection.execute("SELECT current_setting('threads')").fetchall()[0][0]
    # Materialise the table inside DuckDB first, so the timing is the aggregation only.
    connection.execute("CREATE TABLE responses AS SELECT * FROM wave")
    query = (
        "SELECT indicator, level, profile, count(*) AS n FROM "
        "(UNPIVOT responses ON COLUMNS(* EXCLUDE (profile)) INTO NAME indicator VALUE level) "
        "GROUP BY ALL"
    )
    rows, times = timed(lambda: connection.execute(query).fetchall(), repeat)
    # Check it counts what we count.
    total = sum(r[3] for r in rows)
    connection.close()
    return {"seconds": min(times), "seconds_all": times, "groups": len(rows), "total": total, "threads": threads}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=1_000_000)
    parser.add_argument("--indicators", type=int, default=60)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--replicates", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-duckdb", action="store_true")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    levels, profile, other = make_wave(rng, args.respondents, args.indicators)
    before, _, _ = make_wave(np.random.default_rng(args.seed + 1), 150_000, args.indicators)
    families = [f"family {j % 10}" for j in range(args.indicators)]
    labels = [f"profile {k}" for k in range(8)]
    ex_ante = scoring.score(before, families=families)

    def everything():
        weighting = scoring.rake(
            [profile, other], [[1, 1, 1, 1, 2, 2, 2, 2], [0.4, 0.3, 0.2, 0.1]], names=["profile", "other"]
        )
        result = scoring.score(
            levels,
            profile=profile,
            profile_labels=labels,
            weights=weighting,
            families=families,
        )
        comparison = scoring.compare(ex_ante, result)
        return weighting, result, comparison

    (weighting, result, comparison), engine_times = timed(everything, args.repeat)

    def unweighted():
        return scoring.score(levels, profile=profile, profile_labels=labels, families=families)

    plain, plain_times = timed(unweighted, args.repeat)
    boot, boot_times = timed(
        lambda: scoring.bootstrap(result.overall, replicates=args.replicates, seed=args.seed), args.repeat
    )
    # Memory: one more run of both steps under tracemalloc (not timed: tracing slows
    # allocations); the level matrix itself (60 MB) is allocated before and not in it.
    tracemalloc.start()
    everything()
    scoring.bootstrap(result.overall, replicates=args.replicates, seed=args.seed)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    duck = None if args.no_duckdb else duckdb_counts(levels, profile, args.repeat)
    max_rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    engine = min(engine_times)
    bootstrap_seconds = min(boot_times)
    report = {
        "benchmark": "scoring_engine",
        "respondents": args.respondents,
        "indicators": args.indicators,
        "profile_values": 8,
        "seed": args.seed,
        "cpu_count": os.cpu_count(),
        "load_average_1min": os.getloadavg()[0],
        "numpy": np.__version__,
        "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
        "level_matrix_mb": round(levels.nbytes / 1e6, 1),
        "figures_seconds": round(engine, 4),
        "figures_seconds_all": [round(t, 4) for t in engine_times],
        "figures_goal_seconds": 0.5,
        "figures_unweighted_seconds": round(min(plain_times), 4),
        "bootstrap_seconds": round(bootstrap_seconds, 4),
        "bootstrap_seconds_all": [round(t, 4) for t in boot_times],
        "bootstrap_goal_seconds": 0.5,
        "bootstrap_replicates": args.replicates,
        "bootstrap_seed": boot.seed,
        "max_rss_mb": round(max_rss_kib / 1024, 1),
        "engine_tracemalloc_peak_mb": round(traced_peak / 1e6, 1),
        "memory_goal_mb": 2048,
        "weighting": {
            "method": weighting.method,
            "converged": weighting.converged,
            "iterations": weighting.iterations,
            "n_eff": round(weighting.n_eff, 1),
        },
        "suppressed_cells": int(result.breakdown.distribution.suppressed.sum()),
        "synthetic_index": round(float(result.indices.synthetic), 3),
        "synthetic_index_unweighted": round(float(plain.indices.synthetic), 3),
        "extremes": [
            {"indicator": e.indicator, "group": e.group, "low_share": round(e.low_share, 4)}
            for e in result.extremes[:3]
        ],
        "comparison_p_value_min": float(np.ma.min(comparison.p_value)),
    }
    if duck is not None:
        counted = int(np.ma.getdata(plain.overall.raw_counts).sum() + np.ma.getdata(plain.overall.dont_know).sum()
                      + np.ma.getdata(plain.overall.not_applicable).sum() + np.ma.getdata(plain.overall.missing).sum())
        report["duckdb"] = {
            "version": __import__("duckdb").__version__,
            "threads": duck["threads"],
            "seconds": round(duck["seconds"], 4),
            "seconds_all": [round(t, 4) for t in duck["seconds_all"]],
            "result_rows": duck["groups"],
            "same_total": duck["total"] == counted == levels.size,
        }
        report["duckdb_over_engine"] = round(duck["seconds"] / engine, 2)
        report["duckdb_over_engine_unweighted"] = round(duck["seconds"] / min(plain_times), 2)
    report["goals_met"] = {
        "figures": engine <= 0.5,
        "bootstrap": bootstrap_seconds <= 0.5,
        "memory": max_rss_kib / 1024 <= 2048,
        "faster_than_duckdb": None if duck is None else duck["seconds"] > engine,
    }
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
