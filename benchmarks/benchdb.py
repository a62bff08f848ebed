"""What the database benchmarks share: their own database, and p95 timings.

``database`` points ``COSPIRAL_DATABASE_URL`` at the benchmark's own database. On
PostgreSQL (when ``COSPIRAL_DATABASE_URL`` names a PostgreSQL server) that is the
database ``pg_name`` on that server, never the database the URL names, so a benchmark
cannot drop a real one. Otherwise a SQLite file ``sqlite_name`` in ``COSPIRAL_DATA_DIR``
(default ``/tmp/cospiral-bench``). Without ``reuse`` (or when it does not exist yet) the
database is dropped and created empty."""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


def database(pg_name: str, sqlite_name: str, *, reuse: bool = False) -> tuple[str, str]:
    """``(vendor, where)``: "postgresql" and the database name, or "sqlite" and the file."""
    url = os.environ.get("COSPIRAL_DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        parts = urlsplit(url)
        admin = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                  [pg_name]).fetchone()
            if not (reuse and exists):
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{pg_name}"')
        os.environ["COSPIRAL_DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{pg_name}"))
        return "postgresql", pg_name
    directory = Path(os.environ.get("COSPIRAL_DATA_DIR") or "/tmp/cospiral-bench")
    directory.mkdir(parents=True, exist_ok=True)
    os.environ["COSPIRAL_DATA_DIR"] = str(directory)
    path = directory / sqlite_name
    if not reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.environ["COSPIRAL_DATABASE_URL"] = f"sqlite:///{path}"
    return "sqlite", str(path)


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def timed(fn, runs: int) -> dict:
    """p95, median and max of ``runs`` calls of ``fn``, in milliseconds."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return {"p95_ms": round(p95(samples), 2), "median_ms": round(statistics.median(samples), 2),
            "max_ms": round(max(samples), 2), "runs": runs}
