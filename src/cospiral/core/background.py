"""How core's helpers (the PDFs of ``core.pdfs``) start a background job without
importing the jobs app, which builds on core: the jobs app plugs its starter in when
Django is ready (``JobsConfig.ready``). Apps above core use ``cospiral.jobs`` directly."""

from __future__ import annotations

from collections.abc import Callable


class JobsUnavailable(Exception):
    """The task engine could not take the job (no backend, broker down): nothing was run."""


_start_or_join: Callable | None = None


def plug(start_or_join: Callable) -> None:
    """Install ``start_or_join(kind, *, territory, user, params, same)`` (the jobs app)."""
    global _start_or_join
    _start_or_join = start_or_join


def start_or_join(kind: str, *, territory, user, params: dict, same: dict):
    """The job of this kind in this territory, queued or running, whose fields match the
    lookups ``same``; else a new job started with ``params``. Raises ``JobsUnavailable``
    when the task engine cannot take it."""
    if _start_or_join is None:
        raise RuntimeError("No job engine is installed (is cospiral.jobs in INSTALLED_APPS?).")
    return _start_or_join(kind, territory=territory, user=user, params=params, same=same)
