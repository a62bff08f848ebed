"""A process's warm-up (``cospiral.warmup``): the worker's, and what is frozen out of the
garbage collector once it is done."""

from __future__ import annotations

import gc
import threading

import pytest
from django.core.management import call_command

from cospiral import warmup
from cospiral.jobs.management.commands import worker as worker_command


@pytest.fixture
def unfrozen():
    """Leave the collector as the other tests expect it."""
    yield
    gc.unfreeze()


def test_settle_freezes_what_the_process_holds_out_of_the_collector(unfrozen):
    held = [{"n": n} for n in range(1000)]  # tracked objects that live on
    frozen = warmup.settle()
    assert frozen >= len(held) and gc.get_freeze_count() == frozen
    before = len(gc.get_objects())
    assert before < frozen  # a collection no longer walks them
    gc.unfreeze()
    assert gc.get_freeze_count() == 0 and len(gc.get_objects()) >= len(held)


def test_the_warm_up_thread_settles_the_process_once_warm(monkeypatch, unfrozen):
    calls = []
    monkeypatch.setattr(warmup, "warm_up", lambda **kw: calls.append(kw) or {})
    thread = warmup.start(for_jobs=True)
    thread.join(30)
    assert calls == [{"for_jobs": True}]
    assert gc.get_freeze_count() > 0


def test_a_failed_warm_up_freezes_nothing(monkeypatch, unfrozen):
    def broken(**_kw):
        raise RuntimeError("no engine")

    monkeypatch.setattr(warmup, "warm_up", broken)
    warmup.start().join(30)
    assert gc.get_freeze_count() == 0


@pytest.mark.django_db
def test_warm_up_for_jobs_loads_weasyprint_and_its_fonts():
    done = warmup.warm_up(for_jobs=True)
    assert done["weasyprint_s"] > 0 and done["templates"] > 100
    assert "weasyprint_s" not in warmup.warm_up()


@pytest.mark.parametrize(("environ", "on"), [(None, True), ("1", True), ("0", False),
                                              ("no", False), ("off", False), ("FALSE", False)])
def test_warm_up_is_on_unless_turned_off(monkeypatch, environ, on):
    if environ is None:
        monkeypatch.delenv("COSPIRAL_WARM_UP", raising=False)
    else:
        monkeypatch.setenv("COSPIRAL_WARM_UP", environ)
    assert warmup.enabled() is on


@pytest.fixture
def worker_loop(monkeypatch, settings):
    """The worker command with the database backend, its loop and heartbeat replaced."""
    settings.COSPIRAL_TASKS_BACKEND = "database"
    loops, started = [], []
    monkeypatch.setattr(worker_command, "call_command", lambda name, *a, **kw: loops.append(name))
    monkeypatch.setattr(worker_command.services, "worker_loop_beats", lambda **kw: None)
    monkeypatch.setattr(warmup, "start", lambda **kw: started.append(kw) or threading.Thread())
    return loops, started


@pytest.mark.django_db
def test_a_worker_warms_up_for_jobs_beside_its_loop(worker_loop, monkeypatch):
    loops, started = worker_loop
    monkeypatch.delenv("COSPIRAL_WARM_UP", raising=False)
    call_command("worker", nice=0, verbosity=0)
    assert loops == ["db_worker"] and started == [{"for_jobs": True}]


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["batch", "turned off"])
def test_a_batch_worker_or_a_turned_off_warm_up_does_not_warm_up(worker_loop, monkeypatch, how):
    loops, started = worker_loop
    if how == "batch":
        monkeypatch.delenv("COSPIRAL_WARM_UP", raising=False)
    else:
        monkeypatch.setenv("COSPIRAL_WARM_UP", "0")
    call_command("worker", nice=0, verbosity=0, batch=how == "batch")
    assert loops == ["db_worker"] and started == []
