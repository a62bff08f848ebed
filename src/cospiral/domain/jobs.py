"""Rules of a job's life: its states, the moves allowed between them, when a running job
is taken for dead (its worker stopped sending heartbeats), when progress is worth writing,
and who ranks high enough to see a kind of job. Pure Python: no Django."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

QUEUED = "queued"
RUNNING = "running"
SUCCEEDED = "succeeded"
FAILED = "failed"
CANCELLED = "cancelled"

STATES = (QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED)
FINISHED = frozenset({SUCCEEDED, FAILED, CANCELLED})

# From each state, the states a job may move to. A finished job never moves again.
TRANSITIONS: dict[str, frozenset[str]] = {
    QUEUED: frozenset({RUNNING, CANCELLED, FAILED}),
    RUNNING: frozenset({SUCCEEDED, FAILED, CANCELLED}),
    SUCCEEDED: frozenset(),
    FAILED: frozenset(),
    CANCELLED: frozenset(),
}

# Roles from the lowest to the highest: a kind of job names the lowest role that may see it.
ROLE_RANK = {"observer": 0, "partner": 1, "facilitator": 2, "coordinator": 3}


class InvalidTransition(ValueError):
    """A job was asked to move between two states the rules do not link."""


def can_move(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def check_move(current: str, target: str) -> None:
    if not can_move(current, target):
        raise InvalidTransition(f"a job cannot go from {current!r} to {target!r}")


def is_finished(state: str) -> bool:
    return state in FINISHED


def cancel_outcome(state: str) -> str | None:
    """What cancelling does: a queued job is cancelled at once (``"cancelled"``); a running
    one is asked to stop and stops at its next check (``"requested"``); a finished one
    cannot be cancelled (``None``)."""
    if state == QUEUED:
        return CANCELLED
    if state == RUNNING:
        return "requested"
    return None


def last_sign_of_life(started_at: dt.datetime | None,
                      heartbeat_at: dt.datetime | None) -> dt.datetime | None:
    times = [t for t in (started_at, heartbeat_at) if t is not None]
    return max(times) if times else None


def is_stale(state: str, *, started_at: dt.datetime | None, heartbeat_at: dt.datetime | None,
             now: dt.datetime, stale_after: float) -> bool:
    """A running job whose last heartbeat (or start) is older than ``stale_after`` seconds
    has lost its worker: it is to be marked failed. Only running jobs can be stale."""
    if state != RUNNING:
        return False
    seen = last_sign_of_life(started_at, heartbeat_at)
    if seen is None:
        return True
    return (now - seen).total_seconds() > stale_after


def worker_is_gone(job_worker: str, *, this_host: str, alive_pids: set[int] | None = None,
                   pid_alive: Callable[[int], bool] | None = None) -> bool:
    """A running job records its worker as ``host:pid``. On the same host, a job whose
    worker process no longer exists is dead at once (no need to wait for the heartbeat to
    age). On another host nothing can be said (``False``): the heartbeat rule decides."""
    host, sep, pid_text = job_worker.rpartition(":")
    if not sep or host != this_host or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid_alive is not None:
        return not pid_alive(pid)
    return alive_pids is not None and pid not in alive_pids


def should_write_progress(*, last_written: float | None, now: float, done: int, total: int | None,
                          interval: float) -> bool:
    """Progress is written at most once per ``interval`` seconds, except the first and the
    last step (done == total), so a loop of a million steps writes a few rows, not a million."""
    if last_written is None:
        return True
    if total is not None and done >= total:
        return True
    return now - last_written >= interval


def percent(done: int, total: int | None) -> int | None:
    """Whole percentage done, from 0 to 100; ``None`` when the total is not known."""
    if not total or total <= 0:
        return None
    return max(0, min(100, (100 * done) // total))


def may_see(role: str | None, min_role: str) -> bool:
    """Whether a member with ``role`` may see a job of a kind whose lowest role is
    ``min_role`` (an unknown or missing role sees nothing)."""
    if role is None or role not in ROLE_RANK:
        return False
    return ROLE_RANK[role] >= ROLE_RANK[min_role]


def elapsed_seconds(*, created_at: dt.datetime, started_at: dt.datetime | None,
                    finished_at: dt.datetime | None, now: dt.datetime) -> float:
    """Time the job has taken so far (from its start, or its creation while waiting), up to
    its end once finished."""
    begin = started_at or created_at
    end = finished_at or now
    return max(0.0, (end - begin).total_seconds())
