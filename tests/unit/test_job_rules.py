"""The job state rules of cospiral.domain.jobs, without a database."""

import datetime as dt

import pytest

from cospiral.domain import jobs as rules

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def test_moves_allowed_and_refused():
    assert rules.can_move("queued", "running")
    assert rules.can_move("queued", "cancelled")
    assert rules.can_move("running", "succeeded")
    assert rules.can_move("running", "failed")
    assert rules.can_move("running", "cancelled")
    assert not rules.can_move("queued", "succeeded")
    assert not rules.can_move("running", "queued")
    for finished in ("succeeded", "failed", "cancelled"):
        assert rules.is_finished(finished)
        for target in rules.STATES:
            assert not rules.can_move(finished, target)
    with pytest.raises(rules.InvalidTransition):
        rules.check_move("succeeded", "running")
    rules.check_move("queued", "running")
    assert not rules.is_finished("queued") and not rules.is_finished("running")


def test_cancel_outcome():
    assert rules.cancel_outcome("queued") == "cancelled"
    assert rules.cancel_outcome("running") == "requested"
    assert rules.cancel_outcome("succeeded") is None
    assert rules.cancel_outcome("cancelled") is None


def test_stale_heartbeat_rule():
    old = NOW - dt.timedelta(seconds=301)
    recent = NOW - dt.timedelta(seconds=30)
    assert rules.is_stale("running", started_at=old, heartbeat_at=old, now=NOW, stale_after=300)
    assert not rules.is_stale("running", started_at=old, heartbeat_at=recent, now=NOW,
                              stale_after=300)
    # Started recently, never beat yet: alive.
    assert not rules.is_stale("running", started_at=recent, heartbeat_at=None, now=NOW,
                              stale_after=300)
    assert rules.is_stale("running", started_at=None, heartbeat_at=None, now=NOW, stale_after=300)
    # Only running jobs go stale.
    for state in ("queued", "succeeded", "failed", "cancelled"):
        assert not rules.is_stale(state, started_at=old, heartbeat_at=old, now=NOW,
                                  stale_after=300)


def test_worker_gone_only_judged_on_its_own_host():
    alive = {10, 11}.__contains__
    assert rules.worker_is_gone("web1:12", this_host="web1", pid_alive=alive)
    assert not rules.worker_is_gone("web1:10", this_host="web1", pid_alive=alive)
    assert not rules.worker_is_gone("web2:12", this_host="web1", pid_alive=alive)
    assert not rules.worker_is_gone("", this_host="web1", pid_alive=alive)
    assert not rules.worker_is_gone("web1:abc", this_host="web1", pid_alive=alive)
    assert rules.worker_is_gone("web1:12", this_host="web1", alive_pids={10})


def test_progress_writes_are_throttled_but_the_last_step_is_written():
    assert rules.should_write_progress(last_written=None, now=0, done=0, total=10, interval=1)
    assert not rules.should_write_progress(last_written=5.0, now=5.2, done=3, total=10, interval=1)
    assert rules.should_write_progress(last_written=5.0, now=6.1, done=4, total=10, interval=1)
    assert rules.should_write_progress(last_written=5.0, now=5.1, done=10, total=10, interval=1)
    assert not rules.should_write_progress(last_written=5.0, now=5.1, done=10, total=None,
                                           interval=1)
    # A million steps in 10 s at 0.5 s intervals: about twenty writes, not a million.
    writes, last = 0, None
    for i in range(1, 1_000_001):
        now = i / 100_000
        if rules.should_write_progress(last_written=last, now=now, done=i, total=1_000_000,
                                       interval=0.5):
            writes, last = writes + 1, now
    assert 20 <= writes <= 22


def test_percent_and_elapsed():
    assert rules.percent(0, 4) == 0
    assert rules.percent(1, 3) == 33
    assert rules.percent(5, 4) == 100
    assert rules.percent(3, None) is None and rules.percent(3, 0) is None
    created = NOW - dt.timedelta(seconds=100)
    started = NOW - dt.timedelta(seconds=60)
    assert rules.elapsed_seconds(created_at=created, started_at=None, finished_at=None,
                                 now=NOW) == 100
    assert rules.elapsed_seconds(created_at=created, started_at=started, finished_at=None,
                                 now=NOW) == 60
    assert rules.elapsed_seconds(created_at=created, started_at=started,
                                 finished_at=started + dt.timedelta(seconds=5), now=NOW) == 5


def test_who_may_see_a_kind():
    assert rules.may_see("coordinator", "coordinator")
    assert not rules.may_see("facilitator", "coordinator")
    assert rules.may_see("facilitator", "facilitator")
    assert not rules.may_see("partner", "facilitator")
    assert rules.may_see("observer", "observer")
    assert rules.may_see("partner", "observer")
    assert not rules.may_see(None, "observer")
    assert not rules.may_see("stranger", "observer")
