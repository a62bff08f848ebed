"""Work on suggestions off the request: a thread per job (or now, or deferred, for tests
and commands), at most one at a time per name."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections

log = logging.getLogger(__name__)

_lock = threading.RLock()
_running: set[str] = set()
_deferred: list[Callable[[], None]] = []


def _background(name: str, fn: Callable, *args) -> None:
    """Run ``fn(*args)`` off the request, once at a time per ``name``.

    ``COSPIRAL_SUGGEST_BACKGROUND`` (a Django setting): ``thread`` (default), ``immediate``
    (now, in this thread: tests and commands), ``deferred`` (kept until
    :func:`run_deferred`: tests that prove a request does no training)."""
    mode = getattr(settings, "COSPIRAL_SUGGEST_BACKGROUND", "thread")
    with _lock:
        if name in _running:
            return
        _running.add(name)

    def run() -> None:
        try:
            fn(*args)
        except Exception:  # noqa: BLE001 - logged; the board works without suggestions
            log.exception("Background work %s on suggestions failed.", name)
        finally:
            with _lock:
                _running.discard(name)
            if mode == "thread":
                close_old_connections()

    if mode == "immediate":
        run()
    elif mode == "deferred":
        _deferred.append(run)
    else:
        threading.Thread(target=run, name=f"cospiral-{name}", daemon=True).start()


def run_deferred() -> int:
    """Run the deferred background work (mode ``deferred``); returns how many ran."""
    ran = 0
    while _deferred:
        _deferred.pop(0)()
        ran += 1
    return ran


def is_busy() -> bool:
    """Whether background work is running or waiting in this process."""
    with _lock:
        return bool(_running or _deferred)
